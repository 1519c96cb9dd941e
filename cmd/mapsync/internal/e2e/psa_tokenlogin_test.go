package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine"
	"mapsync/workflows"
)

// The PSA with a token login, search routes paged in a POST body and
// two-way sync off by default (local.TokenLoginPSA), and its twin product
// (local.TokenLoginTwinPSA), whose shipped sync is two-way with confirmed
// creates.

// More than one search page (100) of assets.
var tokenSmall = msp.Options{Seed: 7, Companies: 10, ConfigsPerCo: 12, ContactsPerCo: 3, SitesPerCo: 2, TicketsPerCo: 1}

// tlRouteCount is how many requests the PSA sandbox counted on routes whose
// key ("METHOD /route/{pattern}") satisfies match.
func (h *harness) tlRouteCount(match func(string) bool) int {
	n := 0
	for k, v := range h.sb.Logs()[0].ByRoute {
		if match(k) {
			n += v
		}
	}
	return n
}

func tlIsWrite(route string) bool {
	return (strings.HasPrefix(route, "POST ") || strings.HasPrefix(route, "PATCH ") || strings.HasPrefix(route, "PUT ") || strings.HasPrefix(route, "DELETE ")) &&
		!strings.HasSuffix(route, "/search") && !strings.Contains(route, "/security/")
}

func tlObject(r workflows.SyncResult, object string) workflows.ObjectSummary {
	for _, o := range r.Objects {
		if o.Object == object {
			return o
		}
	}
	return workflows.ObjectSummary{}
}

// tlDocAttrs reads the attributes of one documentation record.
func (h *harness) tlDocAttrs(ctx context.Context, path string) map[string]any {
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

// tlPSAResult reads the Result of one PSA answer.
func (h *harness) tlPSAResult(ctx context.Context, path string) map[string]any {
	h.t.Helper()
	var env struct{ Result map[string]any }
	if err := h.sb.PSARequest(ctx, http.MethodGet, path, nil, &env); err != nil {
		h.t.Fatal(err)
	}
	return env.Result
}

// tlLinkOf is the doc id linked to a PSA id ("" when none).
func (h *harness) tlLinkOf(ctx context.Context, object, psaID string) string {
	h.t.Helper()
	ids := h.column(ctx, `SELECT doc_id FROM links WHERE object = ? AND psa_id = ? AND doc_id IS NOT NULL`, object, psaID)
	if len(ids) != 1 {
		h.t.Fatalf("%s %s: %d links", object, psaID, len(ids))
	}
	return ids[0]
}

// tlTwoWayPlan replaces the harness's plan by the shipped set with the
// shipped sync of its PSA (in file) edited to sync every object two way (the user
// turning two-way sync on): each object gets direction = "two_way".
func (h *harness) tlTwoWayPlan(file string) {
	h.t.Helper()
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "..", "..", "..", "..", "mappings")
	dir := h.t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".hcl") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			h.t.Fatal(err)
		}
		text := string(b)
		if e.Name() == file {
			for _, o := range []string{"organization", "location", "contact", "configuration"} {
				text = strings.Replace(text, "  object \""+o+"\" {\n", "  object \""+o+"\" {\n    direction = \"two_way\"\n", 1)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), []byte(text), 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
	l := engine.LoadDir(dir)
	if l.Diags.HasErrors() || len(l.Diags) > 0 {
		h.t.Fatalf("the two-way edit is not accepted: %v", l.Diags)
	}
	if _, err := workflows.NewPlanStore(workflows.PlanDir(h.dataDir)).Save(l.Plan); err != nil {
		h.t.Fatal(err)
	}
	h.plan = l.Plan
}

// tlNewDocContact creates a contact in the documentation sandbox under an
// organization, with the given attributes (JSON:API names).
func (h *harness) tlNewDocContact(ctx context.Context, org string, attrs map[string]any) string {
	h.t.Helper()
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	body := map[string]any{"data": map[string]any{"type": "contacts", "attributes": attrs}}
	if err := h.sb.DocRequest(ctx, http.MethodPost, "/organizations/"+org+"/relationships/contacts", body, &out); err != nil {
		h.t.Fatal(err)
	}
	return out.Data.ID
}

