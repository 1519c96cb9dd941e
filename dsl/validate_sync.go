package dsl

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl/exprenv"
	"mapsync/engine/plan"
)

func (c *Config) validateSync(s *Sync) hcl.Diagnostics {
	var diags hcl.Diagnostics
	psa, d := c.syncSide(s.PSA, s.PSARange, plan.RolePSA, "psa")
	diags = append(diags, d...)
	doc, d := c.syncSide(s.Doc, s.DocRange, plan.RoleDoc, "doc")
	diags = append(diags, d...)
	for _, o := range s.Objects {
		diags = append(diags, c.validateSyncObject(s, o, psa, doc)...)
	}
	return diags
}

// syncSide resolves system.NAME and checks that its role fits the side.
func (c *Config) syncSide(name string, rng hcl.Range, role, side string) (*System, hcl.Diagnostics) {
	if name == "" {
		return nil, nil // already reported by the decoder
	}
	sys := c.Systems[name]
	if sys == nil {
		return nil, hcl.Diagnostics{unknownName(rng, "Reference to undeclared system", "system", name, keys(c.Systems))}
	}
	if sys.Role != "" && sys.Role != role {
		return nil, hcl.Diagnostics{errorAt(rng, "System role does not fit",
			"The %s side of a sync needs a system with role %q; system %q has role %q (declared at %s).", side, role, name, sys.Role, at(sys.RoleRange))}
	}
	return sys, nil
}

func (c *Config) validateSyncObject(s *Sync, o *SyncObject, psa, doc *System) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ct := c.Canonical[o.Name]
	if ct == nil {
		return append(diags, unknownName(o.NameRange, "Unknown canonical type", "canonical type", o.Name, keys(c.Canonical)))
	}
	ctx := fmt.Sprintf("%%s of object %s in sync %s", o.Name, s.Name)
	diags = append(diags, c.compileExpr(o.Enabled, exprenv.Enabled, exprenv.Shape{Settings: s.Settings}, fmt.Sprintf(ctx, "enabled"))...)
	diags = append(diags, c.compileExpr(o.Scope, exprenv.Scope, shapeOf(ct, s.Settings), fmt.Sprintf(ctx, "scope"))...)
	if o.Scope != nil && o.ScopeReason == "" {
		diags = append(diags, warningAt(o.AttrRange("scope"), "Scope without a reason",
			"Add scope_reason = \"...\": it is what reports show for records left out of scope."))
	}
	diags = append(diags, validateTypeField(o, ct)...)
	if psa == nil || doc == nil {
		return diags // the systems are unusable; field checks would only add noise
	}
	po, do := psa.Object(o.Name), doc.Object(o.Name)
	for _, side := range []struct {
		sys *System
		obj *Object
	}{{psa, po}, {doc, do}} {
		if side.obj == nil {
			diags = append(diags, errorAt(o.NameRange, "Object not declared by the system", "%s", missingObject(s, o, side.sys)))
		}
	}
	diags = append(diags, validateOffers(s, o, psa, doc)...)
	if po == nil || do == nil {
		return diags
	}
	mapped := func(name string) bool { return po.Field(name) != nil && do.Field(name) != nil }
	var pairFields []string
	for _, f := range ct.Fields {
		if mapped(f.Name) {
			pairFields = append(pairFields, f.Name)
		}
	}
	for _, f := range o.Fields {
		cf := ct.Field(f.Name)
		switch {
		case cf == nil:
			diags = append(diags, unknownName(f.NameRange, "Unknown canonical field", "field in canonical type "+ct.Name, f.Name, ct.FieldNames()))
			continue
		case po.Field(f.Name) == nil || do.Field(f.Name) == nil:
			missing := psa.Name
			if po.Field(f.Name) != nil {
				missing = doc.Name
			}
			diags = append(diags, errorAt(f.NameRange, "Field not mapped on both sides",
				"Field %q of %q is not mapped by system %q, so the sync cannot carry it.", f.Name, o.Name, missing))
			continue
		}
		if f.MergeBy != "" && cf.Type != "json" {
			diags = append(diags, errorAt(f.AttrRange("merge_by"), "Merge of a field that is not a list of entries",
				"Field %q has merge_by, but its canonical type is %s: only a json field (a list of objects) can be merged by an entry key.", f.Name, cf.Type))
		}
		if _, problem := FieldDirection(o.Direction, f.Direction, po.Field(f.Name), do.Field(f.Name)); problem != "" {
			diags = append(diags, errorAt(f.AttrRange("direction"), "Impossible field direction", "Field %q: %s.", f.Name, problem))
		}
	}
	diags = append(diags, c.checkCreatable(s, o, psa, po, doc, do)...)
	if o.Match != nil {
		diags = append(diags, c.validateMatch(s, o, ct, pairFields, mapped)...)
	}
	return diags
}

