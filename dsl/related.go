package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl/exprenv"
)

// Reading through a related record.
//
//	field "manufacturer" {
//	  path         = "productID"        // the id of a row of lookup "product"
//	  lookup       = "product"
//	  lookup_label = "manufacturerName" // the value is that row's manufacturerName
//	}
//	field "name" {
//	  path         = "referenceTitle"
//	  to_canonical = "coalesce(value, related('product', record.productID)?.name)"
//	}
//
// The rows of a lookup are read once per run (its list route, every page).
// The columns of a row are not declared anywhere, so lookup_label and the
// members read from related(...) cannot be checked when the files are
// loaded: a row without them gives nil. The lookup names can, and are
// (validateRelated). What the runtime refuses about such fields (a
// lookup that would create rows, fields of one lookup written at different
// paths) is records.Check's, reported by validate as the run would.

// validateRelated checks the names a field reads related records
// through: lookup_label needs a lookup; related(...) in to_canonical names
// a lookup of the system, in quotes.
func (c *Config) validateRelated(s *System, f *Field, lookupNames []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if f.LookupLabel != "" && f.Lookup == "" {
		diags = append(diags, errorAt(f.AttrDeclRange("lookup_label"), "lookup_label without lookup",
			"lookup_label names the member of a related row that field %q reads; add lookup = \"...\", the lookup whose row id the field's path holds.", f.Name))
	}
	if f.ToCanonical == nil {
		return diags
	}
	for _, call := range exprenv.RelatedCalls(f.ToCanonical.Source) {
		ce := &exprenv.CompileError{Offset: call.Offset, Length: call.Length}
		context := fmt.Sprintf("to_canonical of field %s.%s", s.Name, f.Name)
		switch {
		case call.Lookup == "":
			ce.Message = "related(LOOKUP, id) names its lookup in quotes, such as related('product', record.productID), so that it is known when the files are loaded"
			diags = append(diags, exprDiagnostic(c.Files, f.ToCanonical, ce, "Invalid expression", context))
		case s.Lookup(call.Lookup) == nil:
			d := unknownName(f.ToCanonical.Range, "Reference to undeclared lookup", "lookup in system "+s.Name, call.Lookup, lookupNames)
			ce.Message = d.Detail
			d2 := exprDiagnostic(c.Files, f.ToCanonical, ce, d.Summary, context)
			diags = append(diags, d2)
		}
	}
	return diags
}
