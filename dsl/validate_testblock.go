package dsl

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// validateTests checks the names test blocks refer to: the system, its
// object, the canonical fields of that object and the system's lookups.
// Whether a test passes is the test runner's business (mapsync test).
func (c *Config) validateTests() hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*Test{}
	for _, t := range c.Tests {
		if first, dup := seen[t.Name]; dup {
			diags = append(diags, duplicate("test", t.Name, first.NameRange, t.NameRange))
		} else {
			seen[t.Name] = t
		}
		if t.System == "" {
			continue // reported when decoded
		}
		sys := c.Systems[t.System]
		if sys == nil {
			diags = append(diags, unknownName(t.SystemRange, "Reference to undeclared system", "system", t.System, keys(c.Systems)))
			continue
		}
		if t.Object == "" {
			continue
		}
		obj := sys.Object(t.Object)
		if obj == nil {
			var names []string
			for _, o := range sys.Objects {
				names = append(names, o.Name)
			}
			diags = append(diags, unknownName(t.ObjectRange, "Unknown object", "object of system "+sys.Name, t.Object, names))
			continue
		}
		var lookups []string
		for _, l := range sys.Lookups {
			lookups = append(lookups, l.Name)
		}
		for _, name := range sortedKeys(t.LookupKeys) {
			if sys.Lookup(name) == nil {
				diags = append(diags, unknownName(t.LookupKeys[name], "Unknown lookup", "lookup of system "+sys.Name, name, lookups))
			}
		}
		ct := c.Canonical[t.Object]
		var canonical []string
		if ct != nil {
			for _, f := range ct.Fields {
				canonical = append(canonical, f.Name)
			}
		}
		var mapped []string
		for _, f := range obj.Fields {
			mapped = append(mapped, f.Name)
		}
		for _, r := range t.Reads {
			// A read test names fields the system's object maps.
			for _, name := range sortedKeys(r.FieldKeys) {
				if obj.Field(name) == nil {
					diags = append(diags, unknownName(r.FieldKeys[name], "Unknown field",
						"field mapped by "+sys.Name+" "+obj.Name, name, mapped))
				}
			}
		}
		for _, w := range t.Writes {
			// A change holds canonical fields (a field the system does
			// not map is left out by the writer, which the test can show).
			for _, name := range sortedKeys(w.FieldKeys) {
				if !contains(canonical, name) {
					diags = append(diags, unknownName(w.FieldKeys[name], "Unknown field",
						"field of canonical "+obj.Name, name, canonical))
				}
			}
		}
	}
	return diags
}

func sortedKeys(m map[string]hcl.Range) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
