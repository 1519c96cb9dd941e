package e2e

import (
	"context"
	"testing"
	"time"

	"mapsync/engine/steps"
	"mapsync/workflows"
)

// Through the workflow: a full run lists the sites of every linked
// company and starts the sweep (stored with the cursors); unchanged
// incremental runs seconds apart list the sites of at most the sweep's one
// company (sweep = "24h" over 10 companies: one every 2.4 h of the sweep's
// clock, read in advance by the first run), and write nothing.
func TestSweepSitesEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarnessWith(t, "refs", small, func(c *workflows.Config) { c.Lookback = time.Millisecond })
	h.sb.ResetLogs()
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	_, fullSites := counts(h.sb.Logs()[0], "/sites")
	sweeps, err := steps.LoadSweeps(workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil {
		t.Fatal(err)
	}
	key := workflows.CursorKey("location", workflows.SidePSA)
	full, ok := sweeps[key]
	if !ok || full.At.IsZero() || full.After != "" {
		t.Fatalf("after a full run the sweep of %s is %+v (stored: %v), want started at the run's start from the first parent", key, full, ok)
	}
	h.mustSync(ctx, workflows.SyncInput{}) // reads back the full run's writes
	time.Sleep(1100 * time.Millisecond)    // the PSA's dates have whole seconds
	for i := range 2 {
		h.sb.ResetLogs()
		res := h.mustSync(ctx, workflows.SyncInput{})
		_, sites := counts(h.sb.Logs()[0], "/sites")
		t.Logf("unchanged run %d: %d site listings (full run: %d)", i+1, sites, fullSites)
		if n := writes(res); n != 0 {
			t.Errorf("unchanged incremental run %d wrote %d records\n%s", i+1, n, summary(res))
		}
		if sites > 1 {
			t.Errorf("unchanged incremental run %d listed the sites of %d companies, want at most the sweep's 1 (the full run listed %d)", i+1, sites, fullSites)
		}
	}
	if fullSites < 5 {
		t.Errorf("the full run listed the sites of %d companies, want every linked one", fullSites)
	}
	sweeps, err = steps.LoadSweeps(workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil {
		t.Fatal(err)
	}
	if got := sweeps[key]; got.After == "" || !got.At.After(full.At) {
		t.Errorf("after incremental runs the sweep is %+v, want moved on from %+v", got, full)
	}
}
