package dsl

import (
	"math"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"mapsync/engine/plan"
)

// Sync pairs a PSA with a documentation system, object type by object type.
//
//	sync "acme_docs" {
//	  psa    = system.acme_psa
//	  doc    = system.docs
//	  winner = "psa"
//	  settings { contacts = true }
//	  object "organization" { ... }
//	}
type Sync struct {
	Name     string
	PSA      string
	Doc      string
	Winner   string
	Settings map[string]any // string, bool, float64, []any of strings
	Objects  []*SyncObject
	// MaxChange is guard { max_change }; 0 = not set.
	MaxChange float64

	DeclRange      hcl.Range
	NameRange      hcl.Range
	PSARange       hcl.Range
	DocRange       hcl.Range
	SettingsRanges map[string]hcl.Range
}

// Object returns the object sync with the given name, or nil.
func (s *Sync) Object(name string) *SyncObject {
	for _, o := range s.Objects {
		if o.Name == name {
			return o
		}
	}
	return nil
}

var winners = []string{"psa", "doc"}

var syncSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "psa", Required: true}, {Name: "doc", Required: true}, {Name: "winner"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "settings"}, {Type: "guard"}, {Type: "object", LabelNames: []string{"name"}}},
}

var guardSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "max_change", Required: true}}}

// decodeGuard reads a guard block: max_change, the share of an object
// type's links a run may orphan, disconnect or rewrite, in (0, 1].
func decodeGuard(blocks hcl.Blocks) (float64, hcl.Diagnostics) {
	b, diags := oneBlock(blocks, "guard")
	if b == nil {
		return 0, diags
	}
	content, d := b.Body.Content(guardSchema)
	diags = append(diags, d...)
	a, ok := content.Attributes["max_change"]
	if !ok {
		return 0, diags
	}
	var f float64
	d = typed(a.Expr, a.Name, cty.Number, &f)
	diags = append(diags, d...)
	if d.HasErrors() {
		return 0, diags
	}
	if !(f > 0 && f <= 1) {
		return 0, append(diags, errorAt(a.Expr.Range(), "Invalid value for max_change",
			"max_change is a share of an object type's links, greater than 0 and at most 1 (0.2 = 20%%; 1 turns the guard off); got %g.", f))
	}
	return f, diags
}

