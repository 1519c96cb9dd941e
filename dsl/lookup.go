package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// Lookup is a system's reference data (types, statuses, manufacturers, ...),
// resolved from label to id at run time.
//
//	lookup "manufacturer" {
//	  path    = "/manufacturers"
//	  id      = "id"
//	  label   = "attributes.name"
//	  missing = "create"
//	  create_body = { data = { type = "manufacturers", attributes = { name = "${label}" } } }
//	}
type Lookup struct {
	plan.Lookup

	VarRefs []VarRef

	// EnvelopeBlock and PagingBlock are the lookup's own envelope and
	// paging blocks (object_wire.go); the compiler puts them in the plan.
	EnvelopeBlock *EnvelopeOverride
	PagingBlock   *plan.Paging // its own paging block, replacing the system's

	DeclRange hcl.Range
	NameRange hcl.Range
	attrs     hcl.Attributes
}

// AttrRange returns the range of an attribute's value, or the block's.
func (l *Lookup) AttrRange(name string) hcl.Range { return attrRange(l.attrs, name, l.DeclRange) }

var missingPolicies = plan.MissingPolicies.Names()

var lookupSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "path", Required: true}, {Name: "id"}, {Name: "label", Required: true}, {Name: "parent"}, {Name: "parent_path"},
	{Name: "missing"}, {Name: "create_path"}, {Name: "create_body"}, {Name: "reason"},
}, Blocks: []hcl.BlockHeaderSchema{{Type: "envelope"}, {Type: "paging", LabelNames: []string{"style"}}}}

func decodeLookupBlock(block *hcl.Block) (*Lookup, hcl.Diagnostics) {
	l := &Lookup{Lookup: plan.Lookup{Name: block.Labels[0], ID: "id", Missing: plan.MissingError}, DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	diags := checkIdentifier(l.Name, l.NameRange, "lookup")
	content, cdiags := block.Body.Content(lookupSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return l, diags
	}
	l.attrs = content.Attributes
	var d hcl.Diagnostics
	for name, dst := range map[string]*string{"path": &l.Path, "id": &l.ID, "label": &l.Label, "parent": &l.Parent,
		"parent_path": &l.ParentPath, "create_path": &l.CreatePath, "reason": &l.Reason} {
		if a, ok := l.attrs[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := l.attrs["missing"]; ok {
		d = setEnum(&l.Missing, a, missingPolicies)
		diags = append(diags, d...)
	}
	if a, ok := l.attrs["create_body"]; ok {
		l.CreateBody, l.VarRefs, d = decodeJSONTemplate(a, "label", "parent")
		diags = append(diags, d...)
	}
	l.EnvelopeBlock, d = decodeEnvelopeOverride(content.Blocks)
	diags = append(diags, d...)
	l.PagingBlock, d = decodeOwnPaging(content.Blocks)
	diags = append(diags, d...)
	if l.Missing == plan.MissingCreate && l.CreateBody == "" {
		diags = append(diags, errorAt(l.AttrRange("missing"), "Missing create_body",
			"Lookup %q creates missing values: add create_body, the JSON sent to create one (with ${label}).", l.Name))
	}
	if l.Missing == plan.MissingCreate && l.CreatePath == "" {
		l.CreatePath = l.Path
	}
	if l.Missing == plan.MissingSkip && l.Reason == "" {
		l.Reason = "no " + l.Name + " with this label"
	}
	if (l.Parent == "") != (l.ParentPath == "") {
		diags = append(diags, errorAt(l.DeclRange, "Incomplete parent",
			"parent (the lookup this one is scoped under) and parent_path (where a row holds the parent's id) go together."))
	}
	return l, diags
}
