package local

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"mapsync/connectors/sandbox/connectwise"
)

// cwPSA adapts the ConnectWise Manage sandbox.
type cwPSA struct {
	sb     *connectwise.Sandbox
	served // its store, and where it is served (without connectwise.Base)
}

func newConnectWisePSA(o psaOptions) psaSandbox {
	sb := connectwise.New(connectwise.Options{Clock: o.Clock, Faults: o.Faults, FaultSeed: o.FaultSeed})
	return &cwPSA{sb: sb, served: served{store: sb}}
}

func (p *cwPSA) info() Sandbox {
	return Sandbox{Name: "connectwise", Title: "ConnectWise Manage", Protocol: "REST 3.0 under " + connectwise.Base, DefaultAddr: "127.0.0.1:8910"}
}

func (p *cwPSA) count(collection string) int     { return p.sb.Count(collection) }
func (p *cwPSA) deleteEvery(c string, n int) int { return p.sb.DeleteEvery(c, n) }

// env gives the variables the `variable` blocks of mappings/connectwise.hcl read.
func (p *cwPSA) env() map[string]string {
	c := p.sb.Credentials()
	return map[string]string{
		"CW_BASE_URL":    p.url,
		"CW_COMPANY":     c.CompanyID,
		"CW_PUBLIC_KEY":  c.PublicKey,
		"CW_PRIVATE_KEY": c.PrivateKey,
		"CW_CLIENT_ID":   c.ClientID,
	}
}

func (p *cwPSA) describe(out io.Writer, curl string) {
	c := p.sb.Credentials()
	base := p.url + connectwise.Base
	fmt.Fprintf(out, "ConnectWise Manage sandbox: %s\n", base)
	fmt.Fprintf(out, "  company id:   %s\n  public key:   %s\n  private key:  %s\n  clientId:     %s\n", c.CompanyID, c.PublicKey, c.PrivateKey, c.ClientID)
	fmt.Fprintf(out, "  records:      %d companies, %d configurations, %d contacts, %d tickets\n",
		p.sb.Count("companies"), p.sb.Count("configurations"), p.sb.Count("contacts"), p.sb.Count("tickets"))
	fmt.Fprintf(out, "  try:          %s -G -u '%s:%s' -H 'clientId: %s' '%s/company/companies' -d pageSize=5 --data-urlencode 'conditions=types/name = \"Customer\"'\n",
		curl, c.Username(), c.PrivateKey, c.ClientID, base)
}

func (p *cwPSA) id(key string) (string, bool) {
	_, id, ok := p.sb.IDForKey(key)
	if !ok {
		return "", false
	}
	return strconv.FormatInt(id, 10), true
}

// cwCollections are the sandbox's collections of the canonical objects.
var cwCollections = map[string]string{"organization": "companies", "location": "sites", "contact": "contacts", "configuration": "configurations", "ticket": "tickets"}

func (p *cwPSA) changedSince(object string, since time.Time) (records, parents int, err error) {
	c, ok := cwCollections[object]
	if !ok {
		return 0, 0, fmt.Errorf("sandbox: object %q not supported", object)
	}
	records, parents = p.sb.ChangedSince(c, since)
	return records, parents, nil
}

func (p *cwPSA) request(ctx context.Context, method, path string, body, out any) error {
	cred := p.sb.Credentials()
	h := http.Header{"Authorization": {cred.Authorization()}, "clientId": {cred.ClientID}, "Content-Type": {"application/json"}}
	return send(ctx, method, p.url+connectwise.Base+path, h, body, out)
}

// cwPaths maps canonical fields to ConnectWise's JSON fields.
var cwPaths = map[string]map[string]string{
	"organization":  {"name": "name"},
	"configuration": {"name": "name", "serial_number": "serialNumber", "asset_tag": "tagNumber", "notes": "notes"},
	"contact":       {"first_name": "firstName", "last_name": "lastName", "title": "title"},
}

// cwRefs are canonical fields ConnectWise keeps as a reference object.
var cwRefs = map[string]string{"configuration_type": "type", "configuration_status": "status"}

var cwLists = map[string]string{"organization": "/company/companies", "configuration": "/company/configurations", "contact": "/company/contacts"}

func (p *cwPSA) listRecords(ctx context.Context, object string) ([]Record, error) {
	path, ok := cwLists[object]
	if !ok {
		return nil, fmt.Errorf("sandbox: object %q not supported", object)
	}
	var out []Record
	for page := 1; ; page++ {
		var rows []map[string]any
		if err := p.request(ctx, http.MethodGet, path+"?pageSize=1000&page="+strconv.Itoa(page), nil, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, cwRecord(object, r))
		}
		if len(rows) < 1000 {
			return out, nil
		}
	}
}