func decodeSyncBlock(block *hcl.Block) (*Sync, hcl.Diagnostics) {
	s := &Sync{Name: block.Labels[0], Winner: "psa", Settings: map[string]any{}, SettingsRanges: map[string]hcl.Range{},
		DeclRange: block.DefRange, NameRange: block.LabelRanges[0], PSARange: block.DefRange, DocRange: block.DefRange}
	diags := checkIdentifier(s.Name, s.NameRange, "sync")
	content, cdiags := block.Body.Content(syncSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return s, diags
	}
	var d hcl.Diagnostics
	if a, ok := content.Attributes["psa"]; ok {
		s.PSARange = a.Expr.Range()
		s.PSA, d = decodeReference(a, "system")
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["doc"]; ok {
		s.DocRange = a.Expr.Range()
		s.Doc, d = decodeReference(a, "system")
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["winner"]; ok {
		d = setEnum(&s.Winner, a, winners)
		diags = append(diags, d...)
	}
	if b, d := oneBlock(content.Blocks, "settings"); b != nil || d != nil {
		diags = append(diags, d...)
		if b != nil {
			diags = append(diags, s.decodeSettings(b)...)
		}
	}
	s.MaxChange, d = decodeGuard(content.Blocks)
	diags = append(diags, d...)
	objects, d := decodeUnique(content.Blocks, "object", "object", decodeSyncObjectBlock,
		func(o *SyncObject) (string, hcl.Range) { return o.Name, o.NameRange })
	s.Objects = objects
	return s, append(diags, d...)
}

// decodeSettings reads the free-form settings block: strings, numbers,
// bools and lists of strings, which scope and enabled expressions read as
// settings.NAME.
func (s *Sync) decodeSettings(b *hcl.Block) hcl.Diagnostics {
	attrs, diags := b.Body.JustAttributes()
	for name, a := range attrs {
		v, vdiags := a.Expr.Value(nil)
		diags = append(diags, vdiags...)
		if vdiags.HasErrors() {
			continue
		}
		gv, ok := settingValue(v)
		if !ok {
			diags = append(diags, errorAt(a.Expr.Range(), "Invalid setting",
				"Setting %q must be a string, a number, a bool or a list of strings.", name))
			continue
		}
		s.Settings[name] = gv
		s.SettingsRanges[name] = a.NameRange
	}
	return diags
}

func settingValue(v cty.Value) (any, bool) {
	if v.IsNull() || !v.IsWhollyKnown() {
		return nil, false
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString(), true
	case t == cty.Bool:
		return v.True(), true
	case t == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		if math.IsInf(f, 0) {
			return nil, false
		}
		return f, true
	case t.IsTupleType() || t.IsListType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if ev.IsNull() || ev.Type() != cty.String {
				return nil, false
			}
			out = append(out, ev.AsString())
		}
		return out, true
	}
	return nil, false
}

// SyncObject is the sync of one object type between the two systems.
type SyncObject struct {
	Name        string
	Direction   string
	Winner      string // "" = the sync's
	Enabled     *Expr
	Scope       *Expr
	ScopeReason string
	CreateInDoc bool
	CreateInPSA string
	Fields      []*SyncField
	Match       *Match
	MaxChange   float64 // guard { max_change }; 0 = the sync's
	// TypeField names the canonical field a pause by record type
	// (`mapsync pause --type`) filters on; "" = the field named "type",
	// when the canonical type has one.
	TypeField string

	DeclRange hcl.Range
	NameRange hcl.Range
	attrs     hcl.Attributes
}

// AttrRange returns the range of an attribute's value, or the block's.
func (o *SyncObject) AttrRange(name string) hcl.Range { return attrRange(o.attrs, name, o.DeclRange) }

// HasAttr reports whether the attribute was written.
func (o *SyncObject) HasAttr(name string) bool { _, ok := o.attrs[name]; return ok }

// Field returns the field override with the given name, or nil.
func (o *SyncObject) Field(name string) *SyncField {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// SyncField overrides the sync of one canonical field.
type SyncField struct {
	Name      string
	Direction string // "" = the object's
	Winner    string
	Label     string
	// MergeBy names the key of the entries of a list field (a json list of
	// objects): the list is merged, not replaced, when written (see
	// plan.FieldSync.MergeBy).
	MergeBy string
	// ClearOnDisconnect writes the field empty on the documentation
	// record when its link is disconnected (plan.FieldSync.ClearOnDisconnect).
	ClearOnDisconnect bool

	DeclRange hcl.Range
	NameRange hcl.Range
	attrs     hcl.Attributes
}

// AttrRange returns the range of an attribute's value, or the block's.
func (f *SyncField) AttrRange(name string) hcl.Range { return attrRange(f.attrs, name, f.DeclRange) }

var (
	directions     = plan.Directions.Names()
	createPolicies = []string{plan.CreateAlways, plan.CreateConfirmed, plan.CreateNever}
)

var syncObjectSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "direction"}, {Name: "winner"}, {Name: "enabled"}, {Name: "scope"}, {Name: "scope_reason"},
		{Name: "create_in_doc"}, {Name: "create_in_psa"}, {Name: "type_field"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "field", LabelNames: []string{"name"}}, {Type: "match"}, {Type: "guard"}},
}

var syncFieldSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "direction"}, {Name: "winner"}, {Name: "label"}, {Name: "merge_by"}, {Name: "clear_on_disconnect"}}}

