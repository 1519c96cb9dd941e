package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"mapsync/connectors/sandbox/local"
	"mapsync/engine/controls"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// column runs a one-column query on the published results (opened for
// the query only: a later publish replaces the file).
func (h *harness) column(ctx context.Context, q string, args ...any) []string {
	h.t.Helper()
	db, err := match.OpenResults(ctx, workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// waitingPushable lists the doc configurations waiting for a push whose
// organization is linked (so a push can create them).
func (h *harness) waitingPushable(ctx context.Context) []string {
	h.t.Helper()
	recs, err := h.sb.ListRecords(ctx, local.SideDoc, "configuration")
	if err != nil {
		h.t.Fatal(err)
	}
	linked := h.column(ctx, `SELECT doc_id FROM links WHERE object = 'organization' AND psa_id IS NOT NULL AND state = 'syncing'`)
	waiting := h.column(ctx, `SELECT doc_id FROM links WHERE object = 'configuration' AND state = 'not_yet_pushed'`)
	var out []string
	for _, r := range recs {
		if slices.Contains(waiting, r.ID) && slices.Contains(linked, r.Org) {
			out = append(out, r.ID)
		}
	}
	return out
}

// pairedConfig reports whether the doc configuration id is linked to a
// psa record.
func (h *harness) pairedConfig(ctx context.Context, id string) bool {
	h.t.Helper()
	return len(h.column(ctx, `SELECT psa_id FROM links WHERE object = 'configuration' AND doc_id = ? AND psa_id IS NOT NULL`, id)) == 1
}

// Doc records reach the PSA: one created after the first sync is pushed by
// the next (incremental) run; pre-existing waiting ones are pushed after an
// edit in the doc system or a user's confirmation (which is then
// forgotten), and the others keep waiting. Nothing is created twice.
func TestPushEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "push", small)
	t.Log(summary(h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})))
	waiting := h.waitingPushable(ctx)
	if len(waiting) < 3 {
		t.Fatalf("the data set leaves %d pushable doc configurations waiting; the test needs 3", len(waiting))
	}
	edited, confirmed, untouched := waiting[0], waiting[1], waiting[2]
	docs, err := h.sb.ListRecords(ctx, local.SideDoc, "configuration")
	if err != nil {
		t.Fatal(err)
	}
	var model local.Record
	for _, r := range docs {
		if r.ID == edited {
			model = r
		}
	}
	psaBefore := h.sb.PSACount("configurations")

	// A record created after two-way sync began: pushed by the next run.
	created, err := h.sb.CreateRecord(ctx, local.SideDoc, "configuration", model.Org, map[string]any{
		"name": "PUSH-NEW-01", "configuration_type": model.Fields["configuration_type"], "configuration_status": model.Fields["configuration_status"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(summary(h.mustSync(ctx, workflows.SyncInput{})))
	if !h.pairedConfig(ctx, created) {
		t.Logf("links: %v", h.column(ctx, `SELECT state || ' ' || coalesce(psa_id, '-') || ' ' || coalesce(reason, '') FROM links WHERE object = 'configuration' AND doc_id = ?`, created))
		t.Logf("runs: %v", h.column(ctx, `SELECT run || ' ' || coalesce(CAST(published_at AS VARCHAR), '-') FROM runs`))
		t.Logf("ops: %v", h.column(ctx, `SELECT run || ' ' || op || ' ' || status || ' ' || source_id || ' ' || coalesce(target_id, '-') || ' ' || coalesce(reason, '') || coalesce(message, '') FROM ops WHERE object = 'configuration' AND op <> 'invalid' AND run NOT IN (SELECT min(run) FROM ops)`))
		t.Logf("unmatched: %v", h.column(ctx, `SELECT run || ' ' || side || ' ' || id || ' ' || action || ' ' || reason FROM unmatched WHERE object = 'configuration' AND side = 'doc' AND action <> 'excluded'`))
		t.Logf("unmatched: %v", h.column(ctx, `SELECT side || ' ' || id || ' ' || action || ' ' || reason FROM unmatched WHERE object = 'configuration' AND id = ?`, created))
		t.Fatalf("the doc configuration %s created after the first sync was not pushed", created)
	}
	for _, id := range waiting {
		if h.pairedConfig(ctx, id) {
			t.Errorf("waiting %s was pushed without a confirmation", id)
		}
	}

	// An edit in the doc system confirms a waiting record.
	if err := h.sb.EditRecord(ctx, local.SideDoc, "configuration", edited, map[string]any{"asset_tag": "PUSH-EDIT"}); err != nil {
		t.Fatal(err)
	}
	t.Log(summary(h.mustSync(ctx, workflows.SyncInput{})))
	if !h.pairedConfig(ctx, edited) {
		t.Errorf("the waiting configuration edited in the doc system was not pushed")
	}

	// A user's confirmation (mapsync push) pushes an unchanged record in a
	// run limited to the object, and is forgotten once linked.
	dir := workflows.SyncDir(h.dataDir, h.shipped().Name)
	if _, err := controls.Update(dir, func(s *controls.Set) error { s.Confirm("configuration", confirmed, time.Now()); return nil }); err != nil {
		t.Fatal(err)
	}
	t.Log(summary(h.mustSync(ctx, workflows.SyncInput{Objects: []string{"configuration"}})))
	if !h.pairedConfig(ctx, confirmed) {
		t.Errorf("the confirmed configuration was not pushed")
	}
	set, err := controls.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Pushes) != 0 {
		t.Errorf("confirmations kept after the push: %+v", set.Pushes)
	}
	if h.pairedConfig(ctx, untouched) {
		t.Errorf("the untouched waiting configuration %s was pushed", untouched)
	}

	// Exactly three records were created, and a full run creates nothing more.
	if got := h.sb.PSACount("configurations"); got != psaBefore+3 {
		t.Errorf("the PSA holds %d configurations, want %d + 3", got, psaBefore)
	}
	again := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	for _, o := range again.Objects {
		if o.Object == "configuration" && (o.Created != 0 || o.Adopted != 0) {
			t.Errorf("a full run after the pushes wrote configurations: %s", summary(again))
		}
	}
}

// Push-all fills a PSA emptied of configurations with the doc
// configurations, once: a second full run creates nothing more.
func TestPushAllEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "push", small)
	if n := h.sb.PSADeleteEvery("configurations", 1); n <= 0 {
		t.Fatalf("emptying the PSA of configurations deleted %d", n)
	}
	res := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, PushAll: []string{"configuration"}})
	t.Log(summary(res))
	var created int64
	for _, o := range res.Objects {
		if o.Object == "configuration" {
			created = o.Created
		}
	}
	if created == 0 || int64(h.sb.PSACount("configurations")) != created {
		t.Fatalf("push-all created %d configurations; the PSA holds %d", created, h.sb.PSACount("configurations"))
	}
	if left := h.waitingPushable(ctx); len(left) != 0 {
		// Only records a required field keeps out may wait.
		reasons := h.column(ctx, `SELECT reason FROM links WHERE object = 'configuration' AND state = 'not_yet_pushed' AND doc_id IN (SELECT unnest(?::VARCHAR[]))`, left)
		for _, r := range reasons {
			t.Logf("still waiting: %s", r)
		}
	}
	again := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	for _, o := range again.Objects {
		if o.Object == "configuration" && o.Created != 0 {
			t.Errorf("a full run after push-all created %d more configurations", o.Created)
		}
	}
	if got := int64(h.sb.PSACount("configurations")); got != created {
		t.Errorf("the PSA holds %d configurations after another run, want %d", got, created)
	}
}