func cwRecord(object string, r map[string]any) Record {
	rec := Record{ID: idString(r["id"]), Fields: map[string]any{}}
	if c, ok := r["company"].(map[string]any); ok {
		rec.Org = idString(c["id"])
	}
	for f, p := range cwPaths[object] {
		rec.Fields[f] = str(r[p])
	}
	switch object {
	case "configuration":
		rec.Fields["configuration_type"] = str(sub(r["type"], "name"))
		rec.Fields["configuration_status"] = str(sub(r["status"], "name"))
	case "contact":
		emails := []string{}
		items, _ := r["communicationItems"].([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok && m["communicationType"] == "Email" {
				emails = append(emails, str(m["value"]))
			}
		}
		rec.Fields["emails"] = emails
	}
	return rec
}

func (p *cwPSA) editRecord(ctx context.Context, object, id string, values map[string]any) error {
	path := cwLists[object] + "/" + id
	var ops []map[string]any
	for f, v := range values {
		switch {
		case cwRefs[f] != "":
			ref, err := p.ref(ctx, f, v.(string))
			if err != nil {
				return err
			}
			ops = append(ops, map[string]any{"op": "replace", "path": "/" + cwRefs[f], "value": ref})
		case f == "emails":
			var cur map[string]any
			if err := p.request(ctx, http.MethodGet, path, nil, &cur); err != nil {
				return err
			}
			items := []any{}
			old, _ := cur["communicationItems"].([]any)
			for _, it := range old {
				if m, ok := it.(map[string]any); ok && m["communicationType"] != "Email" {
					items = append(items, m)
				}
			}
			for i, e := range v.([]string) {
				items = append(items, map[string]any{"type": map[string]any{"name": "Email"}, "value": e, "defaultFlag": i == 0})
			}
			ops = append(ops, map[string]any{"op": "replace", "path": "/communicationItems", "value": items})
		default:
			jp, ok := cwPaths[object][f]
			if !ok {
				return fmt.Errorf("sandbox: field %s.%s not supported", object, f)
			}
			ops = append(ops, map[string]any{"op": "replace", "path": "/" + jp, "value": nullable(v)})
		}
	}
	return p.request(ctx, http.MethodPatch, path, ops, nil)
}

func (p *cwPSA) createRecord(ctx context.Context, object, org string, values map[string]any) (string, error) {
	if object != "configuration" {
		return "", fmt.Errorf("sandbox: creating %s not supported", object)
	}
	orgID, err := strconv.ParseInt(org, 10, 64)
	if err != nil {
		return "", fmt.Errorf("sandbox: organization id %q: %w", org, err)
	}
	body := map[string]any{"company": map[string]any{"id": orgID}}
	for f, v := range values {
		if cwRefs[f] != "" {
			ref, err := p.ref(ctx, f, v.(string))
			if err != nil {
				return "", err
			}
			body[cwRefs[f]] = ref
			continue
		}
		jp, ok := cwPaths[object][f]
		if !ok {
			return "", fmt.Errorf("sandbox: field %s.%s not supported", object, f)
		}
		body[jp] = nullable(v)
	}
	var out map[string]any
	if err := p.request(ctx, http.MethodPost, cwLists[object], body, &out); err != nil {
		return "", err
	}
	return idString(out["id"]), nil
}

func (p *cwPSA) deleteRecord(ctx context.Context, object, id string) error {
	return p.request(ctx, http.MethodDelete, cwLists[object]+"/"+id, nil, nil)
}

func (p *cwPSA) changeConfiguration(ctx context.Context, id, serial string) error {
	return p.request(ctx, http.MethodPatch, "/company/configurations/"+id, []map[string]any{{"op": "replace", "path": "/serialNumber", "value": serial}}, nil)
}

// ref is ConnectWise's reference object for a configuration type or
// status name.
func (p *cwPSA) ref(ctx context.Context, field, name string) (map[string]any, error) {
	path, label := "/company/configurations/types", "name"
	if field == "configuration_status" {
		path, label = "/company/configurations/statuses", "description"
	}
	var rows []map[string]any
	if err := p.request(ctx, http.MethodGet, path+"?pageSize=1000", nil, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r[label] == name {
			return map[string]any{"id": r["id"]}, nil
		}
	}
	return nil, fmt.Errorf("sandbox: no %s %q", field, name)
}