func decodeSyncObjectBlock(block *hcl.Block) (*SyncObject, hcl.Diagnostics) {
	o := &SyncObject{Name: block.Labels[0], Direction: plan.DirTwoWay, CreateInDoc: true, DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	diags := checkIdentifier(o.Name, o.NameRange, "object")
	content, cdiags := block.Body.Content(syncObjectSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return o, diags
	}
	o.attrs = content.Attributes
	var d hcl.Diagnostics
	if a, ok := o.attrs["direction"]; ok {
		d = setEnum(&o.Direction, a, directions)
		diags = append(diags, d...)
	}
	if a, ok := o.attrs["winner"]; ok {
		d = setEnum(&o.Winner, a, winners)
		diags = append(diags, d...)
	}
	for name, dst := range map[string]**Expr{"enabled": &o.Enabled, "scope": &o.Scope} {
		if a, ok := o.attrs[name]; ok {
			*dst, d = decodeExpr(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := o.attrs["scope_reason"]; ok {
		o.ScopeReason, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := o.attrs["type_field"]; ok {
		o.TypeField, d = decodeString(a)
		diags = append(diags, d...)
	}
	// create_in_psa defaults to what the direction allows (offers.go);
	// a direction a system gives by default is applied again once every
	// file is read.
	o.applyDirectionDefaults(false)
	if a, ok := o.attrs["create_in_psa"]; ok {
		d = setEnum(&o.CreateInPSA, a, createPolicies)
		diags = append(diags, d...)
		if !d.HasErrors() && o.CreateInPSA != plan.CreateNever && (o.Direction == plan.DirToDoc || o.Direction == plan.DirNone) {
			diags = append(diags, errorAt(a.Expr.Range(), "PSA creates in a one-way sync",
				"Object %q syncs %s, so nothing is written to the PSA: create_in_psa must be \"never\".", o.Name, o.Direction))
		}
	}
	if a, ok := o.attrs["create_in_doc"]; ok {
		o.CreateInDoc, d = decodeBool(a)
		diags = append(diags, d...)
		if !d.HasErrors() && o.CreateInDoc && (o.Direction == plan.DirToPSA || o.Direction == plan.DirNone) {
			diags = append(diags, errorAt(a.Expr.Range(), "Documentation creates in a one-way sync",
				"Object %q syncs %s, so nothing is written to the documentation system: create_in_doc must be false.", o.Name, o.Direction))
		}
	}
	fields, d := decodeUnique(content.Blocks, "field", "field", decodeSyncFieldBlock,
		func(f *SyncField) (string, hcl.Range) { return f.Name, f.NameRange })
	o.Fields = fields
	diags = append(diags, d...)
	o.MaxChange, d = decodeGuard(content.Blocks)
	diags = append(diags, d...)
	mb, d := oneBlock(content.Blocks, "match")
	diags = append(diags, d...)
	if mb == nil {
		diags = append(diags, errorAt(o.NameRange, "Missing match block",
			"Object %q needs a match block: the rules that pair records of the two systems.", o.Name))
	} else {
		o.Match, d = decodeMatchBlock(mb)
		diags = append(diags, d...)
	}
	return o, diags
}

func decodeSyncFieldBlock(block *hcl.Block) (*SyncField, hcl.Diagnostics) {
	f := &SyncField{Name: block.Labels[0], DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	content, diags := block.Body.Content(syncFieldSchema)
	if content == nil {
		return f, diags
	}
	f.attrs = content.Attributes
	var d hcl.Diagnostics
	if a, ok := f.attrs["direction"]; ok {
		d = setEnum(&f.Direction, a, directions)
		diags = append(diags, d...)
	}
	if a, ok := f.attrs["winner"]; ok {
		d = setEnum(&f.Winner, a, winners)
		diags = append(diags, d...)
	}
	if a, ok := f.attrs["label"]; ok {
		f.Label, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := f.attrs["merge_by"]; ok {
		f.MergeBy, d = decodeString(a)
		diags = append(diags, d...)
		if len(d) == 0 && f.MergeBy == "" {
			diags = append(diags, errorAt(a.Expr.Range(), "Empty merge key",
				"merge_by names the key of the list's entries (e.g. \"value\"); it cannot be empty."))
		}
	}
	if a, ok := f.attrs["clear_on_disconnect"]; ok {
		f.ClearOnDisconnect, d = decodeBool(a)
		diags = append(diags, d...)
	}
	return f, diags
}
