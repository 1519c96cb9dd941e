package records

import (
	"fmt"

	"mapsync/engine/plan"
)

// CheckFlags lists the flag references (plan.Field.Flag) of a sync's
// systems that a run cannot resolve: the flagged object must be staged by
// the sync and hold a single reference back to the owner. steps.Open
// refuses a run on them; engine.LoadDir reports them at load time.
func CheckFlags(s plan.Sync, canon []plan.CanonicalType, systems ...plan.System) []plan.Problem {
	specs := map[string]plan.ObjectSync{}
	for _, o := range s.Objects {
		specs[o.Object] = o
	}
	types := map[string]plan.CanonicalType{}
	for _, c := range canon {
		types[c.Name] = c
	}
	var out []plan.Problem
	for _, owner := range s.Objects {
		for _, sys := range systems {
			for _, o := range sys.Objects {
				if o.Name != owner.Object {
					continue
				}
				for _, f := range o.Fields {
					if f.Flag == "" {
						continue
					}
					at := plan.Place{System: sys.Name, Object: o.Name, Field: f.Name, Attr: "flag"}
					target, ok := specs[f.Ref]
					if !ok {
						out = append(out, plan.Problem{Place: at, Message: fmt.Sprintf("%s.%s of %s is the %s flagged %s, but the sync does not stage %s records",
							owner.Object, f.Name, sys.Name, f.Ref, f.Flag, f.Ref)})
						continue
					}
					if BackRef(target, types[f.Ref], owner.Object) == "" {
						out = append(out, plan.Problem{Place: at, Message: fmt.Sprintf("%s.%s of %s: %s has no single reference back to %s",
							owner.Object, f.Name, sys.Name, f.Ref, owner.Object)})
					}
				}
			}
		}
	}
	return out
}

// BackRef is the field of an object (its sync spec and canonical type)
// referencing owner: its scope_by field when that is one, else its only
// reference to owner ("" if none or several).
func BackRef(spec plan.ObjectSync, ct plan.CanonicalType, owner string) string {
	var refs []string
	for _, cf := range ct.Fields {
		if cf.Ref == owner && cf.Type == plan.TypeRef {
			if cf.Name == spec.Match.ScopeBy {
				return cf.Name
			}
			refs = append(refs, cf.Name)
		}
	}
	if len(refs) == 1 {
		return refs[0]
	}
	return ""
}
