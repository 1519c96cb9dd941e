package workflows

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
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
// run's ops ledger (creates whose source is linked by now are left out)
// and cuts them into batches per object, in stage order.
func (a *Activities) PrepareRetry(ctx context.Context, in RetryRequest) (RetryPrepared, error) {
	var out RetryPrepared
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return out, err
	}
	db := env.run.DB()
	var have int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM ops WHERE run = ?`, in.Run.RunID).Scan(&have); err != nil {
		return out, ledgerError("retry", err)
	}
	dir := SyncDir(a.cfg.DataDir, in.Run.Sync)
	if have == 0 {
		path := filepath.Join(dir, ErrorsFile)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return out, nil // nothing ever failed
		}
		if err := copyFailures(ctx, env, path, in); err != nil {
			return out, ledgerError("retry", err)
		}
	}
	for _, o := range env.sync.Objects {
		b, err := planBatches(ctx, env.run, o.Object, in.ApplyBatch)
		if err != nil {
			return out, ledgerError("retry", err)
		}
		if len(b) == 0 {
			continue
		}
		out.Objects = append(out.Objects, o.Object)
		out.Batches = append(out.Batches, b)
	}
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM ops WHERE run = ?`, in.Run.RunID).Scan(&out.Ops)
	return out, err
}

func copyFailures(ctx context.Context, env *runEnv, path string, in RetryRequest) (err error) {
	conn, err := env.run.DB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH '`+sqlEscape(path)+`' AS _err (READ_ONLY)`); err != nil {
		return err
	}
	defer func() {
		if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DETACH _err"); derr != nil && err == nil {
			err = derr
		}
	}()
	where := []string{"sync = $1"}
	if in.FromRun != "" {
		where = append(where, "run = '"+sqlEscape(in.FromRun)+"'")
	}
	if len(in.IDs) > 0 {
		ids := make([]string, len(in.IDs))
		for i, id := range in.IDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		where = append(where, "id IN ("+strings.Join(ids, ", ")+")")
	}
	// A failed create that may have reached the system is "sending": it is
	// looked up before it is created again.
	q := `INSERT INTO ops BY NAME
		SELECT $2 AS run, sync, object, row_number() OVER (ORDER BY id) AS seq, op, target_side, target_id,
			source_side, source_id, fields, after, 'retry of error ' || id AS reason, key,
			CASE WHEN op = 'create' AND status = 'failed' THEN 'sending' ELSE 'planned' END AS status
		FROM _err.errors e
		WHERE ` + strings.Join(where, " AND ") + `
		  AND NOT (op = 'create' AND EXISTS (SELECT 1 FROM links l WHERE l.object = e.object AND l.psa_id IS NOT NULL AND l.doc_id IS NOT NULL
			AND (CASE WHEN e.source_side = 'psa' THEN l.psa_id ELSE l.doc_id END) = e.source_id))`
	if _, err := conn.ExecContext(ctx, q, in.Run.Sync, in.Run.RunID); err != nil {
		return fmt.Errorf("copy failures: %w", err)
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO ledger_sends
		SELECT o.run, o.key, e.first_seen - INTERVAL 1 HOUR, 1 FROM ops o JOIN _err.errors e ON e.key = o.key
		WHERE o.run = ? AND o.status = 'sending' ON CONFLICT DO NOTHING`, in.Run.RunID)
	return err
}
