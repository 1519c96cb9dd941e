package connectors

import (
	"fmt"
	"os"
	"regexp"

	"mapsync/engine/plan"
)

// Resolver resolves ${var.NAME} placeholders of plan templates. It is called
// at request time, so a rotated secret is picked up without a restart.
type Resolver interface {
	Resolve(t plan.Template) (string, error)
}

// SecretReporter may be implemented by a Resolver: it returns the values of
// the sensitive variables a template refers to, so the client can redact
// them wherever they might surface.
type SecretReporter interface {
	SecretValues(t plan.Template) []string
}

var varRef = regexp.MustCompile(`\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}`)

// VarResolver resolves variables from the process environment (or any
// lookup function) with the plan's defaults as fallback.
type VarResolver struct {
	vars   map[string]plan.Variable
	lookup func(string) (string, bool)
}

// NewResolver returns a resolver for the plan's variables. lookup reads a
// variable's Env name; nil means os.LookupEnv.
func NewResolver(vars []plan.Variable, lookup func(string) (string, bool)) *VarResolver {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	m := make(map[string]plan.Variable, len(vars))
	for _, v := range vars {
		m[v.Name] = v
	}
	return &VarResolver{vars: m, lookup: lookup}
}

func (r *VarResolver) value(name string) (string, error) {
	v, ok := r.vars[name]
	if !ok {
		return "", fmt.Errorf("variable %q is not declared", name)
	}
	if v.Env != "" {
		if s, ok := r.lookup(v.Env); ok {
			return s, nil
		}
	}
	if v.HasDefault {
		return v.Default, nil
	}
	if v.Env != "" {
		return "", fmt.Errorf("variable %q has no value: set %s", name, v.Env)
	}
	return "", fmt.Errorf("variable %q has no value and no environment variable", name)
}

// Resolve substitutes every ${var.NAME} in t.
func (r *VarResolver) Resolve(t plan.Template) (string, error) {
	var firstErr error
	out := varRef.ReplaceAllStringFunc(string(t), func(m string) string {
		name := varRef.FindStringSubmatch(m)[1]
		s, err := r.value(name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return s
	})
	if firstErr != nil {
		return "", firstErr
	}
	return out, nil
}

// SecretValues returns the values of the sensitive variables t refers to.
func (r *VarResolver) SecretValues(t plan.Template) []string {
	var out []string
	for _, m := range varRef.FindAllStringSubmatch(string(t), -1) {
		if v, ok := r.vars[m[1]]; ok && v.Sensitive {
			if s, err := r.value(m[1]); err == nil {
				out = append(out, s)
			}
		}
	}
	return out
}