// checkCreatable reports fields a side requires on create that the other
// side cannot provide, when the sync creates records on that side.
func (c *Config) checkCreatable(s *Sync, o *SyncObject, psa *System, po *Object, doc *System, do *Object) hcl.Diagnostics {
	var diags hcl.Diagnostics
	check := func(creates bool, target *System, to *Object, from *Object, want string, attr string) {
		if !creates {
			return
		}
		for _, f := range to.Fields {
			if !f.RequiredOnCreate {
				continue
			}
			var dir string
			if other := from.Field(f.Name); other != nil {
				override := ""
				if sf := o.Field(f.Name); sf != nil {
					override = sf.Direction
				}
				if want == plan.DirToPSA {
					dir, _ = FieldDirection(o.Direction, override, to.Field(f.Name), other)
				} else {
					dir, _ = FieldDirection(o.Direction, override, other, to.Field(f.Name))
				}
			}
			if dir != plan.DirTwoWay && dir != want {
				diags = append(diags, errorAt(o.AttrRange(attr), "Required field is not synced",
					"System %q requires %q to create %s %s, but the sync does not carry it to %s; records could never be created there. Sync the field, or set %s to %s.",
					target.Name, f.Name, strings.ToLower(article(o.Name)), o.Name, target.Name, attr, map[string]string{"create_in_psa": "\"never\"", "create_in_doc": "false"}[attr]))
			}
		}
	}
	// One-way objects that still ask to create on the other side are
	// reported by the decoder already.
	toPSA := o.Direction == plan.DirTwoWay || o.Direction == plan.DirToPSA
	toDoc := o.Direction == plan.DirTwoWay || o.Direction == plan.DirToDoc
	check(toPSA && o.CreateInPSA != plan.CreateNever, psa, po, do, plan.DirToPSA, "create_in_psa")
	check(toDoc && o.CreateInDoc, doc, do, po, plan.DirToDoc, "create_in_doc")
	return diags
}

func (c *Config) validateMatch(s *Sync, o *SyncObject, ct *Canonical, pairFields []string, mapped func(string) bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	m := o.Match
	checkKey := func(name string, rng hcl.Range, what string) bool {
		if ct.Field(name) == nil {
			diags = append(diags, unknownName(rng, "Unknown match key", "field in canonical type "+ct.Name, name, ct.FieldNames()))
			return false
		}
		if !mapped(name) {
			diags = append(diags, errorAt(rng, "Match key not mapped on both sides",
				"%s %q is not mapped by both systems of sync %q, so records cannot be compared on it.", what, name, s.Name))
			return false
		}
		return true
	}
	if m.ScopeBy != "" && checkKey(m.ScopeBy, m.ScopeByRange, "scope_by") {
		if f := ct.Field(m.ScopeBy); f != nil {
			switch {
			case f.Type != plan.TypeRef:
				diags = append(diags, errorAt(m.ScopeByRange, "scope_by is not a reference",
					"scope_by names the reference both records must share (already linked), such as the organization; %s.%s is %q.", ct.Name, f.Name, f.Type))
			case s.Object(f.Ref) == nil:
				diags = append(diags, errorAt(m.ScopeByRange, "scope_by type not synced",
					"Matching %s within the same %s needs sync %q to sync object %q as well.", o.Name, f.Ref, s.Name, f.Ref))
			}
		}
	}
	for _, r := range m.Rules {
		for i, k := range r.Keys {
			checkKey(k, r.KeyRanges[i], "Key")
		}
	}
	for i, k := range m.Narrow {
		checkKey(k, m.NarrowRanges[i], "narrow field")
	}
	for _, k := range keys(m.Normalize) {
		checkKey(k, m.NormalizeRanges[k], "normalize field")
	}
	return diags
}

// validateTypeField checks type_field: a canonical string field of the
// object (the field `mapsync pause --type` compares record types with).
func validateTypeField(o *SyncObject, ct *Canonical) hcl.Diagnostics {
	if o.TypeField == "" {
		return nil
	}
	cf := ct.Field(o.TypeField)
	if cf == nil {
		return hcl.Diagnostics{unknownName(o.AttrRange("type_field"), "Unknown canonical field", "field in canonical type "+ct.Name, o.TypeField, ct.FieldNames())}
	}
	if cf.Type != plan.TypeString {
		return hcl.Diagnostics{errorAt(o.AttrRange("type_field"), "Record type field is not a string",
			"type_field names the field a pause by record type compares with; field %q of %q has type %s, it must be a string field.", o.TypeField, o.Name, cf.Type)}
	}
	return nil
}
