package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"mapsync/connectors/sandbox/core"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// runMainEnv makes the test binary run mapsync itself (TestMain): the
// multi-worker test starts its `mapsync worker` processes from this binary,
// so it needs no separate build.
const runMainEnv = "MAPSYNC_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestWorkerFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"worker", "--help"}, &out, &errOut); code != exitOK {
		t.Fatalf("worker --help exited %d: %s", code, errOut.String())
	}
	for _, want := range []string{"--temporal", "--namespace", "--data-dir", "--name", "--secrets-dir", "--metrics", "--connect-timeout", "SIGTERM"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("worker --help does not mention %s", want)
		}
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"worker"}, exitUsage, "--temporal"},
		{[]string{"worker", "--temporal", "127.0.0.1:1", "--name", "a/b"}, exitUsage, "--name"},
		{[]string{"worker", "--temporal", "127.0.0.1:1", "--secrets-dir", filepath.Join(t.TempDir(), "none")}, exitUsage, "--secrets-dir"},
		// Nothing listens on port 1: a clear error and exit 1, promptly.
		{[]string{"worker", "--temporal", "127.0.0.1:1", "--connect-timeout", "1s", "--data-dir", t.TempDir()}, exitFailure, "127.0.0.1:1"},
	} {
		out.Reset()
		errOut.Reset()
		if code := run(tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut.String(), tc.code, tc.want)
		}
	}
}

// workerFaults slow every write a little, so applies last long enough to
// kill a worker in the middle of one.
const workerFaults = "POST:latency=25ms;PATCH:latency=25ms;PUT:latency=25ms"

