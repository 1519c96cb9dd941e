package workflows

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/steps"
	"mapsync/workflows/metrics"
)

// Config configures the activities of one worker process.
type Config struct {
	// DataDir holds plans/ (the plan store) and syncs/<sync>/ (results,
	// Parquet, run scratch files, cursors, errors). Default ".mapsync".
	DataDir string
	// TaskQueue is this worker's own queue, for the activities that share
	// a run's DuckDB file. Default: HostTaskQueue(DataDir).
	TaskQueue string
	// Env looks up the variables of the plan (credentials, base URLs) in
	// the worker's environment. Default os.LookupEnv.
	Env func(string) (string, bool)
	// SyncEnv, when set, gives each sync its own lookup (a worker serving
	// many tenants: SecretsDirEnv) and Env is not used.
	SyncEnv func(sync string) func(string) (string, bool)
	// ConnectorOptions are added to every connector client (tests inject
	// a clock that does not sleep).
	ConnectorOptions []connectors.Option
	// Logger receives the connectors' redacted logs. Default: none.
	Logger zerolog.Logger
	// Lookback is subtracted from an extraction's start time to make the
	// next changed-since cursor, and from the first send of an in-doubt
	// create before the target is searched for it, covering clock skew
	// between the worker and the systems. Default 2m.
	Lookback time.Duration
	// DuckDB settings of the run scratch databases. Threads 0: a thread
	// per core. MemoryLimit is DuckDB's memory_limit per open run;
	// default DefaultMemoryLimit, under which a sync of 50,000
	// configurations keeps the worker under 1 GB (BENCHMARKS.md, "Worker
	// memory"); DuckDB spills to <run>.duckdb.tmp beyond it.
	Threads     int
	MemoryLimit string
	// Now is the clock of cursors and the ledger. Default time.Now.
	Now func() time.Time
	// Metrics receives the worker's series (requests, rate-limit waits,
	// ops, step and run durations, links by state). Nil: none.
	Metrics *metrics.Metrics
	// Limits are the rate limiters every connector client of the worker
	// takes its limiter from, so the runs, activities and watchers of all
	// syncs on one account share its declared limits. Default: a set of
	// its own per Activities.
	Limits *connectors.Limits
}

// DefaultMemoryLimit is the DuckDB memory_limit of a run's scratch
// database when Config.MemoryLimit is empty (DuckDB's own default is 80%
// of the machine's memory per open database).
const DefaultMemoryLimit = "384MB"

