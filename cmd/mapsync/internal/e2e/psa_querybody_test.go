package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// wireRequest is one request a recording proxy saw.
type wireRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                map[string]any
}

// wireRecorder is a reverse proxy in front of a PSA sandbox that records
// every request (the sandbox answers with URLs of the host it was asked
// at, so discovered URLs and next-page URLs point at the proxy too).
type wireRecorder struct {
	mu   sync.Mutex
	reqs []wireRequest
	srv  *httptest.Server
}

func newWireRecorder(t *testing.T, target string) *wireRecorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	root := &url.URL{Scheme: u.Scheme, Host: u.Host}
	rp := httputil.NewSingleHostReverseProxy(root)
	w := &wireRecorder{}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		w.mu.Lock()
		w.reqs = append(w.reqs, wireRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		w.mu.Unlock()
		rp.ServeHTTP(rw, r)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *wireRecorder) take() []wireRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.reqs
	w.reqs = nil
	return out
}

// newQueryBodyHarness runs the query-body PSA's sync with its API behind
// a recording proxy.
func newQueryBodyHarness(t *testing.T, data msp.Options) (*harness, *wireRecorder) {
	t.Helper()
	var rec *wireRecorder
	h := newPSAHarness(t, local.QueryBodyPSA, local.QueryBodyPSA, data, func(c *workflows.Config) {
		env := c.Env
		c.Lookback = time.Millisecond
		c.Env = func(name string) (string, bool) {
			v, ok := env(name)
			if ok && strings.HasPrefix(v, "http") && rec != nil && strings.HasSuffix(v, "/atservicesrest") {
				return rec.srv.URL + "/atservicesrest", true
			}
			return v, ok
		}
	})
	target := ""
	for k, v := range h.sb.Env() {
		if strings.HasSuffix(v, "/atservicesrest") && strings.HasPrefix(v, "http") {
			target = v
			_ = k
		}
	}
	if target == "" {
		t.Fatal("the sandbox gives no zone lookup URL")
	}
	rec = newWireRecorder(t, target)
	return h, rec
}