// A first full sync pulls accounts, locations, contacts and assets into
// the documentation system (field by field, matched records linked, not
// duplicated) through a token login whose tokens expire during the run and
// are renewed, reading search routes paged in the POST body; nothing is
// written to the PSA (two-way sync is off by default). PSA edits reach the
// documentation side in an incremental run that reads only the records
// modified since (the ModifiedOn filter in the search body); a
// documentation edit does not flow back; an unchanged rerun writes nothing.
func TestTokenLoginPSAEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	h := newPSAHarness(t, local.TokenLoginPSA, local.TokenLoginPSA, tokenSmall, nil)
	// Tokens valid for 20 s: the client renews a token 30 s before it
	// expires (by the expiry the login answers), so every token has
	// lapsed, for the client, by its next request, and is renewed with
	// the single-use refresh token over and over in one run.
	if err := h.sb.SetPSATokenLifetime(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, o := range h.shipped().Objects {
		if o.Direction != "to_doc" {
			t.Errorf("shipped sync: %s syncs %s, want to_doc (two-way off by default)", o.Object, o.Direction)
		}
	}
	accounts := h.sb.PSACount("accounts")

	first := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(first))
	h.logErrors()
	for _, o := range first.Objects {
		if o.Errors > 0 {
			t.Errorf("%s: %d record errors", o.Object, o.Errors)
		}
	}
	if writes(first) == 0 {
		t.Fatal("the first sync wrote nothing")
	}
	log := h.sb.Logs()[0]
	t.Logf("PSA requests: %v", log.ByRoute)
	api := h.tlRouteCount(func(r string) bool { return !strings.Contains(r, "/security/authenticate") })
	if n := h.tlRouteCount(func(r string) bool { return strings.Contains(r, "/security/authenticate") }); n < api {
		t.Errorf("%d logins and renewals for %d API requests, each with a lapsed token: want one renewal per request", n, api)
	}
	if n := log.ByStatus[http.StatusUnauthorized]; n > 0 {
		t.Logf("%d requests answered 401 (renewed)", n)
	}
	for _, r := range []string{"POST /crm/accounts/search", "POST /crm/locations/search", "POST /crm/contacts/search", "POST /servicedesk/hardwareasset/search"} {
		if log.ByRoute[r] == 0 {
			t.Errorf("no request on %s", r)
		}
	}
	// Every asset read, over several pages of the search body.
	assets := h.sb.PSACount("hardwareassets")
	if o := tlObject(first, "configuration"); o.ExtractedPSA != int64(assets) || assets <= 100 {
		t.Errorf("read %d of %d assets", o.ExtractedPSA, assets)
	}
	if n := log.ByRoute["POST /servicedesk/hardwareasset/search"]; n != (assets+99)/100 {
		t.Errorf("%d search pages for %d assets, want %d", n, assets, (assets+99)/100)
	}
	if n := h.tlRouteCount(tlIsWrite); n != 0 {
		t.Errorf("%d writes to the PSA in a one-way sync", n)
	}
	if got := h.sb.PSACount("accounts"); got != accounts {
		t.Errorf("PSA accounts %d -> %d", accounts, got)
	}

	// Field by field: a company both sides had (linked, not duplicated),
	// one of its assets and one of its contacts.
	co, err := h.sb.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	accID, _ := h.sb.PSAID(co.Key)
	docOrg := h.tlLinkOf(ctx, "organization", accID)
	if want, ok := h.sb.DocID(co.Key); !ok || want != docOrg {
		t.Errorf("account %s linked to doc %s, want the existing organization %s", accID, docOrg, want)
	}
	acc := h.tlPSAResult(ctx, "/crm/accounts/"+accID)
	org := h.tlDocAttrs(ctx, "/organizations/"+docOrg)
	if org["name"] != acc["AccountName"] || org["short-name"] != acc["AccountCode"] || org["organization-type-name"] != acc["AccountType"] {
		t.Errorf("organization %v, account %v", org, acc)
	}
	cfg := co.Configs[0]
	assetID, _ := h.sb.PSAID(cfg.Key)
	asset := h.tlPSAResult(ctx, "/servicedesk/hardwareasset/"+assetID)
	docCfg := h.tlDocAttrs(ctx, "/configurations/"+h.tlLinkOf(ctx, "configuration", assetID))
	for attr, key := range map[string]string{"name": "Name", "serial-number": "SerialNumber", "configuration-type-name": "Category", "model-name": "ModelNumber", "primary-ip": "IpAddress"} {
		if fmt.Sprint(docCfg[attr]) != fmt.Sprint(asset[key]) {
			t.Errorf("configuration %s = %v, asset %s = %v", attr, docCfg[attr], key, asset[key])
		}
	}
	ct := co.Contacts[0]
	contactID, _ := h.sb.PSAID(ct.Key)
	contact := h.tlPSAResult(ctx, "/crm/contacts/"+contactID)
	docCt := h.tlDocAttrs(ctx, "/contacts/"+h.tlLinkOf(ctx, "contact", contactID))
	if docCt["first-name"] != contact["FirstName"] || docCt["last-name"] != contact["LastName"] || docCt["important"] != contact["Poc"] {
		t.Errorf("contact %v, PSA %v", docCt, contact)
	}
	if emails, _ := docCt["contact-emails"].([]any); len(emails) == 0 {
		t.Errorf("contact %s has no e-mails in the documentation system", contactID)
	}

	// PSA edits: an incremental run reads only the modified records.
	if err := h.sb.EditRecord(ctx, local.SidePSA, "organization", accID, map[string]any{"name": co.Name + " Holdings"}); err != nil {
		t.Fatal(err)
	}
	if err := h.sb.EditRecord(ctx, local.SidePSA, "configuration", assetID, map[string]any{"serial_number": "SN-EDITED-1"}); err != nil {
		t.Fatal(err)
	}
	// A documentation edit of a PSA-owned field: one-way, never written
	// back.
	docContact := h.tlLinkOf(ctx, "contact", contactID)
	body := map[string]any{"data": map[string]any{"type": "contacts", "attributes": map[string]any{"title": "Edited In Docs"}}}
	if err := h.sb.DocRequest(ctx, http.MethodPatch, "/contacts/"+docContact, body, nil); err != nil {
		t.Fatal(err)
	}
	h.sb.ResetLogs()
	inc := h.mustSync(ctx, workflows.SyncInput{})
	t.Log(summary(inc))
	if o := tlObject(inc, "organization"); o.ExtractedPSA != 1 {
		t.Errorf("incremental run read %d accounts, want the 1 modified", o.ExtractedPSA)
	}
	if o := tlObject(inc, "configuration"); o.ExtractedPSA != 1 {
		t.Errorf("incremental run read %d assets, want the 1 modified", o.ExtractedPSA)
	}
	if got := h.tlDocAttrs(ctx, "/organizations/"+docOrg)["name"]; got != co.Name+" Holdings" {
		t.Errorf("renamed account: documentation name %v", got)
	}
	if got := tlDocCfgSerial(h, ctx, assetID); got != "SN-EDITED-1" {
		t.Errorf("asset serial: documentation %v", got)
	}
	if got := h.tlPSAResult(ctx, "/crm/contacts/"+contactID)["JobTitle"]; got == "Edited In Docs" {
		t.Error("a documentation edit reached the PSA in a one-way sync")
	}
	if n := h.tlRouteCount(tlIsWrite); n != 0 {
		t.Errorf("%d writes to the PSA in a one-way sync", n)
	}

	again := h.mustSync(ctx, workflows.SyncInput{})
	if n := writes(again); n != 0 {
		t.Errorf("unchanged rerun wrote %d records: %s", n, summary(again))
	}
}

