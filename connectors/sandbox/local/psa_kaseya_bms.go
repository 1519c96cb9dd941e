package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"sync"
	"time"

	"mapsync/connectors/sandbox/bms"
)

// TokenLoginPSA is the PSA sandbox whose API logs in for bearer tokens
// that expire, answers failures inside HTTP 200 envelopes, reads through
// search routes paged in a POST body and offers two-way sync off by
// default; TokenLoginTwinPSA serves the same API under another product's
// name (its shipped sync has two-way sync on, creates confirmed).
var (
	TokenLoginPSA     = "kaseya_bms"
	TokenLoginTwinPSA = "pulseway_psa"
)

// bmsFlavors are the two products the bms sandbox presents: system name,
// flavor, environment variable prefix of the mapping file, default port.
var bmsFlavors = map[string]struct {
	flavor bms.Flavor
	prefix string
	addr   string
}{
	"kaseya_bms":   {bms.FlavorBMS, "BMS_", "127.0.0.1:8912"},
	"pulseway_psa": {bms.FlavorPulseway, "PULSEWAY_", "127.0.0.1:8913"},
}

// bmsPSA adapts the Kaseya BMS / Pulseway PSA sandbox (one adapter, two
// flavors).
type bmsPSA struct {
	name   string
	sb     *bms.Sandbox
	served // its store, and where it is served (without bms.Base)

	mu    sync.Mutex
	token string // the record API's bearer token
}

func newBMSAdapter(name string) func(psaOptions) psaSandbox {
	return func(o psaOptions) psaSandbox {
		f := bmsFlavors[name]
		sb := bms.New(bms.Options{Flavor: f.flavor, Clock: o.Clock, Faults: o.Faults, FaultSeed: o.FaultSeed})
		return &bmsPSA{name: name, sb: sb, served: served{store: sb}}
	}
}

func (p *bmsPSA) info() Sandbox {
	return Sandbox{Name: p.name, Title: p.sb.Flavor().Product(), Protocol: "API 2.0 under " + bms.Base, DefaultAddr: bmsFlavors[p.name].addr}
}

func (p *bmsPSA) count(collection string) int     { return p.sb.Count(collection) }
func (p *bmsPSA) deleteEvery(c string, n int) int { return p.sb.DeleteEvery(c, n) }

// setTokenLifetime shortens the tokens the sandbox issues from now on.
func (p *bmsPSA) setTokenLifetime(d time.Duration) { p.sb.SetTokenLifetime(d) }

// env gives the variables the `variable` blocks of
// mappings/kaseya_bms.hcl (BMS_*) or mappings/pulseway_psa.hcl
// (PULSEWAY_*) read.
func (p *bmsPSA) env() map[string]string {
	c := p.sb.Credentials()
	pre := bmsFlavors[p.name].prefix
	return map[string]string{
		pre + "BASE_URL": p.url,
		pre + "TENANT":   c.Tenant,
		pre + "USERNAME": c.UserName,
		pre + "PASSWORD": c.Password,
	}
}

func (p *bmsPSA) describe(out io.Writer, curl string) {
	c := p.sb.Credentials()
	base := p.url + bms.Base
	fmt.Fprintf(out, "%s sandbox: %s\n", c.Product, base)
	fmt.Fprintf(out, "  tenant:       %s\n  user name:    %s\n  password:     %s\n", c.Tenant, c.UserName, c.Password)
	fmt.Fprintf(out, "  records:      %d accounts, %d locations, %d contacts, %d hardware assets\n",
		p.sb.Count("accounts"), p.sb.Count("locations"), p.sb.Count("contacts"), p.sb.Count("hardwareassets"))
	fmt.Fprintf(out, "  login:        %s -F GrantType=password -F 'Tenant=%s' -F 'UserName=%s' -F 'Password=%s' '%s/security/authenticate'\n",
		curl, c.Tenant, c.UserName, c.Password, base)
	fmt.Fprintf(out, "  try:          %s -H 'Authorization: Bearer TOKEN' -H 'Content-Type: application/json' -d '{\"PageSize\":5,\"PageNumber\":1}' '%s/crm/accounts/search'\n", curl, base)
}

func (p *bmsPSA) id(key string) (string, bool) {
	_, id, ok := p.sb.IDForKey(key)
	if !ok {
		return "", false
	}
	return strconv.FormatInt(id, 10), true
}

// bmsCollections are the sandbox's collections of the canonical objects.
var bmsCollections = map[string]string{"organization": "accounts", "location": "locations", "contact": "contacts", "configuration": "hardwareassets"}

