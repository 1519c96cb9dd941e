package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"mapsync/dsl/internal/suggest"
)

// Attribute decoding helpers. Values in mapping files are static: no
// functions, no variables (except where a template is allowed, see
// template.go), so every value is known at load time.

// Every decoder checks the value's own type first: HCL would convert 42
// to "42" or "true" to true, and a number where a path belongs is a
// mistake, not a path.

// typed decodes expr into dst after checking its value has type want
// (cty.String, cty.Bool, cty.Number, or cty.List(cty.String) for a list of
// strings).
func typed(expr hcl.Expression, name string, want cty.Type, dst any) hcl.Diagnostics {
	if d := checkType(expr, name, want); d != nil {
		return hcl.Diagnostics{d}
	}
	return gohcl.DecodeExpression(expr, nil, dst)
}

func checkType(expr hcl.Expression, name string, want cty.Type) *hcl.Diagnostic {
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return nil // decoding reports it
	}
	got := v.Type()
	ok := got.Equals(want)
	if want.IsListType() && (got.IsTupleType() || got.IsListType()) {
		ok = true
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if !ev.IsNull() && !ev.Type().Equals(want.ElementType()) {
				r := expr.Range()
				if elems, ed := hcl.ExprList(expr); !ed.HasErrors() {
					idx, _ := it.Element()
					i, _ := idx.AsBigFloat().Int64()
					if int(i) < len(elems) {
						r = elems[i].Range()
					}
				}
				return errorAt(r, "Incorrect attribute value type",
					"Each element of %s must be a %s, not a %s.", name, typeName(want.ElementType()), typeName(ev.Type()))
			}
		}
	}
	if !ok {
		return errorAt(expr.Range(), "Incorrect attribute value type",
			"%s must be a %s, not a %s.", name, typeName(want), typeName(got))
	}
	return nil
}

func typeName(t cty.Type) string {
	switch {
	case t.Equals(cty.String):
		return "string (in quotes)"
	case t.Equals(cty.Number):
		return "number"
	case t.Equals(cty.Bool):
		return "bool (true or false)"
	case t.IsListType() || t.IsTupleType():
		return "list"
	case t.IsObjectType() || t.IsMapType():
		return "object"
	}
	return t.FriendlyName()
}

func decodeString(attr *hcl.Attribute) (string, hcl.Diagnostics) {
	var s string
	diags := typed(attr.Expr, attr.Name, cty.String, &s)
	return s, diags
}

func decodeBool(attr *hcl.Attribute) (bool, hcl.Diagnostics) {
	var b bool
	diags := typed(attr.Expr, attr.Name, cty.Bool, &b)
	return b, diags
}

func decodeInt(attr *hcl.Attribute, min int) (int, hcl.Diagnostics) {
	var n int
	diags := typed(attr.Expr, attr.Name, cty.Number, &n)
	if !diags.HasErrors() && n < min {
		diags = append(diags, errorAt(attr.Expr.Range(), "Invalid value for "+attr.Name, "%s must be at least %d.", attr.Name, min))
	}
	return n, diags
}

func decodeFloat(attr *hcl.Attribute) (float64, hcl.Diagnostics) {
	var f float64
	diags := typed(attr.Expr, attr.Name, cty.Number, &f)
	if !diags.HasErrors() && f < 0 {
		diags = append(diags, errorAt(attr.Expr.Range(), "Invalid value for "+attr.Name, "%s must not be negative.", attr.Name))
	}
	return f, diags
}

func decodeIntList(attr *hcl.Attribute) ([]int, hcl.Diagnostics) {
	var l []int
	diags := typed(attr.Expr, attr.Name, cty.List(cty.Number), &l)
	return l, diags
}

// decodeStringList decodes a list of strings and returns the range of each
// element, so a bad element can be pointed at precisely.
func decodeStringList(attr *hcl.Attribute) ([]string, []hcl.Range, hcl.Diagnostics) {
	var l []string
	diags := typed(attr.Expr, attr.Name, cty.List(cty.String), &l)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	ranges := make([]hcl.Range, len(l))
	elems, ldiags := hcl.ExprList(attr.Expr)
	for i := range ranges {
		ranges[i] = attr.Expr.Range()
		if !ldiags.HasErrors() && i < len(elems) {
			ranges[i] = elems[i].Range()
		}
	}
	return l, ranges, diags
}

