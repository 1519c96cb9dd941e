package dsl

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
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
			l := sys.Lookup(name)
			if l == nil {
				diags = append(diags, unknownName(t.LookupKeys[name], "Unknown lookup", "lookup of system "+sys.Name, name, lookups))
				continue
			}
			if msg := stubShape(t.Lookups[name], l.Parent); msg != "" {
				diags = append(diags, errorAt(t.LookupKeys[name], "Invalid lookup stub", "lookups.%s: %s", name, msg))
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
				f := obj.Field(name)
				switch {
				case f == nil:
					diags = append(diags, unknownName(r.FieldKeys[name], "Unknown field",
						"field mapped by "+sys.Name+" "+obj.Name, name, mapped))
				case f.Flag != "" || f.Access == plan.FieldWrite:
					diags = append(diags, errorAt(r.FieldKeys[name], "Field not read from records",
						"%s %s reads field %q from no record (a flag or access = \"write\"): a read test cannot expect it.", sys.Name, obj.Name, name))
				}
			}
			for _, name := range sortedKeys(r.FetchedKeys) {
				if f := obj.Field(name); f == nil || f.Fetch == "" {
					diags = append(diags, errorAt(r.FetchedKeys[name], "Not a fetched field",
						"fetched gives the items of a field read from a sub-resource (fetch = \"...\"); %q is not such a field of %s %s.", name, sys.Name, obj.Name))
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

// stubShape checks the stub table of a lookup: label -> id, or for a
// lookup scoped under a parent, parent id -> label -> id. "" when fine.
func stubShape(v any, parent string) string {
	if rows, ok := v.([]any); ok && parent == "" {
		// The rows as the lookup's route returns them (lookups read
		// through: lookup_label, related()).
		for i, r := range rows {
			if _, ok := r.(map[string]any); !ok {
				return fmt.Sprintf("row %d of a list of rows must be an object", i)
			}
		}
		return ""
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "a table is an object: { \"label\" = id }, or a list of rows [{ id = 1, name = \"...\" }]"
	}
	for _, k := range sortedAnyKeys(m) {
		if parent == "" {
			if !scalar(m[k]) {
				return fmt.Sprintf("the id of %q must be a string or a number", k)
			}
			continue
		}
		inner, ok := m[k].(map[string]any)
		if !ok {
			return fmt.Sprintf("the lookup is scoped under %q: give { PARENT_ID = { \"label\" = id } }", parent)
		}
		for _, label := range sortedAnyKeys(inner) {
			if !scalar(inner[label]) {
				return fmt.Sprintf("the id of %q under %q must be a string or a number", label, k)
			}
		}
	}
	return ""
}

func scalar(v any) bool {
	switch v.(type) {
	case string, float64:
		return true
	}
	return false
}

func sortedAnyKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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
