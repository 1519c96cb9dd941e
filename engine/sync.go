package engine

import (
	"fmt"
	"maps"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl"
	"mapsync/engine/plan"
)

func compileSync(cfg *dsl.Config, s *dsl.Sync) (plan.Sync, hcl.Diagnostics) {
	out := plan.Sync{Name: s.Name, PSA: s.PSA, Doc: s.Doc, Winner: s.Winner, Settings: maps.Clone(s.Settings), Objects: []plan.ObjectSync{}, MaxChange: s.MaxChange}
	if out.Settings == nil {
		out.Settings = map[string]any{}
	}
	stages, deps, diags := stageOrder(cfg, s)
	psa, doc := cfg.Systems[s.PSA], cfg.Systems[s.Doc]
	for _, o := range s.Objects {
		obj := plan.ObjectSync{
			Object: o.Name, Stage: stages[o.Name], DependsOn: deps[o.Name], Direction: o.Direction,
			ScopeReason: o.ScopeReason, CreateInDoc: o.CreateInDoc, CreateInPSA: o.CreateInPSA,
			Enabled: exprSource(o.Enabled), Scope: exprSource(o.Scope),
			Fields: []plan.FieldSync{}, Match: compileMatch(o.Match), Range: rangeOf(o.DeclRange),
			MaxChange: o.MaxChange,
		}
		if obj.MaxChange == 0 {
			obj.MaxChange = s.MaxChange
		}
		if obj.MaxChange == 0 {
			obj.MaxChange = plan.DefaultMaxChange
		}
		ct := cfg.Canonical[o.Name]
		obj.TypeField = o.TypeField
		if obj.TypeField == "" && ct != nil && ct.Field("type") != nil && ct.Field("type").Type == plan.TypeString {
			obj.TypeField = "type"
		}
		if ct != nil && psa != nil && doc != nil && psa.Object(o.Name) != nil && doc.Object(o.Name) != nil {
			obj.Fields = compileFields(s, o, ct, psa.Object(o.Name), doc.Object(o.Name))
		}
		out.Objects = append(out.Objects, obj)
	}
	sort.SliceStable(out.Objects, func(i, j int) bool {
		a, b := out.Objects[i], out.Objects[j]
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		return a.Object < b.Object
	})
	return out, diags
}

// compileFields resolves every canonical field both systems map, in
// canonical order: direction (object default, field override, narrowed by
// read-only sides), winner and label.
func compileFields(s *dsl.Sync, o *dsl.SyncObject, ct *dsl.Canonical, po, do *dsl.Object) []plan.FieldSync {
	var out []plan.FieldSync
	for _, cf := range ct.Fields {
		pf, df := po.Field(cf.Name), do.Field(cf.Name)
		if pf == nil || df == nil {
			continue
		}
		fs := plan.FieldSync{
			Name: cf.Name, Type: cf.Type, PSAPath: pf.Path, DocPath: df.Path, Label: cf.Label,
			Ref: cf.Ref, Deferred: cf.Deferred || (cf.Ref != "" && cf.Ref == ct.Name),
			Winner: s.Winner,
		}
		if o.Winner != "" {
			fs.Winner = o.Winner
		}
		override := ""
		if sf := o.Field(cf.Name); sf != nil {
			override = sf.Direction
			if sf.Label != "" {
				fs.Label = sf.Label
			}
			if sf.Winner != "" {
				fs.Winner = sf.Winner
			}
			fs.MergeBy = sf.MergeBy
			fs.ClearOnDisconnect = sf.ClearOnDisconnect
		}
		fs.Direction, _ = dsl.FieldDirection(o.Direction, override, pf, df)
		out = append(out, fs)
	}
	if out == nil {
		out = []plan.FieldSync{}
	}
	return out
}

func compileMatch(m *dsl.Match) plan.Match {
	if m == nil {
		return plan.Match{Rules: []plan.MatchRule{}, Tie: "oldest"}
	}
	out := plan.Match{ScopeBy: m.ScopeBy, Narrow: m.Narrow, Tie: m.Tie, Rules: []plan.MatchRule{}}
	if len(m.Normalize) > 0 {
		out.Normalize = maps.Clone(m.Normalize)
	}
	for _, r := range m.Rules {
		out.Rules = append(out.Rules, plan.MatchRule{Name: r.Name, Keys: r.Keys})
	}
	return out
}

// stageOrder numbers the objects of a sync by reference depth: an object
// runs after every object it references (through non-deferred refs to other
// types in the same sync). Stage is the length of the longest such chain, so
// independent objects share a stage.
func stageOrder(cfg *dsl.Config, s *dsl.Sync) (map[string]int, map[string][]string, hcl.Diagnostics) {
	in := map[string]bool{}
	for _, o := range s.Objects {
		in[o.Name] = true
	}
	deps := map[string][]string{}
	for _, o := range s.Objects {
		ct := cfg.Canonical[o.Name]
		if ct == nil {
			continue
		}
		set := map[string]bool{}
		for _, f := range cfg.RefEdges(ct) {
			if in[f.Ref] {
				set[f.Ref] = true
			}
		}
		for d := range set {
			deps[o.Name] = append(deps[o.Name], d)
		}
		sort.Strings(deps[o.Name])
	}
	stages := map[string]int{}
	state := map[string]int{} // 1 visiting, 2 done
	var diags hcl.Diagnostics
	var depth func(name string) int
	depth = func(name string) int {
		switch state[name] {
		case 1:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference cycle between object stages",
				Detail: fmt.Sprintf("Sync %q: object %q is part of a reference cycle, so its stages have no order.", s.Name, name), Subject: s.NameRange.Ptr()})
			return 0
		case 2:
			return stages[name]
		}
		state[name] = 1
		d := 0
		for _, dep := range deps[name] {
			if n := depth(dep) + 1; n > d {
				d = n
			}
		}
		state[name] = 2
		stages[name] = d
		return d
	}
	names := make([]string, 0, len(in))
	for n := range in {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		depth(n)
	}
	return stages, deps, diags
}
