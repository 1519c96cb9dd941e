package steps

import (
	"context"
	"fmt"

	"mapsync/engine/match"
)

// MatchResult counts what Match decided for one object.
type MatchResult struct {
	Object       string           `json:"object"`
	Disabled     string           `json:"disabled,omitempty"`
	Linked       int64            `json:"linked"`   // existing links kept
	Matched      int64            `json:"matched"`  // new pairs
	ByPhase      map[string]int64 `json:"by_phase"` // new pairs per phase (rule[+narrow field])
	Orphaned     int64            `json:"orphaned"`
	Dropped      int64            `json:"dropped"`
	Lost         int64            `json:"lost"`
	UnmatchedPSA int64            `json:"unmatched_psa"`
	UnmatchedDoc int64            `json:"unmatched_doc"`
	// Pushed counts waiting doc records confirmed for a push this run.
	Pushed int64 `json:"pushed,omitempty"`
}

// Match pairs the staged records of one object (package match). listing
// says which sides were listed completely (ExtractResult.Complete): only a
// complete listing lets a missing record orphan its link.
func (r *Run) Match(ctx context.Context, object string, listing match.Listing) (MatchResult, error) {
	res := MatchResult{Object: object}
	o, err := r.object(object)
	if err != nil {
		return res, err
	}
	on, why, err := r.Enabled(object)
	if err != nil || !on {
		res.Disabled = why
		return res, err
	}
	if err := r.loadPushes(object); err != nil {
		return res, err
	}
	if err := r.applyControls(ctx, o); err != nil {
		return res, err
	}
	st, err := r.db.Match(ctx, o.match, listing)
	if err != nil {
		return res, fmt.Errorf("stages: %w", err)
	}
	res.Linked, res.Matched, res.ByPhase = st.Linked, st.Matched, st.ByPhase
	res.Orphaned, res.Dropped, res.Lost = st.Orphaned, st.Dropped, st.Lost
	res.UnmatchedPSA, res.UnmatchedDoc = st.UnmatchedPSA, st.UnmatchedDoc
	res.Pushed = st.Confirmed
	r.progress(Progress{Step: "match", Object: object, Records: int(st.Linked + st.Matched), Done: true})
	return res, nil
}

// DiffResult counts the ops Diff planned for one object.
type DiffResult struct {
	Object   string `json:"object"`
	Disabled string `json:"disabled,omitempty"`
	Creates  int64  `json:"creates"`
	Updates  int64  `json:"updates"`
	Orphans  int64  `json:"orphans"`
	Skips    int64  `json:"skips"`
	Invalid  int64  `json:"invalid"`
}

