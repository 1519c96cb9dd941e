package e2e

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"

	"mapsync/connectors/sandbox/local"
	"mapsync/engine/controls"
	"mapsync/workflows"
)

// User controls in the model-based test (issue 10, item 3): between the
// edits and the run of a step, the model may pause configurations (all,
// or one configuration type), resume them, disable a configuration or
// contact link, or enable one again, as `mapsync pause|resume|link` do
// (the controls file). Predicted:
//
//   - a held link (paused, sync_disabled) gets that state unless it is
//     orphaned (orphaned outranks both; sync_disabled outranks paused);
//     nothing is written over it, and a field found equal on both sides
//     becomes its memory, as for any link;
//   - a PSA configuration of a paused type waiting to be created is not
//     created;
//   - once lifted, the link syncs again and what changed on each side in
//     the meantime flows by the value rules (the lifted object is listed
//     in full, so changes listed while it was held are seen again).
//
// The controls draw from their own random stream, so a seed's edits are
// the same with or without them.

const (
	stPaused       = "paused"
	stSyncDisabled = "sync_disabled"
)

type modelControls struct {
	rng      *rand.Rand
	paused   bool
	pauseTyp string            // "" = every configuration
	disabled map[*mrec]bool    // links disabled (named by their psa record)
	types    map[string]string // psa configuration id -> configuration type
	// lifted: objects with a control lifted since the last successful
	// run; the next run lists them in full (it may orphan, like a full run).
	lifted map[string]bool
}

func (m *model) ctlState() *modelControls {
	if m.ctl == nil {
		m.ctl = &modelControls{rng: rand.New(rand.NewPCG(m.seed, 0x63746c)), disabled: map[*mrec]bool{}, types: map[string]string{}, lifted: map[string]bool{}}
	}
	return m.ctl
}

// controlStep sets or lifts at most one control.
func (m *model) controlStep(ctx context.Context) {
	c := m.ctlState()
	dir := workflows.SyncDir(m.h.dataDir, m.h.shipped().Name)
	update := func(change func(*controls.Set) error) {
		if _, err := controls.Update(dir, change); err != nil {
			m.t.Fatal(err)
		}
	}
	obj, typeField := m.pauseObject()
	if typeField != "" {
		for id, r := range m.list(ctx, local.SidePSA, obj) {
			if t, ok := r.Fields[typeField].(string); ok {
				c.types[id] = t
			}
		}
	}
	switch k := c.rng.IntN(4); {
	case k == 0 && obj == "":
	case k == 0 && !c.paused:
		c.paused, c.pauseTyp = true, ""
		if c.rng.IntN(2) == 0 && typeField != "" {
			c.pauseTyp = m.cfgType
		}
		update(func(s *controls.Set) error { s.AddPause(obj, c.pauseTyp, time.Now()); return nil })
		m.logf("  pause %s (type %q)", obj, c.pauseTyp)
	case k == 0:
		update(func(s *controls.Set) error { s.Resume(obj, c.pauseTyp); return nil })
		c.paused, c.lifted[obj] = false, true
		m.logf("  resume %s (type %q)", obj, c.pauseTyp)
	case k == 1:
		r := m.pickRec(func(r *mrec) bool { return r.psaID != "" && r.docID != "" && !c.disabled[r] })
		if r == nil {
			return
		}
		update(func(s *controls.Set) error {
			return s.SetLink(r.object, controls.SidePSA, r.psaID, controls.Disable, time.Now())
		})
		c.disabled[r] = true
		m.logf("  disable %s #%d (psa %s)", r.object, r.n, r.psaID)
	case k == 2:
		for r := range c.disabled {
			update(func(s *controls.Set) error { s.Enable(r.object, controls.SidePSA, r.psaID); return nil })
			delete(c.disabled, r)
			c.lifted[r.object] = true
			m.logf("  enable %s #%d (psa %s)", r.object, r.n, r.psaID)
			return
		}
	}
}

// pauseObject is the object the model pauses: configurations when
// modelled, else contacts; typeField is the field a pause by type
// compares with, when the plan names one the PSA's record API reads
// (configurations only: the type of a configuration the model creates is
// known).
func (m *model) pauseObject() (object, typeField string) {
	for _, o := range []string{"configuration", "contact"} {
		if m.fields[o] == nil {
			continue
		}
		tf := m.objs[o].TypeField
		if o != "configuration" || m.cfgType == "" || (m.reads[o] != nil && !m.reads[o][tf]) {
			tf = ""
		}
		return o, tf
	}
	return "", ""
}

// pausedRec: a pause holds the record (a configuration of the paused
// type, or any record of the paused object).
func (m *model) pausedRec(r *mrec) bool {
	c := m.ctl
	if obj, _ := m.pauseObject(); c == nil || !c.paused || r.object != obj {
		return false
	}
	if c.pauseTyp == "" {
		return true
	}
	if r.docOnly {
		// A documentation-only record: its own type decides.
		return c.pauseTyp == "" || strings.EqualFold(r.docType, c.pauseTyp)
	}
	t, ok := c.types[r.psaID]
	if !ok && r.pendingDoc {
		t = m.cfgType
	}
	return t == c.pauseTyp
}

// heldPending: a PSA configuration waiting to be created that a pause
// holds back.
func (m *model) heldPending(r *mrec) bool { return m.pausedRec(r) }

// heldState is the state a control gives a linked record ("" = none).
func (m *model) heldState(r *mrec) string {
	switch {
	case m.ctl != nil && m.ctl.disabled[r]:
		return stSyncDisabled
	case m.pausedRec(r):
		return stPaused
	}
	return ""
}

// hold predicts a run over a held link: its state; no value written;
// fields equal on both sides remembered.
func (m *model) hold(r *mrec) {
	r.state = m.heldState(r)
	for _, f := range m.fields[r.object] {
		if reflect.DeepEqual(r.P[f], r.D[f]) {
			r.SP[f], r.SD[f] = clone1(r.P[f]), clone1(r.D[f])
		}
	}
}

// listedInFull: the run lists object in full because a control of it was
// lifted (an incremental run too).
func (m *model) listedInFull(object string) bool { return m.ctl != nil && m.ctl.lifted[object] }

// heldGone: a link whose PSA record is deleted takes its control's state
// when the run does not list its object in full (a complete listing
// orphans it: orphaned outranks the controls) and it is not orphaned yet.
func (m *model) heldGone(r *mrec, mode string) bool {
	return mode != workflows.ModeFull && !m.listedInFull(r.object) && r.state != stOrphaned && m.heldState(r) != ""
}

// afterRun: a successful run published the controls it applied.
func (m *model) afterRun() {
	if m.ctl != nil {
		clear(m.ctl.lifted)
	}
}
