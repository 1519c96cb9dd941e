package local

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors/sandbox/autotask"
)

// QueryBodyPSA names the PSA sandbox whose API is read through POST query
// bodies with paging by next-page URLs, discovers its zone before the
// first call, keeps manufacturer and model on a related product, derives
// its locations from account addresses and writes by PATCH of the
// collection. End-to-end tests use it without naming the vendor.
var QueryBodyPSA = "autotask"

// atPSA adapts the Autotask PSA sandbox.
type atPSA struct {
	sb     *autotask.Sandbox
	served // its store, and where it is served (without autotask.Base)
}

func newAutotaskPSA(o psaOptions) psaSandbox {
	sb := autotask.New(autotask.Options{Clock: o.Clock, Faults: o.Faults, FaultSeed: o.FaultSeed})
	return &atPSA{sb: sb, served: served{store: sb}}
}

func (p *atPSA) info() Sandbox {
	return Sandbox{Name: "autotask", Title: "Autotask PSA", Protocol: "REST v1.0 under " + autotask.Base, DefaultAddr: "127.0.0.1:8913"}
}

func (p *atPSA) deleteEvery(c string, n int) int { return -1 }

// atCollections are the sandbox's entities of the canonical objects
// (locations are derived from the companies' addresses).
var atCollections = map[string]string{"organization": "Companies", "location": "Companies", "contact": "Contacts",
	"configuration": "ConfigurationItems", "ticket": "Tickets",
	"companies": "Companies", "contacts": "Contacts", "configurations": "ConfigurationItems", "tickets": "Tickets"}

func (p *atPSA) count(collection string) int {
	if e, ok := atCollections[collection]; ok {
		collection = e
	}
	return p.sb.Count(collection)
}

// env gives the variables the `variable` blocks of mappings/autotask.hcl read.
func (p *atPSA) env() map[string]string {
	c := p.sb.Credentials()
	return map[string]string{
		"AT_ZONE_LOOKUP_URL":  p.url + "/atservicesrest",
		"AT_USERNAME":         c.UserName,
		"AT_SECRET":           c.Secret,
		"AT_INTEGRATION_CODE": c.IntegrationCode,
	}
}

func (p *atPSA) describe(out io.Writer, curl string) {
	c := p.sb.Credentials()
	base := p.url + autotask.Base
	fmt.Fprintf(out, "Autotask PSA sandbox: %s\n", base)
	fmt.Fprintf(out, "  UserName:           %s\n  Secret:             %s\n  ApiIntegrationCode: %s\n", c.UserName, c.Secret, c.IntegrationCode)
	fmt.Fprintf(out, "  records:            %d companies, %d configuration items, %d contacts, %d tickets\n",
		p.sb.Count("Companies"), p.sb.Count("ConfigurationItems"), p.sb.Count("Contacts"), p.sb.Count("Tickets"))
	fmt.Fprintf(out, "  try:                %s -H 'UserName: %s' -H 'Secret: %s' -H 'ApiIntegrationCode: %s' -H 'Content-Type: application/json' '%s/Companies/query' -d '{\"filter\":[{\"op\":\"eq\",\"field\":\"isActive\",\"value\":true}],\"maxRecords\":5}'\n",
		curl, c.UserName, c.Secret, c.IntegrationCode, base)
}

func (p *atPSA) id(key string) (string, bool) {
	_, id, ok := p.sb.IDForKey(key)
	if !ok {
		return "", false
	}
	return strconv.FormatInt(id, 10), true
}

func (p *atPSA) changedSince(object string, since time.Time) (records, parents int, err error) {
	c, ok := atCollections[object]
	if !ok {
		return 0, 0, fmt.Errorf("sandbox: object %q not supported", object)
	}
	records, parents = p.sb.ChangedSince(c, since)
	return records, parents, nil
}

func (p *atPSA) headers() http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	p.sb.Credentials().Header(h)
	return h
}

