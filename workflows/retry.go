package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"mapsync/engine/match"
	"mapsync/engine/steps"
)

// modeRetry is the RunRef mode of a RetryOps run.
const modeRetry = "retry"

// RetryOps applies again the record-level failures kept in the errors
// file (all of them, those of one run, or the ones named), as a run of its
// own: the ops are copied into a new ledger, applied in batches like a
// sync run's and committed (links, results, errors file). A failed create
// whose outcome was never confirmed is looked up before it is created.
func RetryOps(ctx workflow.Context, in RetryInput) (SyncResult, error) {
	res := SyncResult{Sync: in.Sync, Mode: modeRetry, PlanHash: in.PlanHash, RunID: in.RunID}
	if in.Sync == "" || in.PlanHash == "" {
		return res, temporal.NewNonRetryableApplicationError("a sync name and a plan hash are required", errInput, nil)
	}
	if res.RunID == "" {
		res.RunID = workflow.GetInfo(ctx).WorkflowExecution.RunID
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, runAttributes(in.Sync, modeRetry, in.PlanHash)...); err != nil {
		return res, fmt.Errorf("search attributes: %w", err)
	}
	ref := RunRef{Sync: in.Sync, PlanHash: in.PlanHash, RunID: res.RunID, Mode: modeRetry}
	r := &runner{ref: ref, in: SyncInput{Tuning: in.Tuning}, t: in.Tuning.withDefaults(), prog: &Progress{Stage: "prepare"}, res: &res}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (Progress, error) { return *r.prog, nil }); err != nil {
		return res, fmt.Errorf("progress query: %w", err)
	}
	var a *Activities
	pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Minute, RetryPolicy: retryPolicy(r.t)})
	if err := workflow.ExecuteActivity(pctx, a.Prepare, ref).Get(ctx, &r.prep); err != nil {
		return res, fmt.Errorf("prepare: %w", err)
	}
	wctx := r.workerContext(ctx)
	var rp RetryPrepared
	req := RetryRequest{Run: ref, FromRun: in.FromRun, IDs: in.IDs, ApplyBatch: r.t.ApplyBatch}
	if err := workflow.ExecuteActivity(wctx, a.PrepareRetry, req).Get(ctx, &rp); err != nil {
		return res, fmt.Errorf("prepare retry: %w", err)
	}
	var runErr error
	for i, obj := range rp.Objects {
		r.prog.Stage, r.prog.Object = "apply", obj
		out, err := r.apply(ctx, wctx, obj, rp.Batches[i])
		sum := ObjectSummary{Object: obj, Created: out.Created, Updated: out.Updated, Adopted: out.Adopted, Errors: out.Rejected, Requests: out.Requests}
		res.Objects = append(res.Objects, sum)
		res.Requests += out.Requests
		if err != nil {
			runErr = fmt.Errorf("%s: %w", obj, err)
			break
		}
	}
	cctx := wctx
	if runErr != nil {
		cctx, _ = workflow.NewDisconnectedContext(wctx)
	}
	var cres CommitResult
	if err := workflow.ExecuteActivity(cctx, a.Commit, CommitInput{Run: ref, Failed: runErr != nil}).Get(cctx, &cres); err != nil {
		return res, errors.Join(runErr, fmt.Errorf("commit: %w", err))
	}
	res.ResultsFile = cres.ResultsFile
	return res, runErr
}

// RetryRequest asks PrepareRetry to fill a retry run's ledger.
type RetryRequest struct {
	Run        RunRef  `json:"run"`
	FromRun    string  `json:"from_run,omitempty"`
	IDs        []int64 `json:"ids,omitempty"`
	ApplyBatch int     `json:"apply_batch"`
}

// PrepareRetry copies the chosen rows of the errors file into the retry
// run's ledger (steps.Run.PrepareRetry: creates whose source is linked by
// now are left out) and cuts them into batches per object, in stage order.
func (a *Activities) PrepareRetry(ctx context.Context, in RetryRequest) (RetryPrepared, error) {
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return RetryPrepared{}, err
	}
	defer a.release(env)
	p, err := env.steps.PrepareRetry(ctx, steps.RetryInput{
		FailureFilter: match.FailureFilter{FromRun: in.FromRun, IDs: in.IDs}, BatchSize: in.ApplyBatch,
	})
	if err != nil {
		return RetryPrepared{}, stepError(err)
	}
	return RetryPrepared{Objects: p.Objects, Batches: p.Batches, Ops: p.Ops}, nil
}
