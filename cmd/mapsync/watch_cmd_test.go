package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"mapsync/engine"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// TestRecordAndWatchCommands drives sync --record, watch start, status and
// stop, and the default schedules and watcher of mapsync dev (setupPrompt)
// against a Temporal server started here and the sandboxes.
func TestRecordAndWatchCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	dir, srv, sb := serverAndSandboxes(ctx, t)
	for k, v := range sb.Env() {
		t.Setenv(k, v)
	}
	common := []string{"--temporal", srv.HostPort(), "--data-dir", dir}
	cli := func(args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(append(args, common...), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	withMappings := func(args ...string) []string { return append(args, "--mappings", "../../mappings") }
	sync := shippedSync(t).Name

	if code, out := cli(withMappings("sync", "--full")...); code != 0 {
		t.Fatalf("sync --full exited %d:\n%s", code, out)
	}
	db, err := match.OpenResults(ctx, workflows.SyncDir(dir, sync))
	if err != nil {
		t.Fatal(err)
	}
	var docID string
	err = db.QueryRowContext(ctx, `SELECT doc_id FROM links WHERE object = 'configuration' AND state = 'syncing' AND doc_id NOT IN
		(SELECT psa_id FROM links WHERE object = 'configuration' AND psa_id IS NOT NULL) ORDER BY doc_id LIMIT 1`).Scan(&docID)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out := cli(withMappings("sync", "--record", "configuration", docID)...)
	if code != 0 || !strings.Contains(out, "configuration") || strings.Contains(out, "organization") {
		t.Fatalf("sync --record configuration %s exited %d (want 0, a run of configurations only):\n%s", docID, code, out)
	}
	if code, out := cli(withMappings("sync", "--record", "configuration", "no-such-id")...); code != exitUsage {
		t.Errorf("sync --record of an unknown id exited %d, want %d:\n%s", code, exitUsage, out)
	}
	if code, out := cli(withMappings("sync", "--record", "configuration")...); code != exitUsage {
		t.Errorf("sync --record without an id exited %d, want %d:\n%s", code, exitUsage, out)
	}

	// A worker for the watcher.
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(), Logger: sdkLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := workflows.NewWorker(c, workflows.NewActivities(workflows.Config{DataDir: dir, Env: sb.LookupEnv(nil), Logger: zerolog.Nop()}))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	if code, out := cli(withMappings("watch", "start", "--interval", "200ms")...); code != 0 || !strings.Contains(out, "polls every 200ms") {
		t.Fatalf("watch start exited %d:\n%s", code, out)
	}
	for deadline := time.Now().Add(time.Minute); ; {
		code, out := cli(withMappings("watch", "status")...)
		if code == 0 && strings.Contains(out, "polls:") && !strings.Contains(out, "polls:        0 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("watch status never showed a poll: exit %d\n%s", code, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, out := cli("status"); code != 0 || !strings.Contains(out, "watchers:\n  "+workflows.WatchWorkflowID(sync)+": ") {
		t.Errorf("status exited %d, want the watcher listed:\n%s", code, out)
	}
	if code, out := cli(withMappings("watch", "stop")...); code != 0 {
		t.Errorf("watch stop exited %d:\n%s", code, out)
	}
	if code, out := cli(withMappings("watch", "stop")...); code != exitFailure {
		t.Errorf("a second watch stop exited %d, want %d:\n%s", code, exitFailure, out)
	}

	// mapsync dev's defaults: two schedules and the watcher per sync.
	var info bytes.Buffer
	// The environment holds the sandbox variables: the syncs of the other
	// shipped PSAs are not set up, and dev says so.
	pc := promptConfig{mappings: "../../mappings", incremental: defaultIncrementalEvery, full: defaultFullEvery, lookup: os.LookupEnv}
	if err := setupPrompt(ctx, c, dir, pc, &info); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{scheduleID(sync) + ": incremental run every 15m0s", fullScheduleID(sync) + ": full run every 24h0m0s", workflows.WatchWorkflowID(sync)} {
		if !strings.Contains(info.String(), want) {
			t.Errorf("dev setup printed\n%s\nwant %q", info.String(), want)
		}
	}
	if strings.Contains(info.String(), "Not set up:    "+sync+":") {
		t.Errorf("dev setup skipped the configured sync:\n%s", info.String())
	}
	for _, s := range engine.MustLoadDir("../../mappings").Syncs {
		if s.Name != sync && !strings.Contains(info.String(), "Not set up:    "+s.Name+": ") {
			t.Errorf("dev setup printed\n%s\nwant %s not set up (its variables are unset)", info.String(), s.Name)
		}
	}
	code, out = cli("schedule", "list")
	if code != 0 || !strings.Contains(out, scheduleID(sync)+" ") || !strings.Contains(out, fullScheduleID(sync)) {
		t.Errorf("schedule list exited %d, want both schedules:\n%s", code, out)
	}
	if d, err := c.DescribeWorkflowExecution(ctx, workflows.WatchWorkflowID(sync), ""); err != nil || d.GetWorkflowExecutionInfo().GetCloseTime() != nil {
		t.Errorf("the watcher does not run after dev's setup: %v", err)
	}
	info.Reset()
	if err := setupPrompt(ctx, c, dir, promptConfig{mappings: "../../mappings", noSchedules: true, noWatch: true}, &info); err != nil || info.Len() != 0 {
		t.Errorf("--no-schedules --no-watch: err %v, printed %q", err, info.String())
	}
	_ = c.TerminateWorkflow(ctx, workflows.WatchWorkflowID(sync), "", "test done")
}
