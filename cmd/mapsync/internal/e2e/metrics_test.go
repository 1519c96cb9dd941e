package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"mapsync/workflows"
	"mapsync/workflows/metrics"
)

// A full sync with metrics on: the worker's /metrics shows the requests
// to both systems, the applied ops, the step and run durations and the
// links by state, with no URL (ids) in the route label.
func TestMetricsOfAFullSync(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, "metrics", small, func(c *workflows.Config) { c.Metrics = m })
	res := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	if writes(res) == 0 {
		t.Fatalf("the run wrote nothing\n%s", summary(res))
	}

	srv := httptest.NewServer(metrics.Handler(reg))
	defer srv.Close()
	body := scrape(ctx, t, srv.URL)
	for _, name := range []string{"mapsync_http_requests_total", "mapsync_ops_total", "mapsync_step_duration_seconds",
		"mapsync_run_duration_seconds", "mapsync_links", "go_goroutines"} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("/metrics has no %s", name)
		}
	}

	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		byName[f.GetName()] = f
	}
	// Requests, by system.
	reqs := map[string]float64{}
	for _, mt := range byName["mapsync_http_requests_total"].GetMetric() {
		l := labels(mt)
		reqs[l["system"]] += mt.GetCounter().GetValue()
		if r := l["route"]; strings.Contains(r, "://") || strings.Contains(r, "?") {
			t.Errorf("route label %q looks like a URL", r)
		}
		if l["method"] == "" || l["status"] == "" {
			t.Errorf("request series without method or status: %v", l)
		}
	}
	if len(h.plan.Systems) < 2 {
		t.Fatalf("the plan has %d systems", len(h.plan.Systems))
	}
	var total float64
	for _, s := range h.plan.Systems {
		if s.Name != h.shipped().PSA && s.Name != h.shipped().Doc {
			continue // another sync's system
		}
		if reqs[s.Name] <= 0 {
			t.Errorf("no requests counted for system %q (%v)", s.Name, reqs)
		}
		total += reqs[s.Name]
	}
	if total < float64(res.Requests) {
		t.Errorf("requests counter %v < the run's %d requests", total, res.Requests)
	}
	// Ops applied: what the run wrote.
	var applied float64
	for _, mt := range byName["mapsync_ops_total"].GetMetric() {
		if labels(mt)["outcome"] == metrics.OutcomeApplied {
			applied += mt.GetCounter().GetValue()
		}
	}
	if applied <= 0 {
		t.Errorf("ops applied = %v, the run wrote %d", applied, writes(res))
	}
	// Step durations: every step kind of a full run observed.
	steps := map[string]uint64{}
	for _, mt := range byName["mapsync_step_duration_seconds"].GetMetric() {
		steps[labels(mt)["step"]] += mt.GetHistogram().GetSampleCount()
	}
	for _, s := range []string{"extract", "match", "apply", "commit"} {
		if steps[s] == 0 {
			t.Errorf("no %s step observed (%v)", s, steps)
		}
	}
	if f := byName["mapsync_run_duration_seconds"]; f == nil || f.GetMetric()[0].GetHistogram().GetSampleCount() != 1 {
		t.Errorf("run duration: want one observation, got %v", f)
	}
	// Links by state: the published links.
	var links float64
	for _, mt := range byName["mapsync_links"].GetMetric() {
		l := labels(mt)
		if l["sync"] != h.shipped().Name || l["object"] == "" || l["state"] == "" {
			t.Errorf("links series with labels %v", l)
		}
		links += mt.GetGauge().GetValue()
	}
	if links <= 0 {
		t.Errorf("links gauge total = %v after a full sync", links)
	}
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func scrape(ctx context.Context, t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s\n%s", resp.Status, b)
	}
	return "\n" + string(b)
}
