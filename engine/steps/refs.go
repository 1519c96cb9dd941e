package steps

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"

	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/records"
)

// updateRefs finds the parent ids an update of records under a parent
// needs ({ref:FIELD} in the target's item path, e.g. sites under their
// company): the value of FIELD the link last synced on the target side
// (in the target's own id space), else the one the update writes. It
// returns op key -> {FIELD: id}.
func (r *Run) updateRefs(ctx context.Context, o *object, side match.Side, ops []match.Op) (map[string]map[string]string, error) {
	var names []string
	for _, so := range r.systems[side].Objects {
		if so.Name != o.spec.Object {
			continue
		}
		path := so.UpdatePath
		if path == "" {
			path = so.ItemPath
		}
		names = append(names, routeRefs(path)...)
	}
	out := map[string]map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	for _, op := range ops {
		refs := map[string]string{}
		vals, _ := newValues(op.Fields) // an op whose fields do not read is rejected by the caller
		for _, name := range names {
			v, err := r.db.SyncedValue(ctx, o.spec.Object, side, op.TargetID, name)
			if err != nil {
				return nil, err
			}
			if v != "" {
				refs[name] = v
			} else if s, ok := vals[name].(string); ok && s != "" {
				refs[name] = s
			}
		}
		out[op.Key] = refs
	}
	return out, nil
}

// translateListRefs (for creates; the diff already translates the values
// of updates) turns the elements of list-of-reference fields (a ticket's
// configurations) from the source system's ids into the target's (side),
// through the links of the referenced object. Elements with no link yet
// are left out: the record is written with the references that exist,
// and a later run adds the others once they are linked.
func (r *Run) translateListRefs(ctx context.Context, o *object, side match.Side, vals map[string]any) error {
	from := other(side)
	for _, f := range o.spec.Fields {
		if f.Type != plan.TypeList || f.Ref == "" {
			continue
		}
		list, ok := vals[f.Name].([]any)
		if !ok {
			continue
		}
		out := make([]any, 0, len(list))
		for _, el := range list {
			id, ok, err := r.db.Counterpart(ctx, f.Ref, from, fmt.Sprint(el))
			if err != nil {
				return fmt.Errorf("translate %s.%s: %w", o.spec.Object, f.Name, err)
			}
			if ok {
				out = append(out, id)
			}
		}
		vals[f.Name] = out
	}
	return nil
}

// routeRefs lists the {ref:FIELD} placeholders of a route. Routes are
// checked when the plan is loaded (plan.ParseRoute is that check), so a
// route that does not parse has none here.
func routeRefs(path string) []string {
	r, err := plan.ParseRoute(path)
	if err != nil {
		return nil
	}
	return r.Refs()
}

// coupledRecord is the whole record an update needs when its change holds
// one field of a coupled pair (records.Writer.Coupled: a lookup scoped
// under a parent lookup, a region under its country) but not the other:
// the writer then writes the child with its parent, or resolves the child
// under the parent's current value. It is the staged source record with
// the op's values over it (SourceRecord); when the source record was not
// listed (an incremental run), the op's values with the source side's
// memory of the pair, which is its value. nil when no pair is split.
func (r *Run) coupledRecord(ctx context.Context, o *object, side match.Side, w *records.Writer, op match.Op, vals map[string]any) (map[string]any, error) {
	var split []string
	for child, parent := range w.Coupled() {
		_, c := vals[child]
		_, p := vals[parent]
		if c != p {
			split = append(split, child, parent)
		}
	}
	if len(split) == 0 {
		return nil, nil
	}
	rec, err := r.SourceRecord(ctx, o.spec.Object, op)
	if err == nil {
		return rec, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	rec = maps.Clone(vals)
	for _, f := range split {
		if _, ok := rec[f]; ok {
			continue
		}
		v, err := r.db.SyncedValue(ctx, o.spec.Object, other(side), op.SourceID, f)
		if err != nil {
			return nil, err
		}
		if v != "" {
			rec[f] = v
		} else {
			rec[f] = nil
		}
	}
	return rec, nil
}