func (p *atPSA) request(ctx context.Context, method, path string, body, out any) error {
	return send(ctx, method, p.url+autotask.Base+path, p.headers(), body, out)
}

// atPaths maps canonical fields to Autotask's JSON fields.
var atPaths = map[string]map[string]string{
	"organization":  {"name": "companyName"},
	"configuration": {"name": "referenceTitle", "serial_number": "serialNumber", "asset_tag": "referenceNumber", "notes": "notes"},
	"contact":       {"first_name": "firstName", "last_name": "lastName", "title": "title"},
}

var atEntities = map[string]string{"organization": "Companies", "configuration": "ConfigurationItems", "contact": "Contacts"}

// query reads every record of an entity, following nextPageUrl.
func (p *atPSA) query(ctx context.Context, entity string) ([]map[string]any, error) {
	body := map[string]any{"filter": []any{map[string]any{"op": "exist", "field": "id"}}, "maxRecords": autotask.MaxPageSize}
	url := p.url + autotask.Base + "/" + entity + "/query"
	var out []map[string]any
	for url != "" {
		var page struct {
			Items       []map[string]any `json:"items"`
			PageDetails struct {
				NextPageURL string `json:"nextPageUrl"`
			} `json:"pageDetails"`
		}
		if err := send(ctx, http.MethodPost, url, p.headers(), body, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		url = page.PageDetails.NextPageURL
	}
	return out, nil
}

func (p *atPSA) listRecords(ctx context.Context, object string) ([]Record, error) {
	entity, ok := atEntities[object]
	if !ok {
		return nil, fmt.Errorf("sandbox: object %q not supported", object)
	}
	rows, err := p.query(ctx, entity)
	if err != nil {
		return nil, err
	}
	var products, types map[string]string
	if object == "configuration" {
		if products, err = p.names(ctx, "Products"); err != nil {
			return nil, err
		}
		if types, err = p.names(ctx, "ConfigurationItemTypes"); err != nil {
			return nil, err
		}
	}
	out := make([]Record, 0, len(rows))
	for _, r := range rows {
		rec := Record{ID: idString(r["id"]), Fields: map[string]any{}}
		if object != "organization" {
			rec.Org = idString(r["companyID"])
		}
		for f, jp := range atPaths[object] {
			rec.Fields[f] = str(r[jp])
		}
		switch object {
		case "configuration":
			if strings.TrimSpace(str(r["referenceTitle"])) == "" {
				rec.Fields["name"] = products[idString(r["productID"])]
			}
			rec.Fields["configuration_type"] = types[idString(r["configurationItemType"])]
			rec.Fields["configuration_status"] = map[bool]string{true: "Active", false: "Inactive"}[r["isActive"] == true]
		case "contact":
			emails := []string{}
			for _, k := range []string{"emailAddress", "emailAddress2", "emailAddress3"} {
				if e := str(r[k]); e != "" {
					emails = append(emails, e)
				}
			}
			rec.Fields["emails"] = emails
		}
		out = append(out, rec)
	}
	return out, nil
}

// names maps the ids of an entity's records to their names.
func (p *atPSA) names(ctx context.Context, entity string) (map[string]string, error) {
	rows, err := p.query(ctx, entity)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range rows {
		out[idString(r["id"])] = str(r["name"])
	}
	return out, nil
}

// body turns canonical values into Autotask fields.
func (p *atPSA) body(ctx context.Context, object string, values map[string]any) (map[string]any, error) {
	body := map[string]any{}
	for f, v := range values {
		switch {
		case object == "configuration" && f == "configuration_type":
			types, err := p.names(ctx, "ConfigurationItemTypes")
			if err != nil {
				return nil, err
			}
			found := false
			for id, name := range types {
				if name == v {
					n, _ := strconv.ParseInt(id, 10, 64)
					body["configurationItemType"], found = n, true
				}
			}
			if !found {
				return nil, fmt.Errorf("sandbox: no configuration item type %q", v)
			}
		case object == "configuration" && f == "configuration_status":
			body["isActive"] = v == "Active"
		case object == "contact" && f == "emails":
			es, _ := v.([]string)
			for i, k := range []string{"emailAddress", "emailAddress2", "emailAddress3"} {
				var e any
				if i < len(es) {
					e = es[i]
				}
				body[k] = e
			}
		default:
			jp, ok := atPaths[object][f]
			if !ok {
				return nil, fmt.Errorf("sandbox: field %s.%s not supported", object, f)
			}
			body[jp] = nullable(v)
		}
	}
	return body, nil
}

// writePath is where records of an object are created and updated:
// contacts under their company.
func (p *atPSA) writePath(ctx context.Context, object, id string) (string, error) {
	if object != "contact" {
		return "/" + atEntities[object], nil
	}
	var got struct {
		Item map[string]any `json:"item"`
	}
	if err := p.request(ctx, http.MethodGet, "/Contacts/"+id, nil, &got); err != nil {
		return "", err
	}
	return "/Companies/" + idString(got.Item["companyID"]) + "/Contacts", nil
}

func (p *atPSA) editRecord(ctx context.Context, object, id string, values map[string]any) error {
	if _, ok := atEntities[object]; !ok {
		return fmt.Errorf("sandbox: object %q not supported", object)
	}
	body, err := p.body(ctx, object, values)
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("sandbox: %s id %q: %w", object, id, err)
	}
	body["id"] = n
	path, err := p.writePath(ctx, object, id)
	if err != nil {
		return err
	}
	return p.request(ctx, http.MethodPatch, path, body, nil)
}