func (p *bmsPSA) changedSince(object string, since time.Time) (records, parents int, err error) {
	c, ok := bmsCollections[object]
	if !ok {
		return 0, 0, fmt.Errorf("sandbox: object %q not supported", object)
	}
	records, parents = p.sb.ChangedSince(c, since)
	return records, parents, nil
}

// login gets a bearer token the way a client does: a multipart form.
func (p *bmsPSA) login(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.token != "" {
		return p.token, nil
	}
	c := p.sb.Credentials()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range map[string]string{"GrantType": "password", "UserName": c.UserName, "Password": c.Password, "Tenant": c.Tenant} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+bms.Base+"/security/authenticate", &b)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("sandbox: login: %w", err)
	}
	defer resp.Body.Close()
	var env struct {
		Success bool
		Result  struct{ AccessToken string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || !env.Success || env.Result.AccessToken == "" {
		return "", fmt.Errorf("sandbox: login refused (HTTP %d)", resp.StatusCode)
	}
	p.token = env.Result.AccessToken
	return p.token, nil
}

// bmsFailure is an envelope with Success = false (the API answers some
// failures with HTTP 200).
type bmsFailure struct {
	Code    int
	Message string
	Sub     []string
}

func (e *bmsFailure) Error() string {
	return fmt.Sprintf("sandbox: Success=false, code %d: %s %v", e.Code, e.Message, e.Sub)
}

// request sends one request with a bearer token (logging in again once
// when it expired) and decodes the whole envelope into out. An envelope
// with Success = false is an error (*bmsFailure) even with HTTP 200.
func (p *bmsPSA) request(ctx context.Context, method, path string, body, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := p.login(ctx)
		if err != nil {
			return err
		}
		ct := "application/json"
		if method == http.MethodPatch {
			ct = "application/json-patch+json"
		}
		h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {ct}}
		var raw json.RawMessage
		err = send(ctx, method, p.url+bms.Base+path, h, body, &raw)
		if err != nil && attempt == 0 && bytes.Contains([]byte(err.Error()), []byte("HTTP 401")) {
			p.mu.Lock()
			p.token = ""
			p.mu.Unlock()
			continue
		}
		if err != nil {
			return err
		}
		var env struct {
			Success bool
			Error   *struct {
				Code      int
				Message   string
				SubErrors []string
			}
		}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &env); err != nil {
				return err
			}
			if !env.Success && env.Error != nil {
				return &bmsFailure{Code: env.Error.Code, Message: env.Error.Message, Sub: env.Error.SubErrors}
			}
		}
		if out != nil && len(raw) > 0 {
			return json.Unmarshal(raw, out)
		}
		return nil
	}
}

// bmsPaths maps canonical fields to the sandbox's JSON fields.
var bmsPaths = map[string]map[string]string{
	"organization":  {"name": "AccountName"},
	"configuration": {"name": "Name", "serial_number": "SerialNumber", "asset_tag": "AssetTag", "notes": "Description"},
	"contact":       {"first_name": "FirstName", "last_name": "LastName", "title": "JobTitle"},
}

// bmsRefs are canonical fields kept as a lookup id, with their lookup.
var bmsRefs = map[string][2]string{"configuration_type": {"CategoryId", "assetcategories"}, "configuration_status": {"StateId", "assetstates"}}

var bmsItems = map[string]string{"organization": "/crm/accounts", "configuration": "/servicedesk/hardwareasset", "contact": "/crm/contacts"}

func (p *bmsPSA) listRecords(ctx context.Context, object string) ([]Record, error) {
	path, ok := bmsItems[object]
	if !ok {
		return nil, fmt.Errorf("sandbox: object %q not supported", object)
	}
	var out []Record
	for page := 1; ; page++ {
		var env struct{ Result []map[string]any }
		if err := p.request(ctx, http.MethodPost, path+"/search", map[string]any{"PageSize": 100, "PageNumber": page}, &env); err != nil {
			return nil, err
		}
		for _, r := range env.Result {
			out = append(out, bmsRecord(object, r))
		}
		if len(env.Result) < 100 {
			return out, nil
		}
	}
}

