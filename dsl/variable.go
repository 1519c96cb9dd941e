package dsl

import (
	"regexp"

	"github.com/hashicorp/hcl/v2"
)

// Variable is an input of the mapping set, read from the environment of the
// process that runs a sync (never stored in a plan when sensitive).
//
//	variable "psa_private_key" {
//	  env         = "PSA_PRIVATE_KEY"
//	  sensitive   = true
//	  description = "API member private key"
//	}
type Variable struct {
	Name        string
	Env         string
	Default     string
	HasDefault  bool
	Sensitive   bool
	Description string

	DeclRange hcl.Range
	NameRange hcl.Range
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "env"}, {Name: "default"}, {Name: "sensitive"}, {Name: "description"},
	},
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func decodeVariableBlock(block *hcl.Block) (*Variable, hcl.Diagnostics) {
	v := &Variable{Name: block.Labels[0], DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	diags := checkIdentifier(v.Name, v.NameRange, "variable")
	content, cdiags := block.Body.Content(variableSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return v, diags
	}
	var d hcl.Diagnostics
	if a, ok := content.Attributes["env"]; ok {
		v.Env, d = decodeString(a)
		diags = append(diags, d...)
		if !d.HasErrors() && !envName.MatchString(v.Env) {
			diags = append(diags, errorAt(a.Expr.Range(), "Invalid environment variable name",
				"%q is not a valid environment variable name (letters, digits and underscores).", v.Env))
		}
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		v.Sensitive, d = decodeBool(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["description"]; ok {
		v.Description, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["default"]; ok {
		v.Default, d = decodeString(a)
		diags = append(diags, d...)
		v.HasDefault = !d.HasErrors()
		if v.Sensitive {
			diags = append(diags, errorAt(a.Range, "Sensitive variable with a default",
				"Variable %q is sensitive, so its value must come from the environment (env = \"...\"), never from a mapping file.", v.Name))
		}
	}
	if v.Env == "" && !v.HasDefault {
		diags = append(diags, warningAt(v.NameRange, "Variable without a value",
			"Variable %q has neither env nor default, so it has no value at run time.", v.Name))
	}
	return v, diags
}
