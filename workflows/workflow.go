package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"mapsync/engine/steps"
)

// maxWorkerRestarts bounds how often a run starts again after losing the
// worker that held its DuckDB file.
const maxWorkerRestarts = 3

// SyncRun runs one sync: Prepare on any worker, then every object stage
// of the plan in order on the worker Prepare picked, then Commit. It never
// reads files, clocks or the network itself (all of that is in activities),
// so it replays deterministically.
func SyncRun(ctx workflow.Context, in SyncInput) (SyncResult, error) {
	if in.Mode == "" {
		in.Mode = ModeIncremental
	}
	res := SyncResult{Sync: in.Sync, Mode: in.Mode, DryRun: in.DryRun, PlanHash: in.PlanHash}
	if in.Mode != ModeIncremental && in.Mode != ModeFull {
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unknown mode %q (full or incremental)", in.Mode), errInput, nil)
	}
	if in.Sync == "" || in.PlanHash == "" {
		return res, temporal.NewNonRetryableApplicationError("a sync name and a plan hash are required", errInput, nil)
	}
	res.RunID = in.RunID
	if res.RunID == "" {
		res.RunID = workflow.GetInfo(ctx).WorkflowExecution.RunID
	}
	if len(in.Records) > 0 && len(in.Objects) == 0 {
		in.Objects = recordObjects(in.Records)
	}
	ref := RunRef{Sync: in.Sync, PlanHash: in.PlanHash, RunID: res.RunID, Mode: in.Mode, DryRun: in.DryRun, Objects: in.Objects, Records: in.Records, PushAll: in.PushAll}
	t := in.Tuning.withDefaults()

	prog := &Progress{Stage: "prepare"}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (Progress, error) { return *prog, nil }); err != nil {
		return res, fmt.Errorf("progress query: %w", err)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, runAttributes(in.Sync, modeAttribute(in), in.PlanHash)...); err != nil {
		return res, fmt.Errorf("search attributes: %w", err)
	}

	for {
		r := &runner{ref: ref, in: in, t: t, prog: prog, res: &res}
		err := r.run(ctx)
		if err != nil && workerLost(err) && res.Restarts < maxWorkerRestarts {
			res.Restarts++
			res.Objects, res.Requests = nil, 0
			*prog = Progress{Stage: "prepare"}
			workflow.GetLogger(ctx).Warn("the run's worker is gone; starting again on another worker", "restart", res.Restarts)
			continue
		}
		return res, accessFailure(err)
	}
}

// runner is one attempt at a run on one worker.
type runner struct {
	ref  RunRef
	in   SyncInput
	t    Tuning
	prog *Progress
	res  *SyncResult
	prep Prepared
	// start is the workflow time the attempt began: the clock of the
	// sweeps of nested listings.
	start  time.Time
	sweeps map[string]steps.Sweep
}

func (r *runner) run(ctx workflow.Context) error {
	var a *Activities
	pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         r.retryPolicy(),
	})
	if err := workflow.ExecuteActivity(pctx, a.Prepare, r.ref).Get(ctx, &r.prep); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	wctx := r.workerContext(ctx)
	r.start, r.sweeps = workflow.Now(ctx).UTC(), map[string]steps.Sweep{}

	cursors := map[string]time.Time{}
	var runErr error
	var ahead *listing // the next object's listings, started while this one applies
	for i, obj := range r.prep.Objects {
		ex := ahead
		if ex == nil {
			ex = r.startExtract(wctx, obj.Name)
		}
		ahead = nil
		var next string
		if i+1 < len(r.prep.Objects) {
			next = r.prep.Objects[i+1].Name
		}
		sum, pre, err := r.object(ctx, wctx, ex, next, cursors)
		ahead = pre
		r.res.Objects = append(r.res.Objects, sum)
		r.res.Requests += sum.Requests
		r.prog.Done = append(r.prog.Done, sum)
		if err != nil {
			runErr = fmt.Errorf("%s: %w", obj.Name, err)
			break
		}
	}
	// Deferred references, once every stage has applied (runs recorded
	// before this step existed replay without it).
	if runErr == nil && workflow.GetVersion(ctx, deferredVersion, workflow.DefaultVersion, 1) >= 1 {
		runErr = r.deferred(ctx, wctx)
	}
	if ahead != nil {
		// The run failed while the next listings ran: stop them before the
		// commit closes the run's database.
		ahead.stop(ctx)
	}
	if runErr != nil && workerLost(runErr) {
		return runErr
	}

	r.prog.Stage, r.prog.Object = "commit", ""
	cin := CommitInput{Run: r.ref, Failed: runErr != nil}
	if runErr == nil && !r.in.DryRun && len(r.in.Records) == 0 {
		// A record run lists some records only: the cursors stay.
		cin.Cursors, cin.Sweeps = cursors, r.sweeps
	}
	var cres CommitResult
	cctx := wctx
	if runErr != nil {
		// Publish what was applied even when the run failed or was
		// canceled: the writes happened and their links must not be lost.
		cctx, _ = workflow.NewDisconnectedContext(wctx)
	}
	if err := workflow.ExecuteActivity(cctx, a.Commit, cin).Get(cctx, &cres); err != nil {
		return errors.Join(runErr, fmt.Errorf("commit: %w", err))
	}
	r.res.ResultsFile = cres.ResultsFile
	if workflow.GetVersion(ctx, "state-search-attributes", workflow.DefaultVersion, 1) == 1 && !r.in.DryRun {
		if err := workflow.UpsertTypedSearchAttributes(ctx, stateAttributes(cres)...); err != nil {
			return errors.Join(runErr, fmt.Errorf("search attributes: %w", err))
		}
	}
	r.prog.Stage = "done"
	return runErr
}

