package steps

import (
	"context"
	"time"

	"mapsync/engine/match"
)

// Batches cuts the run's planned writes of one object into seq ranges of
// at most size ops, the unit of Apply.
func (r *Run) Batches(ctx context.Context, object string, size int) ([]match.SeqRange, error) {
	b, err := r.db.Batches(ctx, object, size)
	if err != nil {
		return nil, ledgerError("batches "+object, err)
	}
	return b, nil
}

// DeferredBatches cuts the planned writes of an object's deferred pass
// (DiffDeferred) into ranges of at most size ops.
func (r *Run) DeferredBatches(ctx context.Context, object string, size int) ([]match.SeqRange, error) {
	b, err := r.db.DeferredBatches(ctx, object, size)
	if err != nil {
		return nil, ledgerError("deferred batches "+object, err)
	}
	return b, nil
}

// CommitInput ends a run.
type CommitInput struct {
	// Failed marks a run that did not finish: ops left "sending" become
	// failed (never confirmed), the results are published (what was
	// applied is applied) but no cursor moves.
	Failed bool
	// Cursors are the changed-since values to store (key -> value) once
	// the results are published.
	Cursors map[string]time.Time
	// Sweeps are where the sweeps of nested listings stand (key -> value,
	// the keys of Cursors), stored with them.
	Sweeps map[string]Sweep
}

// Commit ends a run: the record-level failures go to the sync's errors
// file, the fields left out of writes to its warnings file, the results are published and the cursors move (only for a run
// that did not fail). A dry run publishes nothing (Published is zero):
// its scratch database is kept for inspection. The caller then closes or
// removes the run.
func (r *Run) Commit(ctx context.Context, in CommitInput) (match.Published, error) {
	if in.Failed {
		if err := r.db.MarkUnconfirmed(ctx); err != nil {
			return match.Published{}, ledgerError("commit", err)
		}
	}
	if r.cfg.DryRun {
		return match.Published{}, nil
	}
	if err := r.db.RecordFailures(ctx, r.cfg.Now()); err != nil {
		return match.Published{}, ledgerError("errors file", err)
	}
	objs := make([]*match.Object, 0, len(r.sync.Objects))
	for _, name := range r.Objects() {
		if o, err := r.object(name); err == nil {
			objs = append(objs, o.match)
		}
	}
	if err := r.db.RecordWarnings(ctx, r.cfg.Now(), objs); err != nil {
		return match.Published{}, ledgerError("warnings file", err)
	}
	pub, err := r.Publish(ctx)
	if err != nil {
		return pub, ledgerError("publish", err)
	}
	if err := r.forgetPushed(ctx); err != nil {
		return pub, ledgerError("forget push confirmations", err)
	}
	if !in.Failed && len(in.Cursors)+len(in.Sweeps) > 0 {
		if err := SaveCursors(r.cfg.Dir, r.cfg.RunID, in.Cursors, in.Sweeps); err != nil {
			return pub, ledgerError("commit", err)
		}
	}
	return pub, nil
}

// Committed reports whether a run of the sync in dir was committed
// already: its scratch database is gone and its results are published (a
// commit retried after it succeeded).
func Committed(ctx context.Context, dir, runID string) (bool, error) {
	ok, err := match.RunPublished(ctx, dir, runID)
	if err != nil {
		return false, ledgerError("commit", err)
	}
	return ok, nil
}

// RetryInput chooses the record-level failures a retry run applies again
// (match.FailureFilter) and the size of its batches.
type RetryInput struct {
	match.FailureFilter
	BatchSize int
}

// RetryPlan is what PrepareRetry put in the retry run's ledger.
type RetryPlan struct {
	Objects []string           // objects with ops to retry, in stage order
	Batches [][]match.SeqRange // per object
	Ops     int64
}

// PrepareRetry fills a retry run's ledger from the sync's errors file
// (once: a ledger that holds ops already is kept) and cuts it into
// batches per object, in stage order.
func (r *Run) PrepareRetry(ctx context.Context, in RetryInput) (RetryPlan, error) {
	var out RetryPlan
	n, err := r.db.CountOps(ctx)
	if err != nil {
		return out, ledgerError("retry", err)
	}
	if n == 0 {
		if n, err = r.db.CopyFailures(ctx, in.FailureFilter); err != nil {
			return out, ledgerError("retry", err)
		}
	}
	out.Ops = n
	if n == 0 {
		return out, nil
	}
	for _, name := range r.Objects() {
		b, err := r.Batches(ctx, name, in.BatchSize)
		if err != nil {
			return out, err
		}
		if len(b) == 0 {
			continue
		}
		out.Objects = append(out.Objects, name)
		out.Batches = append(out.Batches, b)
	}
	return out, nil
}
