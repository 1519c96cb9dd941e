package workflows

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplaySyncRunHistory replays a SyncRun history recorded on a real
// server (testdata/syncrun_history.json, see cmd/mapsync/internal/e2e/history_test.go)
// against today's workflow code: a change that would break runs in flight
// (different commands in a different order) fails here.
func TestReplaySyncRunHistory(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(SyncRun, workflow.RegisterOptions{Name: SyncRunName})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/syncrun_history.json"); err != nil {
		t.Fatalf("replay: %v", err)
	}
}
