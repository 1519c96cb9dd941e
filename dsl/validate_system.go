package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl/exprenv"
	"mapsync/engine/plan"
)

func (c *Config) validateSystem(s *System) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !s.pagingDeclared && len(s.Objects) > 0 && s.listsWithoutOwnPaging() {
		diags = append(diags, warningAt(s.NameRange, "No paging",
			"System %q declares no paging block, so every list is read in one request (write paging \"none\" {} if that is intended).", s.Name))
	}
	lookupNames := make([]string, 0, len(s.Lookups))
	for _, l := range s.Lookups {
		lookupNames = append(lookupNames, l.Name)
	}
	for _, l := range s.Lookups {
		// {parent} only in lookups scoped under a parent lookup.
		for _, attr := range []string{"path", "create_path"} {
			path := l.Path
			if attr == "create_path" {
				path = l.CreatePath
			}
			diags = append(diags, checkPlaceholders(path, l.AttrRange(attr), attr, map[string]bool{"parent": l.Parent != ""}, nil)...)
		}
		if l.Parent == "" {
			continue
		}
		if l.Parent == l.Name || s.Lookup(l.Parent) == nil {
			diags = append(diags, unknownName(l.AttrRange("parent"), "Reference to undeclared lookup", "other lookup", l.Parent, without(lookupNames, l.Name)))
		}
	}
	for _, o := range s.Objects {
		diags = append(diags, c.validateObject(s, o, lookupNames)...)
	}
	return diags
}

