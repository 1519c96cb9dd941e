package dsl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

func (c *Config) validateCanonical() hcl.Diagnostics {
	var diags hcl.Diagnostics
	types := keys(c.Canonical)
	for _, ct := range c.CanonicalInOrder() {
		for _, f := range ct.Fields {
			if f.Ref != "" && c.Canonical[f.Ref] == nil {
				diags = append(diags, unknownName(f.RefValue, "Reference to undeclared canonical type", "canonical type", f.Ref, types))
			}
		}
	}
	return append(diags, c.findCycles()...)
}

// RefEdges returns the references that order stages: from each canonical
// type to the types its non-deferred ref fields point at (self-references
// are resolved within a stage and do not count).
func (c *Config) RefEdges(ct *Canonical) []*CanonicalField {
	var out []*CanonicalField
	for _, f := range ct.Fields {
		if f.Ref == "" || f.Deferred || f.Ref == ct.Name || c.Canonical[f.Ref] == nil {
			continue
		}
		out = append(out, f)
	}
	return out
}

// findCycles reports each reference cycle between canonical types once, at
// the ref attribute that closes it in a depth-first walk in declaration
// order.
func (c *Config) findCycles() hcl.Diagnostics {
	const (
		unvisited = iota
		onStack
		done
	)
	state := map[string]int{}
	var stack []*CanonicalField // the ref fields followed so far
	var path []string           // type names on the stack
	seen := map[string]bool{}
	var diags hcl.Diagnostics

	var visit func(ct *Canonical)
	visit = func(ct *Canonical) {
		state[ct.Name] = onStack
		path = append(path, ct.Name)
		for _, f := range c.RefEdges(ct) {
			target := c.Canonical[f.Ref]
			switch state[target.Name] {
			case unvisited:
				stack = append(stack, f)
				visit(target)
				stack = stack[:len(stack)-1]
			case onStack:
				start := indexOf(path, target.Name)
				members := append([]string(nil), path[start:]...)
				key := cycleKey(members)
				if seen[key] {
					continue
				}
				seen[key] = true
				var steps []string
				for i, fld := range stack[start:] {
					steps = append(steps, fmt.Sprintf("%s.%s → %s", path[start+i], fld.Name, fld.Ref))
				}
				steps = append(steps, fmt.Sprintf("%s.%s → %s", ct.Name, f.Name, f.Ref))
				diags = append(diags, errorAt(f.RefRange, "Reference cycle between canonical types",
					"%s. Object stages run in reference order, so a cycle has no order: mark one of these references deferred = true (resolved after the referenced stage ran) or remove it.",
					strings.Join(steps, ", ")))
			}
		}
		path = path[:len(path)-1]
		state[ct.Name] = done
	}
	for _, ct := range c.CanonicalInOrder() {
		if state[ct.Name] == unvisited {
			visit(ct)
		}
	}
	return diags
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func cycleKey(members []string) string {
	s := append([]string(nil), members...)
	sort.Strings(s)
	return strings.Join(s, ",")
}