// decodeEnum decodes a string that must be one of allowed.
func decodeEnum(attr *hcl.Attribute, allowed []string) (string, hcl.Diagnostics) {
	s, diags := decodeString(attr)
	if diags.HasErrors() {
		return "", diags
	}
	if d := checkEnum(s, attr.Name, attr.Expr.Range(), allowed); d != nil {
		return "", hcl.Diagnostics{d}
	}
	return s, nil
}

// setEnum decodes an enum into dst, leaving dst (its default) untouched when
// the value is invalid, so one bad value does not cascade into others.
func setEnum(dst *string, attr *hcl.Attribute, allowed []string) hcl.Diagnostics {
	v, diags := decodeEnum(attr, allowed)
	if !diags.HasErrors() {
		*dst = v
	}
	return diags
}

func checkEnum(s, what string, rng hcl.Range, allowed []string) *hcl.Diagnostic {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	detail := fmt.Sprintf("%q is not a valid %s.", s, what)
	if hint := suggest.Hint(s, allowed); hint != "" {
		detail += hint
	} else {
		detail += " Valid values: " + quoteList(allowed) + "."
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + what, Detail: detail, Subject: rng.Ptr()}
}

// decodeStringMap decodes an object of static strings: { key = "value" }.
// Keys may be bare words or quoted strings.
func decodeStringMap(attr *hcl.Attribute) (map[string]string, map[string]hcl.Range, hcl.Diagnostics) {
	pairs, diags := hcl.ExprMap(attr.Expr)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	out := map[string]string{}
	ranges := map[string]hcl.Range{}
	for _, p := range pairs {
		k, kdiags := mapKey(p.Key)
		diags = append(diags, kdiags...)
		if kdiags.HasErrors() {
			continue
		}
		if first, dup := ranges[k]; dup {
			diags = append(diags, duplicate("key", k, first, p.Key.Range()))
			continue
		}
		var v string
		vdiags := typed(p.Value, fmt.Sprintf("%s[%q]", attr.Name, k), cty.String, &v)
		diags = append(diags, vdiags...)
		out[k] = v
		ranges[k] = p.Key.Range()
	}
	return out, ranges, diags
}

func mapKey(expr hcl.Expression) (string, hcl.Diagnostics) {
	if kw := hcl.ExprAsKeyword(expr); kw != "" {
		return kw, nil
	}
	var k string
	diags := typed(expr, "a key", cty.String, &k)
	return k, diags
}

// checkIdentifier validates a block label used as a name.
func checkIdentifier(name string, rng hcl.Range, what string) hcl.Diagnostics {
	if !hclsyntax.ValidIdentifier(name) {
		return hcl.Diagnostics{errorAt(rng, "Invalid "+what+" name",
			"%q is not a valid %s name: use letters, digits, underscores and dashes, starting with a letter.", name, what)}
	}
	return nil
}

// decodeReference decodes a static reference like system.acme_psa and
// returns the name after the given root.
func decodeReference(attr *hcl.Attribute, root string) (string, hcl.Diagnostics) {
	trav, diags := hcl.AbsTraversalForExpr(attr.Expr)
	if diags.HasErrors() || len(trav) != 2 || trav.RootName() != root {
		return "", hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid reference",
			"%s must be a reference like %s.NAME (without quotes).", attr.Name, root)}
	}
	step, ok := trav[1].(hcl.TraverseAttr)
	if !ok {
		return "", hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid reference",
			"%s must be a reference like %s.NAME (without quotes).", attr.Name, root)}
	}
	return step.Name, nil
}

// oneBlock reports repeated singleton blocks (auth, paging, match, ...).
func oneBlock(blocks hcl.Blocks, typ string) (*hcl.Block, hcl.Diagnostics) {
	var first *hcl.Block
	var diags hcl.Diagnostics
	for _, b := range blocks {
		if b.Type != typ {
			continue
		}
		if first != nil {
			diags = append(diags, errorAt(b.DefRange, "Duplicate "+typ+" block",
				"Only one %s block is allowed here; the first was declared at %s.", typ, at(first.DefRange)))
			continue
		}
		first = b
	}
	return first, diags
}

// attrRange returns the range of an attribute's value, or fallback when the
// attribute is absent.
func attrRange(attrs hcl.Attributes, name string, fallback hcl.Range) hcl.Range {
	if a, ok := attrs[name]; ok {
		return a.Expr.Range()
	}
	return fallback
}