// TestManyTenantsOnWorkerProcesses: one Temporal server (this process),
// three `mapsync worker` processes sharing a data directory, each tenant's
// credentials in its own secrets directory, twenty tenants (syncs) against
// sandboxes of their own, all started at once; one worker is killed
// (SIGKILL) while it applies a run's writes. Every run completes, and every
// tenant's systems and links end exactly as those of a tenant whose run
// never moved: no duplicate, nothing lost. MAPSYNC_WORKERS_SYNCS sets the
// number of tenants (default 20; 8 when CI is set).
func TestManyTenantsOnWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server and three worker processes")
	}
	tenants := 20 // the twenty
	if os.Getenv("CI") != "" {
		tenants = 8 // CI keeps the suite short (the kill and the recovery are the same)
	}
	if s := os.Getenv("MAPSYNC_WORKERS_SYNCS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 {
			t.Fatalf("MAPSYNC_WORKERS_SYNCS=%q: want a number ≥ 2", s)
		}
		tenants = n
	}
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	_, p, diags, err := loadPlan(filepath.Join("..", "..", "mappings"))
	if err != nil || diags.HasErrors() {
		t.Fatalf("mappings: %v %v", err, diags)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	opts := clusterOptions{exe: exe, exeEnv: []string{runMainEnv + "=1"}, workers: 3, tenants: tenants,
		plan: p, data: benchWorkersData(5, 4), faults: workerFaults, unthrottled: true, metrics: true, logger: logger}
	cl, err := startCluster(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		// The workers still running must stop gracefully on SIGTERM (exit 0).
		if err := cl.Close(); err != nil {
			t.Errorf("closing the cluster: %v", err)
		}
	}()

	// A fourth worker under a name a live worker on this host has is refused.
	dup, err := cl.startWorkerProc(opts, cl.workers[1].name)
	if err != nil {
		t.Fatal(err)
	}
	<-dup.done
	if code := dup.cmd.ProcessState.ExitCode(); code != exitFailure || !bytes.Contains(dup.out.Bytes(), []byte("already served")) {
		t.Errorf("a second worker named %s: exit %d, output %q; want exit %d and \"already served\"", cl.workers[1].name, code, dup.out.Bytes(), exitFailure)
	}

	// A killed worker's runs start again elsewhere after HeartbeatTimeout
	// (its activity in flight) plus WorkerLostAfter (nobody takes the next
	// one from its queue). Both are shorter than the defaults (1m, 10m) but
	// long enough that a busy worker on 2 shared cores is not taken for a
	// dead one.
	tuning := workflows.Tuning{ApplyBatch: 5, ApplyParallel: 2, HeartbeatTimeout: 10 * time.Second,
		WorkerLostAfter: 20 * time.Second, RetryInitial: 200 * time.Millisecond, RetryMax: 5 * time.Second}
	runs, err := cl.start(ctx, workflows.ModeFull, tuning)
	if err != nil {
		t.Fatal(err)
	}
	// Runs of one tenant never overlap: a second start is refused.
	if _, err := startRun(ctx, cl.client, workflows.SyncInput{Sync: cl.tenants[0].sync, PlanHash: cl.tenants[0].hash, Mode: workflows.ModeFull}); !errors.Is(err, errRunInProgress) {
		t.Errorf("a second run of %s while one runs: %v, want errRunInProgress", cl.tenants[0].sync, err)
	}

	victim, killed := killMidApply(ctx, t, cl, runs)
	t.Logf("killed worker %s (pid %d) while it applied %s's writes", killed.name, killed.pid(), cl.tenants[victim].sync)

	res, errs := wait(ctx, runs)
	for i, err := range errs {
		if err != nil {
			for _, w := range cl.workers {
				t.Logf("worker %s output (last lines):\n%s", w.name, strings.Join(w.out.lines(20), "\n"))
			}
			t.Fatalf("%s: run failed: %v", cl.tenants[i].sync, err)
		}
	}
	if res[victim].Restarts == 0 {
		t.Errorf("%s's run was not restarted after its worker was killed", cl.tenants[victim].sync)
	}
	ref := slicesIndex(res, func(r workflows.SyncResult) bool { return r.Restarts == 0 })
	if ref < 0 {
		t.Fatal("every run restarted: no undisturbed run to compare with")
	}
	moved := 0
	for _, r := range res {
		if r.Restarts > 0 {
			moved++
		}
	}
	t.Logf("%d of %d runs started again on another worker; reference %s", moved, len(res), cl.tenants[ref].sync)

	// The workers that survived served metrics of what they applied.
	applied := 0.0
	for _, w := range cl.workers {
		if w != killed {
			applied += scrapeOps(ctx, t, w.metricsURL)
		}
	}
	if applied == 0 {
		t.Error("the surviving workers' /metrics count no applied op")
	}

	refDoc := sandboxState(t, cl.tenants[ref].sb.DumpDocFixture)
	refPSA := sandboxState(t, cl.tenants[ref].sb.DumpPSAFixture)
	refLinks := linkCounts(ctx, t, cl, cl.tenants[ref].sync)
	for _, obj := range []string{"organization", "configuration", "contact", "location"} {
		if refLinks[obj+" syncing"] == 0 {
			t.Errorf("reference %s: no syncing %s link (%v)", cl.tenants[ref].sync, obj, refLinks)
		}
	}
	if writes64(res[ref]) == 0 {
		t.Errorf("reference run wrote nothing:\n%s", resultSummary(res[ref]))
	}
	for i, tn := range cl.tenants {
		if d := refDoc.diff(sandboxState(t, tn.sb.DumpDocFixture)); d != "" {
			t.Errorf("%s (restarts %d): documentation sandbox differs from %s's (a duplicate or a lost write):\n%s", tn.sync, res[i].Restarts, cl.tenants[ref].sync, d)
		}
		if d := refPSA.diff(sandboxState(t, tn.sb.DumpPSAFixture)); d != "" {
			t.Errorf("%s (restarts %d): PSA sandbox differs from %s's:\n%s", tn.sync, res[i].Restarts, cl.tenants[ref].sync, d)
		}
		if got := linkCounts(ctx, t, cl, tn.sync); fmt.Sprint(got) != fmt.Sprint(refLinks) {
			t.Errorf("%s (restarts %d): links %v, want %v (as %s)", tn.sync, res[i].Restarts, got, refLinks, cl.tenants[ref].sync)
		}
	}
}