func (c Config) withDefaults() Config {
	if c.MemoryLimit == "" {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if c.DataDir == "" {
		c.DataDir = ".mapsync"
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.TaskQueue == "" {
		c.TaskQueue = HostTaskQueue(c.DataDir)
	}
	if c.Env == nil {
		c.Env = os.LookupEnv
	}
	if c.Lookback <= 0 {
		c.Lookback = 2 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Limits == nil {
		c.Limits = connectors.NewLimits()
	}
	return c
}

// Activities are the activities of mapsync's workflows. Register one value
// per worker process: it holds the open run databases and connector clients
// that concurrent activities of a run share.
type Activities struct {
	cfg   Config
	plans *PlanStore
	runs  *runCache
	polls pollers // the watchers' pollers (poll.go)
}

// NewActivities returns the activities of a worker.
func NewActivities(cfg Config) *Activities {
	cfg = cfg.withDefaults()
	return &Activities{cfg: cfg, plans: NewPlanStore(PlanDir(cfg.DataDir)), runs: newRunCache()}
}

// env is the variable lookup of one sync's runs and watcher.
func (a *Activities) env(sync string) func(string) (string, bool) {
	if a.cfg.SyncEnv != nil {
		return a.cfg.SyncEnv(sync)
	}
	return a.cfg.Env
}

// connectorOptions are the options of every connector client of the
// worker.
func (a *Activities) connectorOptions() []connectors.Option {
	opts := []connectors.Option{connectors.WithLogger(a.cfg.Logger), connectors.WithUserAgent("mapsync"),
		connectors.WithLimits(a.cfg.Limits)}
	if a.cfg.Metrics != nil {
		opts = append(opts, connectors.WithObserver(a.cfg.Metrics))
	}
	return append(opts, a.cfg.ConnectorOptions...)
}

// timeStep observes the duration of one step attempt since start.
func (a *Activities) timeStep(step string, start time.Time) {
	a.cfg.Metrics.Step(step, time.Since(start))
}

// Plans is the worker's plan store.
func (a *Activities) Plans() *PlanStore { return a.plans }

// TaskQueue is the worker's own queue.
func (a *Activities) TaskQueue() string { return a.cfg.TaskQueue }

// Close closes every run database the worker still holds open.
func (a *Activities) Close() error { return a.runs.closeAll() }

// PlanDir is the plan store's directory under a data directory.
func PlanDir(dataDir string) string { return filepath.Join(dataDir, "plans") }

// SyncDir is the directory of one sync's results under a data directory.
func SyncDir(dataDir, sync string) string { return filepath.Join(dataDir, "syncs", sync) }

// Prepare loads the plan, decides which objects run (steps.Run.Enabled,
// on a run that is inspected, not opened: no connection and no DuckDB
// file on a worker that may not run the rest) and reads the changed-since
// cursors. It runs on any worker and answers with this worker's own queue:
// every later activity of the run goes there.
func (a *Activities) Prepare(ctx context.Context, ref RunRef) (Prepared, error) {
	p, err := a.plans.Load(ref.PlanHash)
	if err != nil {
		return Prepared{}, err
	}
	if _, err := findSync(p, ref.Sync); err != nil {
		return Prepared{}, err
	}
	run, err := steps.Inspect(steps.Config{Plan: p, Sync: ref.Sync})
	if err != nil {
		return Prepared{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("run %s: %v", ref.RunID, err), errConfig, nil)
	}
	out := Prepared{TaskQueue: a.cfg.TaskQueue}
	for _, name := range ref.Objects {
		if !slices.ContainsFunc(run.Sync().Objects, func(o plan.ObjectSync) bool { return o.Object == name }) {
			return Prepared{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("sync %s has no object %q", ref.Sync, name), errInput, nil)
		}
	}
	for _, o := range run.Sync().Objects {
		if len(ref.Objects) > 0 && !slices.Contains(ref.Objects, o.Object) {
			continue
		}
		on, _, err := run.Enabled(o.Object)
		if err != nil {
			return Prepared{}, temporal.NewNonRetryableApplicationError(err.Error(), errConfig, nil)
		}
		if !on || o.Direction == plan.DirNone {
			out.Disabled = append(out.Disabled, o.Object)
			continue
		}
		out.Objects = append(out.Objects, ObjectRef{Name: o.Object, Stage: o.Stage})
	}
	for _, name := range run.Deferred() {
		if slices.ContainsFunc(out.Objects, func(o ObjectRef) bool { return o.Name == name }) {
			out.Deferred = append(out.Deferred, name)
		}
	}
	if ref.Mode == ModeIncremental {
		if out.Since, err = steps.LoadCursors(SyncDir(a.cfg.DataDir, ref.Sync)); err != nil {
			return Prepared{}, err
		}
		// Objects with a control lifted since their last run are listed
		// in full: their held records' changes were listed back then.
		lifted, err := steps.LiftedObjects(ctx, SyncDir(a.cfg.DataDir, ref.Sync), ref.Sync)
		if err != nil {
			return Prepared{}, err
		}
		for _, o := range lifted {
			delete(out.Since, CursorKey(o, SidePSA))
			delete(out.Since, CursorKey(o, SideDoc))
		}
	}
	activity.GetLogger(ctx).Info("prepared run", "sync", ref.Sync, "objects", len(out.Objects), "queue", out.TaskQueue)
	return out, nil
}

// MatchDiff matches the staged records of one object, plans its ops and
// cuts the planned writes into batches of in.ApplyBatch.
func (a *Activities) MatchDiff(ctx context.Context, in MatchInput) (res MatchResult, err error) {
	defer a.timeStep("match", time.Now())
	ctx, reqs := steps.CountRequests(ctx)
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return MatchResult{}, err
	}
	defer a.release(env)
	defer tally(ctx, env, "match "+in.Object, reqs, &res.Requests, &err)
	ms, err := env.steps.Match(ctx, in.Object, match.Listing{PSAComplete: in.PSAComplete, DocComplete: in.DocComplete})
	if err != nil {
		return MatchResult{}, retryable("match "+in.Object, err)
	}
	ps, err := env.steps.Diff(ctx, in.Object)
	if err != nil {
		return MatchResult{}, retryable("diff "+in.Object, err)
	}
	// The mass-change guard: before anything of the object is written.
	if _, err := env.steps.Guard(ctx, in.Object, in.Guard); err != nil {
		var ge *steps.GuardError
		if errors.As(err, &ge) {
			return MatchResult{}, temporal.NewNonRetryableApplicationError(ge.Error(), errMassChange, nil)
		}
		return MatchResult{}, stepError(err)
	}
	batches, err := env.steps.Batches(ctx, in.Object, in.ApplyBatch)
	if err != nil {
		return MatchResult{}, stepError(err)
	}
	return MatchResult{
		Linked: ms.Linked, Matched: ms.Matched, Orphaned: ms.Orphaned,
		Planned: OpCounts{Create: ps.Creates, Update: ps.Updates, Orphan: ps.Orphans, Skip: ps.Skips, Invalid: ps.Invalid},
		Batches: batches,
	}, nil
}

// DiffDeferred plans the deferred references of one object once every
// stage has applied (steps.Run.DiffDeferred) and cuts its writes into
// batches.
func (a *Activities) DiffDeferred(ctx context.Context, in DeferredInput) (res MatchResult, err error) {
	defer a.timeStep("deferred", time.Now())
	ctx, reqs := steps.CountRequests(ctx)
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return MatchResult{}, err
	}
	defer a.release(env)
	defer tally(ctx, env, "deferred "+in.Object, reqs, &res.Requests, &err)
	ds, err := env.steps.DiffDeferred(ctx, in.Object)
	if err != nil {
		return MatchResult{}, retryable("deferred "+in.Object, err)
	}
	batches, err := env.steps.DeferredBatches(ctx, in.Object, in.ApplyBatch)
	if err != nil {
		return MatchResult{}, stepError(err)
	}
	return MatchResult{Planned: OpCounts{Update: ds.Updates, Skip: ds.Skips, Invalid: ds.Invalid}, Batches: batches}, nil
}

// Apply applies the planned ops of one object in a seq range
// (steps.Run.Apply), heartbeating while it runs. On the retry policy's
// last attempt, ops that still fail retryably are recorded as failed
// instead of failing the run.
func (a *Activities) Apply(ctx context.Context, in ApplyInput) (res ApplyResult, err error) {
	defer a.timeStep("apply", time.Now())
	ctx, reqs := steps.CountRequests(ctx)
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return ApplyResult{}, err
	}
	defer a.release(env)
	defer tally(ctx, env, fmt.Sprintf("apply %s %d..%d", in.Object, in.Range.From, in.Range.To), reqs, &res.Requests, &err)
	hb := startHeartbeat(ctx, nil)
	defer hb.close()
	last := in.MaxAttempts > 0 && activity.GetInfo(ctx).Attempt >= in.MaxAttempts
	r, err := env.steps.Apply(ctx, steps.ApplyInput{Object: in.Object, Range: in.Range, LastAttempt: last})
	if err != nil {
		return ApplyResult{}, stepError(err)
	}
	if !in.Run.DryRun {
		a.cfg.Metrics.Ops(in.Run.Sync, in.Object, metrics.OutcomeApplied, r.Created+r.Updated+r.Orphaned+r.Adopted)
		a.cfg.Metrics.Ops(in.Run.Sync, in.Object, metrics.OutcomeRejected, r.Rejected-r.Failed)
		a.cfg.Metrics.Ops(in.Run.Sync, in.Object, metrics.OutcomeFailed, r.Failed)
	}
	return ApplyResult{Created: r.Created, Updated: r.Updated, Orphaned: r.Orphaned, Adopted: r.Adopted,
		Rejected: r.Rejected}, nil
}