func (p *atPSA) createRecord(ctx context.Context, object, org string, values map[string]any) (string, error) {
	orgID, err := strconv.ParseInt(org, 10, 64)
	if err != nil {
		return "", fmt.Errorf("sandbox: organization id %q: %w", org, err)
	}
	body, err := p.body(ctx, object, values)
	if err != nil {
		return "", err
	}
	var path string
	switch object {
	case "configuration":
		// A configuration item needs a product; take the first one.
		rows, err := p.query(ctx, "Products")
		if err != nil {
			return "", err
		}
		if len(rows) == 0 {
			return "", fmt.Errorf("sandbox: no product to create a configuration item with")
		}
		body["companyID"], body["productID"] = orgID, rows[0]["id"]
		if _, ok := body["isActive"]; !ok {
			body["isActive"] = true
		}
		path = "/ConfigurationItems"
	case "contact":
		if _, ok := body["isActive"]; !ok {
			body["isActive"] = 1
		}
		path = "/Companies/" + org + "/Contacts"
	default:
		return "", fmt.Errorf("sandbox: creating %s not supported", object)
	}
	var out map[string]any
	if err := p.request(ctx, http.MethodPost, path, body, &out); err != nil {
		return "", err
	}
	return idString(out["itemId"]), nil
}

// deleteRecord: the API deletes nothing of what is synced (no DELETE on
// companies, contacts or configuration items); a person deactivates.
func (p *atPSA) deleteRecord(ctx context.Context, object, id string) error {
	switch object {
	case "organization", "configuration":
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return err
		}
		return p.request(ctx, http.MethodPatch, "/"+atEntities[object], map[string]any{"id": n, "isActive": false}, nil)
	}
	return fmt.Errorf("sandbox: deleting %s not supported", object)
}

func (p *atPSA) changeConfiguration(ctx context.Context, id, serial string) error {
	return p.editRecord(ctx, "configuration", id, map[string]any{"serial_number": serial})
}

// listLimit: an Autotask contact holds one e-mail address the sync maps
// (emailAddress); the other two slots are not synced.
func (p *atPSA) listLimit(object, field string) int {
	if object == "contact" && field == "emails" {
		return 1
	}
	return 0
}
