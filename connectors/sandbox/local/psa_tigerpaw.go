package local

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"mapsync/connectors/sandbox/msp"
	"mapsync/connectors/sandbox/tigerpaw"
)

// DerivedLocationsPSA is the PSA sandbox whose sync runs one way into the
// documentation system, with active contacts only, one phone entry per
// type and locations derived from address blocks (no location records and
// no configurations of its own). The end-to-end tests name it by this.
var DerivedLocationsPSA = "tigerpaw"

// tpPSA adapts the Tigerpaw sandbox.
type tpPSA struct {
	sb     *tigerpaw.Sandbox
	served // its store, and where it is served (without tigerpaw.Base)
}

func newTigerpawPSA(o psaOptions) psaSandbox {
	sb := tigerpaw.New(tigerpaw.Options{Clock: o.Clock, Faults: o.Faults, FaultSeed: o.FaultSeed})
	return &tpPSA{sb: sb, served: served{store: sb}}
}

func (p *tpPSA) info() Sandbox {
	return Sandbox{Name: "tigerpaw", Title: "Tigerpaw", Protocol: "REST under " + tigerpaw.Base + " (designed)", DefaultAddr: "127.0.0.1:8915"}
}

func (p *tpPSA) count(collection string) int     { return p.sb.Count(collection) }
func (p *tpPSA) deleteEvery(c string, n int) int { return p.sb.DeleteEvery(c, n) }

// env gives the variables the `variable` blocks of mappings/tigerpaw.hcl read.
func (p *tpPSA) env() map[string]string {
	c := p.sb.Credentials()
	return map[string]string{
		"TP_BASE_URL":    p.url,
		"TP_PUBLIC_KEY":  c.PublicKey,
		"TP_PRIVATE_KEY": c.PrivateKey,
	}
}

func (p *tpPSA) describe(out io.Writer, curl string) {
	c := p.sb.Credentials()
	base := p.url + tigerpaw.Base
	fmt.Fprintf(out, "Tigerpaw sandbox: %s\n", base)
	fmt.Fprintf(out, "  public key:   %s\n  private key:  %s\n", c.PublicKey, c.PrivateKey)
	fmt.Fprintf(out, "  records:      %d accounts, %d contacts\n", p.sb.Count(tigerpaw.Accounts), p.sb.Count(tigerpaw.Contacts))
	fmt.Fprintf(out, "  try:          %s -G -u '%s:%s' '%s/contacts' -d pageSize=5 -d active=true\n", curl, c.PublicKey, c.PrivateKey, base)
}

func (p *tpPSA) id(key string) (string, bool) {
	_, id, ok := p.sb.IDForKey(key)
	if !ok {
		return "", false
	}
	return strconv.FormatInt(id, 10), true
}

// tpCollections are the sandbox's collections of the canonical objects
// it keeps records of (locations are derived, configurations absent).
var tpCollections = map[string]string{"organization": tigerpaw.Accounts, "contact": tigerpaw.Contacts}

func (p *tpPSA) changedSince(object string, since time.Time) (records, parents int, err error) {
	c, ok := tpCollections[object]
	if !ok {
		return 0, 0, fmt.Errorf("sandbox: object %q not supported", object)
	}
	records, _ = p.sb.ChangedSince(c, since)
	return records, 0, nil
}

func (p *tpPSA) request(ctx context.Context, method, path string, body, out any) error {
	h := http.Header{"Authorization": {p.sb.Credentials().Authorization()}, "Content-Type": {"application/json"}}
	return send(ctx, method, p.url+tigerpaw.Base+path, h, body, out)
}

// tpPaths maps canonical fields to Tigerpaw's JSON fields.
var tpPaths = map[string]map[string]string{
	"organization": {"name": "AccountName"},
	"contact":      {"first_name": "FirstName", "last_name": "LastName", "title": "Title"},
}

var tpLists = map[string]string{"organization": "/accounts", "contact": "/contacts"}