// Commit ends a run on its worker (steps.Run.Commit: errors file,
// results, cursors) and removes its scratch database. A dry run publishes
// nothing: its scratch database is kept for inspection. A Commit retried
// after it succeeded finds the run published and does nothing.
func (a *Activities) Commit(ctx context.Context, in CommitInput) (CommitResult, error) {
	defer a.timeStep("commit", time.Now())
	dir := SyncDir(a.cfg.DataDir, in.Run.Sync)
	if done, err := steps.Committed(ctx, dir, in.Run.RunID); err != nil {
		return CommitResult{}, stepError(err)
	} else if done {
		return a.withStates(ctx, in.Run, CommitResult{ResultsFile: filepath.Join(dir, "results.duckdb")})
	}
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return CommitResult{}, err
	}
	defer a.release(env)
	pub, err := env.steps.Commit(ctx, steps.CommitInput{Failed: in.Failed, Cursors: in.Cursors, Sweeps: in.Sweeps})
	if err != nil {
		return CommitResult{}, stepError(err)
	}
	done, keep := a.runs.remove, ""
	if in.Run.DryRun {
		done, keep = a.runs.close, match.ScratchPath(dir, in.Run.RunID)
	}
	if err := done(in.Run.RunID); err != nil {
		return CommitResult{}, stepError(&steps.Error{Kind: steps.KindLedger, What: "commit", Err: err})
	}
	a.cfg.Metrics.Run(in.Run.Sync, time.Since(env.opened))
	if keep != "" {
		return CommitResult{ResultsFile: keep}, nil
	}
	a.setLinks(ctx, in.Run.Sync)
	return a.withStates(ctx, in.Run, CommitResult{ResultsFile: pub.Results, ParquetDir: pub.Parquet})
}