// deferredVersion gates the deferred-reference step of SyncRun.
const deferredVersion = "deferred-references"

// deferred runs the deferred-reference pass of each object that has one:
// plan it, then apply its batches. Its counts join the object's summary.
func (r *runner) deferred(ctx, wctx workflow.Context) error {
	var a *Activities
	for _, name := range r.prep.Deferred {
		r.prog.Stage, r.prog.Object, r.prog.Applied, r.prog.Planned = "deferred", name, 0, 0
		var m MatchResult
		din := DeferredInput{Run: r.ref, Object: name, ApplyBatch: r.t.ApplyBatch}
		if err := workflow.ExecuteActivity(wctx, a.DiffDeferred, din).Get(ctx, &m); err != nil {
			return fmt.Errorf("%s: deferred references: %w", name, err)
		}
		d := &DeferredSummary{Planned: m.Planned, Requests: m.Requests}
		var err error
		if !r.in.DryRun && m.Planned.Writes() > 0 {
			r.prog.Stage, r.prog.Planned = "apply", m.Planned.Writes()
			var applied ApplyResult
			applied, err = r.apply(ctx, wctx, name, m.Batches)
			d.Updated, d.Errors = applied.Updated, applied.Rejected
			d.Requests += applied.Requests
		}
		r.res.Requests += d.Requests
		for i := range r.res.Objects {
			if r.res.Objects[i].Object == name {
				r.res.Objects[i].Deferred = d
				// The object's requests include its deferred pass, so the
				// objects' counts add up to the run's.
				r.res.Objects[i].Requests += d.Requests
			}
		}
		if err != nil {
			return fmt.Errorf("%s: deferred references: apply: %w", name, err)
		}
	}
	return nil
}

// listing is the two listings (psa, doc) of one object, in flight.
type listing struct {
	object string
	futs   [2]workflow.Future
	cancel workflow.CancelFunc
}

// startExtract starts both listings of an object.
func (r *runner) startExtract(wctx workflow.Context, name string) *listing {
	var a *Activities
	cctx, cancel := workflow.WithCancel(wctx)
	l := &listing{object: name, cancel: cancel}
	for i, side := range []string{SidePSA, SideDoc} {
		in := ExtractInput{Run: r.ref, Object: name, Side: side, Records: objectRecords(r.in.Records, name), RunStart: r.start}
		if r.in.Mode == ModeIncremental {
			in.Since = r.prep.Since[CursorKey(name, side)]
		}
		l.futs[i] = workflow.ExecuteActivity(cctx, a.Extract, in)
	}
	return l
}

// stop cancels the listings and waits until they ended.
func (l *listing) stop(ctx workflow.Context) {
	l.cancel()
	for _, f := range l.futs {
		_ = f.Get(ctx, nil)
	}
}