// Diff turns one object's links and unmatched records into ops (package
// match), then checks every planned create and update against the target
// system's mapping, without writing anything: a create missing a field the
// target requires becomes an invalid op, a value whose lookup says "skip"
// a skip op, and fields that cannot be sent (create_only on an update,
// read-only) leave the op. Diff can be repeated; it replaces the object's
// ops of this run.
func (r *Run) Diff(ctx context.Context, object string) (DiffResult, error) {
	res := DiffResult{Object: object}
	o, err := r.object(object)
	if err != nil {
		return res, err
	}
	on, why, err := r.Enabled(object)
	if err != nil || !on {
		res.Disabled = why
		return res, err
	}
	if _, err := r.db.PlanPass(ctx, o.match, match.Pass{Deferred: r.deferred(o)}); err != nil {
		return res, fmt.Errorf("stages: %w", err)
	}
	if err := r.awaitParents(ctx, o); err != nil {
		return res, fmt.Errorf("stages: diff %s: %w", object, err)
	}
	if err := r.checkWrites(ctx, o, false); err != nil {
		return res, fmt.Errorf("stages: diff %s: %w", object, err)
	}
	if err := r.noteUnsentPushes(ctx, object); err != nil {
		return res, err
	}
	err = r.db.DB().QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE op = 'create'), count(*) FILTER (WHERE op = 'update'),
			count(*) FILTER (WHERE op = 'orphan'), count(*) FILTER (WHERE op = 'skip'), count(*) FILTER (WHERE op = 'invalid')
		FROM ops WHERE run = ? AND object = ?`, r.cfg.RunID, object).
		Scan(&res.Creates, &res.Updates, &res.Orphans, &res.Skips, &res.Invalid)
	if err != nil {
		return res, fmt.Errorf("stages: diff %s: count ops: %w", object, err)
	}
	r.progress(Progress{Step: "diff", Object: object, Records: int(res.Creates + res.Updates + res.Orphans), Done: true})
	return res, nil
}

// awaitParents explains the creates held back because their parent (the
// scope_by reference) has no counterpart yet when that parent is itself
// created by this run: in a dry run the child waits for it, in a real run
// it is planned again once the parent is applied.
func (r *Run) awaitParents(ctx context.Context, o *object) error {
	parent := r.scopeParent(o)
	if parent == nil {
		return nil
	}
	f := o.spec.Match.ScopeBy
	for _, side := range Sides {
		stage, err := r.stageTable(ctx, o, side)
		if err != nil {
			return err
		}
		target := other(side)
		_, err = r.db.DB().ExecContext(ctx, `UPDATE ops SET reason = ? || x.`+quote(f)+` || ?
			FROM `+stage+` x
			WHERE ops.run = ? AND ops.object = ? AND ops.op = 'skip' AND ops.target_id IS NULL
				AND ops.source_side = ? AND ops.target_side = ? AND x._id = ops.source_id
				AND x.`+quote(f)+` IN (SELECT source_id FROM ops WHERE run = ? AND object = ? AND op = 'create' AND target_side = ?)`,
			fmt.Sprintf("waits for its %s (%s ", f, r.systems[side].Name), fmt.Sprintf("), which this run creates in %s first", r.systems[target].Name),
			r.cfg.RunID, o.spec.Object, string(side), string(target), r.cfg.RunID, parent.spec.Object, string(target))
		if err != nil {
			return fmt.Errorf("creates waiting for their %s: %w", f, err)
		}
	}
	return nil
}

// other is the side opposite s.
func other(s match.Side) match.Side {
	if s == match.PSA {
		return match.Doc
	}
	return match.PSA
}

// Publish writes the run's results (results.duckdb and the run's Parquet
// files) where analysts read them.
func (r *Run) Publish(ctx context.Context) (match.Published, error) {
	p, err := r.db.Publish(ctx)
	if err != nil {
		return p, fmt.Errorf("stages: %w", err)
	}
	r.progress(Progress{Step: "publish", Done: true, Note: p.Results})
	return p, nil
}

// PlanResult is what Plan did, step by step.
type PlanResult struct {
	Extracts []ExtractResult `json:"extracts"`
	Matches  []MatchResult   `json:"matches"`
	Diffs    []DiffResult    `json:"diffs"`
	// Deferred is the deferred-reference pass of the objects that have
	// one (DiffDeferred), after every Diff.
	Deferred []DiffResult `json:"deferred,omitempty"`
	// Guards is the mass-change guard's verdict per object. A plan the
	// guard would stop publishes the object's links as they were.
	Guards []GuardVerdict `json:"guards"`
}

// Plan runs every step that decides what a sync would write, writing
// nothing to either system: for each object in stage order, a full
// extraction of both sides and matching; then the diff of every object
// (after every match, so deferred references resolve), and the
// mass-change guard's verdict of every object. The caller publishes.
func (r *Run) Plan(ctx context.Context) (PlanResult, error) {
	var out PlanResult
	for _, name := range r.Objects() {
		var listing match.Listing
		for _, side := range Sides {
			res, err := r.Extract(ctx, ExtractInput{Object: name, Side: side})
			if err != nil {
				return out, err
			}
			out.Extracts = append(out.Extracts, res)
			if side == match.PSA {
				listing.PSAComplete = res.Complete
			} else {
				listing.DocComplete = res.Complete
			}
		}
		res, err := r.Match(ctx, name, listing)
		if err != nil {
			return out, err
		}
		out.Matches = append(out.Matches, res)
	}
	for _, name := range r.Objects() {
		res, err := r.Diff(ctx, name)
		if err != nil {
			return out, err
		}
		out.Diffs = append(out.Diffs, res)
	}
	// Deferred references: every record is matched by now, so the links
	// they translate through are known (creates of this plan excepted).
	for _, name := range r.Deferred() {
		res, err := r.DiffDeferred(ctx, name)
		if err != nil {
			return out, err
		}
		out.Deferred = append(out.Deferred, res)
	}
	// The guard runs once every diff is done: putting an object's links
	// back must not change how later objects' references resolve.
	for _, d := range out.Diffs {
		if d.Disabled != "" {
			continue
		}
		v, err := r.guard(ctx, d.Object, GuardOptions{}, true)
		if err != nil {
			return out, err
		}
		out.Guards = append(out.Guards, v)
	}
	return out, nil
}