// setLinks sets the links-by-state gauges of a sync from its published
// links. A failure to count them is logged: metrics do not fail a run.
func (a *Activities) setLinks(ctx context.Context, sync string) {
	if a.cfg.Metrics == nil {
		return
	}
	counts, err := match.LinkCounts(ctx, SyncDir(a.cfg.DataDir, sync), sync)
	if err != nil {
		activity.GetLogger(ctx).Warn("links by state not counted", "sync", sync, "error", err)
		return
	}
	out := make([]metrics.LinkCount, len(counts))
	for i, c := range counts {
		out[i] = metrics.LinkCount{Object: c.Object, State: c.State, N: c.N}
	}
	a.cfg.Metrics.Links(sync, out)
}

// withStates adds the sync's pauses and link states (the run's search
// attributes) to a commit's result.
func (a *Activities) withStates(ctx context.Context, ref RunRef, res CommitResult) (CommitResult, error) {
	var err error
	res.Paused, res.LinkStates, err = steps.StateSummary(ctx, SyncDir(a.cfg.DataDir, ref.Sync), ref.Sync)
	if err != nil {
		return res, stepError(err)
	}
	return res, nil
}

// OpenErrors opens a sync's errors file read-only; ok is false when there
// is none yet (no run has failed a record).
func OpenErrors(syncDir string) (db *sql.DB, ok bool, err error) { return match.OpenErrors(syncDir) }

func findSync(p *plan.Plan, name string) (*plan.Sync, error) {
	for i := range p.Syncs {
		if p.Syncs[i].Name == name {
			return &p.Syncs[i], nil
		}
	}
	var names []string
	for _, s := range p.Syncs {
		names = append(names, s.Name)
	}
	return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("plan %s has no sync %q (it has %v)", short(p.Hash), name, names), errInput, nil)
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// tally ends an attempt of a step that makes requests: it adds the
// attempt's requests to the step's tally in the run's scratch database
// (steps.Run.TallyRequests), failed attempts included, and on success
// reports the tally in *total, so a step's count is the requests of all
// its attempts: what the systems saw.
func tally(ctx context.Context, env *runEnv, step string, reqs *steps.Requests, total *int64, err *error) {
	n, terr := env.steps.TallyRequests(context.WithoutCancel(ctx), step, reqs.N())
	switch {
	case *err != nil:
		if terr != nil {
			activity.GetLogger(ctx).Warn("requests of a failed attempt not counted", "step", step, "error", terr)
		}
	case terr != nil:
		*err = stepError(terr)
	default:
		*total = n
	}
}