func tlDocCfgSerial(h *harness, ctx context.Context, assetID string) any {
	return h.tlDocAttrs(ctx, "/configurations/"+h.tlLinkOf(ctx, "configuration", assetID))["serial-number"]
}

// With two-way sync turned on (the shipped sync edited), documentation
// edits are written to the PSA as JSON Patch; a write the PSA refuses
// inside an HTTP 200 answer (Success = false, code 400) is a record error,
// sent once, not retried; a contact created in the documentation system
// after the first sync is pushed only when it has a first name, an e-mail,
// a phone and a location, and otherwise waits with the reason.
func TestTokenLoginPSATwoWayEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	h := newPSAHarness(t, local.TokenLoginPSA, local.TokenLoginPSA, tokenSmall, nil)
	h.tlTwoWayPlan(h.shipped().Name + ".hcl") // the sync file is named after the sync
	for _, o := range h.shipped().Objects {
		if o.Direction != "two_way" {
			t.Fatalf("edited sync: %s syncs %s", o.Object, o.Direction)
		}
	}
	first := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(first))
	h.logErrors()

	co, err := h.sb.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	accID, _ := h.sb.PSAID(co.Key)
	docOrg := h.tlLinkOf(ctx, "organization", accID)
	contactID, _ := h.sb.PSAID(co.Contacts[0].Key)
	docContact := h.tlLinkOf(ctx, "contact", contactID)
	loc := fmt.Sprint(h.tlPSAResult(ctx, "/crm/accounts/"+accID)["MainLocationId"])
	docLoc := h.tlLinkOf(ctx, "location", loc)

	// A documentation edit flows to the PSA (JSON Patch of the contact).
	before := h.tlPSAResult(ctx, "/crm/contacts/"+contactID)
	body := map[string]any{"data": map[string]any{"type": "contacts", "attributes": map[string]any{"title": "Edited In Docs"}}}
	if err := h.sb.DocRequest(ctx, http.MethodPatch, "/contacts/"+docContact, body, nil); err != nil {
		t.Fatal(err)
	}
	// A short name another account already has: BMS refuses the write
	// with HTTP 200, Success = false, code 400.
	other := ""
	for _, c := range h.sb.Data.PSA.Companies {
		if c.Key != co.Key {
			id, _ := h.sb.PSAID(c.Key)
			other = fmt.Sprint(h.tlPSAResult(ctx, "/crm/accounts/"+id)["AccountCode"])
			break
		}
	}
	body = map[string]any{"data": map[string]any{"type": "organizations", "attributes": map[string]any{"short-name": other}}}
	if err := h.sb.DocRequest(ctx, http.MethodPatch, "/organizations/"+docOrg, body, nil); err != nil {
		t.Fatal(err)
	}
	// New documentation contacts: one with everything BMS needs, one
	// without a phone.
	full := h.tlNewDocContact(ctx, docOrg, map[string]any{"first-name": "Quinn", "last-name": "Pushed", "location-id": docLoc,
		"contact-emails": []any{map[string]any{"value": "quinn@example.test", "label-name": "Work", "primary": true}},
		"contact-phones": []any{map[string]any{"value": "555-0142", "label-name": "Mobile", "primary": true}}})
	nophone := h.tlNewDocContact(ctx, docOrg, map[string]any{"first-name": "Robin", "last-name": "Waiting", "location-id": docLoc,
		"contact-emails": []any{map[string]any{"value": "robin@example.test", "label-name": "Work", "primary": true}}})

	h.sb.ResetLogs()
	inc, err := h.sync(ctx, workflows.SyncInput{})
	if err != nil {
		t.Fatalf("a refused write failed the run: %v", err)
	}
	t.Log(summary(inc))
	h.logErrors()
	t.Logf("PSA requests: %v", h.sb.Logs()[0].ByRoute)

	after := h.tlPSAResult(ctx, "/crm/contacts/"+contactID)
	if after["JobTitle"] != "Edited In Docs" {
		t.Errorf("PSA contact title %v after a documentation edit in a two-way sync", after["JobTitle"])
	}
	// Only the changed field was patched: the lists keep their items
	// (ids included), which a replaced list would renumber.
	for _, k := range []string{"Emails", "Phones", "FirstName", "LastName", "Poc", "LocationId"} {
		if fmt.Sprint(before[k]) != fmt.Sprint(after[k]) {
			t.Errorf("PSA contact %s changed by a title edit: %v -> %v", k, before[k], after[k])
		}
	}
	if n := h.sb.Logs()[0].ByRoute["PATCH /crm/contacts/{id}"]; n < 1 {
		t.Errorf("%d JSON Patch updates of contacts", n)
	}
	if n := h.sb.Logs()[0].ByRoute["PATCH /crm/accounts/{id}"]; n != 1 {
		t.Errorf("the refused account update was sent %d times, want once (a record error, not retried)", n)
	}
	if o := tlObject(inc, "organization"); o.Errors != 1 {
		t.Errorf("organization: %d record errors, want the 1 refused", o.Errors)
	}
	msgs := h.tlErrorMessages()
	if !strings.Contains(strings.Join(msgs, "\n"), "AccountCode") {
		t.Errorf("record errors %q name no AccountCode", msgs)
	}

	pushed := h.column(ctx, `SELECT psa_id FROM links WHERE object = 'contact' AND doc_id = ? AND psa_id IS NOT NULL`, full)
	if len(pushed) != 1 {
		t.Fatalf("the complete new contact was not pushed (links %v)", pushed)
	}
	if c := h.tlPSAResult(ctx, "/crm/contacts/"+pushed[0]); c["FirstName"] != "Quinn" || fmt.Sprint(c["LocationId"]) != loc {
		t.Errorf("pushed contact %v", c)
	}
	waiting := h.column(ctx, `SELECT coalesce(reason, '') FROM links WHERE object = 'contact' AND doc_id = ? AND state = 'not_yet_pushed'`, nophone)
	if len(waiting) != 1 || !strings.Contains(waiting[0], "phones") {
		t.Errorf("the contact without a phone: waiting links %q, want one naming phones", waiting)
	}
}

