package e2e

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/engine"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// failPages answers 500 to every page after the first of the PSA's
// configuration list while on is true.
type failPages struct {
	on   *bool
	base http.RoundTripper
}

func (f failPages) RoundTrip(req *http.Request) (*http.Response, error) {
	if *f.on && req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/company/configurations") {
		if p, _ := strconv.Atoi(req.URL.Query().Get("page")); p >= 2 {
			return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(`{"code":"InternalError","message":"page unavailable"}`)), Request: req}, nil
		}
	}
	return f.base.RoundTrip(req)
}

// A full run whose PSA listing fails after its first page fails, and
// orphans nothing: records missing from a listing that did not finish are
// not taken for deleted. Once the listing works again, a full run finds
// everything in place (nothing orphaned, nothing written).
func TestFailedExtractOrphansNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	failing := false
	h := newHarnessWith(t, "partial", small, func(cfg *workflows.Config) {
		cfg.ConnectorOptions = []connectors.Option{connectors.WithClock(fastClock{}),
			connectors.WithTransport(failPages{on: &failing, base: http.DefaultTransport})}
	})
	// Small pages, so the configurations take several.
	for i := range h.plan.Systems {
		if h.plan.Systems[i].Name == h.shipped().PSA {
			h.plan.Systems[i].Paging.Size = 10
		}
	}
	hash, err := engine.Hash(h.plan)
	if err != nil {
		t.Fatal(err)
	}
	h.plan.Hash = hash
	if _, err := workflows.NewPlanStore(workflows.PlanDir(h.dataDir)).Save(h.plan); err != nil {
		t.Fatal(err)
	}
	tuning := workflows.Tuning{MaxAttempts: 2}

	first := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Tuning: tuning})
	t.Log(summary(first))

	failing = true
	res, err := h.sync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Tuning: tuning})
	if err == nil {
		t.Fatalf("a run whose listing failed part-way succeeded:\n%s", summary(res))
	}
	t.Logf("failed as it should: %v", err)
	if n := orphaned(ctx, t, h); n != 0 {
		t.Fatalf("%d links orphaned after a failed listing", n)
	}

	failing = false
	again := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Tuning: tuning})
	t.Log(summary(again))
	for _, o := range again.Objects {
		if o.Orphaned != 0 || o.Planned.Orphan != 0 {
			t.Errorf("%s: %d orphaned after the listing recovered", o.Object, o.Orphaned)
		}
	}
	if n := orphaned(ctx, t, h); n != 0 {
		t.Errorf("%d links orphaned", n)
	}
}

// orphaned counts the orphaned links in the published results.
func orphaned(ctx context.Context, t *testing.T, h *harness) int64 {
	t.Helper()
	db, err := match.OpenResults(ctx, workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM links WHERE state = 'orphaned'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
