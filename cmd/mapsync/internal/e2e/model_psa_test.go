package e2e

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/plan"
)

// TestModelNoValueLostEveryPSA runs the model of TestModelNoValueLost
// against every PSA sandbox other than the default one (local.PSANames),
// each with the sync of the shipped mapping set whose psa is that system,
// with a small budget: 1 sequence of 4 steps per PSA
// (MAPSYNC_MODEL_SEQUENCES, MAPSYNC_MODEL_STEPS and MAPSYNC_MODEL_SEED run
// more). A PSA whose sync the shipped set does not hold is skipped, with
// the reason. Everything the model does on a PSA comes from that sync's
// plan and from what the PSA's record API supports, never from its name:
// a one-way sync gets doc-side edits that must not flow, an object the
// PSA lacks is not modelled.
func TestModelNoValueLostEveryPSA(t *testing.T) {
	seqs, steps, seed := envInt("MAPSYNC_MODEL_SEQUENCES", 1), envInt("MAPSYNC_MODEL_STEPS", 4), envInt("MAPSYNC_MODEL_SEED", 1)
	p := testPlan(t)
	ran := 0
	for _, psa := range local.PSANames() {
		if psa == local.DefaultPSA {
			continue // TestModelNoValueLost
		}
		t.Run(psa, func(t *testing.T) {
			if !slices.ContainsFunc(p.Syncs, func(s plan.Sync) bool { return s.PSA == psa }) {
				t.Skipf("the shipped mapping set has no sync whose psa is system.%s", psa)
			}
			ran++
			for i := range seqs {
				s := uint64(seed + i)
				// Each PSA sandbox has the Temporal namespace named after it.
				t.Run("seed="+strconv.FormatUint(s, 10), func(t *testing.T) { runModelSequence(t, psa, psa, s, steps) })
			}
		})
	}
	t.Logf("model run against %d PSA sandboxes besides the default one", ran)
}

// fromPlan takes from the sync's plan what the model predicts with: the
// objects, each field's direction (clamped to its object's: a field of a
// to_doc object only flows to the doc side), the statuses in scope.
func (m *model) fromPlan(s plan.Sync) {
	m.required = map[string]map[string]string{}
	for _, side := range []string{s.Doc, s.PSA} { // the PSA's last: it names the side
		for _, sys := range m.h.plan.Systems {
			if sys.Name != side {
				continue
			}
			for _, o := range sys.Objects {
				for _, f := range o.Fields {
					if f.RequiredOnCreate && f.Name != "organization" { // the parent: always linked
						if m.required[o.Name] == nil {
							m.required[o.Name] = map[string]string{}
						}
						m.required[o.Name][f.Name] = map[bool]string{true: local.SidePSA, false: local.SideDoc}[side == s.PSA]
					}
				}
			}
		}
	}
	m.dirs, m.objs, m.refused = map[string]map[string]plan.FieldSync{}, map[string]plan.ObjectSync{}, map[string]string{}
	for _, o := range s.Objects {
		m.objs[o.Object] = o
		m.dirs[o.Object] = map[string]plan.FieldSync{}
		for _, f := range o.Fields {
			f.Direction, _ = plan.ClampDirection(o.Direction, f.Direction)
			m.dirs[o.Object][f.Name] = f
		}
	}
	// Configurations move out of scope by status when the scope compares
	// the status with a setting that leaves some status out.
	statuses := stringsOf(s.Settings["configuration_statuses"])
	m.statuses = statuses
	m.cfgOn = firstString(statuses)
	m.cfgOff = msp.CfgStatusInactive
	cfg, ok := m.objs["configuration"]
	switch {
	case !ok:
	case !strings.Contains(cfg.Scope, "configuration_status") || len(statuses) == 0:
		m.logf("configurations do not move out of scope by status (scope %q)", cfg.Scope)
	case slices.Contains(statuses, m.cfgOff):
		m.logf("status %q is in scope: configurations do not move out of scope", m.cfgOff)
	default:
		m.scoped = true
	}
}

// fromRecordAPI narrows the model to what the PSA sandbox's record API
// supports: an object it cannot list is neither modelled nor counted; a
// field it does not read (or the plan does not sync) is not drawn.
func (m *model) fromRecordAPI(ctx context.Context) {
	m.fields = map[string][]string{}
	for _, o := range modelObjects {
		if _, ok := m.objs[o]; !ok {
			continue
		}
		recs, err := m.h.sb.ListRecords(ctx, local.SidePSA, o)
		if err != nil {
			m.logf("%s not modelled: %v", o, err)
			m.t.Logf("%s not modelled: %v", o, err)
			continue
		}
		m.counted = append(m.counted, o)
		reads := map[string]bool{}
		for _, r := range recs {
			for f := range r.Fields {
				reads[f] = true
			}
		}
		var fields []string
		for _, f := range modelFields[o] {
			fs, ok := m.dirs[o][f]
			if ok && fs.Direction != plan.DirNone && (len(recs) == 0 || reads[f]) {
				fields = append(fields, f)
			}
		}
		if len(fields) > 0 {
			m.fields[o] = fields
		}
		if len(recs) > 0 {
			if m.reads == nil {
				m.reads = map[string]map[string]bool{}
			}
			m.reads[o] = reads
		}
	}
	if m.fields["configuration"] == nil {
		m.scoped = false
	}
	m.logf("modelled: %v; counted: %v", m.fields, m.counted)
}

