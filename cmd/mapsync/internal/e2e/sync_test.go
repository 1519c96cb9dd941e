package e2e

import (
	"context"
	"testing"
	"time"

	"mapsync/connectors/sandbox/msp"
	"mapsync/workflows"
)

var small = msp.Options{Seed: 7, Companies: 10, ConfigsPerCo: 6, ContactsPerCo: 3, SitesPerCo: 2, TicketsPerCo: 2}

// A first full sync writes, an unchanged rerun (incremental and full)
// writes nothing, and changes on either side flow across.
func TestSyncEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "e2e", small)

	run := h.start(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Tuning: workflows.Tuning{ApplyBatch: 20}})
	var first workflows.SyncResult
	if err := run.Get(ctx, &first); err != nil {
		t.Fatalf("first run failed: %v", err)
	}
	recordHistory(ctx, t, h.c, run)
	t.Log(summary(first))
	if writes(first) == 0 {
		t.Fatal("the first sync wrote nothing")
	}
	for _, o := range first.Objects {
		if o.Errors > 0 {
			t.Errorf("%s: %d record errors in a fault-free run", o.Object, o.Errors)
		}
	}
	h.logErrors()
	again := h.mustSync(ctx, workflows.SyncInput{})
	t.Log(summary(again))
	if n := writes(again); n != 0 {
		t.Errorf("unchanged incremental rerun wrote %d records", n)
	}
	h.logErrors()
	full := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(full))
	if n := writes(full); n != 0 {
		t.Errorf("unchanged full rerun wrote %d records", n)
	}
}
