package workflows

import (
	"context"
	"fmt"
	"regexp"

	"mapsync/engine/match"
	"mapsync/engine/plan"
)

var refPlaceholder = regexp.MustCompile(`\{ref:([A-Za-z0-9_]+)\}`)

// updateRefs finds the parent ids an update of records under a parent
// needs ({ref:FIELD} in the target's item path, e.g. sites under their
// company): the value of FIELD the link last synced on the target side
// (in the target's own id space), else the one the update writes.
func updateRefs(ctx context.Context, run *match.Run, env *runEnv, side, object string, ops []match.Op) (map[string]map[string]string, error) {
	sys, err := env.system(side)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, o := range sys.Objects {
		if o.Name != object {
			continue
		}
		path := o.UpdatePath
		if path == "" {
			path = o.ItemPath
		}
		for _, m := range refPlaceholder.FindAllStringSubmatch(path, -1) {
			names = append(names, m[1])
		}
	}
	out := map[string]map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	col := "doc"
	if side == SidePSA {
		col = "psa"
	}
	for _, op := range ops {
		refs := map[string]string{}
		vals, _ := newValues(op.Fields)
		for _, name := range names {
			var v *string
			err := run.DB().QueryRowContext(ctx, fmt.Sprintf(`SELECT json_extract_string(%s_synced, ?) FROM links
				WHERE object = ? AND %s_id = ? LIMIT 1`, col, col), "$."+name, object, op.TargetID).Scan(&v)
			if err == nil && v != nil && *v != "" {
				refs[name] = *v
			} else if s, ok := vals[name].(string); ok && s != "" {
				refs[name] = s
			}
		}
		out[op.Key] = refs
	}
	return out, nil
}

// translateListRefs (for creates; the diff already translates the values
// of updates) turns the elements of list-of-reference fields (a
// ticket's configurations) from the source system's ids into the target's
// (side), through the links of the referenced object. Elements with no link
// yet are left out: the record is written with the references that exist,
// and a later run adds the others once they are linked.
func translateListRefs(ctx context.Context, env *runEnv, side, object string, vals map[string]any) error {
	var obj *plan.ObjectSync
	for i := range env.sync.Objects {
		if env.sync.Objects[i].Object == object {
			obj = &env.sync.Objects[i]
		}
	}
	if obj == nil {
		return nil
	}
	from, to := "psa", "doc"
	if side == SidePSA {
		from, to = "doc", "psa"
	}
	for _, f := range obj.Fields {
		if f.Type != plan.TypeList || f.Ref == "" {
			continue
		}
		list, ok := vals[f.Name].([]any)
		if !ok {
			continue
		}
		out := make([]any, 0, len(list))
		for _, el := range list {
			id := fmt.Sprint(el)
			var target *string
			err := env.run.DB().QueryRowContext(ctx, fmt.Sprintf(`SELECT min(%s_id) FROM links
				WHERE object = ? AND %s_id = ? AND psa_id IS NOT NULL AND doc_id IS NOT NULL`, to, from),
				f.Ref, id).Scan(&target)
			if err != nil {
				return fmt.Errorf("translate %s.%s: %w", object, f.Name, err)
			}
			if target != nil {
				out = append(out, *target)
			}
		}
		vals[f.Name] = out
	}
	return nil
}