// missingRequired names a field the PSA requires on create that a
// doc-only record's push would send empty ("" = none): one the record
// holds empty, one that does not flow to the PSA, or one the model does
// not set (a reference, say).
func (m *model) missingRequired(r *mrec) string {
	vals := clone(r.created)
	for k, v := range r.D {
		vals[k] = v
	}
	var missing []string
	for f, side := range m.required[r.object] {
		d := m.dirs[r.object][f].Direction
		if side == local.SidePSA && (isEmpty(vals[f]) || (d != plan.DirTwoWay && d != plan.DirToPSA)) {
			missing = append(missing, f)
		}
	}
	slices.Sort(missing)
	return strings.Join(missing, ", ")
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	}
	return false
}

// keptAfterDelete: a PSA whose API only deactivates a record (it is
// still listed after a delete) is not asked to delete again; the
// deactivation is modelled as what it is, a change of its status (out of
// scope when the scope compares the status). It reports whether the
// record was kept.
func (m *model) keptAfterDelete(ctx context.Context, r *mrec) bool {
	rec, ok := m.list(ctx, local.SidePSA, r.object)[r.psaID]
	if !ok {
		return false
	}
	status, _ := rec.Fields["configuration_status"].(string)
	m.refused["delete psa configuration"] = "a deleted record is kept, status " + strconv.Quote(status)
	r.touchedSince = true
	if m.scoped && !slices.Contains(m.statuses, status) {
		r.outOfScope = true
	}
	m.logf("  configuration #%d (psa %s) kept by the psa after a delete, status %q (in scope: %v); deletes not drawn again", r.n, r.psaID, status, !r.outOfScope)
	m.t.Logf("the PSA keeps a deleted configuration (status %q): deletes not drawn again", status)
	return true
}

// lacksRequired names a modelled field the PSA requires on create that a
// PSA record holds empty ("" = none).
func (m *model) lacksRequired(object string, fields map[string]any) string {
	for _, f := range m.fields[object] {
		if m.required[object][f] == local.SidePSA && isEmpty(fields[f]) {
			return f
		}
	}
	return ""
}

// listLimit is how many entries a list edit on side may leave: the PSA's
// limit (local.Systems.ListLimit) when the list is the PSA's or flows to
// it; 0 = no limit.
func (m *model) listLimit(side, object, field string) int {
	if d := m.dirs[object][field].Direction; side == local.SideDoc && d != plan.DirTwoWay && d != plan.DirToPSA {
		return 0
	}
	return m.h.sb.ListLimit(local.SidePSA, object, field)
}

// supported keeps the values the PSA's record API reads.
func (m *model) supported(object string, vals map[string]any) map[string]any {
	reads := m.reads[object]
	if reads == nil {
		return vals
	}
	out := map[string]any{}
	for k, v := range vals {
		if reads[k] {
			out[k] = v
		}
	}
	return out
}

// createsInDoc: a PSA record with no counterpart is created in the
// documentation system.
func (m *model) createsInDoc(object string) bool {
	o := m.objs[object]
	return (o.Direction == plan.DirTwoWay || o.Direction == plan.DirToDoc) && o.CreateInDoc
}

// pushes: a documentation record with no counterpart is created in the
// PSA (at once, or once confirmed); otherwise it gets no link.
func (m *model) pushes(object string) bool {
	o := m.objs[object]
	return (o.Direction == plan.DirTwoWay || o.Direction == plan.DirToPSA) && o.CreateInPSA != plan.CreateNever
}

// waitsForConfirmation: documentation records that exist before an
// object's first sync wait for a confirmation.
func (m *model) waitsForConfirmation(object string) bool {
	return m.pushes(object) && m.objs[object].CreateInPSA == plan.CreateConfirmed
}

// tryEdit makes an edit through the record API. An edit a sandbox refuses
// (a field or value it does not take) changes nothing in the model and
// that kind of edit is not drawn again; it reports whether the edit was
// made.
func (m *model) tryEdit(ctx context.Context, side, object, id, field, kind string, v any) bool {
	key := side + " " + object + "." + field + " " + kind
	if m.refused[key] != "" {
		return false
	}
	err := m.h.sb.EditRecord(ctx, side, object, id, map[string]any{field: v})
	if m.refuse(err, key) {
		return false
	}
	if err != nil {
		m.t.Fatalf("edit: %v\nsteps:\n%s", err, strings.Join(m.log, "\n"))
	}
	return true
}

// refusal: errors of a sandbox that refuses what it was asked (not a
// failure of the test).
var refusal = regexp.MustCompile(`not supported|HTTP 4(00|09|22)|HTTP 500: \{"errors"`)

// refuse records a refused edit kind; it reports whether err is one.
func (m *model) refuse(err error, key string) bool {
	if err == nil || !refusal.MatchString(err.Error()) {
		return false
	}
	m.refused[key] = err.Error()
	m.logf("  refused, not drawn again: %s: %v", key, err)
	m.t.Logf("refused, not drawn again: %s: %v", key, err)
	return true
}
