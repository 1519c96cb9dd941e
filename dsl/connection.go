package dsl

import (
	"strings"

	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// The connection blocks of a system: auth, discovery, tls, rate_limit, retry,
// paging, envelope and changed_since. Blocks whose kind is chosen by a label
// (auth "basic", paging "page_number", changed_since "filter") accept only
// the attributes of that kind.

var authSchemas = map[string]*hcl.BodySchema{
	plan.AuthNone: {},
	plan.AuthBasic: {Attributes: []hcl.AttributeSchema{
		{Name: "username", Required: true}, {Name: "password", Required: true},
	}},
	plan.AuthHeader: {Attributes: []hcl.AttributeSchema{{Name: "headers", Required: true}}},
	plan.AuthToken: {Attributes: []hcl.AttributeSchema{
		{Name: "path"}, {Name: "method"}, {Name: "encoding"}, {Name: "fields", Required: true},
		{Name: "token_path", Required: true}, {Name: "expires_path"}, {Name: "header"}, {Name: "prefix"},
		{Name: "url"}, // path or url: see connection_wire.go
	}, Blocks: []hcl.BlockHeaderSchema{{Type: "refresh"}}},
	plan.AuthOAuth2: oauth2Schema,
}

func (s *System) decodeAuth(b *hcl.Block) hcl.Diagnostics {
	scheme := b.Labels[0]
	if d := checkEnum(scheme, "auth scheme", b.LabelRanges[0], authKinds); d != nil {
		return hcl.Diagnostics{d}
	}
	content, diags := b.Body.Content(authSchemas[scheme])
	if content == nil {
		return diags
	}
	s.Auth = plan.Auth{Scheme: scheme}
	var d hcl.Diagnostics
	var refs []VarRef
	attrs := content.Attributes
	template := func(name string, dst *plan.Template) {
		if a, ok := attrs[name]; ok {
			*dst, refs, d = decodeTemplate(a)
			s.VarRefs = append(s.VarRefs, refs...)
			diags = append(diags, d...)
		}
	}
	str := func(name string, dst *string) {
		if a, ok := attrs[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	switch scheme {
	case plan.AuthBasic:
		template("username", &s.Auth.Username)
		template("password", &s.Auth.Password)
	case plan.AuthHeader:
		if a, ok := attrs["headers"]; ok {
			s.Auth.Headers, refs, d = decodeTemplateMap(a)
			s.VarRefs = append(s.VarRefs, refs...)
			diags = append(diags, d...)
		}
	case plan.AuthToken:
		t := &plan.TokenLogin{Method: "POST", Encoding: "json", Header: "Authorization", Prefix: "Bearer "}
		str("path", &t.Path)
		str("token_path", &t.TokenPath)
		str("expires_path", &t.ExpiresPath)
		str("header", &t.Header)
		str("prefix", &t.Prefix)
		if a, ok := attrs["method"]; ok {
			d = setEnum(&t.Method, a, []string{"POST", "GET", "PUT"})
			diags = append(diags, d...)
		}
		if a, ok := attrs["encoding"]; ok {
			d = setEnum(&t.Encoding, a, plan.TokenEncodings.Names())
			diags = append(diags, d...)
		}
		if a, ok := attrs["fields"]; ok {
			t.Fields, refs, d = decodeTemplateMap(a)
			s.VarRefs = append(s.VarRefs, refs...)
			diags = append(diags, d...)
		}
		s.Auth.Token = t
		diags = append(diags, s.decodeTokenWire(b, content, t)...)
	case plan.AuthOAuth2:
		diags = append(diags, s.decodeOAuth2(content)...)
	}
	return diags
}

var discoverySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "url", Required: true}, {Name: "query"}, {Name: "base_url_path", Required: true}, {Name: "suffix"},
}}

func (s *System) decodeDiscovery(b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(discoverySchema)
	if content == nil {
		return diags
	}
	disc := &plan.Discovery{}
	var d hcl.Diagnostics
	var refs []VarRef
	if a, ok := content.Attributes["url"]; ok {
		disc.URL, refs, d = decodeTemplate(a)
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["query"]; ok {
		disc.Query, refs, d = decodeTemplateMap(a)
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["base_url_path"]; ok {
		disc.BaseURLPath, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["suffix"]; ok {
		disc.Suffix, d = decodeString(a)
		diags = append(diags, d...)
	}
	s.Discovery = disc
	return diags
}

var tlsSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "insecure_skip_verify"}, {Name: "ca_file"}}}

