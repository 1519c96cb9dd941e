package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// Match holds the rules that pair records of the two systems, written
// against canonical fields.
//
//	match {
//	  scope_by  = "organization"
//	  rule "name" { keys = ["configuration_type", "name"] }
//	  narrow    = ["serial_number", "primary_mac"]
//	  tie       = "oldest"
//	  normalize = { primary_mac = "mac" }
//	}
type Match struct {
	ScopeBy   string
	Rules     []*MatchRule
	Narrow    []string
	Tie       string
	Normalize map[string]string

	DeclRange       hcl.Range
	ScopeByRange    hcl.Range
	NarrowRanges    []hcl.Range
	NormalizeRanges map[string]hcl.Range
}

// MatchRule is one exact-match rule: all keys equal.
type MatchRule struct {
	Name      string
	Keys      []string
	KeyRanges []hcl.Range

	DeclRange hcl.Range
	NameRange hcl.Range
}

var (
	ties        = plan.Ties.Names()
	normalizers = plan.Normalizers.Names()
)

var matchSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "scope_by"}, {Name: "narrow"}, {Name: "tie"}, {Name: "normalize"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "rule", LabelNames: []string{"name"}}},
}

var matchRuleSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "keys", Required: true}}}

func decodeMatchBlock(block *hcl.Block) (*Match, hcl.Diagnostics) {
	m := &Match{Tie: plan.TieOldest, DeclRange: block.DefRange, ScopeByRange: block.DefRange}
	content, diags := block.Body.Content(matchSchema)
	if content == nil {
		return m, diags
	}
	var d hcl.Diagnostics
	if a, ok := content.Attributes["scope_by"]; ok {
		m.ScopeByRange = a.Expr.Range()
		m.ScopeBy, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["narrow"]; ok {
		m.Narrow, m.NarrowRanges, d = decodeStringList(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["tie"]; ok {
		d = setEnum(&m.Tie, a, ties)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["normalize"]; ok {
		m.Normalize, m.NormalizeRanges, d = decodeStringMap(a)
		diags = append(diags, d...)
		for field, norm := range m.Normalize {
			if nd := checkEnum(norm, "normalizer", m.NormalizeRanges[field], normalizers); nd != nil {
				diags = append(diags, nd)
			}
		}
	}
	seen := map[string]*MatchRule{}
	for _, b := range content.Blocks {
		r := &MatchRule{Name: b.Labels[0], DeclRange: b.DefRange, NameRange: b.LabelRanges[0]}
		rc, d := b.Body.Content(matchRuleSchema)
		diags = append(diags, d...)
		if rc != nil {
			if a, ok := rc.Attributes["keys"]; ok {
				r.Keys, r.KeyRanges, d = decodeStringList(a)
				diags = append(diags, d...)
				if !d.HasErrors() && len(r.Keys) == 0 {
					diags = append(diags, errorAt(a.Expr.Range(), "Empty match rule", "A rule needs at least one key."))
				}
			}
		}
		if first, dup := seen[r.Name]; dup {
			diags = append(diags, duplicate("rule", r.Name, first.NameRange, r.NameRange))
			continue
		}
		seen[r.Name] = r
		m.Rules = append(m.Rules, r)
	}
	if len(m.Rules) == 0 {
		diags = append(diags, errorAt(block.DefRange, "Missing match rule",
			"A match block needs at least one rule \"NAME\" { keys = [...] }."))
	}
	return m, diags
}
