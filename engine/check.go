package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"mapsync/connectors"
	"mapsync/dsl"
	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/records"
)

// RuntimeProblems runs, over a compiled plan, every check the runtime makes
// on a plan's content before it runs: the very functions the constructors
// call (connectors.CheckSystem from connectors.New, match.CheckObject from
// match.NewObject, records.Check from records.New and NewWriter,
// records.CheckFlags and records.CheckDerived from steps.Open). What they
// find here, a run would refuse. Problems come once each, in plan order.
func RuntimeProblems(p *plan.Plan) []plan.Problem {
	var out []plan.Problem
	seen := map[string]bool{}
	add := func(ps []plan.Problem, sync string) {
		for _, pr := range ps {
			if pr.Place.System == "" && pr.Place.Sync == "" {
				pr.Place.Sync = sync
			}
			key := fmt.Sprintf("%+v", pr)
			if !seen[key] {
				seen[key] = true
				out = append(out, pr)
			}
		}
	}
	systems := map[string]plan.System{}
	for _, s := range p.Systems {
		systems[s.Name] = s
		add(connectors.CheckSystem(s), "")
	}
	canon := map[string]plan.CanonicalType{}
	for _, c := range p.Canonical {
		canon[c.Name] = c
	}
	for _, s := range p.Syncs {
		psa, doc := systems[s.PSA], systems[s.Doc]
		for _, o := range s.Objects {
			ct := canon[o.Object]
			add(match.CheckObject(o, ct), s.Name)
			for _, sys := range []plan.System{psa, doc} {
				add(records.Check(records.Spec{System: sys, Object: o.Object, Canonical: ct,
					Settings: s.Settings, Scope: o.Scope, ScopeReason: o.ScopeReason}), s.Name)
			}
		}
		add(records.CheckFlags(s, p.Canonical, psa, doc), s.Name)
		add(records.CheckDerived(s, psa, doc), s.Name)
	}
	return out
}

// runtimeDiagnostics turns the runtime's problems with a plan into
// diagnostics at their place in the mapping files.
func runtimeDiagnostics(cfg *dsl.Config, p *plan.Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, pr := range RuntimeProblems(p) {
		rng := locate(cfg, pr.Place)
		detail := pr.Message
		if w := pr.Place.String(); w != "" {
			detail = w + ": " + pr.Message
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Refused by the runtime",
			Detail: detail + ".", Subject: rng})
	}
	return diags
}

// locate finds a Place in the syntax trees of the mapping files: the
// declaration it names and, inside it, the attribute, nested block or list
// element. It stops at the deepest part it finds; nil when not even the
// system or sync is found.
func locate(cfg *dsl.Config, pl plan.Place) *hcl.Range {
	root := hclsyntax.Block{Type: "system", Labels: []string{pl.System}}
	if pl.System == "" {
		root = hclsyntax.Block{Type: "sync", Labels: []string{pl.Sync}}
	}
	names := make([]string, 0, len(cfg.Files))
	for n := range cfg.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	var body *hclsyntax.Body
	var rng hcl.Range
	for _, n := range names {
		fb, ok := cfg.Files[n].Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		if b := findBlock(fb, root.Type, root.Labels[0]); b != nil {
			body, rng = b.Body, labelRange(b)
			break
		}
	}
	if body == nil {
		return nil
	}
	type step struct{ typ, label string }
	var path []step
	if pl.Object != "" {
		path = append(path, step{"object", pl.Object})
	}
	if pl.Lookup != "" {
		path = append(path, step{"lookup", pl.Lookup})
	}
	if pl.Field != "" {
		path = append(path, step{"field", pl.Field})
	}
	if pl.Rule != "" {
		path = append(path, step{"match", ""}, step{"rule", pl.Rule})
	}
	attr := pl.Attr
	if attr != "" {
		parts := strings.Split(attr, ".")
		for _, p := range parts[:len(parts)-1] {
			path = append(path, step{p, ""})
		}
		attr = parts[len(parts)-1]
	}
	for _, s := range path {
		b := findBlock(body, s.typ, s.label)
		if b == nil {
			return &rng
		}
		body, rng = b.Body, labelRange(b)
	}
	if attr == "" {
		return &rng
	}
	if a, ok := body.Attributes[attr]; ok {
		r := a.Expr.Range()
		if pl.Value != "" {
			if er := elementRange(a.Expr, pl.Value); er != nil {
				r = *er
			}
		}
		return &r
	}
	if b := findBlock(body, attr, ""); b != nil {
		r := b.TypeRange
		return &r
	}
	return &rng
}

// findBlock is the first block of a type in body; with a label, the one
// whose first label it is.
func findBlock(body *hclsyntax.Body, typ, label string) *hclsyntax.Block {
	for _, b := range body.Blocks {
		if b.Type == typ && (label == "" || (len(b.Labels) > 0 && b.Labels[0] == label)) {
			return b
		}
	}
	return nil
}

// labelRange is where a block is named: its first label, else its type.
func labelRange(b *hclsyntax.Block) hcl.Range {
	if len(b.LabelRanges) > 0 {
		return b.LabelRanges[0]
	}
	return b.TypeRange
}

// elementRange finds, in a list or object expression, the element or key
// whose static string value is v.
func elementRange(expr hclsyntax.Expression, v string) *hcl.Range {
	is := func(e hclsyntax.Expression) bool {
		if kw := hcl.ExprAsKeyword(e); kw != "" {
			return kw == v
		}
		val, diags := e.Value(nil)
		return !diags.HasErrors() && val.Type() == cty.String && val.IsKnown() && !val.IsNull() && val.AsString() == v
	}
	switch e := expr.(type) {
	case *hclsyntax.TupleConsExpr:
		for _, el := range e.Exprs {
			if is(el) {
				r := el.Range()
				return &r
			}
		}
	case *hclsyntax.ObjectConsExpr:
		for _, it := range e.Items {
			k := it.KeyExpr
			if wrap, ok := k.(*hclsyntax.ObjectConsKeyExpr); ok {
				k = wrap.Wrapped
			}
			if is(k) {
				r := it.KeyExpr.Range()
				return &r
			}
		}
	}
	return nil
}
