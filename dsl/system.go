package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// System is one remote API, described declaratively (see plan.System).
//
//	system "acme_psa" {
//	  role      = "psa"
//	  base_url  = "${var.acme_url}/api"
//	  auth "basic" { username = var.acme_user  password = var.acme_key }
//	  paging "page_number" { page_param = "page"  size_param = "pageSize"  max_size = 1000 }
//	  object "organization" { ... }
//	}
type System struct {
	Name        string
	Title       string // human name, e.g. for help text
	Role        string
	Connector   string
	BaseURL     plan.Template
	Headers     map[string]plan.Template
	Filter      string
	ContentType string
	TimeFormat  string
	Write       string // default write style of the objects

	Auth         plan.Auth
	Discovery    *plan.Discovery
	TLS          plan.TLS
	RateLimit    plan.RateLimit
	Retry        plan.Retry
	Paging       plan.Paging
	Envelope     plan.Envelope
	ChangedSince *plan.ChangedSince // default of the objects

	Objects []*Object
	Lookups []*Lookup

	VarRefs []VarRef // every var.NAME used by the system, checked at validation

	pagingDeclared bool
	writeDeclared  bool

	DeclRange hcl.Range
	NameRange hcl.Range
	RoleRange hcl.Range
}

// Object returns the object with the given name, or nil.
func (s *System) Object(name string) *Object {
	for _, o := range s.Objects {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Lookup returns the lookup with the given name, or nil.
func (s *System) Lookup(name string) *Lookup {
	for _, l := range s.Lookups {
		if l.Name == name {
			return l
		}
	}
	return nil
}

var (
	roles      = []string{plan.RolePSA, plan.RoleDoc, plan.RoleScanner}
	connectors = []string{"rest"}
	filters    = plan.FilterDialects.Names()
	writes     = plan.WriteStyles.Names()
	authKinds  = plan.AuthSchemes.Names()
	pagings    = plan.PagingStyles.Names()
	stops      = plan.PagingStops.Names()
	changeKind = plan.ChangedModes.Names()
)

var systemSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "role", Required: true}, {Name: "title"}, {Name: "connector"}, {Name: "base_url", Required: true},
		{Name: "headers"}, {Name: "filter"}, {Name: "content_type"}, {Name: "time_format"}, {Name: "write"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "auth", LabelNames: []string{"scheme"}},
		{Type: "discovery"},
		{Type: "tls"},
		{Type: "rate_limit"},
		{Type: "retry"},
		{Type: "paging", LabelNames: []string{"style"}},
		{Type: "envelope"},
		{Type: "changed_since", LabelNames: []string{"mode"}},
		{Type: "object", LabelNames: []string{"name"}},
		{Type: "lookup", LabelNames: []string{"name"}},
	},
}

func decodeSystemBlock(block *hcl.Block) (*System, hcl.Diagnostics) {
	s := &System{
		Name: block.Labels[0], Connector: "rest", Filter: plan.FilterNone,
		Auth:      plan.Auth{Scheme: plan.AuthNone},
		Paging:    plan.Paging{Style: plan.PagingNone},
		DeclRange: block.DefRange, NameRange: block.LabelRanges[0], RoleRange: block.DefRange,
	}
	diags := checkIdentifier(s.Name, s.NameRange, "system")
	content, cdiags := block.Body.Content(systemSchema)
	diags = append(diags, cdiags...)
	if content == nil {
		return s, diags
	}
	diags = append(diags, s.decodeAttributes(content.Attributes)...)

	for _, typ := range []string{"auth", "discovery", "tls", "rate_limit", "retry", "paging", "envelope", "changed_since"} {
		b, d := oneBlock(content.Blocks, typ)
		diags = append(diags, d...)
		if b == nil {
			continue
		}
		switch typ {
		case "auth":
			d = s.decodeAuth(b)
		case "discovery":
			d = s.decodeDiscovery(b)
		case "tls":
			d = s.decodeTLS(b)
		case "rate_limit":
			d = decodeRateLimit(b, &s.RateLimit)
		case "retry":
			d = decodeRetry(b, &s.Retry)
		case "paging":
			s.pagingDeclared = true
			d = decodePaging(b, &s.Paging)
		case "envelope":
			d = decodeEnvelope(b, &s.Envelope)
		case "changed_since":
			s.ChangedSince, d = decodeChangedSince(b)
		}
		diags = append(diags, d...)
	}

	objects := map[string]*Object{}
	lookups := map[string]*Lookup{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "object":
			o, d := decodeObjectBlock(b)
			diags = append(diags, d...)
			if first, dup := objects[o.Name]; dup {
				diags = append(diags, duplicate("object", o.Name, first.NameRange, o.NameRange))
				continue
			}
			objects[o.Name] = o
			s.Objects = append(s.Objects, o)
		case "lookup":
			l, d := decodeLookupBlock(b)
			diags = append(diags, d...)
			if first, dup := lookups[l.Name]; dup {
				diags = append(diags, duplicate("lookup", l.Name, first.NameRange, l.NameRange))
				continue
			}
			lookups[l.Name] = l
			s.Lookups = append(s.Lookups, l)
		}
	}
	for _, o := range s.Objects {
		s.VarRefs = append(s.VarRefs, o.VarRefs...)
	}
	for _, l := range s.Lookups {
		s.VarRefs = append(s.VarRefs, l.VarRefs...)
	}
	return s, diags
}

func (s *System) decodeAttributes(attrs hcl.Attributes) hcl.Diagnostics {
	var diags, d hcl.Diagnostics
	var refs []VarRef
	if a, ok := attrs["role"]; ok {
		s.RoleRange = a.Expr.Range()
		d = setEnum(&s.Role, a, roles)
		diags = append(diags, d...)
	}
	if a, ok := attrs["connector"]; ok {
		d = setEnum(&s.Connector, a, connectors)
		diags = append(diags, d...)
	}
	if a, ok := attrs["base_url"]; ok {
		s.BaseURL, refs, d = decodeTemplate(a)
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
	}
	if a, ok := attrs["headers"]; ok {
		s.Headers, refs, d = decodeTemplateMap(a)
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
	}
	if a, ok := attrs["filter"]; ok {
		d = setEnum(&s.Filter, a, filters)
		diags = append(diags, d...)
	}
	if a, ok := attrs["title"]; ok {
		s.Title, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["content_type"]; ok {
		s.ContentType, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["time_format"]; ok {
		s.TimeFormat, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["write"]; ok {
		s.writeDeclared = true
		d = setEnum(&s.Write, a, writes)
		diags = append(diags, d...)
	}
	return diags
}
