package dsl

import (
	"time"

	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// Object is one canonical object type as a system exposes it: where its
// records are listed, read and written, and where each canonical field sits.
//
//	object "configuration" {
//	  list_path = "/company/configurations"
//	  id        = "id"
//	  updated   = "_info.lastUpdated"
//	  field "name" { path = "name"  required_on_create = true }
//	}
type Object struct {
	Name         string
	ResourceType string
	ListPath     string
	ListMethod   string
	ListBody     string
	ItemPath     string
	CreatePath   string
	UpdatePath   string
	DeletePath   string
	Query        map[string]string
	ID           string
	Updated      string
	Created      string
	Write        string // "" = the system's default
	// Sweep, for a list path under a parent ({ref:FIELD}), is the
	// staleness bound of incremental runs: they list the children of a
	// rotating slice of the parents, so that every parent is listed at
	// least once per Sweep. 0: every parent on every run.
	Sweep        time.Duration
	ChangedSince *plan.ChangedSince
	Bulk         *plan.Bulk
	Derive       []*Derive // a derived object: one per source (derive.go)
	Fields       []*Field

	VarRefs []VarRef

	DeclRange hcl.Range
	NameRange hcl.Range
	attrs     hcl.Attributes

	// Offers and DefaultDirection: the sync directions the system offers
	// for this object, and the one a sync that states none gets (offers.go).
	Offers           []string
	DefaultDirection string
	// Envelope, Create and Update: the object's own protocol
	// (object_wire.go).
	Envelope *EnvelopeOverride
	Create   *plan.WriteShape
	Update   *plan.WriteShape
	wirePath map[string]hcl.Range // "create"/"update" -> the range of its path
	Paging   *plan.Paging         // the object's own paging block, replacing the system's
	// RateLimit is the object's own rate_limit block, on top of the system's.
	RateLimit *plan.RateLimit
}

// Derive makes one record of another object of the system (From) give zero
// or more records of this object type (derive.go).
type Derive struct {
	From      string
	Each      *Expr
	ID        *Expr
	DeclRange hcl.Range
	FromRange hcl.Range
}

// Field returns the field mapping the canonical field name, or nil.
func (o *Object) Field(name string) *Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// AttrRange returns the range of an attribute's value, or the block's.
func (o *Object) AttrRange(name string) hcl.Range { return attrRange(o.attrs, name, o.DeclRange) }

var objectSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "resource_type"}, {Name: "list_path"}, {Name: "list_method"}, {Name: "list_body"},
		{Name: "item_path"}, {Name: "create_path"}, {Name: "update_path"}, {Name: "delete_path"},
		{Name: "query"}, {Name: "id"}, {Name: "updated"}, {Name: "created"}, {Name: "write"}, {Name: "sweep"},
		{Name: "offers"}, {Name: "default_direction"}, // offers.go
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "changed_since", LabelNames: []string{"mode"}},
		{Type: "bulk"},
		{Type: "derive"},
		{Type: "field", LabelNames: []string{"name"}},
		{Type: "envelope"}, {Type: "create"}, {Type: "update"}, {Type: "paging", LabelNames: []string{"style"}}, {Type: "rate_limit"}, // object_wire.go
	},
}

func decodeObjectBlock(block *hcl.Block) (*Object, hcl.Diagnostics) {
	o := &Object{Name: block.Labels[0], ID: "id", ListMethod: "GET", DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	diags := checkIdentifier(o.Name, o.NameRange, "object")
	content, cdiags := block.Body.Content(objectSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return o, diags
	}
	o.attrs = content.Attributes
	var d hcl.Diagnostics
	for name, dst := range map[string]*string{
		"resource_type": &o.ResourceType, "list_path": &o.ListPath, "item_path": &o.ItemPath,
		"create_path": &o.CreatePath, "update_path": &o.UpdatePath, "delete_path": &o.DeletePath,
		"id": &o.ID, "updated": &o.Updated, "created": &o.Created,
	} {
		if a, ok := o.attrs[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := o.attrs["list_method"]; ok {
		d = setEnum(&o.ListMethod, a, []string{"GET", "POST"})
		diags = append(diags, d...)
	}
	if a, ok := o.attrs["list_body"]; ok {
		var refs []VarRef
		o.ListBody, refs, d = decodeJSONTemplate(a, "cursor", "page", "size")
		o.VarRefs = append(o.VarRefs, refs...)
		diags = append(diags, d...)
	}
	if a, ok := o.attrs["query"]; ok {
		o.Query, _, d = decodeStringMap(a)
		diags = append(diags, d...)
	}
	if a, ok := o.attrs["write"]; ok {
		d = setEnum(&o.Write, a, writes)
		diags = append(diags, d...)
	}
	if a, ok := o.attrs["sweep"]; ok {
		o.Sweep, d = decodeSweep(a, o.ListPath)
		diags = append(diags, d...)
	}
	diags = append(diags, o.decodeOffers()...)
	// Defaults: the usual REST layout.
	if o.ItemPath == "" && o.ListPath != "" {
		o.ItemPath = o.ListPath + "/{id}"
	}
	if o.CreatePath == "" {
		o.CreatePath = o.ListPath
	}
	if o.UpdatePath == "" {
		o.UpdatePath = o.ItemPath
	}

	o.Derive, d = decodeDerives(block, content.Blocks, o.attrs)
	diags = append(diags, d...)
	for _, typ := range []string{"changed_since", "bulk"} {
		b, d := oneBlock(content.Blocks, typ)
		diags = append(diags, d...)
		if b == nil {
			continue
		}
		switch typ {
		case "changed_since":
			o.ChangedSince, d = decodeChangedSince(b)
		case "bulk":
			o.Bulk, d = decodeBulk(b)
		}
		diags = append(diags, d...)
	}

	diags = append(diags, o.decodeWire(content.Blocks)...)

	fields, d := decodeUnique(content.Blocks, "field", "field", decodeFieldBlock,
		func(f *Field) (string, hcl.Range) { return f.Name, f.NameRange })
	o.Fields = fields
	return o, append(diags, d...)
}

var bulkSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "create"}, {Type: "update"}}}

var bulkRouteSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "path", Required: true}, {Name: "method"}, {Name: "max", Required: true}, {Name: "wrap"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "results"}},
}

var bulkResultsSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "path"}, {Name: "item"}, {Name: "success"}, {Name: "index"}, {Name: "status"}, {Name: "error_message"},
}}

var bulkWraps = plan.BulkWraps.Names()

func decodeBulk(b *hcl.Block) (*plan.Bulk, hcl.Diagnostics) {
	content, diags := b.Body.Content(bulkSchema)
	if content == nil {
		return nil, diags
	}
	bulk := &plan.Bulk{}
	for _, typ := range []string{"create", "update"} {
		rb, d := oneBlock(content.Blocks, typ)
		diags = append(diags, d...)
		if rb == nil {
			continue
		}
		route, d := decodeBulkRoute(rb, typ)
		diags = append(diags, d...)
		if typ == "create" {
			bulk.Create = route
		} else {
			bulk.Update = route
		}
	}
	if bulk.Create == nil && bulk.Update == nil {
		diags = append(diags, errorAt(b.DefRange, "Empty bulk block", "A bulk block declares a create and/or an update route."))
	}
	return bulk, diags
}

func decodeBulkRoute(b *hcl.Block, typ string) (*plan.BulkRoute, hcl.Diagnostics) {
	content, diags := b.Body.Content(bulkRouteSchema)
	route := &plan.BulkRoute{Method: "POST", Wrap: "array"}
	if typ == "update" {
		route.Method = "PATCH"
	}
	if content == nil {
		return route, diags
	}
	var d hcl.Diagnostics
	attrs := content.Attributes
	if a, ok := attrs["path"]; ok {
		route.Path, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["method"]; ok {
		d = setEnum(&route.Method, a, []string{"POST", "PATCH", "PUT"})
		diags = append(diags, d...)
	}
	if a, ok := attrs["max"]; ok {
		route.Max, d = decodeInt(a, 1)
		diags = append(diags, d...)
	}
	if a, ok := attrs["wrap"]; ok {
		route.Wrap, d = decodeString(a)
		diags = append(diags, d...)
		if _, _, err := plan.ParseBulkWrap(route.Wrap); !d.HasErrors() && err != nil {
			diags = append(diags, checkEnum(route.Wrap, "bulk wrap", a.Expr.Range(), bulkWraps))
		}
	}
	rb, d := oneBlock(content.Blocks, "results")
	diags = append(diags, d...)
	if rb != nil {
		route.Results, d = decodeBulkResults(rb)
		diags = append(diags, d...)
	}
	return route, diags
}

// decodeBulkResults reads where per-record outcomes sit in a bulk response.
func decodeBulkResults(b *hcl.Block) (*plan.BulkResults, hcl.Diagnostics) {
	content, diags := b.Body.Content(bulkResultsSchema)
	r := &plan.BulkResults{}
	if content == nil {
		return r, diags
	}
	var d hcl.Diagnostics
	for name, dst := range map[string]*string{"path": &r.Path, "item": &r.Item, "success": &r.Success, "index": &r.Index, "status": &r.Status} {
		if a, ok := content.Attributes[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := content.Attributes["error_message"]; ok {
		r.ErrorMessage, _, d = decodeStringList(a)
		diags = append(diags, d...)
	}
	return r, diags
}

// decodeSweep reads a sweep bound: a Go duration of at least a second, on
// an object listed under a parent.
func decodeSweep(a *hcl.Attribute, listPath string) (time.Duration, hcl.Diagnostics) {
	s, diags := decodeString(a)
	if diags.HasErrors() {
		return 0, diags
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second || d%time.Second != 0 {
		return 0, append(diags, errorAt(a.Expr.Range(), "Invalid sweep",
			"sweep is a duration in whole seconds of at least 1s, such as \"24h\" or \"90m\"; got %q.", s))
	}
	if r, err := plan.ParseRoute(listPath); err == nil && len(r.Refs()) == 0 {
		return 0, append(diags, errorAt(a.NameRange, "sweep without a parent",
			"sweep rotates the parents a nested list path ({ref:FIELD}) is read under; list_path %q has no parent.", listPath))
	}
	return d, diags
}
