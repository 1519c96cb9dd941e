package e2e

import (
	"bytes"
	"context"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/workflows"
)

// issueFaults is the fault spec under which a full sync once created a
// location twice and under-counted its requests; the share of lost
// create responses is raised so that every run loses some.
const issueFaults = "5xx=0.1,429=0.05;POST *:timeout_after_commit=0.05;POST /organizations/*/relationships/locations:timeout_after_commit=1"

// A full sync through the workflows under the issue's faults: the
// documentation sandbox ends exactly as after a fault-free sync (no
// duplicate), and the run's request count, summed over every attempt of
// every activity, equals what the sandboxes logged.
func TestFullSyncUnderFaultsCreatesOnceAndCountsEveryRequest(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	tuning := workflows.Tuning{ApplyBatch: 5, ApplyParallel: 2}

	clean := newHarness(t, "once", small)
	clean.sb.ResetLogs()
	res := clean.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Tuning: tuning})
	wantDoc := normalise(t, func(b *bytes.Buffer) error { return clean.sb.DumpDocFixture(b) })
	if logged := loggedRequests(clean); res.Requests != logged {
		t.Errorf("fault-free run: %d requests counted, the sandboxes logged %d\n%s", res.Requests, logged, summary(res))
		for _, l := range clean.sb.Logs() {
			t.Logf("logged: %v", l.ByRoute)
		}
	}
	clean.stopWorker()

	h := newHarnessWith(t, "once", small, func(cfg *workflows.Config) {
		cfg.ConnectorOptions = []connectors.Option{connectors.WithClock(fastClock{})}
	})
	h.sb.ResetLogs()
	setFaults(t, h, issueFaults)
	got, err := h.sync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Tuning: tuning})
	setFaults(t, h, "")
	if err != nil {
		h.logErrors()
		t.Fatalf("run under faults: %v", err)
	}
	t.Log("under faults " + summary(got))
	lost := 0
	for _, l := range h.sb.Logs() {
		lost += l.Faults["timeout_after_commit"]
	}
	if lost == 0 {
		t.Fatal("no response was lost: the test tests nothing")
	}
	if logged := loggedRequests(h); got.Requests != logged {
		t.Errorf("run under faults: %d requests counted, the sandboxes logged %d", got.Requests, logged)
	}
	var sum int64
	for _, o := range got.Objects {
		sum += o.Requests
	}
	if sum != got.Requests {
		t.Errorf("objects count %d requests, the run %d", sum, got.Requests)
	}
	gotDoc := normalise(t, func(b *bytes.Buffer) error { return h.sb.DumpDocFixture(b) })
	if d := wantDoc.diff(gotDoc); d != "" {
		t.Errorf("documentation sandbox differs from the fault-free run (a duplicate or a lost write):\n%s", d)
	}
}

func loggedRequests(h *harness) int64 {
	var n int64
	for _, l := range h.sb.Logs() {
		n += int64(l.Total)
	}
	return n
}