// killMidApply waits until some worker runs an Apply activity of a run
// whose sandboxes have already received writes, kills that
// worker (SIGKILL) and returns the run's index and the worker.
func killMidApply(ctx context.Context, t *testing.T, cl *cluster, runs []client.WorkflowRun) (int, *workerProc) {
	t.Helper()
	for ctx.Err() == nil {
		for i, run := range runs {
			d, err := cl.client.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
			if err != nil {
				continue
			}
			for _, pa := range d.GetPendingActivities() {
				if pa.GetActivityType().GetName() != "Apply" || pa.GetState() != enumspb.PENDING_ACTIVITY_STATE_STARTED {
					continue
				}
				pid, ok := identityPID(pa.GetLastWorkerIdentity())
				w := cl.workerByPID(pid)
				if !ok || w == nil || sandboxWrites(cl.tenants[i].sb.Logs()) == 0 {
					continue
				}
				w.kill()
				return i, w
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no run was seen applying before the deadline")
	return 0, nil
}

// scrapeOps sums mapsync_ops_total{outcome="applied"} at a worker's
// /metrics.
func scrapeOps(ctx context.Context, t *testing.T, url string) (n float64) {
	t.Helper()
	if url == "" {
		t.Fatal("the worker printed no metrics URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "mapsync_ops_total{") && strings.Contains(line, `outcome="applied"`) {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", url, line, err)
			}
			n += v
		}
	}
	return n
}

// sandboxWrites counts the write requests the sandboxes logged.
func sandboxWrites(logs []core.LogSnapshot) (n int) {
	for _, l := range logs {
		for route, c := range l.ByRoute {
			if strings.HasPrefix(route, "POST ") || strings.HasPrefix(route, "PATCH ") || strings.HasPrefix(route, "PUT ") {
				n += c
			}
		}
	}
	return n
}

// linkCounts counts a sync's published links by object and state, and
// checks that no psa or doc record is linked twice.
func linkCounts(ctx context.Context, t *testing.T, cl *cluster, sync string) map[string]int {
	t.Helper()
	db, err := match.OpenResults(ctx, workflows.SyncDir(cl.dataDir, sync))
	if err != nil {
		t.Fatalf("%s: %v", sync, err)
	}
	defer db.Close()
	out := map[string]int{}
	rows, err := db.QueryContext(ctx, `SELECT object, state, count(*) FROM links GROUP BY ALL`)
	if err != nil {
		t.Fatalf("%s: %v", sync, err)
	}
	defer rows.Close()
	for rows.Next() {
		var object, state string
		var n int
		if err := rows.Scan(&object, &state, &n); err != nil {
			t.Fatal(err)
		}
		out[object+" "+state] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var twice int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (
		SELECT object, psa_id FROM links WHERE psa_id IS NOT NULL GROUP BY ALL HAVING count(*) > 1
		UNION ALL SELECT object, doc_id FROM links WHERE doc_id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)`).Scan(&twice); err != nil {
		t.Fatal(err)
	}
	if twice > 0 {
		t.Errorf("%s: %d records are linked twice", sync, twice)
	}
	return out
}

func slicesIndex[T any](s []T, f func(T) bool) int {
	for i, v := range s {
		if f(v) {
			return i
		}
	}
	return -1
}

func resultSummary(r workflows.SyncResult) string {
	b, _ := json.MarshalIndent(r.Objects, "", "  ")
	return string(b)
}

// sandboxRecords is a sandbox's records, normalised so that two tenants
// whose syncs wrote the same data compare equal: ids, references by id and
// timestamps are dropped, each table a sorted list of JSON records (as the
// e2e tests' fixtures).
type sandboxRecords map[string][]string

func sandboxState(t *testing.T, dump func(io.Writer) error) sandboxRecords {
	t.Helper()
	var buf bytes.Buffer
	if err := dump(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := core.StableRecords(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return sandboxRecords(recs)
}

// diff describes how b differs from a ("" when equal).
func (a sandboxRecords) diff(b sandboxRecords) string { return core.DiffStable(a, b) }
