package steps

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// A nested listing (a list path under a parent, {ref:FIELD}) costs one
// request series per parent. With a sweep bound (plan.Object.Sweep) an
// incremental run does not read every parent: it lists the children of
//
//   - the parents staged in scope by this run (changed since the cursor),
//   - the parents first linked by this run (new links: matched or created
//     in this run, their children not read yet),
//   - a rotating slice of the other linked parents, in id order from where
//     the previous run stopped, of ceil(N × elapsed / bound) parents, N
//     being how many there are and elapsed the time since the sweep's
//     clock (sweepStep): over any period every parent is read at least
//     once per bound.
//
// Those children are listed without the changed-since filter (all of
// them): a parent's children changed since its previous read, not since
// the run's cursor. The listing is never complete (an incremental run's
// never is), so a child not listed is never taken for gone. A full run
// lists every parent and starts the sweep again.

// sweepKey is the key of an object side's sweep: the cursor's key.
func sweepKey(object string, side match.Side) string { return object + "/" + string(side) }

// sweepStep is the sweep of one run over n parents, each to be read once
// per bound: the run reads k parents, k = ceil(n × (now - prev.At) /
// bound), and the sweep's clock moves by the time those k parents stand
// for (k × bound / n), not to now: the fraction of a parent the ceiling
// took in advance is carried, so over time the sweep reads n parents per
// bound, never fewer (no parent is late) and not one per run more (runs
// seconds apart mostly read none). A sweep never started (first), or
// behind by a bound or more, reads all n and restarts its clock at now;
// a run no later than the clock reads none.
func sweepStep(n int, prev time.Time, now time.Time, bound time.Duration, first bool) (k int, at time.Time) {
	elapsed := now.Sub(prev)
	switch {
	case n <= 0:
		return 0, now
	case first || bound <= 0 || elapsed >= bound:
		return n, now
	case elapsed <= 0:
		return 0, prev
	}
	k = int(math.Ceil(float64(n) * (float64(elapsed) / float64(bound))))
	k = min(max(k, 1), n)
	if k == n {
		return n, now
	}
	return k, prev.Add(time.Duration(float64(bound) * float64(k) / float64(n)))
}

// rotate returns the k ids that follow after in ids (sorted, unique),
// wrapping to the start, and the last of them: where the next slice
// starts. With k 0 it returns nothing and after.
func rotate(ids []string, after string, k int) ([]string, string) {
	if k <= 0 || len(ids) == 0 {
		return nil, after
	}
	if k >= len(ids) {
		return slices.Clone(ids), ids[len(ids)-1]
	}
	i := sort.Search(len(ids), func(i int) bool { return ids[i] > after })
	out := make([]string, 0, k)
	for j := range k {
		out = append(out, ids[(i+j)%len(ids)])
	}
	return out, out[len(out)-1]
}

// parentSet is what a nested listing reads under.
type parentSet struct {
	ids   map[string][]string // FIELD -> parent ids, sorted; nil: not nested
	sweep *Sweep              // where the sweep stands after this run; nil: nothing to store
	all   bool                // list every child of these parents (no changed-since filter)
}

// parents returns, for a list path under a parent ({ref:FIELD}), the ids
// of the parents (records of the type FIELD references, on the same side)
// whose children the listing reads, sorted, so a resumed listing sees the
// same series: the in-scope parents staged by this run and every linked
// parent (a child can change under a parent that did not), or, for an
// incremental run of an object with a sweep bound, the parents the sweep
// chooses (see above).
func (r *Run) parents(ctx context.Context, o *object, in ExtractInput) (parentSet, error) {
	obj := o.mappers[in.Side].Object()
	path := obj.ListPath
	route, err := plan.ParseRoute(path)
	if err != nil {
		return parentSet{}, err
	}
	refs := route.Refs()
	if len(refs) == 0 {
		return parentSet{}, nil
	}
	field := refs[0]
	f, ok := obj.RefField(field)
	if !ok {
		return parentSet{}, fmt.Errorf("list path %s: {ref:%s} names no ref field of %s", path, field, obj.Name)
	}
	name := f.Ref
	parent, ok := r.objects[name]
	if !ok {
		return parentSet{}, fmt.Errorf("list path %s needs %s records, which this sync does not stage", path, name)
	}
	table, err := r.stageTable(ctx, parent, in.Side)
	if err != nil {
		return parentSet{}, err
	}
	col := string(in.Side) + "_id"
	bound := time.Duration(obj.Sweep) * time.Second
	now := in.RunStart
	if now.IsZero() {
		now = r.cfg.Now()
	}
	now = now.UTC()
	if bound <= 0 || in.Since.IsZero() || len(in.Records) > 0 {
		ids, err := r.queryIDs(ctx, `SELECT _id FROM `+table+` WHERE _scope_reason IS NULL
			UNION SELECT `+col+` FROM links WHERE object = ? AND state = 'syncing' AND `+col+` IS NOT NULL
				AND `+col+` NOT IN (SELECT _id FROM `+table+`)
			ORDER BY 1`, name)
		if err != nil {
			return parentSet{}, fmt.Errorf("parents of %s: %w", path, err)
		}
		ps := parentSet{ids: map[string][]string{field: ids}}
		if bound > 0 && len(in.Records) == 0 {
			// Every parent is read: the sweep starts again.
			ps.sweep = &Sweep{At: now}
		}
		return ps, nil
	}
	chosen, err := r.queryIDs(ctx, `SELECT _id FROM `+table+` WHERE _scope_reason IS NULL
		UNION SELECT `+col+` FROM links WHERE object = ? AND state = 'syncing' AND `+col+` IS NOT NULL AND first_linked_run = ?`,
		name, r.cfg.RunID)
	if err != nil {
		return parentSet{}, fmt.Errorf("parents of %s: %w", path, err)
	}
	rest, err := r.queryIDs(ctx, `SELECT DISTINCT `+col+` FROM links WHERE object = ? AND state = 'syncing' AND `+col+` IS NOT NULL
		AND first_linked_run IS DISTINCT FROM ? AND `+col+` NOT IN (SELECT _id FROM `+table+`)
		ORDER BY 1`, name, r.cfg.RunID)
	if err != nil {
		return parentSet{}, fmt.Errorf("parents of %s: %w", path, err)
	}
	sweeps, err := LoadSweeps(r.cfg.Dir)
	if err != nil {
		return parentSet{}, err
	}
	prev, ok := sweeps[sweepKey(o.spec.Object, in.Side)]
	k, at := sweepStep(len(rest), prev.At, now, bound, !ok || prev.At.IsZero())
	slice, last := rotate(rest, prev.After, k)
	next := Sweep{At: at, After: last}
	ids := append(chosen, slice...)
	slices.Sort(ids)
	return parentSet{ids: map[string][]string{field: slices.Compact(ids)}, sweep: &next, all: true}, nil
}

// queryIDs runs a query returning one string column.
func (r *Run) queryIDs(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := r.db.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read ids: %w", err)
	}
	return ids, nil
}
