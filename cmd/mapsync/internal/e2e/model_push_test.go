package e2e

import (
	"context"
	"time"

	"mapsync/connectors/sandbox/local"
	"mapsync/engine/controls"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

// The model's confirmations and pushes (docs/lifecycle.md "Confirmations
// and pushes"): a documentation record created after the first sync is
// pushed to the PSA by the next run; one that existed before waits
// (not_yet_pushed) until it is edited in the documentation system or
// confirmed with mapsync push.

// seedWaiting makes documentation-only configurations that exist before
// configurations are first synced: a first run limited to organizations
// links them, then two configurations are created in the documentation
// system under linked organizations. They wait after the baseline sync.
// It returns their doc ids.
func (m *model) seedWaiting(ctx context.Context) []string {
	m.h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Objects: []string{"organization"}})
	settings := m.h.shipped().Settings
	typ := firstString(settings["configuration_types"])
	switch {
	case !m.waitsForConfirmation("configuration"):
		m.logf("no configuration waits: the sync does not wait for confirmations of configurations")
		return nil
	case typ == "" || m.cfgOn == "":
		m.logf("no configuration waits: the plan names no configuration type and status in scope")
		return nil
	}
	var ids []string
	for _, l := range m.links(ctx)["organization"] {
		if l.state != stSyncing || l.psaID == "" || l.docID == "" || len(ids) == 2 {
			continue
		}
		id, err := m.h.sb.CreateRecord(ctx, local.SideDoc, "configuration", l.docID, map[string]any{
			"name": m.next("wait-"), "serial_number": m.next("sn-"), "notes": m.next("no-"),
			"configuration_type": typ, "configuration_status": m.cfgOn})
		if err != nil {
			m.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// addWaiting models the seeded records whose organization the first sync
// linked: they wait for a confirmation.
func (m *model) addWaiting(ctx context.Context, ids []string) {
	if len(ids) == 0 || m.fields["configuration"] == nil {
		return
	}
	docs := m.list(ctx, local.SideDoc, "configuration")
	for _, id := range ids {
		d := docs[id]
		oi := -1
		for i, o := range m.orgs {
			if o.docID == d.Org {
				oi = i
			}
		}
		if oi < 0 {
			continue // its organization is not linked: never pushed, not modelled
		}
		r := &mrec{n: len(m.recs) + 1, object: "configuration", docID: id, org: oi, docOnly: true, waits: true, state: stNotYetPushed,
			D: pick(d.Fields, m.fields["configuration"])}
		r.docType, _ = d.Fields["configuration_type"].(string)
		r.created = clone(d.Fields)
		m.recs = append(m.recs, r)
		m.logf("baseline: configuration #%d waits in the doc (%s)", r.n, id)
		m.t.Logf("configuration #%d waits in the doc (%s)", r.n, id)
	}
}

// pushAction, now and then, confirms a waiting record: with mapsync
// push's confirmation, or by editing it in the documentation system. It
// reports whether it acted.
func (m *model) pushAction(ctx context.Context) bool {
	var waiting []*mrec
	for _, r := range m.recs {
		if r.docOnly && r.waits {
			waiting = append(waiting, r)
		}
	}
	if len(waiting) == 0 || m.rng.IntN(5) != 0 {
		return false
	}
	r := waiting[m.rng.IntN(len(waiting))]
	if m.rng.IntN(2) == 0 {
		dir := workflows.SyncDir(m.h.dataDir, m.h.shipped().Name)
		if _, err := controls.Update(dir, func(s *controls.Set) error { s.Confirm(r.object, r.docID, time.Now()); return nil }); err != nil {
			m.t.Fatal(err)
		}
		m.logf("  push configuration #%d (doc %s)", r.n, r.docID)
	} else {
		v := m.next("as-")
		if err := m.h.sb.EditRecord(ctx, local.SideDoc, r.object, r.docID, map[string]any{"asset_tag": v}); err != nil {
			m.t.Fatal(err)
		}
		r.D["asset_tag"] = v
		m.logf("  edit waiting configuration #%d (doc %s) asset_tag = %s", r.n, r.docID, v)
	}
	m.t.Logf("configuration #%d confirmed for a push", r.n)
	r.waits = false
	return true
}

// predictPush is what a successful run does to a documentation-only
// record: one still waiting keeps waiting; any other (created after the
// first sync, edited or confirmed since) is created in the PSA with the
// fields that flow there, and linked.
func (m *model) predictPush(r *mrec) {
	if r.waits {
		r.state = stNotYetPushed
		return
	}
	if f := m.missingRequired(r); f != "" {
		// A create without a field the PSA requires is not sent: the
		// record waits (with the reason) under confirmed, and has no
		// link otherwise.
		r.state = ""
		if m.waitsForConfirmation(r.object) {
			r.state = stNotYetPushed
		}
		m.logf("  configuration #%d not pushed: %s required in the psa, empty", r.n, f)
		return
	}
	r.P = map[string]any{}
	for _, f := range m.fields[r.object] {
		r.P[f] = empty(r.D[f])
		if d := m.dirs[r.object][f].Direction; d == plan.DirTwoWay || d == plan.DirToPSA {
			r.P[f] = r.D[f]
		}
	}
	r.SP, r.SD = clone(r.P), clone(r.D)
	r.state, r.docOnly = stSyncing, false
	m.counts[local.SidePSA][r.object]++
}

// pushedID finds the PSA record a push made: the one link of its doc id.
func (m *model) pushedID(r *mrec, byDoc map[string]map[string][]linkRow) {
	if r.psaID == "" && r.docID != "" && !r.docOnly {
		if ls := byDoc[r.object][r.docID]; len(ls) == 1 {
			r.psaID = ls[0].psaID
		}
	}
}

// pushesDue counts documentation-only records a run pushes: a failed run
// may have pushed some already.
func (m *model) pushesDue(object string) int {
	n := 0
	for _, r := range m.recs {
		if r.object == object && r.docOnly && !r.waits {
			n++
		}
	}
	return n
}
