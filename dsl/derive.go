package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl/exprenv"
	"mapsync/engine/plan"
)

// A derived object has no route of its own: its records are made from the
// records of other objects of the same system, listed by them.
//
//	object "location" {
//	  derive {
//	    from = "organization"
//	    each = "[record.address]"
//	    id   = "join([item.line1, item.city], '|')"
//	  }
//	  field "name" { path = "line1" }
//	}
//
// Several derive blocks (one per source object) make one object of
// several sources; the first declared wins when two give the same id.

var deriveSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "from", Required: true}, {Name: "each", Required: true}, {Name: "id", Required: true},
}}

// routeAttrs are the attributes a derived object cannot have: it is never
// listed, read or written by route.
var routeAttrs = []string{"list_path", "list_method", "list_body", "item_path", "create_path", "update_path", "delete_path", "query", "sweep", "id"}

// decodeDerives reads an object's derive blocks. Without any, list_path is
// required (as the schema would say); with some, no route attribute, bulk
// or changed_since block is allowed.
func decodeDerives(block *hcl.Block, blocks hcl.Blocks, attrs hcl.Attributes) ([]*Derive, hcl.Diagnostics) {
	var out []*Derive
	var diags hcl.Diagnostics
	seen := map[string]*Derive{}
	for _, b := range blocks {
		if b.Type != "derive" {
			continue
		}
		dv, d := decodeDerive(b)
		diags = append(diags, d...)
		if first, dup := seen[dv.From]; dup && dv.From != "" {
			diags = append(diags, errorAt(dv.FromRange, "Duplicate derive source",
				"Object %q is already derived from %q at %s: write one derive block per source object.", block.Labels[0], dv.From, at(first.DeclRange)))
			continue
		}
		seen[dv.From] = dv
		out = append(out, dv)
	}
	if len(out) == 0 {
		if _, ok := attrs["list_path"]; !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing required argument",
				Detail: `The argument "list_path" is required, but no definition was found.`, Subject: block.Body.MissingItemRange().Ptr()})
		}
		return nil, diags
	}
	for _, name := range routeAttrs {
		if a, ok := attrs[name]; ok {
			diags = append(diags, errorAt(a.NameRange, "Route on a derived object",
				"Object %q is derived (derive from %q): its records are made from the listing of its sources, so it has no %s of its own.", block.Labels[0], out[0].From, name))
		}
	}
	for _, b := range blocks {
		if b.Type == "bulk" || b.Type == "changed_since" {
			diags = append(diags, errorAt(b.DefRange, "Route on a derived object",
				"Object %q is derived (derive from %q): it is never listed or written by route, so it has no %s block.", block.Labels[0], out[0].From, b.Type))
		}
	}
	return out, diags
}

func decodeDerive(b *hcl.Block) (*Derive, hcl.Diagnostics) {
	content, diags := b.Body.Content(deriveSchema)
	dv := &Derive{DeclRange: b.DefRange, FromRange: b.DefRange}
	if content == nil {
		return dv, diags
	}
	var d hcl.Diagnostics
	if a, ok := content.Attributes["from"]; ok {
		dv.FromRange = a.Expr.Range()
		dv.From, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["each"]; ok {
		dv.Each, d = decodeExpr(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["id"]; ok {
		dv.ID, d = decodeExpr(a)
		diags = append(diags, d...)
	}
	return dv, diags
}

// validateDerives checks a derived object's sources and expressions: each
// source is another object of the system that is not derived itself, and
// nothing is written to a derived object (write, if set, is "none").
func (c *Config) validateDerives(s *System, o *Object) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if len(o.Derive) == 0 {
		return nil
	}
	if a, ok := o.attrs["write"]; ok && o.Write != plan.WriteNone {
		diags = append(diags, errorAt(a.Expr.Range(), "Write style on a derived object",
			"Object %q is derived: its records are made by mapsync, not stored by system %q, so nothing can write them (write = %q, or leave it out).", o.Name, s.Name, plan.WriteNone))
	}
	for _, dv := range o.Derive {
		src := s.Object(dv.From)
		if src == nil || dv.From == o.Name || len(src.Derive) > 0 {
			var names []string
			for _, other := range s.Objects {
				if other.Name != o.Name && len(other.Derive) == 0 {
					names = append(names, other.Name)
				}
			}
			diags = append(diags, unknownName(dv.FromRange, "Unknown derive source", "listed (not derived) object of system "+s.Name, dv.From, names))
		}
		diags = append(diags, c.compileExpr(dv.Each, exprenv.DeriveEach, exprenv.Shape{}, fmt.Sprintf("derive each of %s.%s", s.Name, o.Name))...)
		diags = append(diags, c.compileExpr(dv.ID, exprenv.DeriveID, exprenv.Shape{}, fmt.Sprintf("derive id of %s.%s", s.Name, o.Name))...)
	}
	return diags
}
