package steps

import (
	"context"
	"fmt"
	"slices"

	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// PushAllPreview is what a push-all run would do to one object: the
// documentation records it would create in the PSA.
type PushAllPreview struct {
	Object string `json:"object"`
	// InScopePSA counts the in-scope records of the object the PSA holds
	// already: push-all is meant for a new or empty PSA.
	InScopePSA int64 `json:"in_scope_psa"`
	// Creates counts the doc records that would be created in the PSA,
	// Names lists a few of them (their match keys).
	Creates int64    `json:"creates"`
	Names   []string `json:"names,omitempty"`
	// Held counts records that would not be created now, with the reasons
	// (a required field missing, a parent not linked yet: a parent the
	// same run creates first is linked by then).
	Held    int64   `json:"held"`
	Reasons []Count `json:"reasons,omitempty"`
}

// Refusal is why push-all refuses the object without --force ("" = it
// does not).
func (p PushAllPreview) Refusal() string {
	if p.InScopePSA > 0 {
		return fmt.Sprintf("the PSA already holds %d in-scope %s records: push-all is for a new or empty PSA (matching links the records that exist; --force pushes the waiting records anyway)",
			p.InScopePSA, p.Object)
	}
	return ""
}

// CheckPushAll refuses objects push-all cannot push: unknown, disabled
// for creates in the PSA, or not flowing to the PSA.
func (r *Run) CheckPushAll(objects []string) error {
	for _, name := range objects {
		o, ok := r.objects[name]
		if !ok {
			return inputError("push-all", "the sync has no object %q (have %v)", name, r.Objects())
		}
		switch {
		case o.spec.Direction == plan.DirToDoc || o.spec.Direction == plan.DirNone:
			return inputError("push-all", "%s does not flow to the PSA (direction %s)", name, o.spec.Direction)
		case o.spec.CreateInPSA == plan.CreateNever:
			return inputError("push-all", "%s records are never created in the PSA (create_in_psa = never)", name)
		}
	}
	return nil
}

// PushableObjects lists the objects whose doc records can be created in
// the PSA, in stage order (push-all's default).
func (r *Run) PushableObjects() []string {
	var out []string
	for _, name := range r.Objects() {
		if r.CheckPushAll([]string{name}) == nil {
			out = append(out, name)
		}
	}
	return out
}

// PreviewPushAll plans a run (Plan: both systems listed in full, nothing
// written) that pushes every waiting in-scope record of objects, and says
// per object what it would create. The run must have been opened with
// Config.PushAll = objects and DryRun.
func (r *Run) PreviewPushAll(ctx context.Context, objects []string) ([]PushAllPreview, error) {
	if err := r.CheckPushAll(objects); err != nil {
		return nil, err
	}
	for _, name := range objects {
		if !slices.Contains(r.cfg.PushAll, name) {
			return nil, inputError("push-all preview", "the run was not opened to push all of %s", name)
		}
	}
	if _, err := r.Plan(ctx); err != nil {
		return nil, err
	}
	rep, err := r.Report(ctx, ReportOptions{Details: true})
	if err != nil {
		return nil, err
	}
	var out []PushAllPreview
	for _, or := range rep.Objects {
		if !slices.Contains(objects, or.Object) {
			continue
		}
		p := PushAllPreview{Object: or.Object, InScopePSA: or.InScope.PSA, Creates: or.Create.PSA}
		for _, d := range or.Details {
			if d.What == match.OpCreate && d.Side == match.PSA && len(p.Names) < 5 {
				p.Names = append(p.Names, d.Label)
			}
		}
		q := `SELECT count(*) FROM ops WHERE run = ? AND object = ? AND source_side = 'doc' AND target_side = 'psa' AND target_id IS NULL
			AND ((op = 'invalid' AND key IS NOT NULL) OR op = 'skip')`
		if err := r.db.DB().QueryRowContext(ctx, q, r.cfg.RunID, or.Object).Scan(&p.Held); err != nil {
			return nil, ledgerError("push-all preview", err)
		}
		rows, err := r.db.DB().QueryContext(ctx, `SELECT reason, count(*) FROM ops WHERE run = ? AND object = ? AND source_side = 'doc' AND target_side = 'psa'
			AND target_id IS NULL AND ((op = 'invalid' AND key IS NOT NULL) OR op = 'skip') GROUP BY reason ORDER BY 2 DESC, 1 LIMIT 5`, r.cfg.RunID, or.Object)
		if err != nil {
			return nil, ledgerError("push-all preview", err)
		}
		for rows.Next() {
			var c Count
			if err := rows.Scan(&c.Key, &c.Count); err != nil {
				rows.Close()
				return nil, ledgerError("push-all preview", err)
			}
			c.Side = match.PSA
			p.Reasons = append(p.Reasons, c)
		}
		rows.Close()
		out = append(out, p)
	}
	return out, nil
}
