package exprenv

import (
	"fmt"

	"github.com/expr-lang/expr/vm"
)

// Env holds the values a program runs against. Unused members may be nil.
type Env struct {
	Value    any
	Record   map[string]any
	Settings map[string]any
	Item     any
	// Related reads related records (to_canonical's related); nil: none
	// are known, related gives nil.
	Related RelatedFunc
}

func (e Env) vars(kind Kind) map[string]any {
	m := map[string]any{"settings": e.Settings}
	switch kind {
	case ToCanonical, FromCanonical:
		m["value"], m["record"] = e.Value, e.Record
		if relatedKind(kind) {
			m[RelatedVar] = e.Related
			if e.Related == nil {
				m[RelatedVar] = RelatedFunc(noRelated)
			}
		}
	case Scope, DeriveEach:
		m["record"] = e.Record
	case DeriveID:
		m["record"], m["item"] = e.Record, e.Item
		delete(m, "settings")
	}
	if m["settings"] == nil && kind != DeriveID {
		m["settings"] = map[string]any{}
	}
	if kind != Enabled && m["record"] == nil {
		m["record"] = map[string]any{}
	}
	return m
}

// Run evaluates the program. A failure at run time (a helper rejecting its
// input, a nil where a value was needed, ...) comes back as an error; the
// program never panics its caller.
func (p *Program) Run(env Env) (out any, err error) {
	if p == nil || p.prog == nil {
		return nil, fmt.Errorf("exprenv: run of a nil program")
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%s %q: %v", p.kind, p.source, r)
		}
	}()
	out, err = vm.Run(p.prog, env.vars(p.kind))
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", p.kind, p.source, err)
	}
	return out, nil
}

// RunBool runs a scope or enabled program. A nil result counts as false.
func (p *Program) RunBool(env Env) (bool, error) {
	out, err := p.Run(env)
	if err != nil {
		return false, err
	}
	switch b := out.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	return false, fmt.Errorf("%s %q: produced %T, not a bool", p.kind, p.source, out)
}
