package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// Token logins at an absolute url, their refresh, and OAuth2 client
// credentials (auth "oauth2").
//
//	auth "token" {
//	  url        = "${var.identity}/oauth/token"  # instead of path
//	  fields     = { grant_type = "password", username = var.user, password = var.password }
//	  token_path = "access_token"
//	  refresh {
//	    token_path = "refresh_token"
//	    fields     = { grant_type = "refresh_token", refresh_token = "${refresh_token}" }
//	  }
//	}
//
//	auth "oauth2" {
//	  token_url     = "${var.identity}/connect/token"
//	  client_id     = var.client_id
//	  client_secret = var.client_secret
//	  scopes        = ["api.read", "api.write"]
//	}

var oauth2Schema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "token_url", Required: true}, {Name: "client_id", Required: true}, {Name: "client_secret", Required: true},
	{Name: "scopes"}, {Name: "params"}, {Name: "credentials"},
}}

var refreshSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "token_path", Required: true}, {Name: "path"}, {Name: "url"}, {Name: "encoding"}, {Name: "fields", Required: true},
}}

// decodeTokenWire reads a token login's url and refresh block.
func (s *System) decodeTokenWire(b *hcl.Block, content *hcl.BodyContent, t *plan.TokenLogin) hcl.Diagnostics {
	var diags, d hcl.Diagnostics
	var refs []VarRef
	path, hasPath := content.Attributes["path"]
	if a, ok := content.Attributes["url"]; ok {
		t.URL, refs, d = decodeTemplate(a)
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
		if hasPath {
			diags = append(diags, errorAt(path.NameRange, "Both path and url",
				"A token login is sent to path (relative to the base URL) or to url (an absolute address, e.g. a separate token service), not both."))
		}
	} else if !hasPath {
		diags = append(diags, errorAt(b.DefRange, "Missing path",
			"A token login needs path (relative to the base URL) or url (an absolute address)."))
	}
	rb, d := oneBlock(content.Blocks, "refresh")
	diags = append(diags, d...)
	if rb == nil {
		return diags
	}
	rc, d := rb.Body.Content(refreshSchema)
	diags = append(diags, d...)
	if rc == nil {
		return diags
	}
	r := &plan.TokenRefresh{}
	for name, dst := range map[string]*string{"token_path": &r.TokenPath, "path": &r.Path} {
		if a, ok := rc.Attributes[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := rc.Attributes["url"]; ok {
		r.URL, refs, d = decodeTemplate(a)
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
		if p, ok := rc.Attributes["path"]; ok {
			diags = append(diags, errorAt(p.NameRange, "Both path and url",
				"A refresh is sent to path (relative to the base URL) or to url (absolute), not both; without either it goes where the login goes."))
		}
	}
	if a, ok := rc.Attributes["encoding"]; ok {
		d = setEnum(&r.Encoding, a, plan.TokenEncodings.Names())
		diags = append(diags, d...)
	}
	if a, ok := rc.Attributes["fields"]; ok {
		r.Fields, refs, d = decodeTemplateMap(a, "refresh_token")
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
	}
	t.Refresh = r
	return diags
}

// decodeOAuth2 reads an auth "oauth2" block.
func (s *System) decodeOAuth2(content *hcl.BodyContent) hcl.Diagnostics {
	var diags, d hcl.Diagnostics
	var refs []VarRef
	o := &plan.OAuth2{}
	attrs := content.Attributes
	for name, dst := range map[string]*plan.Template{"token_url": &o.TokenURL, "client_id": &o.ClientID, "client_secret": &o.ClientSecret} {
		if a, ok := attrs[name]; ok {
			*dst, refs, d = decodeTemplate(a)
			s.VarRefs = append(s.VarRefs, refs...)
			diags = append(diags, d...)
		}
	}
	if a, ok := attrs["scopes"]; ok {
		o.Scopes, _, d = decodeStringList(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["params"]; ok {
		o.Params, refs, d = decodeTemplateMap(a)
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
	}
	if a, ok := attrs["credentials"]; ok {
		d = setEnum(&o.Credentials, a, plan.OAuth2Credentials.Names())
		diags = append(diags, d...)
	}
	s.Auth.OAuth2 = o
	return diags
}

// decodeRejectOn reads retry's reject_on: 5xx statuses (never 429, which
// is throttling) that a write's answer means the record was refused; a
// status cannot be both retried and refused.
func decodeRejectOn(attrs hcl.Attributes, r *plan.Retry) hcl.Diagnostics {
	a, ok := attrs["reject_on"]
	if !ok {
		return nil
	}
	codes, diags := decodeIntList(a)
	r.RejectOn = codes
	for _, code := range codes {
		if code < 500 || code > 599 {
			diags = append(diags, errorAt(a.Expr.Range(), "Invalid status code",
				"reject_on lists 5xx statuses that a write's answer means the record was refused (4xx already are); %d is not one.", code))
		}
		for _, again := range r.RetryOn {
			if again == code {
				diags = append(diags, errorAt(a.Expr.Range(), "Invalid status code",
					"%d is both in retry_on and reject_on.", code))
			}
		}
	}
	return diags
}
