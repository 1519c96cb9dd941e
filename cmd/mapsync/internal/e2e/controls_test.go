package e2e

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"mapsync/engine/controls"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// cfgLink is one configuration link of the published results.
type cfgLink struct{ psa, doc, typ, state string }

func (h *harness) syncDir() string { return workflows.SyncDir(h.dataDir, h.shipped().Name) }

// cfgLinks reads the configuration links, by psa id.
func (h *harness) cfgLinks(ctx context.Context) map[string]cfgLink {
	h.t.Helper()
	db, err := match.OpenResults(ctx, h.syncDir())
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT psa_id, doc_id, coalesce(json_extract_string(psa_synced, '$.configuration_type'), ''), state
		FROM links WHERE object = 'configuration' AND psa_id IS NOT NULL AND doc_id IS NOT NULL ORDER BY psa_id`)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]cfgLink{}
	for rows.Next() {
		var l cfgLink
		if err := rows.Scan(&l.psa, &l.doc, &l.typ, &l.state); err != nil {
			h.t.Fatal(err)
		}
		out[l.psa] = l
	}
	return out
}

// field reads one field of one record of a sandbox.
func (h *harness) field(ctx context.Context, side, object, id, field string) any {
	h.t.Helper()
	recs, err := h.sb.ListRecords(ctx, side, object)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, r := range recs {
		if r.ID == id {
			return r.Fields[field]
		}
	}
	h.t.Fatalf("%s %s %s not found", side, object, id)
	return nil
}

func (h *harness) edit(ctx context.Context, side, id string, values map[string]any) {
	h.t.Helper()
	if err := h.sb.EditRecord(ctx, side, "configuration", id, values); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) control(change func(*controls.Set) error) {
	h.t.Helper()
	if _, err := controls.Update(h.syncDir(), change); err != nil {
		h.t.Fatal(err)
	}
}

// linkStatesAttr reads the MapsyncLinkStates search attribute of a run.
func linkStatesAttr(ctx context.Context, t *testing.T, c client.Client, run client.WorkflowRun) []string {
	t.Helper()
	d, err := c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	p := d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["MapsyncLinkStates"]
	if p == nil {
		return nil
	}
	var out []string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Issue 10, controls, through the workflows: a paused configuration type
// holds edits on either side of its records and lets them flow once
// resumed; a disabled link holds its edits until enabled; a disconnected
// pair keeps both records, is never paired again (a full run creates no
// duplicate) and, enabled, syncs again.
func TestControlsHoldAndRelease(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	// A short lookback: an incremental run lists only what changed since
	// the last run, so a held record's edit is not listed again by
	// chance; the lifted control must make the run list it.
	h := newHarnessWith(t, "controls", small, func(c *workflows.Config) { c.Lookback = time.Millisecond })
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	cfgOnly := workflows.SyncInput{Mode: workflows.ModeIncremental, Objects: []string{"configuration"}}

	links := h.cfgLinks(ctx)
	var a, b cfgLink // a: of the paused type; b: of another type
	for _, k := range slices.Sorted(maps.Keys(links)) {
		l := links[k]
		switch {
		case a.psa == "" && l.typ != "":
			a = l
		case a.psa != "" && b.psa == "" && l.typ != a.typ:
			b = l
		}
	}
	if a.psa == "" || b.psa == "" {
		t.Fatalf("need configurations of two types among %d links", len(links))
	}
	psaCount, docCount := h.sb.PSACount("configurations"), h.sb.DocCount("configurations")

	// Pause a's type; edits on both sides of a, and of b.
	h.control(func(s *controls.Set) error { s.AddPause("configuration", a.typ, time.Now()); return nil })
	aName, aTag := h.field(ctx, "psa", "configuration", a.psa, "name"), h.field(ctx, "doc", "configuration", a.doc, "asset_tag")
	h.edit(ctx, "doc", a.doc, map[string]any{"name": "paused doc edit"})
	h.edit(ctx, "psa", a.psa, map[string]any{"asset_tag": "PAUSED-PSA"})
	h.edit(ctx, "doc", b.doc, map[string]any{"name": "unpaused doc edit"})
	run := h.start(ctx, cfgOnly)
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := h.cfgLinks(ctx)[a.psa].state; got != match.StatePaused {
		t.Errorf("a's link is %s while its type is paused", got)
	}
	if got := linkStatesAttr(ctx, t, h.c, run); !slices.Contains(got, "configuration:paused") {
		t.Errorf("MapsyncLinkStates = %v, want configuration:paused among them", got)
	}
	if got := h.field(ctx, "psa", "configuration", a.psa, "name"); got != aName {
		t.Errorf("paused: the doc's edit reached the psa (%v)", got)
	}
	if got := h.field(ctx, "doc", "configuration", a.doc, "asset_tag"); got != aTag {
		t.Errorf("paused: the psa's edit reached the doc (%v)", got)
	}
	if got := h.field(ctx, "psa", "configuration", b.psa, "name"); got != "unpaused doc edit" {
		t.Errorf("another type's edit did not flow: %v", got)
	}

	// Resume: both held edits flow, each to the other side.
	h.control(func(s *controls.Set) error { s.Resume("configuration", a.typ); return nil })
	h.mustSync(ctx, cfgOnly)
	if got := h.field(ctx, "psa", "configuration", a.psa, "name"); got != "paused doc edit" {
		t.Errorf("resumed: psa name %v, want the doc's edit", got)
	}
	if got := h.field(ctx, "doc", "configuration", a.doc, "asset_tag"); got != "PAUSED-PSA" {
		t.Errorf("resumed: doc asset tag %v, want the psa's edit", got)
	}
	if got := h.cfgLinks(ctx)[a.psa].state; got != match.StateSyncing {
		t.Errorf("resumed: a's link is %s", got)
	}

	// Disable a's link (named by its doc record): its edit is held.
	h.control(func(s *controls.Set) error {
		return s.SetLink("configuration", controls.SideDoc, a.doc, controls.Disable, time.Now())
	})
	h.edit(ctx, "doc", a.doc, map[string]any{"name": "disabled doc edit"})
	h.mustSync(ctx, cfgOnly)
	if got := h.cfgLinks(ctx)[a.psa].state; got != match.StateSyncDisabled {
		t.Errorf("a's link is %s, want sync_disabled", got)
	}
	if got := h.field(ctx, "psa", "configuration", a.psa, "name"); got != "paused doc edit" {
		t.Errorf("disabled: the doc's edit reached the psa (%v)", got)
	}

	// Disconnect b: both records stay; a full run pairs nothing anew and
	// creates nothing.
	h.control(func(s *controls.Set) error {
		return s.SetLink("configuration", controls.SidePSA, b.psa, controls.Disconnect, time.Now())
	})
	h.edit(ctx, "doc", b.doc, map[string]any{"name": "disconnected doc edit"})
	h.mustSync(ctx, cfgOnly)
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	l := h.cfgLinks(ctx)[b.psa]
	if l.state != match.StateDisconnected || l.doc != b.doc {
		t.Errorf("b's link is %+v, want disconnected, same doc record", l)
	}
	if p, d := h.sb.PSACount("configurations"), h.sb.DocCount("configurations"); p != psaCount || d != docCount {
		t.Errorf("configurations psa %d doc %d after the disconnect, want %d and %d (nothing created)", p, d, psaCount, docCount)
	}
	if got := h.field(ctx, "psa", "configuration", b.psa, "name"); got != "unpaused doc edit" {
		t.Errorf("disconnected: the doc's edit reached the psa (%v)", got)
	}

	// Enable both: reconnected, and the held edits flow.
	h.control(func(s *controls.Set) error {
		s.Enable("configuration", controls.SideDoc, a.doc)
		s.Enable("configuration", controls.SidePSA, b.psa)
		return nil
	})
	h.mustSync(ctx, cfgOnly)
	now := h.cfgLinks(ctx)
	if now[a.psa].state != match.StateSyncing || now[b.psa].state != match.StateSyncing || now[b.psa].doc != b.doc {
		t.Errorf("enabled: a %+v, b %+v, want both syncing, b with its doc record", now[a.psa], now[b.psa])
	}
	if got := h.field(ctx, "psa", "configuration", a.psa, "name"); got != "disabled doc edit" {
		t.Errorf("enabled: a's psa name %v, want the doc's edit", got)
	}
	if got := h.field(ctx, "psa", "configuration", b.psa, "name"); got != "disconnected doc edit" {
		t.Errorf("reconnected: b's psa name %v, want the doc's edit", got)
	}
	if p, d := h.sb.PSACount("configurations"), h.sb.DocCount("configurations"); p != psaCount || d != docCount {
		t.Errorf("configurations psa %d doc %d after enabling, want %d and %d", p, d, psaCount, docCount)
	}

	// Disconnect an organization: the PSA custom fields shown on its doc
	// record (a read-only overlay, clear_on_disconnect) are removed by the
	// run that applies the disconnect; the PSA record is not written.
	org := h.orgWithCustomFields(ctx)
	psaWrites := h.sandboxWrites()
	h.control(func(s *controls.Set) error {
		return s.SetLink("organization", controls.SidePSA, org.psa, controls.Disconnect, time.Now())
	})
	res := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental, Objects: []string{"organization"}})
	if got := h.docCustomFields(ctx, "/organizations/"+org.doc); len(got) != 0 {
		t.Errorf("disconnected organization %s still shows PSA custom fields %v", org.doc, got)
	}
	if n := writes(res); n != 1 {
		t.Errorf("the disconnect run wrote %d records, want 1 (the doc organization's overlay cleared): %s", n, summary(res))
	}
	if got := h.sandboxWrites() - psaWrites; got != 1 {
		t.Errorf("the sandboxes received %d writes, want 1", got)
	}
}

// orgWithCustomFields finds a linked organization whose doc record shows
// PSA custom fields.
func (h *harness) orgWithCustomFields(ctx context.Context) cfgLink {
	h.t.Helper()
	db, err := match.OpenResults(ctx, h.syncDir())
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT psa_id, doc_id, state FROM links
		WHERE object = 'organization' AND state = 'syncing' AND psa_id IS NOT NULL AND doc_id IS NOT NULL ORDER BY psa_id`)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var l cfgLink
		if err := rows.Scan(&l.psa, &l.doc, &l.state); err != nil {
			h.t.Fatal(err)
		}
		if len(h.docCustomFields(ctx, "/organizations/"+l.doc)) > 0 {
			return l
		}
	}
	h.t.Fatal("no linked organization shows PSA custom fields")
	return cfgLink{}
}

// docCustomFields reads the psa-custom-fields overlay of a doc record.
func (h *harness) docCustomFields(ctx context.Context, path string) []any {
	h.t.Helper()
	var doc struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := h.sb.DocRequest(ctx, http.MethodGet, path, nil, &doc); err != nil {
		h.t.Fatal(err)
	}
	list, _ := doc.Data.Attributes["psa-custom-fields"].([]any)
	return list
}
