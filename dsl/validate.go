package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl/exprenv"
)

// validate checks the mapping set as a whole, once every file is decoded:
// references between blocks, reference cycles, expressions.
func (c *Config) validate() hcl.Diagnostics {
	var diags hcl.Diagnostics
	diags = append(diags, c.validateVariableRefs()...)
	diags = append(diags, c.validateCanonical()...)
	for _, name := range keys(c.Systems) {
		diags = append(diags, c.validateSystem(c.Systems[name])...)
	}
	diags = append(diags, c.resolveDirections()...)
	for _, name := range keys(c.Syncs) {
		diags = append(diags, c.validateSync(c.Syncs[name])...)
	}
	diags = append(diags, c.validateTests()...)
	return diags
}

func (c *Config) validateVariableRefs() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range keys(c.Systems) {
		for _, ref := range c.Systems[name].VarRefs {
			if _, ok := c.Variables[ref.Name]; !ok {
				diags = append(diags, unknownName(ref.Range, "Reference to undeclared variable", "variable", ref.Name, keys(c.Variables)))
			}
		}
	}
	return diags
}

// shapeOf returns the expression shape of a canonical type (nil type: an
// untyped record).
func shapeOf(ct *Canonical, settings map[string]any) exprenv.Shape {
	s := exprenv.Shape{Settings: settings}
	if ct != nil {
		s.Record = map[string]string{}
		for _, f := range ct.Fields {
			s.Record[f.Name] = f.Type
		}
	}
	return s
}

// compileExpr compiles e (when present) and reports a compile error at the
// column expr gives, inside the string.
func (c *Config) compileExpr(e *Expr, kind exprenv.Kind, shape exprenv.Shape, context string) hcl.Diagnostics {
	if e == nil {
		return nil
	}
	p, err := exprenv.Compile(kind, e.Source, shape)
	if err != nil {
		ce, ok := err.(*exprenv.CompileError)
		if !ok {
			ce = &exprenv.CompileError{Message: err.Error(), Line: 1, Length: 1}
		}
		return hcl.Diagnostics{exprDiagnostic(c.Files, e, ce, "Invalid expression", context)}
	}
	e.Program = p
	return nil
}
