package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// Field says where one canonical field sits in a system's records.
//
//	field "primary_mac" {
//	  path         = "macAddress"
//	  to_canonical = "is_mac(value) ? mac(value) : reject('not a single MAC address')"
//	}
//
// path is a dotted path in the record ("type.name", "attributes.serial-number",
// "types.0.name"). write_path, when set, is where the value is written (for a
// lookup: where the id goes). A lookup field reads a label and writes its id.
type Field struct {
	Name             string
	Path             string
	WritePath        string
	Ref              string // optional; must agree with the canonical field
	Lookup           string
	Access           string
	ToCanonical      *Expr
	FromCanonical    *Expr
	RequiredOnCreate bool
	CreateOnly       bool
	Fetch            string
	Flag             string
	// RefetchQuery and RefetchLimit: for a fetch field whose sub-resource
	// changes without moving the record's updated date, the records an
	// incremental listing lists again (static query parameters of the
	// object's list, as its query attribute) and reads the sub-resource of,
	// at most RefetchLimit of them.
	RefetchQuery map[string]string
	RefetchLimit int

	DeclRange hcl.Range
	NameRange hcl.Range
	attrs     hcl.Attributes

	// LookupLabel, with Lookup: the field reads through a related record
	// (related.go): path holds a row's id, the value is the row's
	// LookupLabel.
	LookupLabel string
}

// AttrRange returns the range of an attribute's value, or the block's.
func (f *Field) AttrRange(name string) hcl.Range { return attrRange(f.attrs, name, f.DeclRange) }

// AttrDeclRange returns the range of a whole attribute (name = value), or the block's.
func (f *Field) AttrDeclRange(name string) hcl.Range {
	if a, ok := f.attrs[name]; ok {
		return a.Range
	}
	return f.DeclRange
}

var accesses = []string{plan.FieldBoth, plan.FieldRead, plan.FieldWrite}

var fieldSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "path"}, {Name: "write_path"}, {Name: "ref"}, {Name: "lookup"}, {Name: "access"},
	{Name: "to_canonical"}, {Name: "from_canonical"}, {Name: "required_on_create"}, {Name: "create_only"},
	{Name: "fetch"}, {Name: "flag"}, {Name: "refetch_query"}, {Name: "refetch_limit"},
	{Name: "lookup_label"}, // related.go
}}

// defaultRefetchLimit bounds a refetch_query listing without refetch_limit.
const defaultRefetchLimit = 500

func decodeFieldBlock(block *hcl.Block) (*Field, hcl.Diagnostics) {
	f := &Field{Name: block.Labels[0], Access: plan.FieldBoth, DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	diags := checkIdentifier(f.Name, f.NameRange, "field")
	content, cdiags := block.Body.Content(fieldSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return f, diags
	}
	f.attrs = content.Attributes
	var d hcl.Diagnostics
	for name, dst := range map[string]*string{"path": &f.Path, "write_path": &f.WritePath, "ref": &f.Ref,
		"lookup": &f.Lookup, "fetch": &f.Fetch, "flag": &f.Flag, "lookup_label": &f.LookupLabel} {
		if a, ok := f.attrs[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := f.attrs["access"]; ok {
		d = setEnum(&f.Access, a, accesses)
		diags = append(diags, d...)
	}
	for name, dst := range map[string]**Expr{"to_canonical": &f.ToCanonical, "from_canonical": &f.FromCanonical} {
		if a, ok := f.attrs[name]; ok {
			*dst, d = decodeExpr(a)
			diags = append(diags, d...)
		}
	}
	for name, dst := range map[string]*bool{"required_on_create": &f.RequiredOnCreate, "create_only": &f.CreateOnly} {
		if a, ok := f.attrs[name]; ok {
			*dst, d = decodeBool(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := f.attrs["refetch_query"]; ok {
		f.RefetchQuery, _, d = decodeStringMap(a)
		diags = append(diags, d...)
		f.RefetchLimit = defaultRefetchLimit
	}
	if a, ok := f.attrs["refetch_limit"]; ok {
		f.RefetchLimit, d = decodeInt(a, 1)
		diags = append(diags, d...)
		if _, q := f.attrs["refetch_query"]; !q {
			diags = append(diags, errorAt(f.AttrDeclRange("refetch_limit"), "refetch_limit without refetch_query",
				"refetch_limit bounds the records refetch_query lists again; field %q has no refetch_query.", f.Name))
		}
	}
	if _, q := f.attrs["refetch_query"]; q && f.Fetch == "" {
		diags = append(diags, errorAt(f.AttrDeclRange("refetch_query"), "refetch_query without fetch",
			"refetch_query reads a sub-resource again on incremental runs; field %q reads no sub-resource (fetch).", f.Name))
	}
	if _, hasPath := f.attrs["path"]; !hasPath && f.Flag == "" {
		diags = append(diags, errorAt(f.DeclRange, "Missing path",
			"Field %q needs path = \"...\": where the value sits in the system's records.", f.Name))
	}
	if f.Flag != "" && f.Path != "" {
		diags = append(diags, errorAt(f.AttrDeclRange("flag"), "Conflicting path and flag",
			"A flag field has no path of its own: its value is the referenced record whose flag is true."))
	}
	if f.RequiredOnCreate && f.Access == plan.FieldRead {
		diags = append(diags, errorAt(f.AttrDeclRange("required_on_create"), "Required field is read-only",
			"Field %q is required on create but has access = \"read\", so it is never written.", f.Name))
	}
	if f.CreateOnly && f.Access == plan.FieldRead {
		diags = append(diags, errorAt(f.AttrDeclRange("create_only"), "Create-only field is read-only",
			"Field %q is create_only but has access = \"read\", so it is never written.", f.Name))
	}
	return f, diags
}
