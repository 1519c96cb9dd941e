package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers mapsync's workflows on r.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(SyncRun, workflow.RegisterOptions{Name: SyncRunName})
	r.RegisterWorkflowWithOptions(RetryOps, workflow.RegisterOptions{Name: RetryOpsName})
	r.RegisterWorkflowWithOptions(Watch, workflow.RegisterOptions{Name: WatchName})
}

// RegisterActivities registers the activities of acts on r.
func RegisterActivities(r worker.ActivityRegistry, acts *Activities) {
	r.RegisterActivityWithOptions(acts, activity.RegisterOptions{SkipInvalidStructFunctions: true})
}

// Worker is a mapsync worker process: one Temporal worker on the shared
// TaskQueue (workflows, and Prepare, which any worker can answer) and one
// on this process's own queue (the activities that use a run's DuckDB
// file).
type Worker struct {
	acts   *Activities
	shared worker.Worker
	host   worker.Worker
}

// stopWait bounds how long Stop waits for running activities.
const stopWait = 30 * time.Second

// NewWorker builds the workers of one process on client c.
func NewWorker(c client.Client, acts *Activities) *Worker {
	// Stop waits (up to stopWait) for the activities still running, which
	// are canceled, to return before the run databases are closed: an
	// activity of a stopped worker must not hold a DuckDB file that a
	// worker started next in the same process opens again (DuckDB's
	// instance cache then blocked the new open).
	shared := worker.New(c, TaskQueue, worker.Options{WorkerStopTimeout: stopWait})
	RegisterWorkflows(shared)
	RegisterActivities(shared, acts)
	host := worker.New(c, acts.TaskQueue(), worker.Options{MaxConcurrentActivityExecutionSize: 16, WorkerStopTimeout: stopWait})
	RegisterActivities(host, acts)
	return &Worker{acts: acts, shared: shared, host: host}
}

// Start starts both workers.
func (w *Worker) Start() error {
	if err := w.host.Start(); err != nil {
		return fmt.Errorf("start worker on %s: %w", w.acts.TaskQueue(), err)
	}
	if err := w.shared.Start(); err != nil {
		w.host.Stop()
		return fmt.Errorf("start worker on %s: %w", TaskQueue, err)
	}
	return nil
}

// Stop stops both workers and closes the run databases the process holds.
func (w *Worker) Stop() error {
	w.shared.Stop()
	w.host.Stop()
	return w.acts.Close()
}