// object runs the stages of one object: wait for its listings, match and
// diff, apply in batches. The listings of the next object (which need only
// staged records, not this object's writes) are started before the apply,
// so they overlap with it; they are returned to the caller.
func (r *runner) object(ctx, wctx workflow.Context, l *listing, next string, cursors map[string]time.Time) (ObjectSummary, *listing, error) {
	var a *Activities
	name := l.object
	sum := ObjectSummary{Object: name}
	r.prog.Stage, r.prog.Object, r.prog.Applied, r.prog.Planned = "extract", name, 0, 0
	if err := workflow.UpsertTypedSearchAttributes(ctx, saObject.ValueSet(name)); err != nil {
		return sum, nil, fmt.Errorf("search attributes: %w", err)
	}
	var ex [2]ExtractResult
	var errs []error
	for i := range l.futs {
		if err := l.futs[i].Get(ctx, &ex[i]); err != nil {
			errs = append(errs, fmt.Errorf("extract %s: %w", []string{SidePSA, SideDoc}[i], err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return sum, nil, err
	}
	sum.ExtractedPSA, sum.CompletePSA = ex[0].Records, ex[0].Complete
	sum.ExtractedDoc, sum.CompleteDoc = ex[1].Records, ex[1].Complete
	sum.PagesPSA, sum.PagesDoc = ex[0].Pages, ex[1].Pages
	sum.Requests = ex[0].Requests + ex[1].Requests

	r.prog.Stage = "match"
	var m MatchResult
	min := MatchInput{Run: r.ref, Object: name, PSAComplete: ex[0].Complete, DocComplete: ex[1].Complete, ApplyBatch: r.t.ApplyBatch, Guard: r.in.Guard}
	if err := workflow.ExecuteActivity(wctx, a.MatchDiff, min).Get(ctx, &m); err != nil {
		return sum, nil, fmt.Errorf("match: %w", err)
	}
	sum.Linked, sum.Matched, sum.Planned, sum.Invalid = m.Linked, m.Matched, m.Planned, m.Planned.Invalid
	sum.Orphaned = m.Orphaned
	sum.Requests += m.Requests

	var ahead *listing
	if next != "" {
		ahead = r.startExtract(wctx, next)
	}
	if !r.in.DryRun {
		r.prog.Stage, r.prog.Planned = "apply", m.Planned.Writes()
		applied, err := r.apply(ctx, wctx, name, m.Batches)
		sum.Created, sum.Updated, sum.Adopted, sum.Errors = applied.Created, applied.Updated, applied.Adopted, applied.Rejected
		sum.Requests += applied.Requests
		if err != nil {
			return sum, ahead, fmt.Errorf("apply: %w", err)
		}
	}
	for i, side := range []string{SidePSA, SideDoc} {
		if !ex[i].Cursor.IsZero() {
			cursors[CursorKey(name, side)] = ex[i].Cursor
		}
		if ex[i].Sweep != nil {
			r.sweeps[CursorKey(name, side)] = *ex[i].Sweep
		}
	}
	return sum, ahead, nil
}

// apply runs the batches with at most Tuning.ApplyParallel in flight. The
// first error stops scheduling; batches in flight finish.
func (r *runner) apply(ctx, wctx workflow.Context, object string, batches []SeqRange) (ApplyResult, error) {
	var a *Activities
	var total ApplyResult
	var firstErr error
	sel := workflow.NewSelector(ctx)
	inflight := 0
	for _, b := range batches {
		for inflight >= r.t.ApplyParallel {
			sel.Select(ctx)
			inflight--
		}
		if firstErr != nil {
			break
		}
		f := workflow.ExecuteActivity(wctx, a.Apply, ApplyInput{Run: r.ref, Object: object, Range: b, MaxAttempts: r.t.MaxAttempts})
		inflight++
		sel.AddFuture(f, func(f workflow.Future) {
			var res ApplyResult
			if err := f.Get(ctx, &res); err != nil && firstErr == nil {
				firstErr = err
			}
			total.add(res)
			r.prog.Applied += res.Created + res.Updated + res.Adopted + res.Rejected
		})
	}
	for ; inflight > 0; inflight-- {
		sel.Select(ctx)
	}
	return total, firstErr
}

// workerContext routes activities to the worker that holds the run's
// DuckDB file.
func (r *runner) workerContext(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              r.prep.TaskQueue,
		ScheduleToStartTimeout: r.t.WorkerLostAfter,
		StartToCloseTimeout:    4 * time.Hour,
		HeartbeatTimeout:       r.t.HeartbeatTimeout,
		WaitForCancellation:    true,
		RetryPolicy:            r.retryPolicy(),
	})
}

func (r *runner) retryPolicy() *temporal.RetryPolicy {
	return retryPolicy(r.t)
}

func retryPolicy(t Tuning) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        t.RetryInitial,
		BackoffCoefficient:     2,
		MaximumInterval:        t.RetryMax,
		MaximumAttempts:        t.MaxAttempts,
		NonRetryableErrorTypes: []string{errInput, errPlanMissing, errConfig, errAccess},
	}
}

// workerLost reports whether err is a schedule-to-start timeout: no worker
// served the run's queue in time.
func workerLost(err error) bool {
	var te *temporal.TimeoutError
	return errors.As(err, &te) && te.TimeoutType() == enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START
}
