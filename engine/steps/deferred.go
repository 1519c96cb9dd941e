package steps

import (
	"context"
	"fmt"
	"slices"

	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// deferred lists the fields of object o that its own stage cannot decide
// (match.Pass): references (or lists of references) to an object of a
// later stage or declared deferred (to another object), and flag references (the value is read off the flagged
// records, which a later stage lists). nil when it has none.
func (r *Run) deferred(o *object) map[string]bool {
	stage := map[string]int{}
	for i, s := range r.sync.Objects {
		stage[s.Object] = i
	}
	out := map[string]bool{}
	for _, f := range o.spec.Fields {
		if f.Ref == "" || (f.Type != plan.TypeRef && f.Type != plan.TypeList) {
			continue
		}
		if i, ok := stage[f.Ref]; ok && (i > stage[o.spec.Object] || (f.Deferred && f.Ref != o.spec.Object)) {
			out[f.Name] = true
		}
	}
	for _, side := range Sides {
		for _, f := range o.mappers[side].FlagFields() {
			out[f.Name] = true
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Deferred lists, in stage order, the objects that have deferred fields:
// each needs DiffDeferred (and an apply of its ops) once every stage has
// applied.
func (r *Run) Deferred() []string {
	var out []string
	for _, name := range r.Objects() {
		if on, _, err := r.Enabled(name); err != nil || !on {
			continue
		}
		if r.deferred(r.objects[name]) != nil {
			out = append(out, name)
		}
	}
	return out
}

// DeferredFields lists the deferred fields of an object, sorted.
func (r *Run) DeferredFields(object string) ([]string, error) {
	o, err := r.object(object)
	if err != nil {
		return nil, err
	}
	var out []string
	for f := range r.deferred(o) {
		out = append(out, f)
	}
	slices.Sort(out)
	return out, nil
}

// DiffDeferred plans the deferred fields of one object's linked pairs
// (match.Pass), after the stages of the records they reference have
// applied, so the links those stages created translate them. It replaces
// only the ops an earlier DiffDeferred of the run planned, and checks the
// new ones against the target's mapping like Diff. The ops' reasons start
// with match.DeferredReason.
func (r *Run) DiffDeferred(ctx context.Context, object string) (DiffResult, error) {
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
	def := r.deferred(o)
	if def == nil {
		return res, nil
	}
	if _, err := r.db.PlanPass(ctx, o.match, match.Pass{Deferred: def, Only: true}); err != nil {
		return res, fmt.Errorf("stages: deferred %s: %w", object, err)
	}
	if err := r.checkWrites(ctx, o, true); err != nil {
		return res, fmt.Errorf("stages: deferred %s: %w", object, err)
	}
	err = r.db.DB().QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE op = 'update'), count(*) FILTER (WHERE op = 'skip'), count(*) FILTER (WHERE op = 'invalid')
		FROM ops WHERE run = ? AND object = ? AND starts_with(coalesce(reason, ''), ?)`, r.cfg.RunID, object, match.DeferredReason).
		Scan(&res.Updates, &res.Skips, &res.Invalid)
	if err != nil {
		return res, fmt.Errorf("stages: deferred %s: count ops: %w", object, err)
	}
	r.progress(Progress{Step: "diff", Object: object, Records: int(res.Updates), Done: true, Note: "deferred references"})
	return res, nil
}
