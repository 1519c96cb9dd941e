package e2e

import (
	"bytes"
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/core"
	"mapsync/workflows"
)

// fastClock is the connectors' clock in the fault test: real time, but
// backoff and Retry-After waits are cut to a few milliseconds.
type fastClock struct{}

func (fastClock) Now() time.Time { return time.Now() }
func (fastClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(min(d, 5*time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// writeFaults: on every write, 10% 5xx, 5% 429 with Retry-After, 2% of
// requests committed and then their response lost.
// (A little latency keeps the apply stages long enough to stop the worker
// in the middle of them.)
const writeFaults = "POST:5xx=0.1,429=0.05,retry_after=1,timeout_after_commit=0.02,latency=15ms;" +
	"PATCH:5xx=0.1,429=0.05,retry_after=1,timeout_after_commit=0.02,latency=15ms;" +
	"PUT:5xx=0.1,429=0.05,retry_after=1,timeout_after_commit=0.02,latency=15ms"

// A first sync under write faults, with the worker stopped and started
// again twice while it applies, leaves both systems exactly as a
// fault-free first sync does: no duplicate, no lost write.
func TestSyncUnderFaultsEqualsFaultFreeRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	tuning := workflows.Tuning{ApplyBatch: 3, ApplyParallel: 2}

	clean := newHarness(t, "faults", small)
	res := clean.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Tuning: tuning})
	t.Log("fault-free " + summary(res))
	wantPSA := normalise(t, func(b *bytes.Buffer) error { return clean.sb.DumpPSAFixture(b) })
	wantDoc := normalise(t, func(b *bytes.Buffer) error { return clean.sb.DumpDocFixture(b) })
	clean.stopWorker()

	h := newHarnessWith(t, "faults", small, func(cfg *workflows.Config) {
		cfg.ConnectorOptions = []connectors.Option{connectors.WithClock(fastClock{})}
	})
	setFaults(t, h, writeFaults)
	run := h.start(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Tuning: tuning})
	restarts := 0
	for _, object := range []string{"contact", "configuration"} {
		if !waitApplying(ctx, h.c, run, object) {
			t.Logf("run left %s's apply before a restart", object)
			continue
		}
		h.stopWorker()
		time.Sleep(500 * time.Millisecond)
		h.startWorker()
		restarts++
	}
	var got workflows.SyncResult
	wctx, wcancel := context.WithTimeout(ctx, 3*time.Minute)
	defer wcancel()
	if err := run.Get(wctx, &got); err != nil {
		h.logErrors()
		h.logPending(ctx, run)
		t.Fatalf("run under faults failed: %v", err)
	}
	t.Log("under faults " + summary(got))
	if restarts != 2 {
		t.Errorf("worker restarted %d times mid-apply, want 2", restarts)
	}
	setFaults(t, h, "")
	gotPSA := normalise(t, func(b *bytes.Buffer) error { return h.sb.DumpPSAFixture(b) })
	gotDoc := normalise(t, func(b *bytes.Buffer) error { return h.sb.DumpDocFixture(b) })
	if d := wantPSA.diff(gotPSA); d != "" {
		t.Errorf("PSA sandbox differs from the fault-free run:\n%s", d)
	}
	if d := wantDoc.diff(gotDoc); d != "" {
		t.Errorf("documentation sandbox differs from the fault-free run:\n%s", d)
	}
	var adopted int64
	for _, o := range got.Objects {
		adopted += o.Adopted
	}
	t.Logf("lost create responses resolved by lookup: %d", adopted)
}

func setFaults(t *testing.T, h *harness, spec string) {
	t.Helper()
	f, err := core.ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	h.sb.SetFaults(f)
}

// waitApplying waits until the run applies object's writes (true), or has
// gone past it or ended (false).
func waitApplying(ctx context.Context, c client.Client, run client.WorkflowRun, object string) bool {
	for ctx.Err() == nil {
		v, err := c.QueryWorkflow(ctx, run.GetID(), run.GetRunID(), workflows.ProgressQuery)
		if err == nil {
			var p workflows.Progress
			if v.Get(&p) == nil {
				if p.Object == object && p.Stage == "apply" && p.Applied > 0 {
					return true
				}
				for _, d := range p.Done {
					if d.Object == object {
						return false
					}
				}
				if p.Stage == "done" {
					return false
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