func without(list []string, s string) []string {
	var out []string
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

func (c *Config) validateObject(s *System, o *Object, lookupNames []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ct := c.Canonical[o.Name]
	if ct == nil {
		return append(diags, unknownName(o.NameRange, "Unknown canonical type", "canonical type", o.Name, keys(c.Canonical)))
	}
	if _, written := o.attrs["write"]; !written && !s.writeDeclared && len(o.Derive) == 0 && !o.declaresUpdate() {
		diags = append(diags, errorAt(o.NameRange, "Missing write style",
			"Object %q has no write style: set write = \"...\" here or on system %q (%s).", o.Name, s.Name, quoteList(writes)))
	}
	// Placeholders in routes: {id} in item routes, {ref:FIELD} naming a ref
	// field this object maps (the parent's id in this system).
	refs := map[string]bool{}
	for _, f := range o.Fields {
		if cf := ct.Field(f.Name); cf != nil && cf.Ref != "" {
			refs[f.Name] = true
		}
	}
	for _, p := range []struct {
		attr, path string
		id         bool
	}{
		{"list_path", o.ListPath, false}, {"create_path", o.CreatePath, false},
		{"item_path", o.ItemPath, true}, {"update_path", o.UpdatePath, true}, {"delete_path", o.DeletePath, true},
	} {
		if _, written := o.attrs[p.attr]; !written {
			continue // a default derived from list_path, checked there
		}
		diags = append(diags, checkPlaceholders(p.path, o.AttrRange(p.attr), p.attr, map[string]bool{"id": p.id}, refs)...)
	}
	diags = append(diags, o.validateWire(refs)...)
	if o.Bulk != nil {
		for _, r := range []*plan.BulkRoute{o.Bulk.Create, o.Bulk.Update} {
			if r != nil {
				diags = append(diags, checkPlaceholders(r.Path, o.DeclRange, "bulk path", nil, refs)...)
			}
		}
	}
	if o.ListMethod == "POST" && o.ListBody == "" {
		diags = append(diags, errorAt(o.AttrRange("list_method"), "Missing list_body",
			"Object %q lists with POST: add list_body, the JSON query sent.", o.Name))
	}
	diags = append(diags, c.validateDerives(s, o)...)
	for _, f := range o.Fields {
		diags = append(diags, c.validateField(s, o, ct, f, lookupNames)...)
	}
	return diags
}

func (c *Config) validateField(s *System, o *Object, ct *Canonical, f *Field, lookupNames []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	cf := ct.Field(f.Name)
	if cf == nil {
		return append(diags, unknownName(f.NameRange, "Unknown canonical field", "field in canonical type "+ct.Name, f.Name, ct.FieldNames()))
	}
	if f.Ref != "" && f.Ref != cf.Ref {
		diags = append(diags, errorAt(f.AttrRange("ref"), "Reference disagrees with the canonical type",
			"Canonical field %s.%s references %q; a system field cannot change that.", ct.Name, cf.Name, refOrNone(cf.Ref)))
	}
	if f.Lookup != "" {
		if s.Lookup(f.Lookup) == nil {
			diags = append(diags, unknownName(f.AttrRange("lookup"), "Reference to undeclared lookup", "lookup in system "+s.Name, f.Lookup, lookupNames))
		}
		if cf.Type != plan.TypeString {
			diags = append(diags, errorAt(f.AttrRange("lookup"), "Lookup on a non-string field",
				"A lookup turns a label into an id, so the canonical field must be a string; %s.%s is %q.", ct.Name, cf.Name, cf.Type))
		}
	}
	if f.Flag != "" && cf.Ref == "" {
		diags = append(diags, errorAt(f.AttrRange("flag"), "Flag on a field that is not a reference",
			"A flag field names the referenced record whose flag is set; %s.%s is not a reference.", ct.Name, cf.Name))
	}
	if f.Fetch != "" {
		if cf.Type != plan.TypeList {
			diags = append(diags, errorAt(f.AttrRange("fetch"), "Fetch on a field that is not a list",
				"fetch reads a list of related records; %s.%s is %q, not \"list\".", ct.Name, cf.Name, cf.Type))
		}
		diags = append(diags, checkPlaceholders(f.Fetch, f.AttrRange("fetch"), "fetch", map[string]bool{"id": true}, nil)...)
	}
	ctx := fmt.Sprintf("%s of field %s.%s.%s", "%s", s.Name, o.Name, f.Name)
	shape := exprenv.Shape{Result: cf.Type}
	diags = append(diags, c.compileExpr(f.ToCanonical, exprenv.ToCanonical, shape, fmt.Sprintf(ctx, "to_canonical"))...)
	diags = append(diags, c.validateRelated(s, f, lookupNames)...)
	diags = append(diags, c.compileExpr(f.FromCanonical, exprenv.FromCanonical, shapeOf(ct, nil), fmt.Sprintf(ctx, "from_canonical"))...)
	return diags
}

func refOrNone(r string) string {
	if r == "" {
		return "nothing"
	}
	return r
}

// checkPlaceholders validates {id}, {parent} and {ref:FIELD} in a route
// (plan.ParseRoute): allowed says which of id and parent the route may
// hold, refs the ref fields {ref:FIELD} may name.
func checkPlaceholders(path string, rng hcl.Range, attr string, allowed map[string]bool, refs map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	route, err := plan.ParseRoute(path)
	if rerr, ok := err.(*plan.RouteError); ok {
		summary := "Invalid route"
		if rerr.Placeholder != "" {
			summary = "Unknown placeholder in route"
		}
		diags = append(diags, errorAt(rng, summary, "%s uses %s: %s.", attr, orWhole(rerr.Placeholder, path), rerr.Problem))
	}
	for _, p := range route.Placeholders {
		if p.Kind == plan.PlaceholderRef {
			field := p.Field
			if !refs[field] {
				var names []string
				for n := range refs {
					names = append(names, n)
				}
				d := unknownName(rng, "Unknown reference in route", "reference field mapped by this object", field, names)
				d.Detail = fmt.Sprintf("%s uses {ref:%s}: %s", attr, field, d.Detail)
				diags = append(diags, d)
			}
			continue
		}
		if !allowed[p.Kind] {
			diags = append(diags, errorAt(rng, "Unknown placeholder in route",
				"%s uses %s, which this route cannot fill: {id} is for item routes and fetch, {parent} for lookup paths, {ref:FIELD} for a parent's id.", attr, p.Text))
		}
	}
	return diags
}

func orWhole(placeholder, path string) string {
	if placeholder != "" {
		return placeholder
	}
	return path
}