func bmsRecord(object string, r map[string]any) Record {
	rec := Record{ID: idString(r["Id"]), Fields: map[string]any{}}
	if object != "organization" {
		rec.Org = idString(r["AccountId"])
	}
	for f, p := range bmsPaths[object] {
		rec.Fields[f] = str(r[p])
	}
	switch object {
	case "configuration":
		rec.Fields["configuration_type"] = str(r["Category"])
		rec.Fields["configuration_status"] = str(r["State"])
	case "contact":
		emails := []string{}
		items, _ := r["Emails"].([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				emails = append(emails, str(m["EmailAddress"]))
			}
		}
		rec.Fields["emails"] = emails
	}
	return rec
}

func (p *bmsPSA) editRecord(ctx context.Context, object, id string, values map[string]any) error {
	path, ok := bmsItems[object]
	if !ok {
		return fmt.Errorf("sandbox: object %q not supported", object)
	}
	var ops []map[string]any
	for f, v := range values {
		switch {
		case bmsRefs[f][0] != "":
			ref, err := p.lookup(ctx, bmsRefs[f][1], v.(string))
			if err != nil {
				return err
			}
			ops = append(ops, map[string]any{"op": "replace", "path": "/" + bmsRefs[f][0], "value": ref})
		case f == "emails":
			items := []any{}
			for i, e := range v.([]string) {
				items = append(items, map[string]any{"EmailAddress": e, "EmailType": "Work", "IsDefault": i == 0})
			}
			ops = append(ops, map[string]any{"op": "replace", "path": "/Emails", "value": items})
		default:
			jp, ok := bmsPaths[object][f]
			if !ok {
				return fmt.Errorf("sandbox: field %s.%s not supported", object, f)
			}
			ops = append(ops, map[string]any{"op": "replace", "path": "/" + jp, "value": nullable(v)})
		}
	}
	return p.request(ctx, http.MethodPatch, path+"/"+id, ops, nil)
}

func (p *bmsPSA) createRecord(ctx context.Context, object, org string, values map[string]any) (string, error) {
	if object != "configuration" {
		return "", fmt.Errorf("sandbox: creating %s not supported", object)
	}
	orgID, err := strconv.ParseInt(org, 10, 64)
	if err != nil {
		return "", fmt.Errorf("sandbox: organization id %q: %w", org, err)
	}
	body := map[string]any{"AccountId": orgID}
	for f, v := range values {
		if bmsRefs[f][0] != "" {
			ref, err := p.lookup(ctx, bmsRefs[f][1], v.(string))
			if err != nil {
				return "", err
			}
			body[bmsRefs[f][0]] = ref
			continue
		}
		jp, ok := bmsPaths[object][f]
		if !ok {
			return "", fmt.Errorf("sandbox: field %s.%s not supported", object, f)
		}
		body[jp] = nullable(v)
	}
	var out struct{ Result map[string]any }
	if err := p.request(ctx, http.MethodPost, bmsItems[object], body, &out); err != nil {
		return "", err
	}
	return idString(out.Result["Id"]), nil
}

func (p *bmsPSA) deleteRecord(ctx context.Context, object, id string) error {
	if object == "organization" {
		return fmt.Errorf("sandbox: the API deletes no accounts")
	}
	path, ok := bmsItems[object]
	if !ok {
		return fmt.Errorf("sandbox: object %q not supported", object)
	}
	return p.request(ctx, http.MethodDelete, path+"/"+id, nil, nil)
}

func (p *bmsPSA) changeConfiguration(ctx context.Context, id, serial string) error {
	return p.request(ctx, http.MethodPatch, "/servicedesk/hardwareasset/"+id, []map[string]any{{"op": "replace", "path": "/SerialNumber", "value": serial}}, nil)
}

// lookup is the id of a name in a /system/<name>/lookup list.
func (p *bmsPSA) lookup(ctx context.Context, list, name string) (any, error) {
	var env struct{ Result []map[string]any }
	if err := p.request(ctx, http.MethodGet, "/system/"+list+"/lookup", nil, &env); err != nil {
		return nil, err
	}
	for _, r := range env.Result {
		if r["Name"] == name {
			return r["Id"], nil
		}
	}
	return nil, fmt.Errorf("sandbox: no %s named %q", list, name)
}

// SetPSATokenLifetime makes the PSA sandbox issue access tokens valid for
// d from now on (d <= 0: its default), so a test can have a token expire
// in the middle of a run. An error when the PSA sandbox has no token
// login.
func (s *Systems) SetPSATokenLifetime(d time.Duration) error {
	p, ok := s.psa.(interface{ setTokenLifetime(time.Duration) })
	if !ok {
		return fmt.Errorf("sandbox: %s has no token login", s.psa.info().Title)
	}
	p.setTokenLifetime(d)
	return nil
}
