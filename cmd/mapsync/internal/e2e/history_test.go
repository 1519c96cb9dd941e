package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
)

// historyFile is the recorded history the workflows package replays
// (workflows/replay_test.go). Record it again after a deliberate change to
// the workflow's commands with:
//
//	MAPSYNC_RECORD_HISTORY=1 go test ./cmd/mapsync/internal/e2e -run TestSyncEndToEnd
var historyFile = filepath.Join("..", "..", "..", "..", "workflows", "testdata", "syncrun_history.json")

// recordHistory writes a finished run's history as JSON when
// MAPSYNC_RECORD_HISTORY is set.
func recordHistory(ctx context.Context, t *testing.T, c client.Client, run client.WorkflowRun) {
	t.Helper()
	if os.Getenv("MAPSYNC_RECORD_HISTORY") == "" {
		return
	}
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
	if err := os.MkdirAll(filepath.Dir(historyFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(historyFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events to %s", len(hist.Events), historyFile)
}
