package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors/sandbox/core"
	"mapsync/engine"
	"mapsync/workflows"
)

// TestCtrlCCancelsTheRun: when Ctrl+C is answered with "cancel", the
// workflow itself is cancelled (not only the CLI ended), and the scratch
// database of the cancelled run is gone once it ended.
func TestCtrlCCancelsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	dir, srv, sb := serverAndSandboxes(ctx, t)
	f, err := core.ParseFaults("latency=200ms")
	if err != nil {
		t.Fatal(err)
	}
	sb.SetFaults(f) // slow enough for the run to be going when Ctrl+C comes
	p := engine.MustLoadDir("../../mappings")
	sess, err := openTemporal(ctx, temporalOptions{hostPort: srv.HostPort(), namespace: devserver.DefaultNamespace, dataDir: dir},
		slog.New(slog.DiscardHandler), sessionNeeds{worker: true, env: sb.LookupEnv(os.LookupEnv)})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if _, err := workflows.NewPlanStore(workflows.PlanDir(dir)).Save(p); err != nil {
		t.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	sig <- os.Interrupt // pressed as soon as the run is followed
	asked := 0
	intr := &interrupts{sig: sig, ownWorker: true, decide: func(string) interruptAction { asked++; return actCancel }}
	in := workflows.SyncInput{Sync: defaultPSASync(t, p).Name, PlanHash: p.Hash, Mode: workflows.ModeFull}
	_, err = runSyncWith(ctx, sess.client, in, io.Discard, io.Discard, intr)
	var ce *temporal.CanceledError
	if asked != 1 || !errors.As(err, &ce) {
		t.Fatalf("asked %d times, err %v: want one question and a cancelled run", asked, err)
	}
	d, err := sess.client.DescribeWorkflowExecution(ctx, syncWorkflowID(in.Sync), "")
	if err != nil {
		t.Fatal(err)
	}
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED {
		t.Errorf("workflow status %s, want CANCELED", st)
	}
	entries, _ := os.ReadDir(filepath.Join(workflows.SyncDir(dir, in.Sync), "work"))
	for _, e := range entries {
		t.Errorf("the cancelled run left %s", e.Name())
	}
}