func (p *tpPSA) listRecords(ctx context.Context, object string) ([]Record, error) {
	path, ok := tpLists[object]
	if !ok {
		return nil, fmt.Errorf("sandbox: object %q not supported", object)
	}
	var out []Record
	for page := 1; ; page++ {
		var body struct {
			Items      []map[string]any
			TotalPages int
		}
		if err := p.request(ctx, http.MethodGet, path+"?pageSize=500&page="+strconv.Itoa(page), nil, &body); err != nil {
			return nil, err
		}
		for _, r := range body.Items {
			out = append(out, tpRecord(object, r))
		}
		if page >= body.TotalPages {
			return out, nil
		}
	}
}

func tpRecord(object string, r map[string]any) Record {
	rec := Record{Fields: map[string]any{}}
	switch object {
	case "organization":
		rec.ID = idString(r["AccountNumber"])
	case "contact":
		rec.ID, rec.Org = idString(r["ContactNumber"]), idString(r["AccountNumber"])
		emails := []string{}
		items, _ := r["EmailAddresses"].([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				emails = append(emails, str(m["Address"]))
			}
		}
		rec.Fields["emails"] = emails
	}
	for f, jp := range tpPaths[object] {
		rec.Fields[f] = str(r[jp])
	}
	return rec
}

// editRecord sends a JSON merge patch of the fields, as a user's tool
// would.
func (p *tpPSA) editRecord(ctx context.Context, object, id string, values map[string]any) error {
	path, ok := tpLists[object]
	if !ok {
		return fmt.Errorf("sandbox: object %q not supported", object)
	}
	patch := map[string]any{}
	for f, v := range values {
		if f == "emails" && object == "contact" {
			list := []any{}
			for i, e := range v.([]string) {
				list = append(list, map[string]any{"Address": e, "Type": "Business", "IsPrimary": i == 0})
			}
			patch["EmailAddresses"] = list
			continue
		}
		jp, ok := tpPaths[object][f]
		if !ok {
			return fmt.Errorf("sandbox: field %s.%s not supported", object, f)
		}
		patch[jp] = nullable(v)
	}
	return p.request(ctx, http.MethodPatch, path+"/"+id, patch, nil)
}

// createRecord creates a contact of an account (Tigerpaw has no
// configurations).
func (p *tpPSA) createRecord(ctx context.Context, object, org string, values map[string]any) (string, error) {
	if object != "contact" {
		return "", fmt.Errorf("sandbox: creating %s not supported", object)
	}
	acc, err := strconv.ParseInt(org, 10, 64)
	if err != nil {
		return "", fmt.Errorf("sandbox: account number %q: %w", org, err)
	}
	body := map[string]any{"AccountNumber": acc, "Active": true}
	for f, v := range values {
		if f == "emails" {
			list := []any{}
			for i, e := range v.([]string) {
				list = append(list, map[string]any{"Address": e, "Type": "Business", "IsPrimary": i == 0})
			}
			body["EmailAddresses"] = list
			continue
		}
		jp, ok := tpPaths[object][f]
		if !ok {
			return "", fmt.Errorf("sandbox: field %s.%s not supported", object, f)
		}
		body[jp] = nullable(v)
	}
	var out map[string]any
	if err := p.request(ctx, http.MethodPost, tpLists[object], body, &out); err != nil {
		return "", err
	}
	return idString(out["ContactNumber"]), nil
}

func (p *tpPSA) deleteRecord(ctx context.Context, object, id string) error {
	path, ok := tpLists[object]
	if !ok {
		return fmt.Errorf("sandbox: object %q not supported", object)
	}
	return p.request(ctx, http.MethodDelete, path+"/"+id, nil, nil)
}

func (p *tpPSA) changeConfiguration(ctx context.Context, id, serial string) error {
	return fmt.Errorf("sandbox: Tigerpaw has no configurations")
}

// DerivedLocationsCases gives, for a data set, the generator keys of the
// records the DerivedLocationsPSA sandbox places for each of its rules,
// by case name ("contact-inactive", "contacts-shared-address",
// "contact-account-address", "contact-several-phone-types",
// "account-primary-phone-extension", ...): contact keys, or company keys
// for the account cases.
func DerivedLocationsCases(d *msp.Dataset) map[string][]string {
	out := map[string][]string{}
	for _, c := range tigerpaw.SeedCases(d) {
		out[c.Name] = append(out[c.Name], c.Keys...)
	}
	return out
}