func (s *System) decodeTLS(b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(tlsSchema)
	if content == nil {
		return diags
	}
	var d hcl.Diagnostics
	if a, ok := content.Attributes["insecure_skip_verify"]; ok {
		s.TLS.InsecureSkipVerify, d = decodeBool(a)
		diags = append(diags, d...)
		if s.TLS.InsecureSkipVerify {
			diags = append(diags, warningAt(a.Range, "TLS verification disabled",
				"insecure_skip_verify = true accepts any certificate; use it only against a local sandbox."))
		}
	}
	if a, ok := content.Attributes["ca_file"]; ok {
		var refs []VarRef
		s.TLS.CAFile, refs, d = decodeTemplate(a)
		s.VarRefs = append(s.VarRefs, refs...)
		diags = append(diags, d...)
	}
	return diags
}

var rateLimitSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "requests_per_second"}, {Name: "burst"}, {Name: "concurrency"}, {Name: "window_requests"}, {Name: "window_seconds"},
}}

func decodeRateLimit(b *hcl.Block, rl *plan.RateLimit) hcl.Diagnostics {
	content, diags := b.Body.Content(rateLimitSchema)
	if content == nil {
		return diags
	}
	var d hcl.Diagnostics
	attrs := content.Attributes
	if a, ok := attrs["requests_per_second"]; ok {
		rl.RequestsPerSecond, d = decodeFloat(a)
		diags = append(diags, d...)
	}
	for name, dst := range map[string]*int{"burst": &rl.Burst, "concurrency": &rl.Concurrency, "window_requests": &rl.WindowRequests, "window_seconds": &rl.WindowSeconds} {
		if a, ok := attrs[name]; ok {
			*dst, d = decodeInt(a, 0)
			diags = append(diags, d...)
		}
	}
	if (rl.WindowRequests > 0) != (rl.WindowSeconds > 0) {
		diags = append(diags, errorAt(b.DefRange, "Incomplete rate limit window",
			"window_requests and window_seconds go together: N requests per window of S seconds."))
	}
	return diags
}

var retrySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "max_attempts"}, {Name: "initial_backoff"}, {Name: "max_backoff"}, {Name: "retry_on"}, {Name: "reject_on"},
}}

