package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/local"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// watchHistoryFile is the recorded watcher history the workflows package
// replays (workflows/replay_watch_test.go). Record it again after a
// deliberate change to the watcher's commands with:
//
//	MAPSYNC_RECORD_HISTORY=1 go test ./cmd/mapsync/internal/e2e -run TestWatcherAppliesDocEdits
var watchHistoryFile = filepath.Join("..", "..", "..", "..", "workflows", "testdata", "watch_history.json")

// linkedPair returns the ids of a syncing link of object.
func linkedPair(ctx context.Context, t *testing.T, h *harness, object string) (psa, doc string) {
	t.Helper()
	db, err := match.OpenResults(ctx, workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `SELECT psa_id, doc_id FROM links WHERE object = ? AND state = 'syncing'
		AND psa_id IS NOT NULL AND doc_id IS NOT NULL ORDER BY doc_id LIMIT 1`, object).Scan(&psa, &doc); err != nil {
		t.Fatal(err)
	}
	return psa, doc
}

// field reads a field of one record on one side.
func field(ctx context.Context, t *testing.T, h *harness, side, object, id, name string) any {
	t.Helper()
	recs, err := h.sb.ListRecords(ctx, side, object)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.ID == id {
			return r.Fields[name]
		}
	}
	t.Fatalf("%s %s %s not found", side, object, id)
	return nil
}

// counts sums a sandbox request log: writes (any method but GET) and
// GETs whose route holds part.
func counts(s core.LogSnapshot, part string) (writes, gets int) {
	for route, n := range s.ByRoute {
		method, path, _ := strings.Cut(route, " ")
		switch {
		case method != "GET":
			writes += n
		case strings.Contains(path, part):
			gets += n
		}
	}
	return writes, gets
}

