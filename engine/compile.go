package engine

import (
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl"
	"mapsync/engine/plan"
)

// Compile builds the plan of a mapping set. cfg should come from a load
// without errors; Compile still never panics on a partial one and reports
// what it cannot compile.
func Compile(cfg *dsl.Config) (*plan.Plan, hcl.Diagnostics) {
	if cfg == nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Nothing to compile", Detail: "No mapping set was loaded."}}
	}
	p := &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Variables:     []plan.Variable{},
		Canonical:     []plan.CanonicalType{},
		Systems:       []plan.System{},
		Syncs:         []plan.Sync{},
	}
	for _, name := range sortedKeys(cfg.Variables) {
		p.Variables = append(p.Variables, compileVariable(cfg.Variables[name]))
	}
	for _, name := range sortedKeys(cfg.Canonical) {
		p.Canonical = append(p.Canonical, compileCanonical(cfg.Canonical[name]))
	}
	for _, name := range sortedKeys(cfg.Systems) {
		p.Systems = append(p.Systems, compileSystem(cfg, cfg.Systems[name]))
	}
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(cfg.Syncs) {
		s, d := compileSync(cfg, cfg.Syncs[name])
		diags = append(diags, d...)
		p.Syncs = append(p.Syncs, s)
	}
	hash, err := Hash(p)
	if err != nil {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot hash the plan", Detail: err.Error()})
	}
	p.Hash = hash
	return p, diags
}

func compileVariable(v *dsl.Variable) plan.Variable {
	out := plan.Variable{Name: v.Name, Env: v.Env, Sensitive: v.Sensitive, Description: v.Description}
	if !v.Sensitive { // a sensitive value never enters a plan
		out.Default, out.HasDefault = v.Default, v.HasDefault
	}
	return out
}

func compileCanonical(c *dsl.Canonical) plan.CanonicalType {
	out := plan.CanonicalType{Name: c.Name, Fields: []plan.CanonicalField{}}
	for _, f := range c.Fields {
		out.Fields = append(out.Fields, plan.CanonicalField{
			Name: f.Name, Type: f.Type, Ref: f.Ref,
			Deferred: f.Deferred || (f.Ref != "" && f.Ref == c.Name),
			Label:    f.Label, Description: f.Description,
		})
	}
	return out
}

// rangeOf keeps the file's base name, so a plan does not depend on the
// directory the files were loaded from.
func rangeOf(r hcl.Range) plan.Range {
	return plan.Range{File: filepath.Base(r.Filename), Line: r.Start.Line, Column: r.Start.Column}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
