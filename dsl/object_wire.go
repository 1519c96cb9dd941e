package dsl

import (
	"encoding/json"
	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// An object's own protocol: an envelope block overriding the system's
// attribute by attribute (also inside a lookup), and create/update blocks
// shaping single-record writes over the write style's preset.
//
//	object "contact" {
//	  envelope { item = "contact" }
//	  create {
//	    method = "POST"
//	    body   = "array"
//	    item   = "0"
//	  }
//	  update {
//	    method = "PATCH"
//	    path   = "/contacts"   # no {id}: the id travels in the body
//	    body   = "partial"
//	  }
//	}

// EnvelopeOverride is an envelope block inside an object or a lookup: the
// attributes it sets replace the system's.
type EnvelopeOverride struct {
	plan.Envelope
	Set       map[string]bool // attribute names written in the block
	DeclRange hcl.Range
}

// Over returns base with the block's attributes over it.
func (e *EnvelopeOverride) Over(base plan.Envelope) plan.Envelope {
	out := base
	set := func(name string, dst *string, v string) {
		if e.Set[name] {
			*dst = v
		}
	}
	set("items", &out.Items, e.Items)
	set("item", &out.Item, e.Item)
	set("created_id", &out.CreatedID, e.CreatedID)
	set("success", &out.Success, e.Success)
	set("status", &out.Status, e.Status)
	if e.Set["error_message"] {
		out.ErrorMessage = e.ErrorMessage
	}
	return out
}

// decodeEnvelopeOverride reads the envelope block among blocks, if any.
func decodeEnvelopeOverride(blocks hcl.Blocks) (*EnvelopeOverride, hcl.Diagnostics) {
	b, diags := oneBlock(blocks, "envelope")
	if b == nil {
		return nil, diags
	}
	e := &EnvelopeOverride{Set: map[string]bool{}, DeclRange: b.DefRange}
	// The names written; decodeEnvelope reports what is wrong with them.
	if attrs, _ := b.Body.JustAttributes(); attrs != nil {
		for name := range attrs {
			e.Set[name] = true
		}
	}
	diags = append(diags, decodeEnvelope(b, &e.Envelope)...)
	return e, diags
}

// decodeOwnPaging reads a paging block of an object or a lookup: a whole
// paging declaration (its style decides its attributes) replacing the
// system's.
func decodeOwnPaging(blocks hcl.Blocks) (*plan.Paging, hcl.Diagnostics) {
	b, diags := oneBlock(blocks, "paging")
	if b == nil {
		return nil, diags
	}
	p := &plan.Paging{}
	diags = append(diags, decodePaging(b, p)...)
	return p, diags
}

var writeShapeSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "method"}, {Name: "path"}, {Name: "body"}, {Name: "item"}, {Name: "id"}, {Name: "reread"},
	{Name: "content_type"}, {Name: "defaults"},
}}

var bodyShapes = plan.BodyShapes.Names()

// decodeWire reads the object's envelope, create and update blocks.
func (o *Object) decodeWire(blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	env, d := decodeEnvelopeOverride(blocks)
	o.Envelope = env
	diags = append(diags, d...)
	o.Paging, d = decodeOwnPaging(blocks)
	diags = append(diags, d...)
	if b, d := oneBlock(blocks, "rate_limit"); b != nil {
		diags = append(diags, d...)
		o.RateLimit = &plan.RateLimit{}
		diags = append(diags, decodeRateLimit(b, o.RateLimit)...)
	} else {
		diags = append(diags, d...)
	}
	for _, verb := range []string{"create", "update"} {
		b, d := oneBlock(blocks, verb)
		diags = append(diags, d...)
		if b == nil {
			continue
		}
		w, refs, d := decodeWriteShape(b)
		diags = append(diags, d...)
		o.VarRefs = append(o.VarRefs, refs...)
		if attrs, _ := b.Body.JustAttributes(); attrs["path"] != nil {
			if o.wirePath == nil {
				o.wirePath = map[string]hcl.Range{}
			}
			o.wirePath[verb] = attrs["path"].Expr.Range()
		}
		if verb == "create" {
			o.Create = w
		} else {
			o.Update = w
		}
	}
	return diags
}

// validateWire checks the placeholders of the create and update routes:
// {ref:FIELD} naming a ref field of the object in both, {id} only in an
// update's.
func (o *Object) validateWire(refs map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, w := range []struct {
		verb  string
		shape *plan.WriteShape
	}{{"create", o.Create}, {"update", o.Update}} {
		if w.shape == nil || w.shape.Path == "" {
			continue
		}
		diags = append(diags, checkPlaceholders(w.shape.Path, o.wirePath[w.verb], w.verb+" path",
			map[string]bool{"id": w.verb == "update"}, refs)...)
	}
	return diags
}

// listsWithoutOwnPaging reports whether some object or lookup of the
// system lists with the system's paging (has no paging block of its own).
func (s *System) listsWithoutOwnPaging() bool {
	for _, o := range s.Objects {
		if o.Paging == nil {
			return true
		}
	}
	for _, l := range s.Lookups {
		if l.PagingBlock == nil {
			return true
		}
	}
	return false
}

// declaresUpdate reports whether the object's update block names a body,
// which makes a write style unnecessary.
func (o *Object) declaresUpdate() bool { return o.Update != nil && o.Update.Body != "" }

func decodeWriteShape(b *hcl.Block) (*plan.WriteShape, []VarRef, hcl.Diagnostics) {
	content, diags := b.Body.Content(writeShapeSchema)
	w := &plan.WriteShape{}
	if content == nil {
		return w, nil, diags
	}
	var refs []VarRef
	var d hcl.Diagnostics
	attrs := content.Attributes
	if a, ok := attrs["method"]; ok {
		d = setEnum(&w.Method, a, []string{"POST", "PUT", "PATCH"})
		diags = append(diags, d...)
	}
	for name, dst := range map[string]*string{"path": &w.Path, "content_type": &w.ContentType} {
		if a, ok := attrs[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := attrs["body"]; ok {
		w.Body, d = decodeString(a)
		diags = append(diags, d...)
		if _, _, err := plan.ParseBodyShape(w.Body); !d.HasErrors() && err != nil {
			diags = append(diags, checkEnum(w.Body, "body shape", a.Expr.Range(), bodyShapes))
		}
	}
	for name, dst := range map[string]**string{"item": &w.Item, "id": &w.ID} {
		if a, ok := attrs[name]; ok {
			var s string
			s, d = decodeString(a)
			diags = append(diags, d...)
			*dst = &s
		}
	}
	if a, ok := attrs["id"]; ok && b.Type == "update" {
		diags = append(diags, errorAt(a.NameRange, "Unexpected id",
			"id says where a create's response holds the new record's id; an update knows its id."))
	}
	if a, ok := attrs["reread"]; ok {
		w.Reread, d = decodeBool(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["defaults"]; ok {
		if b.Type == "update" {
			diags = append(diags, errorAt(a.NameRange, "Unexpected defaults",
				"defaults are members every create sends when no field gives them; an update sends only what changed."))
		} else {
			w.Defaults, refs, d = decodeJSONTemplate(a)
			diags = append(diags, d...)
			var m map[string]any
			if !d.HasErrors() && json.Unmarshal([]byte(w.Defaults), &m) != nil {
				diags = append(diags, errorAt(a.Expr.Range(), "Invalid defaults", "defaults must be an object: { member = value }."))
			}
		}
	}
	return w, refs, diags
}
