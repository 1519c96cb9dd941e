// Package e2e runs mapsync's workflows on a real Temporal server (the
// embedded one of package devserver) against the sandbox systems. It holds
// only tests: it is the one test binary of the workflows that links the
// Temporal server.
package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

// One embedded server for the whole package; each test gets its own
// namespace, so workers of different tests never share a queue.
var server *devserver.Server

// Each PSA sandbox has a namespace of its own too, named after it, for the
// tests that run a PSA's sync (newPSAHarness(t, psa, psa, ...)).
var namespaces = append([]string{"access", "controls", "e2e", "faults", "guard", "metrics", "model", "once", "partial", "psafields", "push", "refs", "replay", "retry", "warnings", "watch"}, local.PSANames()...)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mapsync-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	attrs := workflows.SearchAttributeTypes()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	server, err = devserver.Start(ctx, devserver.Options{
		DataDir: dir, Port: freePort(), DisableUI: true, Namespace: namespaces[0], ExtraNamespaces: namespaces[1:],
		SearchAttributes: attrs, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedded Temporal:", err)
		return 1
	}
	defer server.Stop()
	return m.Run()
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// harness is one test's world: a namespace, sandboxes, a data directory
// and a worker that can be stopped and started again.
type harness struct {
	t       *testing.T
	psa     string // the PSA sandbox, by the name of the system it stands in for
	c       client.Client
	sb      *local.Systems
	dataDir string
	plan    *plan.Plan
	cfg     workflows.Config
	worker  *workflows.Worker
}

func newHarness(t *testing.T, namespace string, data msp.Options) *harness {
	t.Helper()
	return newHarnessWith(t, namespace, data, nil)
}

// newHarnessWith is newHarness with a hook to adjust the workers' config.
func newHarnessWith(t *testing.T, namespace string, data msp.Options, edit func(*workflows.Config)) *harness {
	t.Helper()
	return newPSAHarness(t, namespace, local.DefaultPSA, data, edit)
}

// newPSAHarness is a harness whose PSA sandbox is the one named psa (see
// local.PSANames); its runs are those of the shipped sync whose psa is
// that system.
func newPSAHarness(t *testing.T, namespace, psa string, data msp.Options, edit func(*workflows.Config)) *harness {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: server.HostPort(), Namespace: namespace,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	sb, err := local.Start(local.Options{PSA: psa, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	h := &harness{t: t, psa: psa, c: c, sb: sb, dataDir: t.TempDir(), plan: testPlan(t)}
	h.shipped() // fails the test when the shipped set has no such sync
	h.cfg = workflows.Config{DataDir: h.dataDir, Env: sb.LookupEnv(nil), Threads: 2}
	if edit != nil {
		edit(&h.cfg)
	}
	if _, err := workflows.NewPlanStore(workflows.PlanDir(h.dataDir)).Save(h.plan); err != nil {
		t.Fatal(err)
	}
	h.startWorker()
	t.Cleanup(h.stopWorker)
	return h
}

// shipped is the shipped sync the harness runs: the one whose psa is the
// harness's PSA system.
func (h *harness) shipped() plan.Sync {
	h.t.Helper()
	var found []plan.Sync
	for _, s := range h.plan.Syncs {
		if s.PSA == h.psa {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		h.t.Fatalf("the shipped mapping set has %d syncs with psa = system.%s, want 1", len(found), h.psa)
	}
	return found[0]
}

func (h *harness) startWorker() {
	h.t.Helper()
	h.worker = workflows.NewWorker(h.c, workflows.NewActivities(h.cfg))
	if err := h.worker.Start(); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) stopWorker() {
	if h.worker != nil {
		if err := h.worker.Stop(); err != nil {
			h.t.Errorf("stop worker: %v", err)
		}
		h.worker = nil
	}
}

// start starts a run of the shipped sync.
func (h *harness) start(ctx context.Context, in workflows.SyncInput) client.WorkflowRun {
	h.t.Helper()
	in.Sync, in.PlanHash = h.shipped().Name, h.plan.Hash
	if in.Tuning.HeartbeatTimeout == 0 {
		in.Tuning.HeartbeatTimeout = 3 * time.Second
	}
	if in.Tuning.WorkerLostAfter == 0 {
		in.Tuning.WorkerLostAfter = time.Minute
	}
	if in.Tuning.RetryMax == 0 {
		in.Tuning.RetryInitial, in.Tuning.RetryMax = 100*time.Millisecond, time.Second
	}
	run, err := h.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		TaskQueue: workflows.TaskQueue, TypedSearchAttributes: workflows.StartAttributes(in),
	}, workflows.SyncRunName, in)
	if err != nil {
		h.t.Fatal(err)
	}
	return run
}

// sync runs the shipped sync to its end.
func (h *harness) sync(ctx context.Context, in workflows.SyncInput) (workflows.SyncResult, error) {
	h.t.Helper()
	var res workflows.SyncResult
	err := h.start(ctx, in).Get(ctx, &res)
	return res, err
}

func (h *harness) mustSync(ctx context.Context, in workflows.SyncInput) workflows.SyncResult {
	h.t.Helper()
	res, err := h.sync(ctx, in)
	if err != nil {
		h.t.Fatalf("run failed: %v", err)
	}
	return res
}

// testPlan compiles the shipped mapping files.
func testPlan(t *testing.T) *plan.Plan {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "mappings")
	l := engine.LoadDir(dir)
	if l.Diags.HasErrors() {
		t.Fatalf("mappings: %v", l.Diags)
	}
	return l.Plan
}

func writes(r workflows.SyncResult) (n int64) {
	for _, o := range r.Objects {
		n += o.Created + o.Updated + o.Adopted
		if o.Deferred != nil {
			n += o.Deferred.Updated
		}
	}
	return n
}

func summary(r workflows.SyncResult) string {
	s := fmt.Sprintf("run %s (%s):", r.RunID, r.Mode)
	for _, o := range r.Objects {
		s += fmt.Sprintf("\n  %-13s psa %4d doc %4d matched %4d linked %4d created %4d updated %4d adopted %3d orphaned %3d invalid %3d errors %3d planned %+v",
			o.Object, o.ExtractedPSA, o.ExtractedDoc, o.Matched, o.Linked, o.Created, o.Updated, o.Adopted, o.Orphaned, o.Invalid, o.Errors, o.Planned)
	}
	return s
}

// logErrors logs the open record-level failures of the sync.
func (h *harness) logErrors() {
	h.t.Helper()
	db, ok, err := workflows.OpenErrors(workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil || !ok {
		h.t.Logf("errors file: ok=%v err=%v", ok, err)
		return
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, object, op, target_side, coalesce(target_id, ''), coalesce(source_id, ''), coalesce(message, ''), CAST(fields AS VARCHAR) FROM errors ORDER BY id`)
	if err != nil {
		h.t.Log(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var object, op, side, tid, sid, msg, fields string
		if err := rows.Scan(&id, &object, &op, &side, &tid, &sid, &msg, &fields); err != nil {
			h.t.Log(err)
			return
		}
		h.t.Logf("error %d: %s %s -> %s %s (from %s): %s %s", id, op, object, side, tid, sid, msg, fields)
	}
}

// logPending logs what a run waits for (its pending activities).
func (h *harness) logPending(ctx context.Context, run client.WorkflowRun) {
	h.t.Helper()
	d, err := h.c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		h.t.Logf("describe: %v", err)
		return
	}
	h.t.Logf("workflow status %s", d.GetWorkflowExecutionInfo().GetStatus())
	for _, a := range d.GetPendingActivities() {
		h.t.Logf("pending %s (id %s): state %s attempt %d, last heartbeat %v, last failure %v, worker %s",
			a.GetActivityType().GetName(), a.GetActivityId(), a.GetState(), a.GetAttempt(), a.GetLastHeartbeatTime().AsTime(),
			a.GetLastFailure().GetMessage(), a.GetLastWorkerIdentity())
	}
}