// linkIDs maps the PSA ids of an object's linked records to their
// documentation ids.
func (h *harness) linkIDs(ctx context.Context, object string) map[string]string {
	h.t.Helper()
	db, err := match.OpenResults(ctx, h.syncDir())
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT psa_id, doc_id FROM links WHERE object = ? AND psa_id IS NOT NULL AND doc_id IS NOT NULL`, object)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, d string
		if err := rows.Scan(&p, &d); err != nil {
			h.t.Fatal(err)
		}
		out[p] = d
	}
	return out
}

// docAttrs reads a documentation record's attributes.
func (h *harness) docAttrs(ctx context.Context, path string) map[string]any {
	h.t.Helper()
	var doc struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := h.sb.DocRequest(ctx, http.MethodGet, path, nil, &doc); err != nil {
		h.t.Fatal(err)
	}
	return doc.Data.Attributes
}

// psaItem reads one record of the PSA ({"item": {...}}).
func (h *harness) psaItem(ctx context.Context, path string) map[string]any {
	h.t.Helper()
	var out struct {
		Item map[string]any `json:"item"`
	}
	if err := h.sb.PSARequest(ctx, http.MethodGet, path, nil, &out); err != nil {
		h.t.Fatal(err)
	}
	return out.Item
}

func filterItems(body map[string]any) []any {
	items, _ := body["filter"].([]any)
	return items
}

// The query-body PSA end to end: zone discovery before the first call
// and header auth on every other; lists as POST query bodies paged by
// nextPageUrl, incremental runs adding the changed-since filter item; the
// first full sync (names read through the related product, manufacturer
// and model through it, Active as a status, picklists as labels, UDFs as
// PSA custom fields, locations derived from company addresses, matched
// records linked not duplicated); a documentation-side contact edit
// flowing back as a PATCH of the collection holding only the id and the
// changed field; a location edit not flowing back; an unchanged rerun
// writing nothing; an address change giving a new location.
func TestQueryBodyPSAEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	data := msp.Options{Seed: 7, Companies: 8, ConfigsPerCo: 70, ContactsPerCo: 3, SitesPerCo: 1, TicketsPerCo: 2}
	h, rec := newQueryBodyHarness(t, data)

	first := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(first))
	for _, o := range first.Objects {
		if o.Errors > 0 {
			t.Errorf("%s: %d record errors in a fault-free run", o.Object, o.Errors)
		}
	}
	reqs := rec.take()
	if len(reqs) == 0 || !strings.HasSuffix(strings.ToLower(reqs[0].Path), "/zoneinformation") {
		t.Fatalf("the first request is not the zone lookup: %+v", reqs[:min(1, len(reqs))])
	}
	zone, paged, queries := 0, 0, 0
	for _, r := range reqs {
		if strings.HasSuffix(strings.ToLower(r.Path), "/zoneinformation") {
			zone++
			continue
		}
		for _, hd := range []string{"ApiIntegrationCode", "UserName", "Secret"} {
			if r.Header.Get(hd) == "" {
				t.Errorf("%s %s without the %s header", r.Method, r.Path, hd)
			}
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/query") {
			queries++
			if len(filterItems(r.Body)) == 0 {
				t.Errorf("POST %s without filter items: %v", r.Path, r.Body)
			}
		}
		// A next page: the URL the previous answer gave, with the same body.
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/ConfigurationItems/query/next") && r.Query != "" {
			paged++
			if len(filterItems(r.Body)) == 0 {
				t.Errorf("next page without the query body: %v", r.Body)
			}
		}
	}
	if zone == 0 || queries == 0 {
		t.Errorf("zone lookups %d, query bodies %d", zone, queries)
	}
	if paged == 0 {
		t.Error("no list followed a nextPageUrl (more than 500 configuration items)")
	}
	// The sandbox answers 429 past 3 concurrent requests per entity
	// endpoint or its hourly budget: the declared limits keep under both.
	if n := h.sb.Logs()[0].ByStatus[http.StatusTooManyRequests]; n != 0 {
		t.Errorf("the PSA answered 429 %d times", n)
	}

	// Field by field, for a few records.
	orgs := h.linkIDs(ctx, "organization")
	if len(orgs) == 0 {
		t.Fatal("no organization linked")
	}
	for psaID, docID := range orgs {
		co := h.psaItem(ctx, "/Companies/"+psaID)
		a := h.docAttrs(ctx, "/organizations/"+docID)
		if a["name"] != co["companyName"] {
			t.Errorf("organization %s: name %v, company %v", docID, a["name"], co["companyName"])
		}
		want := map[bool]string{true: "Active", false: "Inactive"}[co["isActive"] == true]
		if a["organization-status-name"] != want {
			t.Errorf("organization %s: status %v, want %s", docID, a["organization-status-name"], want)
		}
		if a["organization-type-name"] == nil || a["organization-type-name"] == "" {
			t.Errorf("organization %s: no type (picklist label)", docID)
		}
		if cf, _ := a["psa-custom-fields"].([]any); len(cf) == 0 {
			t.Errorf("organization %s: no PSA custom fields from the UDFs", docID)
		}
	}

	cfgs := h.linkIDs(ctx, "configuration")
	var noTitle, titled int
	for psaID, docID := range cfgs {
		ci := h.psaItem(ctx, "/ConfigurationItems/"+psaID)
		product := h.psaItem(ctx, "/Products/"+idText(ci["productID"]))
		a := h.docAttrs(ctx, "/configurations/"+docID)
		wantName := ci["referenceTitle"]
		if s, _ := wantName.(string); strings.TrimSpace(s) == "" {
			wantName = product["name"]
			noTitle++
		} else {
			titled++
		}
		if a["name"] != wantName {
			t.Errorf("configuration %s: name %v, want %v", docID, a["name"], wantName)
		}
		if a["manufacturer-name"] != product["manufacturerName"] || a["model-name"] != product["manufacturerProductName"] {
			t.Errorf("configuration %s: manufacturer/model %v/%v, product's %v/%v", docID, a["manufacturer-name"], a["model-name"], product["manufacturerName"], product["manufacturerProductName"])
		}
		if want := map[bool]string{true: "Active", false: "Inactive"}[ci["isActive"] == true]; a["configuration-status-name"] != want {
			t.Errorf("configuration %s: status %v, want %s", docID, a["configuration-status-name"], want)
		}
		if a["configuration-type-name"] == nil || a["configuration-type-name"] == "" {
			t.Errorf("configuration %s: no type (picklist label)", docID)
		}
		if a["serial-number"] != ci["serialNumber"] {
			t.Errorf("configuration %s: serial %v, want %v", docID, a["serial-number"], ci["serialNumber"])
		}
	}
	if noTitle == 0 || titled == 0 {
		t.Errorf("linked configurations without a reference title %d, with one %d: want both", noTitle, titled)
	}

	// Locations: one per company address, the organization's primary.
	locs := h.linkIDs(ctx, "location")
	if len(locs) == 0 {
		t.Fatal("no location derived from company addresses")
	}
	for psaID := range locs {
		if !strings.Contains(psaID, "|") {
			t.Errorf("location %s: not an address-tuple id", psaID)
		}
	}

	// Rerun: nothing written; an incremental run sends the changed-since
	// filter item in its query bodies.
	again := h.mustSync(ctx, workflows.SyncInput{})
	t.Log(summary(again))
	if n := writes(again); n != 0 {
		t.Errorf("unchanged incremental rerun wrote %d records", n)
	}
	changed := false
	for _, r := range rec.take() {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.Path, "/Companies/query") {
			continue
		}
		for _, it := range filterItems(r.Body) {
			if m, _ := it.(map[string]any); m["field"] == "lastActivityDate" && m["op"] == "gt" && m["value"] != nil {
				changed = true
			}
		}
	}
	if !changed {
		t.Error("no incremental company query carried the lastActivityDate filter item")
	}

	// A PSA edit flows to the documentation side.
	var orgID, orgDoc string
	for p, d := range orgs {
		orgID, orgDoc = p, d
		break
	}
	if err := h.sb.EditRecord(ctx, local.SidePSA, "organization", orgID, map[string]any{"name": "Renamed In The PSA"}); err != nil {
		t.Fatal(err)
	}
	inc := h.mustSync(ctx, workflows.SyncInput{})
	t.Log(summary(inc))
	if got := h.docAttrs(ctx, "/organizations/"+orgDoc)["name"]; got != "Renamed In The PSA" {
		t.Errorf("organization renamed in the PSA: documentation name %v", got)
	}

	// A documentation-side contact edit flows back: PATCH of the
	// company's contacts with the id and the title only.
	contacts := h.linkIDs(ctx, "contact")
	var ctID, ctDoc string
	for p, d := range contacts {
		ctID, ctDoc = p, d
		break
	}
	if ctID == "" {
		t.Fatal("no contact linked")
	}
	before := h.psaItem(ctx, "/Contacts/"+ctID)
	if err := h.sb.EditRecord(ctx, local.SideDoc, "contact", ctDoc, map[string]any{"title": "Head of Everything"}); err != nil {
		t.Fatal(err)
	}
	// A documentation-side edit of a derived location does not flow back.
	var locDoc string
	for _, d := range locs {
		locDoc = d
		break
	}
	if err := h.sb.DocRequest(ctx, http.MethodPatch, "/locations/"+locDoc, map[string]any{"data": map[string]any{"type": "locations", "attributes": map[string]any{"city": "Elsewhere"}}}, nil); err != nil {
		t.Fatal(err)
	}
	rec.take()
	back := h.mustSync(ctx, workflows.SyncInput{})
	t.Log(summary(back))
	after := h.psaItem(ctx, "/Contacts/"+ctID)
	if after["title"] != "Head of Everything" {
		t.Errorf("contact title edited in the documentation system: PSA title %v", after["title"])
	}
	var patches []wireRequest
	for _, r := range rec.take() {
		if r.Method == http.MethodPatch {
			patches = append(patches, r)
		}
		if r.Method != http.MethodGet && strings.Contains(r.Path, "Locations") {
			t.Errorf("a location was written to the PSA: %s %s", r.Method, r.Path)
		}
	}
	if len(patches) != 1 {
		t.Fatalf("PATCH requests: %+v, want one", patches)
	}
	p := patches[0]
	if !strings.HasSuffix(p.Path, "/Companies/"+idText(before["companyID"])+"/Contacts") {
		t.Errorf("contact PATCH at %s, want the company's contacts", p.Path)
	}
	if len(p.Body) != 2 || idText(p.Body["id"]) != ctID || p.Body["title"] != "Head of Everything" {
		t.Errorf("contact PATCH body %v, want only the id and the title", p.Body)
	}

	// An address change gives a new location (the old one is no longer
	// derived from anything).
	locsBefore := h.linkIDs(ctx, "location")
	if err := h.sb.PSARequest(ctx, http.MethodPatch, "/Companies", map[string]any{"id": json.Number(orgID), "address1": "99 Moved Avenue"}, nil); err != nil {
		t.Fatal(err)
	}
	moved := h.mustSync(ctx, workflows.SyncInput{})
	t.Log(summary(moved))
	locsAfter := h.linkIDs(ctx, "location")
	newLoc := ""
	for p := range locsAfter {
		if _, ok := locsBefore[p]; !ok {
			newLoc = p
		}
	}
	if !strings.HasPrefix(newLoc, orgID+"|99 moved avenue|") {
		t.Errorf("no new location for the changed address (new: %q)", newLoc)
	}
	var oldLoc string
	for p := range locsBefore {
		if strings.HasPrefix(p, orgID+"|") {
			oldLoc = p
		}
	}
	// The next full run, whose derived listing is complete, orphans the
	// location of the old address.
	full := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(full))
	if got := h.column(ctx, `SELECT state FROM links WHERE object = 'location' AND psa_id = ?`, oldLoc); len(got) != 1 || got[0] != "orphaned" {
		t.Errorf("the location of the old address %q: link states %v, want orphaned", oldLoc, got)
	}
}

// Configurations pushed from the documentation side into the query-body
// PSA need a manufacturer and a model: one without them is not created,
// with the reason; one with them is created with the product of both.
func TestQueryBodyPSAConfigurationPushNeedsProduct(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	h, rec := newQueryBodyHarness(t, msp.Options{Seed: 7, Companies: 4, ConfigsPerCo: 4, ContactsPerCo: 2, SitesPerCo: 1, TicketsPerCo: 1})
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})

	cfgs := h.linkIDs(ctx, "configuration")
	var model map[string]any
	var orgDoc, psaOrg string
	for psaID, docID := range cfgs {
		a := h.docAttrs(ctx, "/configurations/"+docID)
		if a["manufacturer-id"] != nil && a["model-id"] != nil {
			model, orgDoc = a, idText(a["organization-id"])
			psaOrg = idText(h.psaItem(ctx, "/ConfigurationItems/"+psaID)["companyID"])
			break
		}
	}
	if model == nil {
		t.Fatal("no linked configuration with a manufacturer and a model")
	}
	create := func(name string, withProduct bool) {
		attrs := map[string]any{"name": name, "configuration-type-id": model["configuration-type-id"],
			"configuration-status-id": model["configuration-status-id"], "serial-number": name + "-SN"}
		if withProduct {
			attrs["manufacturer-id"], attrs["model-id"] = model["manufacturer-id"], model["model-id"]
		}
		body := map[string]any{"data": map[string]any{"type": "configurations", "attributes": attrs}}
		if err := h.sb.DocRequest(ctx, http.MethodPost, "/organizations/"+orgDoc+"/relationships/configurations", body, nil); err != nil {
			t.Fatal(err)
		}
	}
	create("PUSHED-BARE", false)
	create("PUSHED-FULL", true)
	// A contact: created under its company.
	if _, err := h.sb.CreateRecord(ctx, local.SideDoc, "contact", orgDoc, map[string]any{"first_name": "Pushy", "last_name": "Newcomer", "title": "Intern"}); err != nil {
		t.Fatal(err)
	}
	rec.take()
	res := h.mustSync(ctx, workflows.SyncInput{PushAll: []string{"configuration", "contact"}})
	t.Log(summary(res))

	recs, err := h.sb.ListRecords(ctx, local.SidePSA, "configuration")
	if err != nil {
		t.Fatal(err)
	}
	var full *local.Record
	for i, r := range recs {
		switch r.Fields["name"] {
		case "PUSHED-BARE":
			t.Error("a configuration without manufacturer and model was created in the PSA")
		case "PUSHED-FULL":
			full = &recs[i]
		}
	}
	if full == nil {
		h.logErrors()
		t.Fatal("the configuration with a manufacturer and a model was not created in the PSA")
	}
	if full.Org != psaOrg {
		t.Errorf("created under company %s, want %s", full.Org, psaOrg)
	}
	ci := h.psaItem(ctx, "/ConfigurationItems/"+full.ID)
	product := h.psaItem(ctx, "/Products/"+idText(ci["productID"]))
	if product["manufacturerName"] != model["manufacturer-name"] || product["manufacturerProductName"] != model["model-name"] {
		t.Errorf("created with product %v (%v %v), want %v %v", ci["productID"], product["manufacturerName"], product["manufacturerProductName"], model["manufacturer-name"], model["model-name"])
	}
	contacts, err := h.sb.ListRecords(ctx, local.SidePSA, "contact")
	if err != nil {
		t.Fatal(err)
	}
	pushed := false
	for _, c := range contacts {
		if c.Fields["first_name"] == "Pushy" && c.Fields["last_name"] == "Newcomer" {
			pushed = true
			if c.Org != psaOrg {
				t.Errorf("contact created under company %s, want %s", c.Org, psaOrg)
			}
		}
	}
	if !pushed {
		h.logErrors()
		t.Error("the contact was not created in the PSA")
	}
	childCreate := false
	for _, r := range rec.take() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/Companies/"+psaOrg+"/Contacts") {
			childCreate = true
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/Contacts") && !strings.Contains(r.Path, "/Companies/") {
			t.Errorf("contact created outside its company: POST %s", r.Path)
		}
	}
	if !childCreate {
		t.Error("no POST to the company's contacts")
	}
	// The bare one is reported with the reason.
	db, err := match.OpenResults(ctx, h.syncDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM ops WHERE object = 'configuration' AND op = 'invalid' AND target_side = 'psa' AND CAST(fields AS VARCHAR) ILIKE '%manufacturer%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		h.logErrors()
		t.Error("no reason recorded for the configuration pushed without manufacturer and model")
	}
}

func idText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatInt(int64(x), 10)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
