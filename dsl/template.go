package dsl

import (
	"encoding/json"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"mapsync/engine/plan"
)

// VarRef is a use of var.NAME inside a template, checked against the
// declared variables once every file is read.
type VarRef struct {
	Name  string
	Range hcl.Range
}

// Templates are strings that may hold ${var.NAME} and, where the attribute
// allows it, run-time placeholders such as ${cursor} or ${label}. They are
// kept as text: a variable is never evaluated into the plan, so secrets stay
// in the environment of the process that makes the request.
//
// Accepted forms:  var.x   "text ${var.x} text"   "${cursor}"   "plain"

// decodeTemplate converts an attribute value into a plan.Template.
func decodeTemplate(attr *hcl.Attribute, placeholders ...string) (plan.Template, []VarRef, hcl.Diagnostics) {
	var b strings.Builder
	var refs []VarRef
	diags := writeTemplate(&b, attr.Expr, attr.Name, placeholders, &refs)
	return plan.Template(b.String()), refs, diags
}

func writeTemplate(b *strings.Builder, expr hcl.Expression, name string, placeholders []string, refs *[]VarRef) hcl.Diagnostics {
	switch e := expr.(type) {
	case *hclsyntax.TemplateWrapExpr:
		return writeTemplate(b, e.Wrapped, name, placeholders, refs)
	case *hclsyntax.TemplateExpr:
		var diags hcl.Diagnostics
		for _, part := range e.Parts {
			diags = append(diags, writeTemplate(b, part, name, placeholders, refs)...)
		}
		return diags
	case *hclsyntax.LiteralValueExpr:
		if e.Val.IsNull() || !e.Val.IsKnown() {
			break
		}
		switch e.Val.Type() {
		case cty.String:
			b.WriteString(e.Val.AsString())
			return nil
		case cty.Number:
			b.WriteString(e.Val.AsBigFloat().Text('f', -1))
			return nil
		case cty.Bool:
			if e.Val.True() {
				b.WriteString("true")
			} else {
				b.WriteString("false")
			}
			return nil
		}
	case *hclsyntax.ScopeTraversalExpr:
		return writeTraversal(b, e, name, placeholders, refs)
	}
	return hcl.Diagnostics{errorAt(expr.Range(), "Invalid template",
		"%s may hold only text and references to variables (var.NAME)%s; functions and other expressions are not evaluated in mapping files.",
		name, placeholderHint(placeholders))}
}

func placeholderHint(placeholders []string) string {
	if len(placeholders) == 0 {
		return ""
	}
	parts := make([]string, len(placeholders))
	for i, p := range placeholders {
		parts[i] = "${" + p + "}"
	}
	return " or " + strings.Join(parts, ", ")
}

func writeTraversal(b *strings.Builder, e *hclsyntax.ScopeTraversalExpr, name string, placeholders []string, refs *[]VarRef) hcl.Diagnostics {
	root := e.Traversal.RootName()
	if root == "var" {
		if len(e.Traversal) == 2 {
			if step, ok := e.Traversal[1].(hcl.TraverseAttr); ok {
				*refs = append(*refs, VarRef{Name: step.Name, Range: e.Range()})
				b.WriteString("${var." + step.Name + "}")
				return nil
			}
		}
		return hcl.Diagnostics{errorAt(e.Range(), "Invalid variable reference", "A variable is referenced as var.NAME.")}
	}
	for _, p := range placeholders {
		if root == p && len(e.Traversal) == 1 {
			b.WriteString("${" + p + "}")
			return nil
		}
	}
	return hcl.Diagnostics{errorAt(e.Range(), "Unknown reference",
		"%q cannot be used in %s: only var.NAME%s is allowed here.", root, name, placeholderHint(placeholders))}
}

// decodeTemplateMap decodes { key = template, ... } (headers, login fields).
func decodeTemplateMap(attr *hcl.Attribute, placeholders ...string) (map[string]plan.Template, []VarRef, hcl.Diagnostics) {
	pairs, diags := hcl.ExprMap(attr.Expr)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	out := map[string]plan.Template{}
	seen := map[string]hcl.Range{}
	var refs []VarRef
	for _, p := range pairs {
		k, kdiags := mapKey(p.Key)
		diags = append(diags, kdiags...)
		if kdiags.HasErrors() {
			continue
		}
		if first, dup := seen[k]; dup {
			diags = append(diags, duplicate("key", k, first, p.Key.Range()))
			continue
		}
		seen[k] = p.Key.Range()
		var b strings.Builder
		diags = append(diags, writeTemplate(&b, p.Value, attr.Name+"."+k, placeholders, &refs)...)
		out[k] = plan.Template(b.String())
	}
	return out, refs, diags
}

// decodeJSONTemplate turns an HCL object/list value into a JSON text whose
// strings may hold placeholders (lookup create bodies, POST query bodies):
//
//	create_body = { data = { type = "manufacturers", attributes = { name = "${label}" } } }
//
// A plain string is taken as JSON text as it is.
func decodeJSONTemplate(attr *hcl.Attribute, placeholders ...string) (string, []VarRef, hcl.Diagnostics) {
	if _, isObj := attr.Expr.(*hclsyntax.ObjectConsExpr); !isObj {
		if _, isTuple := attr.Expr.(*hclsyntax.TupleConsExpr); !isTuple {
			s, diags := decodeString(attr)
			if !diags.HasErrors() && !json.Valid([]byte(s)) {
				diags = append(diags, errorAt(attr.Expr.Range(), "Invalid JSON", "%s must be an HCL object or a string holding JSON.", attr.Name))
			}
			return s, nil, diags
		}
	}
	var refs []VarRef
	v, diags := jsonValue(attr.Expr, attr.Name, placeholders, &refs)
	if diags.HasErrors() {
		return "", refs, diags
	}
	out, err := json.Marshal(v)
	if err != nil {
		diags = append(diags, errorAt(attr.Expr.Range(), "Invalid JSON", "%s cannot be encoded: %v.", attr.Name, err))
	}
	return string(out), refs, diags
}

func jsonValue(expr hcl.Expression, name string, placeholders []string, refs *[]VarRef) (any, hcl.Diagnostics) {
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		out := map[string]any{}
		var diags hcl.Diagnostics
		for _, item := range e.Items {
			k, kdiags := mapKey(item.KeyExpr)
			diags = append(diags, kdiags...)
			if kdiags.HasErrors() {
				continue
			}
			v, vdiags := jsonValue(item.ValueExpr, name, placeholders, refs)
			diags = append(diags, vdiags...)
			out[k] = v
		}
		return out, diags
	case *hclsyntax.TupleConsExpr:
		out := make([]any, 0, len(e.Exprs))
		var diags hcl.Diagnostics
		for _, item := range e.Exprs {
			v, vdiags := jsonValue(item, name, placeholders, refs)
			diags = append(diags, vdiags...)
			out = append(out, v)
		}
		return out, diags
	case *hclsyntax.LiteralValueExpr:
		switch {
		case e.Val.IsNull():
			return nil, nil
		case e.Val.Type() == cty.Number:
			return json.Number(e.Val.AsBigFloat().Text('f', -1)), nil
		case e.Val.Type() == cty.Bool:
			return e.Val.True(), nil
		}
	}
	var b strings.Builder
	diags := writeTemplate(&b, expr, name, placeholders, refs)
	return b.String(), diags
}
