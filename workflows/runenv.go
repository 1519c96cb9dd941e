package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	// users counts the activities of this worker using the run now; gen
	// changes at every release, so an idle timer set before a later use
	// does nothing.
	users int
	gen   uint64
}

// idleClose is how long a worker keeps a run's database open with no
// activity of the run in flight. A run restarted on another worker (its
// activities were not started in time: this worker looked lost, but was
// only busy) can then open the file once this worker lets go of it; the
// other worker retries the open meanwhile (errRunHeld).
const idleClose = 30 * time.Second

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
		e.users++
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
		if strings.Contains(err.Error(), "Could not set lock on file") {
			// Another process holds the run's file (shared data directory):
			// the worker that had the run, alive, not yet idle. Retried.
			return nil, temporal.NewApplicationError(fmt.Sprintf("open run %s: another worker still holds its database: %v", ref.RunID, err), errRunHeld)
		}
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("open run %s: %v", ref.RunID, err), errConfig, nil)
	}
	e := &runEnv{ref: ref, steps: st, opened: time.Now(), users: 1}
	a.runs.runs[ref.RunID] = e
	return e, nil
}

// release ends one activity's use of a run; the run's database is closed
// once no activity has used it for idleClose.
func (a *Activities) release(e *runEnv) {
	c := a.runs
	c.mu.Lock()
	defer c.mu.Unlock()
	e.users--
	if e.users > 0 {
		return
	}
	e.gen++
	gen := e.gen
	time.AfterFunc(idleClose, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if cur, ok := c.runs[e.ref.RunID]; !ok || cur != e || e.users > 0 || e.gen != gen {
			return
		}
		delete(c.runs, e.ref.RunID)
		_ = e.steps.Close() // the file stays; the next activity opens it again
	})
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

// errRunHeld fails (retryably) an activity whose run's database another
// process holds open.
const errRunHeld = "RunHeld"