// A record run syncs the one record edited on the doc side: it lists that
// record and its PSA counterpart only (one request each), writes that one
// change to the PSA and nothing else, and moves no cursor.
func TestRecordRunSyncsOneRecord(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "watch", small)
	first := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(first))
	psaID, docID := linkedPair(ctx, t, h, "configuration")
	cursors := readFile(t, filepath.Join(workflows.SyncDir(h.dataDir, h.shipped().Name), "cursors.json"))

	if err := h.sb.EditRecord(ctx, local.SideDoc, "configuration", docID, map[string]any{"asset_tag": "REC-RUN-1"}); err != nil {
		t.Fatal(err)
	}
	h.sb.ResetLogs()
	res := h.mustSync(ctx, workflows.SyncInput{Records: []workflows.RecordRef{{Object: "configuration", Side: match.Doc, ID: docID}}})
	t.Log(summary(res))
	logs := h.sb.Logs()
	psaWrites, psaLists := counts(logs[0], "configurations")
	docWrites, docLists := counts(logs[1], "configurations")
	t.Logf("psa routes %v; doc routes %v", logs[0].ByRoute, logs[1].ByRoute)
	if psaWrites != 1 || docWrites != 0 {
		t.Errorf("writes: psa %d, doc %d; want 1 and 0", psaWrites, docWrites)
	}
	if psaLists != 1 || docLists != 1 {
		t.Errorf("configuration listings: psa %d, doc %d requests; want 1 each", psaLists, docLists)
	}
	if len(res.Objects) != 1 || res.Objects[0].ExtractedDoc != 1 || res.Objects[0].ExtractedPSA != 1 || res.Objects[0].Orphaned != 0 {
		t.Errorf("want one configuration object with one record listed per side, none orphaned:\n%s", summary(res))
	}
	if got := field(ctx, t, h, local.SidePSA, "configuration", psaID, "asset_tag"); got != "REC-RUN-1" {
		t.Errorf("psa asset tag = %v, want REC-RUN-1", got)
	}
	if got := readFile(t, filepath.Join(workflows.SyncDir(h.dataDir, h.shipped().Name), "cursors.json")); got != cursors {
		t.Errorf("a record run moved the cursors:\nbefore %s\nafter  %s", cursors, got)
	}
	if n := orphaned(ctx, t, h); n != 0 {
		t.Errorf("%d links orphaned by a record run", n)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// holdInput/hold: a workflow that holds the sync's workflow id until it
// is signalled, as a long manual or scheduled run would.
const holdQueue = "watch-test-hold"

func hold(ctx workflow.Context) error {
	workflow.GetSignalChannel(ctx, "release").Receive(ctx, nil)
	return nil
}

// The watcher notices a doc-side edit and the PSA gets it with no manual
// run; an edit made while another run holds the sync's workflow id is
// applied once that run ended (nothing lost).
func TestWatcherAppliesDocEdits(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "watch", small)
	first := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(first))
	psaID, docID := linkedPair(ctx, t, h, "configuration")
	sync := h.shipped().Name

	hw := worker.New(h.c, holdQueue, worker.Options{})
	hw.RegisterWorkflowWithOptions(hold, workflow.RegisterOptions{Name: "Hold"})
	if err := hw.Start(); err != nil {
		t.Fatal(err)
	}
	defer hw.Stop()

	win := workflows.WatchInput{Sync: sync, PlanHash: h.plan.Hash, Interval: 300 * time.Millisecond, Ticks: 4,
		Tuning: workflows.Tuning{HeartbeatTimeout: 3 * time.Second, RetryInitial: 100 * time.Millisecond, RetryMax: time.Second}}
	watcher, err := h.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.WatchWorkflowID(sync), TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: workflows.WatchAttributes(win)}, workflows.WatchName, win)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.c.TerminateWorkflow(context.WithoutCancel(ctx), watcher.GetID(), "", "test done") }()

	// 1. An edit reaches the PSA by itself.
	if err := h.sb.EditRecord(ctx, local.SideDoc, "configuration", docID, map[string]any{"asset_tag": "WATCH-1"}); err != nil {
		t.Fatal(err)
	}
	waitField(ctx, t, h, psaID, "WATCH-1")
	// The record run that wrote it has ended (the watcher waits for it).
	for deadline := time.Now().Add(2 * time.Minute); watchStatus(ctx, t, h, sync).Runs == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no record run ended: %+v", watchStatus(ctx, t, h, sync))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// 2. While another run holds the sync's id, the edit waits; after, it
	// is applied.
	var holder client.WorkflowRun
	for deadline := time.Now().Add(2 * time.Minute); ; {
		// A record run of the watcher may hold the id: try again.
		holder, err = h.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.SyncWorkflowID(sync), TaskQueue: holdQueue,
			WorkflowExecutionErrorWhenAlreadyStarted: true}, "Hold")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	busy := watchStatus(ctx, t, h, sync).Busy
	if err := h.sb.EditRecord(ctx, local.SideDoc, "configuration", docID, map[string]any{"asset_tag": "WATCH-2"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		st := watchStatus(ctx, t, h, sync)
		if st.Busy > busy && len(st.Pending) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watcher never found the sync busy: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := field(ctx, t, h, local.SidePSA, "configuration", psaID, "asset_tag"); got != "WATCH-1" {
		t.Fatalf("psa asset tag = %v while another run held the sync, want WATCH-1", got)
	}
	if err := h.c.SignalWorkflow(ctx, holder.GetID(), holder.GetRunID(), "release", nil); err != nil {
		t.Fatal(err)
	}
	waitField(ctx, t, h, psaID, "WATCH-2")

	if os.Getenv("MAPSYNC_RECORD_HISTORY") != "" {
		recordWatchHistory(ctx, t, h.c, watcher)
	}
}

func watchStatus(ctx context.Context, t *testing.T, h *harness, sync string) workflows.WatchStatus {
	t.Helper()
	for range 50 {
		v, err := h.c.QueryWorkflow(ctx, workflows.WatchWorkflowID(sync), "", workflows.WatchStatusQuery)
		if err != nil { // between two runs of continue-as-new
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var st workflows.WatchStatus
		if err := v.Get(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	t.Fatal("the watcher does not answer its status query")
	return workflows.WatchStatus{}
}

// waitField waits until the PSA configuration has the asset tag want.
func waitField(ctx context.Context, t *testing.T, h *harness, psaID, want string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got := field(ctx, t, h, local.SidePSA, "configuration", psaID, "asset_tag")
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("psa asset tag = %v, never became %s (watcher %+v)", got, want, watchStatus(ctx, t, h, h.shipped().Name))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recordWatchHistory writes the history of the watcher's first run (which
// ran a record run and continued as new) for the replay test.
func recordWatchHistory(ctx context.Context, t *testing.T, c client.Client, run client.WorkflowRun) {
	t.Helper()
	hist := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, e)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: " "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(watchHistoryFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events to %s", len(hist.Events), watchHistoryFile)
}

// A record run of a record whose counterpart is listed under a parent (a
// site under its company) lists under that one parent only, found in the
// link memory, not under every linked parent.
func TestRecordRunNestedListsOneParent(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "watch", small)
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	_, docID := linkedPair(ctx, t, h, "location")
	h.sb.ResetLogs()
	res := h.mustSync(ctx, workflows.SyncInput{Records: []workflows.RecordRef{{Object: "location", Side: match.Doc, ID: docID}}})
	t.Log(summary(res))
	logs := h.sb.Logs()
	t.Logf("psa routes %v; doc routes %v", logs[0].ByRoute, logs[1].ByRoute)
	psaWrites, psaSites := counts(logs[0], "/sites")
	_, docLocations := counts(logs[1], "locations")
	if psaSites != 1 || docLocations != 1 {
		t.Errorf("site listings %d, doc location listings %d: want 1 each (one parent)", psaSites, docLocations)
	}
	if psaWrites != 0 {
		t.Errorf("%d psa writes for an unchanged record", psaWrites)
	}
	if len(res.Objects) != 1 || res.Objects[0].ExtractedPSA != 1 || res.Objects[0].ExtractedDoc != 1 || res.Objects[0].Orphaned != 0 {
		t.Errorf("want the location and its site listed, nothing orphaned:\n%s", summary(res))
	}
}