func decodeRetry(b *hcl.Block, r *plan.Retry) hcl.Diagnostics {
	content, diags := b.Body.Content(retrySchema)
	if content == nil {
		return diags
	}
	var d hcl.Diagnostics
	attrs := content.Attributes
	if a, ok := attrs["max_attempts"]; ok {
		r.MaxAttempts, d = decodeInt(a, 1)
		diags = append(diags, d...)
	}
	if a, ok := attrs["initial_backoff"]; ok {
		r.InitialBackoff, d = decodeFloat(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["max_backoff"]; ok {
		r.MaxBackoff, d = decodeFloat(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["retry_on"]; ok {
		r.RetryOn, d = decodeIntList(a)
		diags = append(diags, d...)
		for _, code := range r.RetryOn {
			if code < 400 || code > 599 {
				diags = append(diags, errorAt(a.Expr.Range(), "Invalid status code", "retry_on lists HTTP error statuses (400-599); %d is not one.", code))
			}
		}
	}
	diags = append(diags, decodeRejectOn(attrs, r)...)
	if r.MaxBackoff > 0 && r.InitialBackoff > r.MaxBackoff {
		diags = append(diags, errorAt(attrRange(attrs, "initial_backoff", b.DefRange), "Invalid backoff",
			"initial_backoff (%gs) is larger than max_backoff (%gs).", r.InitialBackoff, r.MaxBackoff))
	}
	return diags
}

var pagingSchemas = map[string]*hcl.BodySchema{
	plan.PagingNone: {},
	plan.PagingPageNumber: {Attributes: []hcl.AttributeSchema{
		{Name: "page_param", Required: true}, {Name: "size_param", Required: true}, {Name: "first_page"},
		{Name: "size"}, {Name: "max_size", Required: true}, {Name: "stop"}, {Name: "total_pages"}, {Name: "total_count"},
	}},
	plan.PagingNextURL: {Attributes: []hcl.AttributeSchema{
		{Name: "next_url_path", Required: true}, {Name: "next_method"}, {Name: "size_param"}, {Name: "size"}, {Name: "max_size", Required: true},
	}},
	plan.PagingBody: {Attributes: []hcl.AttributeSchema{
		{Name: "page_param", Required: true}, {Name: "size_param", Required: true}, {Name: "first_page"},
		{Name: "size"}, {Name: "max_size", Required: true}, {Name: "stop"}, {Name: "total_pages"}, {Name: "total_count"},
	}},
}

func decodePaging(b *hcl.Block, p *plan.Paging) hcl.Diagnostics {
	style := b.Labels[0]
	if d := checkEnum(style, "paging style", b.LabelRanges[0], pagings); d != nil {
		return hcl.Diagnostics{d}
	}
	content, diags := b.Body.Content(pagingSchemas[style])
	if content == nil {
		return diags
	}
	*p = plan.Paging{Style: style}
	if style == plan.PagingPageNumber || style == plan.PagingBody {
		p.FirstPage, p.Stop = 1, plan.StopShortPage
	}
	var d hcl.Diagnostics
	attrs := content.Attributes
	for name, dst := range map[string]*string{"page_param": &p.PageParam, "size_param": &p.SizeParam,
		"total_pages": &p.TotalPages, "total_count": &p.TotalCount, "next_url_path": &p.NextURLPath} {
		if a, ok := attrs[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := attrs["next_method"]; ok {
		d = setEnum(&p.NextMethod, a, []string{"GET", "POST"})
		diags = append(diags, d...)
	}
	if a, ok := attrs["first_page"]; ok {
		p.FirstPage, d = decodeInt(a, 0)
		diags = append(diags, d...)
	}
	if a, ok := attrs["max_size"]; ok {
		p.MaxSize, d = decodeInt(a, 1)
		diags = append(diags, d...)
	}
	p.Size = p.MaxSize
	if a, ok := attrs["size"]; ok {
		p.Size, d = decodeInt(a, 1)
		diags = append(diags, d...)
		if !d.HasErrors() && p.MaxSize > 0 && p.Size > p.MaxSize {
			diags = append(diags, errorAt(a.Expr.Range(), "Page size above the maximum",
				"size = %d is larger than max_size = %d, the most the API returns per page.", p.Size, p.MaxSize))
		}
	}
	if a, ok := attrs["stop"]; ok {
		d = setEnum(&p.Stop, a, stops)
		diags = append(diags, d...)
		if p.Stop == plan.StopTotalPages && p.TotalPages == "" {
			diags = append(diags, errorAt(a.Expr.Range(), "Missing total_pages",
				"stop = \"total_pages\" needs total_pages = \"PATH\", where the response says how many pages there are."))
		}
	}
	return diags
}

var envelopeSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "items"}, {Name: "item"}, {Name: "created_id"}, {Name: "success"}, {Name: "error_message"},
	{Name: "status"},
}}

func decodeEnvelope(b *hcl.Block, e *plan.Envelope) hcl.Diagnostics {
	content, diags := b.Body.Content(envelopeSchema)
	if content == nil {
		return diags
	}
	var d hcl.Diagnostics
	for name, dst := range map[string]*string{"items": &e.Items, "item": &e.Item, "created_id": &e.CreatedID, "success": &e.Success, "status": &e.Status} {
		if a, ok := content.Attributes[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := content.Attributes["error_message"]; ok {
		e.ErrorMessage, _, d = decodeStringList(a)
		diags = append(diags, d...)
	}
	return diags
}

var changedSinceSchemas = map[string]*hcl.BodySchema{
	plan.ChangedFilter: {Attributes: []hcl.AttributeSchema{
		{Name: "param", Required: true}, {Name: "template", Required: true}, {Name: "format"}, {Name: "max_window"},
	}},
	plan.ChangedSortDesc: {Attributes: []hcl.AttributeSchema{
		{Name: "sort_param", Required: true}, {Name: "sort_value", Required: true}, {Name: "format"},
	}},
}

func decodeChangedSince(b *hcl.Block) (*plan.ChangedSince, hcl.Diagnostics) {
	mode := b.Labels[0]
	if d := checkEnum(mode, "changed_since mode", b.LabelRanges[0], changeKind); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	content, diags := b.Body.Content(changedSinceSchemas[mode])
	if content == nil {
		return nil, diags
	}
	cs := &plan.ChangedSince{Mode: mode}
	var d hcl.Diagnostics
	for name, dst := range map[string]*string{"param": &cs.Param, "sort_param": &cs.SortParam, "sort_value": &cs.SortValue, "format": &cs.Format} {
		if a, ok := content.Attributes[name]; ok {
			*dst, d = decodeString(a)
			diags = append(diags, d...)
		}
	}
	if a, ok := content.Attributes["template"]; ok {
		var t plan.Template
		var refs []VarRef
		t, refs, d = decodeTemplate(a, "cursor", "until")
		diags = append(diags, d...)
		for _, r := range refs {
			diags = append(diags, errorAt(r.Range, "Variable in a changed_since template",
				"The changed_since template is sent as a query value; it may hold ${cursor} but not variables."))
		}
		cs.Template = string(t)
		if !d.HasErrors() && !strings.Contains(cs.Template, "${cursor}") {
			diags = append(diags, errorAt(a.Expr.Range(), "Missing ${cursor}",
				"The changed_since template must hold ${cursor}, where the time of the last run goes."))
		}
	}
	if a, ok := content.Attributes["max_window"]; ok {
		var secs int
		secs, d = decodeInt(a, 1)
		diags = append(diags, d...)
		switch {
		case d.HasErrors():
		case !strings.Contains(cs.Template, "${until}"):
			diags = append(diags, errorAt(a.Expr.Range(), "max_window without ${until}",
				"With max_window the connector reads the changes in windows of at most that many seconds; the template must hold ${until}, where the end of each window goes."))
		default:
			cs.MaxWindow = secs
		}
	}
	return cs, diags
}
