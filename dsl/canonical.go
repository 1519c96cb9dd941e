package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// Canonical is the hub schema of one object type.
//
//	canonical "configuration" {
//	  field "name"         { type = "string" label = "Name" }
//	  field "organization" { type = "ref" ref = "organization" }
//	}
type Canonical struct {
	Name        string
	Description string
	Fields      []*CanonicalField // declaration order

	DeclRange hcl.Range
	NameRange hcl.Range
}

// CanonicalField is one typed field of a canonical type. A ref field holds
// the id (in the same system) of a record of another canonical type; a list
// field with ref is a list of such ids. A deferred reference does not order
// stages: it is resolved after the referenced stage has run.
type CanonicalField struct {
	Name        string
	Type        string
	Ref         string
	Deferred    bool
	Label       string
	Description string

	DeclRange hcl.Range
	NameRange hcl.Range
	TypeRange hcl.Range
	RefRange  hcl.Range // the whole ref attribute (ref = "..."), or DeclRange
	RefValue  hcl.Range // the ref attribute's value, or DeclRange
}

// Field returns the field with the given name, or nil.
func (c *Canonical) Field(name string) *CanonicalField {
	for _, f := range c.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// FieldNames lists the field names in declaration order.
func (c *Canonical) FieldNames() []string {
	out := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		out[i] = f.Name
	}
	return out
}

// IsRef reports whether the field references records of another type.
func (f *CanonicalField) IsRef() bool { return f.Ref != "" }

var canonicalTypes = []string{
	plan.TypeString, plan.TypeInt, plan.TypeNumber, plan.TypeBool, plan.TypeDate,
	plan.TypeDateTime, plan.TypeRef, plan.TypeList, plan.TypeJSON,
}

var canonicalSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "description"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "field", LabelNames: []string{"name"}}},
}

var canonicalFieldSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type", Required: true}, {Name: "ref"}, {Name: "deferred"}, {Name: "label"}, {Name: "description"},
	},
}

func decodeCanonicalBlock(block *hcl.Block) (*Canonical, hcl.Diagnostics) {
	c := &Canonical{Name: block.Labels[0], DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	diags := checkIdentifier(c.Name, c.NameRange, "canonical type")
	content, cdiags := block.Body.Content(canonicalSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return c, diags
	}
	if a, ok := content.Attributes["description"]; ok {
		var d hcl.Diagnostics
		c.Description, d = decodeString(a)
		diags = append(diags, d...)
	}
	fields, d := decodeUnique(content.Blocks, "", "field", decodeCanonicalFieldBlock,
		func(f *CanonicalField) (string, hcl.Range) { return f.Name, f.NameRange })
	c.Fields = fields
	return c, append(diags, d...)
}

func decodeCanonicalFieldBlock(block *hcl.Block) (*CanonicalField, hcl.Diagnostics) {
	f := &CanonicalField{Name: block.Labels[0], DeclRange: block.DefRange, NameRange: block.LabelRanges[0], RefRange: block.DefRange, RefValue: block.DefRange, TypeRange: block.DefRange}
	diags := checkIdentifier(f.Name, f.NameRange, "field")
	content, cdiags := block.Body.Content(canonicalFieldSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return f, diags
	}
	var d hcl.Diagnostics
	if a, ok := content.Attributes["type"]; ok {
		f.TypeRange = a.Expr.Range()
		d = setEnum(&f.Type, a, canonicalTypes)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["ref"]; ok {
		f.RefRange, f.RefValue = a.Range, a.Expr.Range()
		f.Ref, d = decodeString(a)
		diags = append(diags, d...)
		if !d.HasErrors() && f.Type != "" && f.Type != plan.TypeRef && f.Type != plan.TypeList {
			diags = append(diags, errorAt(a.Range, "Unexpected ref",
				"Only fields of type \"ref\" (one id) or \"list\" (a list of ids) reference another type; field %q is of type %q.", f.Name, f.Type))
		}
	} else if f.Type == plan.TypeRef {
		diags = append(diags, errorAt(f.TypeRange, "Missing ref",
			"Field %q is of type \"ref\": add ref = \"TYPE\" naming the canonical type it references.", f.Name))
	}
	if a, ok := content.Attributes["deferred"]; ok {
		f.Deferred, d = decodeBool(a)
		diags = append(diags, d...)
		if !d.HasErrors() && f.Deferred && f.Ref == "" {
			diags = append(diags, errorAt(a.Range, "Unexpected deferred", "Only references (fields with ref) can be deferred."))
		}
	}
	if a, ok := content.Attributes["label"]; ok {
		f.Label, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["description"]; ok {
		f.Description, d = decodeString(a)
		diags = append(diags, d...)
	}
	return f, diags
}