// tlErrorMessages lists the messages of the open record errors.
func (h *harness) tlErrorMessages() []string {
	h.t.Helper()
	db, ok, err := workflows.OpenErrors(workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil || !ok {
		return nil
	}
	defer db.Close()
	rows, err := db.Query(`SELECT coalesce(message, '') FROM errors ORDER BY id`)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// The twin product's shipped sync, two-way with confirmed creates, on the
// same sandbox in its other flavor: the first sync pulls every object and
// links what both sides had; documentation records that existed before it
// wait instead of being created in the PSA; a contact created in the
// documentation system afterwards is pushed; an unchanged rerun writes
// nothing.
func TestTokenLoginTwinPSAEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	h := newPSAHarness(t, local.TokenLoginTwinPSA, local.TokenLoginTwinPSA, tokenSmall, nil)
	for _, o := range h.shipped().Objects {
		if o.Direction != "two_way" || o.CreateInPSA != "confirmed" {
			t.Errorf("shipped sync: %s is %s, create in PSA %s", o.Object, o.Direction, o.CreateInPSA)
		}
	}
	contacts := h.sb.PSACount("contacts")
	// Before the first sync, the synced company's organization gets a
	// location no PSA location matches, flagged as its primary one: it
	// waits, and the first run moves the primary flag to the PSA's main
	// location (a deferred flag reference), clearing it on that waiting
	// location, whose updated time moves. That write is the run's, no
	// user's edit: the location keeps waiting.
	co, err := h.sb.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	preOrg, ok := h.sb.DocID(co.Key)
	if !ok {
		t.Fatalf("company %s has no documentation record", co.Key)
	}
	var locs struct {
		Data []struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := h.sb.DocRequest(ctx, http.MethodGet, "/locations?filter[organization_id]="+preOrg, nil, &locs); err != nil {
		t.Fatal(err)
	}
	for _, l := range locs.Data {
		if l.Attributes["primary"] == true {
			body := map[string]any{"data": map[string]any{"type": "locations", "attributes": map[string]any{"primary": false}}}
			if err := h.sb.DocRequest(ctx, http.MethodPatch, "/locations/"+l.ID, body, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	body := map[string]any{"data": map[string]any{"type": "locations", "attributes": map[string]any{
		"name": "Old Annex", "address-1": "17 Waiting Lane", "city": "Nowhere Springs", "primary": true}}}
	if err := h.sb.DocRequest(ctx, http.MethodPost, "/organizations/"+preOrg+"/relationships/locations", body, &created); err != nil {
		t.Fatal(err)
	}
	annex := created.Data.ID
	first := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(first))
	h.logErrors()
	for _, o := range first.Objects {
		if o.Errors > 0 {
			t.Errorf("%s: %d record errors", o.Object, o.Errors)
		}
	}
	if got := h.sb.PSACount("contacts"); got != contacts {
		t.Errorf("PSA contacts %d -> %d: records in the documentation system before the first sync were pushed", contacts, got)
	}
	// Every documentation record that waits after the first sync existed
	// before it: no later run may push one of them, since nobody confirms
	// any (the run's own writes, such as the primary flag it sets on one
	// location, move the updated time of the others but are no user's edit).
	waiting := h.column(ctx, `SELECT object || ':' || doc_id FROM links WHERE state = 'not_yet_pushed' ORDER BY 1`)
	if len(waiting) == 0 {
		t.Error("no documentation record waits for a confirmation")
	}
	notPushed := func(run string) {
		t.Helper()
		if got := h.column(ctx, `SELECT DISTINCT object || ':' || doc_id || ' (' || coalesce(state, '') || ', ' || coalesce(reason, '') || ')'
			FROM links WHERE psa_id IS NOT NULL AND list_contains(?::VARCHAR[], object || ':' || doc_id) ORDER BY 1`, waiting); len(got) > 0 {
			t.Errorf("%s: records from before the first sync pushed without a confirmation: %v", run, got)
		}
		if got := h.column(ctx, `SELECT DISTINCT object || ':' || id || ' (' || reason || ')' FROM unmatched
			WHERE side = 'doc' AND action = 'create' AND list_contains(?::VARCHAR[], object || ':' || id) ORDER BY 1`, waiting); len(got) > 0 {
			t.Errorf("%s: records from before the first sync confirmed without a user: %v", run, got)
		}
	}
	if !slices.Contains(waiting, "location:"+annex) {
		t.Errorf("the location from before the first sync (%s) does not wait: waiting %v", annex, waiting)
	}
	if h.tlDocAttrs(ctx, "/locations/"+annex)["primary"] != false {
		t.Errorf("location %s: the first run did not move the primary flag off it", annex)
	}
	accID, _ := h.sb.PSAID(co.Key)
	docOrg := h.tlLinkOf(ctx, "organization", accID)
	acc := h.tlPSAResult(ctx, "/crm/accounts/"+accID)
	if org := h.tlDocAttrs(ctx, "/organizations/"+docOrg); org["name"] != acc["AccountName"] || org["short-name"] != acc["AccountCode"] {
		t.Errorf("organization %v, account %v", org, acc)
	}
	loc := fmt.Sprint(acc["MainLocationId"])
	docLoc := h.tlLinkOf(ctx, "location", loc)

	fresh := h.tlNewDocContact(ctx, docOrg, map[string]any{"first-name": "Quinn", "last-name": "Pushed", "location-id": docLoc,
		"contact-emails": []any{map[string]any{"value": "quinn@example.test", "label-name": "Work", "primary": true}},
		"contact-phones": []any{map[string]any{"value": "555-0142", "label-name": "Work", "primary": true}}})
	inc := h.mustSync(ctx, workflows.SyncInput{})
	t.Log(summary(inc))
	h.logErrors()
	if got := h.column(ctx, `SELECT psa_id FROM links WHERE object = 'contact' AND doc_id = ? AND psa_id IS NOT NULL`, fresh); len(got) != 1 {
		t.Errorf("a contact created after the first sync was not pushed (links %v)", got)
	}
	notPushed("second run")
	again := h.mustSync(ctx, workflows.SyncInput{})
	notPushed("third run")
	if n := writes(again); n != 0 {
		t.Errorf("unchanged rerun wrote %d records: %s", n, summary(again))
	}
}
