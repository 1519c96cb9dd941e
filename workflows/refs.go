package workflows

import (
	"context"
	"fmt"
	"regexp"

	"mapsync/match"
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
