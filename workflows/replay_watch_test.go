package workflows

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayWatchHistory replays a watcher history recorded on a real
// server (testdata/watch_history.json: polls, a record run, a record run
// refused because another run held the sync's id; see
// cmd/mapsync/internal/e2e/watch_test.go) against today's Watch code.
func TestReplayWatchHistory(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(Watch, workflow.RegisterOptions{Name: WatchName})
	r.RegisterWorkflowWithOptions(SyncRun, workflow.RegisterOptions{Name: SyncRunName})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/watch_history.json"); err != nil {
		t.Fatalf("replay: %v", err)
	}
}
