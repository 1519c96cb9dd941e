package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"

	"mapsync/connectors"
	"mapsync/engine/steps"
)

// runEnv is what the activities of one run share inside a worker: the
// run's steps (package steps: the run's open DuckDB file, a connector
// client per side, so the system's rate limit holds across concurrent
// activities, and the record mappers and writers).
type runEnv struct {
	ref    RunRef
	steps  *steps.Run
	opened time.Time // the run's first activity on this worker (the run duration metric)
}

// runCache holds the runs a worker has open. DuckDB allows one open
// handle per file per process, so every activity of a run uses the same.
type runCache struct {
	mu   sync.Mutex
	runs map[string]*runEnv
	// closed is set by closeAll (the worker stops): an activity of this
	// worker still running may not open a run again, or its DuckDB file
	// would stay open in this process with no owner to close it.
	closed bool
}

func newRunCache() *runCache { return &runCache{runs: map[string]*runEnv{}} }

// open returns the run's environment, opening its scratch database (and
// importing the published links) on first use in this process.
func (a *Activities) open(ctx context.Context, ref RunRef) (*runEnv, error) {
	a.runs.mu.Lock()
	defer a.runs.mu.Unlock()
	if a.runs.closed {
		return nil, temporal.NewApplicationError("this worker is stopping", errWorkerStopping)
	}
	if e, ok := a.runs.runs[ref.RunID]; ok {
		return e, nil
	}
	p, err := a.plans.Load(ref.PlanHash)
	if err != nil {
		return nil, err
	}
	if _, err := findSync(p, ref.Sync); err != nil {
		return nil, err
	}
	st, err := steps.Open(ctx, steps.Config{
		Plan: p, Sync: ref.Sync, Dir: SyncDir(a.cfg.DataDir, ref.Sync), RunID: ref.RunID,
		Vars: connectors.NewResolver(p.Variables, a.env(ref.Sync)), ConnectorOptions: a.connectorOptions(),
		Threads: a.cfg.Threads, MemoryLimit: a.cfg.MemoryLimit,
		DryRun: ref.DryRun, Now: a.cfg.Now, Lookback: a.cfg.Lookback, PushAll: ref.PushAll,
	})
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("open run %s: %v", ref.RunID, err), errConfig, nil)
	}
	e := &runEnv{ref: ref, steps: st, opened: time.Now()}
	a.runs.runs[ref.RunID] = e
	return e, nil
}

// close closes a run's database and keeps its file.
func (c *runCache) close(runID string) error {
	c.mu.Lock()
	e, ok := c.runs[runID]
	delete(c.runs, runID)
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return e.steps.Close()
}

// remove closes a run's database and deletes its file.
func (c *runCache) remove(runID string) error {
	c.mu.Lock()
	e, ok := c.runs[runID]
	delete(c.runs, runID)
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return e.steps.Remove()
}

func (c *runCache) closeAll() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for id, e := range c.runs {
		errs = append(errs, e.steps.Close())
		delete(c.runs, id)
	}
	return errors.Join(errs...)
}

// errWorkerStopping fails (retryably) an activity that would open a run on
// a worker that is stopping; Temporal retries it on a worker that runs.
const errWorkerStopping = "WorkerStopping"
