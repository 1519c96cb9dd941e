package main

import (
	"fmt"
	"strings"
	"sync"

	"mapsync/engine"
	"mapsync/engine/plan"
	"mapsync/mappings"
)

// shippedPlan is the plan of the mapping files embedded in the binary
// (package mappings), compiled once; nil if they do not compile (their
// tests keep them clean). Help texts describe the systems from it, so they
// name only the systems whose mapping files ship.
var shippedPlan = sync.OnceValue(func() *plan.Plan {
	return engine.LoadFiles(mappings.Files()).Plan
})

// shippedTitles lists the titles (or names) of the shipped systems of a
// role, in declaration order of the plan (sorted by name).
func shippedTitles(role string) []string {
	p := shippedPlan()
	if p == nil {
		return nil
	}
	var out []string
	for _, s := range p.Systems {
		if s.Role != role {
			continue
		}
		t := s.Title
		if t == "" {
			t = s.Name
		}
		out = append(out, t)
	}
	return out
}

// shippedEnv lists the environment variables the shipped mapping files
// read, in the plan's order.
func shippedEnv() []string {
	p := shippedPlan()
	if p == nil {
		return nil
	}
	var out []string
	for _, v := range p.Variables {
		if v.Env != "" {
			out = append(out, v.Env)
		}
	}
	return out
}

// orNone is words joined as prose, or what to say when there are none.
func orNone(words []string, none string) string {
	if len(words) == 0 {
		return none
	}
	return joinAnd(words)
}

// wrap fills text to lines of at most width characters, indented by indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	b.WriteString(line)
	return b.String()
}

// rootLong is the root command's description, naming the shipped systems.
func rootLong() string {
	intro := fmt.Sprintf("mapsync keeps a documentation platform and PSA tools in step. The mapping files that ship with it connect %s (PSA) and %s (documentation).",
		orNone(shippedTitles(plan.RolePSA), "no PSA"), orNone(shippedTitles(plan.RoleDoc), "no documentation system"))
	return wrap(intro, 80, "") + `
Everything that differs between systems is declared in HCL mapping files
(see docs/mapping-language.md); another system is one more mapping file. The
engine compiles them into a plan, matches records set-wise in DuckDB and
applies durable writes on Temporal.

Exit codes: 0 success, 1 the command found errors, 2 usage error, 3 internal error.`
}
