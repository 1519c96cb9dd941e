package workflows

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"go.temporal.io/sdk/temporal"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/records"
	"mapsync/engine/steps"
)

// runEnv is what the activities of one run share inside a worker: the
// plan and the sync's steps (package stages: the run's open DuckDB file,
// a connector client per side, so the system's rate limit holds across
// concurrent activities), and the record mappers and writers Apply uses.
type runEnv struct {
	ref    RunRef
	plan   *plan.Plan
	sync   *plan.Sync
	steps  *steps.Run
	run    *match.Run
	counts bool // the clients count requests per activity (withCounter)

	mu      sync.Mutex
	mappers map[string]*records.Mapper
	writers map[string]*records.Writer
}

// runCache holds the runs a worker has open. DuckDB allows one open
// handle per file per process, so every activity of a run uses the same.
type runCache struct {
	mu   sync.Mutex
	runs map[string]*runEnv
}

func newRunCache() *runCache { return &runCache{runs: map[string]*runEnv{}} }

// open returns the run's environment, opening its scratch database (and
// importing the published links) on first use in this process.
func (a *Activities) open(ctx context.Context, ref RunRef) (*runEnv, error) {
	a.runs.mu.Lock()
	defer a.runs.mu.Unlock()
	if e, ok := a.runs.runs[ref.RunID]; ok {
		return e, nil
	}
	p, err := a.plans.Load(ref.PlanHash)
	if err != nil {
		return nil, err
	}
	s, err := findSync(p, ref.Sync)
	if err != nil {
		return nil, err
	}
	vars := connectors.NewResolver(p.Variables, a.cfg.Env)
	opts := []connectors.Option{connectors.WithLogger(a.cfg.Logger), connectors.WithUserAgent("mapsync")}
	counts := false
	if t, ok := countingFor(p, s); ok {
		opts, counts = append(opts, connectors.WithTransport(t)), true
	}
	st, err := steps.Open(ctx, steps.Config{
		Plan: p, Sync: ref.Sync, Dir: SyncDir(a.cfg.DataDir, ref.Sync), RunID: ref.RunID, Vars: vars,
		ConnectorOptions: append(opts, a.cfg.ConnectorOptions...), Threads: a.cfg.Threads, MemoryLimit: a.cfg.MemoryLimit,
	})
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("open run %s: %v", ref.RunID, err), errConfig, nil)
	}
	if err := ensureLedger(ctx, st.DB()); err != nil {
		st.Close()
		return nil, ledgerError("open run", err)
	}
	e := &runEnv{ref: ref, plan: p, sync: s, steps: st, run: st.DB(), counts: counts,
		mappers: map[string]*records.Mapper{}, writers: map[string]*records.Writer{}}
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
	var errs []error
	for id, e := range c.runs {
		errs = append(errs, e.steps.Close())
		delete(c.runs, id)
	}
	return errors.Join(errs...)
}

// systemName is the system on one side of the run's sync.
func (e *runEnv) systemName(side string) string {
	if side == SidePSA {
		return e.sync.PSA
	}
	return e.sync.Doc
}

func (e *runEnv) system(side string) (plan.System, error) {
	sys, ok := findSystem(e.plan, e.systemName(side))
	if !ok {
		return sys, temporal.NewNonRetryableApplicationError(fmt.Sprintf("plan %s has no system %q", short(e.plan.Hash), e.systemName(side)), errConfig, nil)
	}
	return sys, nil
}

func (e *runEnv) objectSync(object string) (plan.ObjectSync, plan.CanonicalType, error) {
	for _, o := range e.sync.Objects {
		if o.Object == object {
			ct, ok := findCanonical(e.plan, object)
			if !ok {
				break
			}
			return o, ct, nil
		}
	}
	return plan.ObjectSync{}, plan.CanonicalType{}, temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("sync %s of plan %s has no object %q", e.sync.Name, short(e.plan.Hash), object), errConfig, nil)
}

func (e *runEnv) matchObject(object string) (*match.Object, error) {
	spec, ct, err := e.objectSync(object)
	if err != nil {
		return nil, err
	}
	obj, err := match.NewObject(spec, ct)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), errConfig, nil)
	}
	return obj, nil
}

// client returns the run's connector client of one side.
func (a *Activities) client(e *runEnv, side string) (*connectors.Client, error) {
	return e.steps.Client(match.Side(side)), nil
}

// mapper returns the record mapper of one object on one side.
func (e *runEnv) mapper(side, object string) (*records.Mapper, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := side + "/" + object
	if m, ok := e.mappers[key]; ok {
		return m, nil
	}
	spec, ct, err := e.objectSync(object)
	if err != nil {
		return nil, err
	}
	sys, err := e.system(side)
	if err != nil {
		return nil, err
	}
	m, err := records.New(records.Spec{System: sys, Object: object, Canonical: ct, Settings: e.sync.Settings,
		Scope: spec.Scope, ScopeReason: spec.ScopeReason})
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), errConfig, nil)
	}
	e.mappers[key] = m
	return m, nil
}

// writer returns the record writer of one object on one side.
func (a *Activities) writer(e *runEnv, side, object string) (*records.Writer, error) {
	m, err := e.mapper(side, object)
	if err != nil {
		return nil, err
	}
	c, err := a.client(e, side)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	key := side + "/" + object
	if w, ok := e.writers[key]; ok {
		return w, nil
	}
	w, err := m.NewWriter(c, records.WriterOptions{DryRun: e.ref.DryRun})
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), errConfig, nil)
	}
	e.writers[key] = w
	return w, nil
}

// scratchPath is where match keeps a run's scratch database.
func scratchPath(syncDir, runID string) string {
	return filepath.Join(syncDir, "work", runID+".duckdb")
}
