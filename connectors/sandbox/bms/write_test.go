package bms

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const patchCT = "application/json-patch+json"

func op(o, path string, value any) map[string]any {
	m := map[string]any{"op": o, "path": path}
	if value != nil {
		m["value"] = value
	}
	return m
}

func typeID(t *testing.T, h *harness, lookup, name string) int64 {
	t.Helper()
	id, ok := h.sb.lookupID(lookup, name)
	if !ok {
		t.Fatalf("no %s %q", lookup, name)
	}
	return id
}

func (h *harness) newAccount(t *testing.T, code string) map[string]any {
	t.Helper()
	return mustOK(t, h.call("POST", "/crm/accounts", map[string]any{
		"AccountName": "Northwind " + code, "AccountCode": code, "AccountTypeId": typeID(t, h, "accounttypes", "Customer"),
		"Locations": []any{map[string]any{"LocationName": "HQ", "Addresses": []any{map[string]any{
			"Address1": "1 Main St", "City": "Springfield", "State": "IL", "ZipCode": "62701", "Country": "United States", "Phone": "+1 217 555 0100"}}}},
	})).result(t)
}

func TestCreateAccountWithInlineLocation(t *testing.T) {
	h := newEnv(t, 2, Options{})
	a := h.newAccount(t, "NW1")
	id := num(t, a["Id"])
	locs := a["Locations"].([]any)
	if len(locs) != 1 || num(t, a["MainLocationId"]) != num(t, locs[0].(map[string]any)["Id"]) {
		t.Fatalf("locations %v, main %v", locs, a["MainLocationId"])
	}
	addr := locs[0].(map[string]any)["Addresses"].([]any)[0].(map[string]any)
	if num(t, addr["CountryId"]) != typeID(t, h, "countries", "United States") || addr["City"] != "Springfield" {
		t.Errorf("address %v", addr)
	}
	if a["AccountType"] != "Customer" || a["IsActive"] != true || a["TenantName"] != h.sb.opts.Tenant {
		t.Errorf("account %v", a)
	}
	got := mustOK(t, h.call("GET", "/crm/accounts/summary/"+itoa(id), nil)).result(t)
	if got["AccountCode"] != "NW1" {
		t.Errorf("read back %v", got)
	}
	// a second main location takes over
	loc2 := mustOK(t, h.call("POST", "/crm/accounts/"+itoa(id)+"/locations", map[string]any{"LocationName": "Branch", "IsMain": true})).result(t)
	got = mustOK(t, h.call("GET", "/crm/accounts/"+itoa(id), nil)).result(t)
	if num(t, got["MainLocationId"]) != num(t, loc2["Id"]) {
		t.Errorf("MainLocationId %v, want %v", got["MainLocationId"], loc2["Id"])
	}
}

func TestAccountValidationIsHTTP200SuccessFalse(t *testing.T) {
	h := newEnv(t, 2, Options{})
	taken := h.d.PSA.Companies[0].Identifier
	r := h.call("POST", "/crm/accounts", map[string]any{"AccountName": " ", "AccountCode": strings.ToLower(taken), "ParentId": 4242})
	if r.status != http.StatusOK || r.Success || r.Error == nil || r.Error.Code != 400 {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	joined := strings.Join(r.Error.SubErrors, "|")
	for _, want := range []string{"AccountName is required", "AccountTypeId is required", "already used", "ParentId: 4242"} {
		if !strings.Contains(joined, want) {
			t.Errorf("SubErrors %q lack %q", joined, want)
		}
	}
	if h.sb.Count("accounts") != 2 {
		t.Error("an invalid account was stored")
	}
	if r := h.call("POST", "/crm/accounts", map[string]any{"AccountName": "x", "AccountTypeId": "seven"}); r.Success || !strings.Contains(strings.Join(r.Error.SubErrors, "|"), "AccountTypeId: an integer expected") {
		t.Errorf("type error: %s", r.body)
	}
	if r := h.callCT("POST", "/crm/accounts", nil, ""); r.status != http.StatusBadRequest {
		t.Errorf("empty body: %d %s", r.status, r.body)
	}
}

func validContact(acct, loc int64) map[string]any {
	return map[string]any{"FirstName": "Ada", "LastName": "Lovelace", "AccountId": acct, "LocationId": loc, "JobTitle": "CTO",
		"Phones": []any{map[string]any{"PhoneNumber": "+1 555 0100", "PhoneTypeId": nil, "IsDefault": true}},
		"Emails": []any{map[string]any{"EmailAddress": "ada@example.com", "EmailType": "Work"}}}
}

func TestContactPushPrerequisites(t *testing.T) {
	h := newEnv(t, 2, Options{})
	c := h.d.PSA.Companies[0]
	acct, loc := h.id(c.Key), h.id(c.Sites[0].Key)
	other := h.id(h.d.PSA.Companies[1].Sites[0].Key)
	cases := map[string]struct {
		mut  func(m map[string]any)
		want string
	}{
		"no first name":    {func(m map[string]any) { delete(m, "FirstName") }, "FirstName is required"},
		"no email":         {func(m map[string]any) { m["Emails"] = []any{} }, "Emails: at least one is required"},
		"no phone":         {func(m map[string]any) { delete(m, "Phones") }, "Phones: at least one is required"},
		"no location":      {func(m map[string]any) { delete(m, "LocationId") }, "LocationId is required"},
		"foreign location": {func(m map[string]any) { m["LocationId"] = other }, "belongs to another account"},
		"two defaults": {func(m map[string]any) {
			m["Emails"] = []any{map[string]any{"EmailAddress": "a@x", "IsDefault": true}, map[string]any{"EmailAddress": "b@x", "IsDefault": true}}
		}, "only one can be the default"},
		"unknown type": {func(m map[string]any) { m["Phones"] = []any{map[string]any{"Phone": "1", "PhoneType": "Pager"}} }, "not a known type"},
	}
	before := h.sb.Count("contacts")
	for name, tc := range cases {
		body := validContact(acct, loc)
		tc.mut(body)
		r := h.call("POST", "/crm/contacts/summary", body)
		if r.status != http.StatusOK || r.Success || r.Error.Code != 400 || !strings.Contains(strings.Join(r.Error.SubErrors, "|"), tc.want) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if h.sb.Count("contacts") != before {
		t.Fatal("an invalid contact was stored")
	}
	// the spec's create path answers the short summary shape
	short := mustOK(t, h.call("POST", "/crm/contacts/summary", validContact(acct, loc))).result(t)
	if short["PhoneNumber"] != "+1 555 0100" || short["EmailAddress"] != "ada@example.com" || short["LocationName"] == nil {
		t.Errorf("summary create: %v", short)
	}
	// the designed alias answers ContactOutputDto; so does GET /crm/contacts/{id}
	for _, p := range []string{"/crm/contacts", "/crm/contacts/" + itoa(num(t, short["Id"]))} {
		method := "POST"
		if p != "/crm/contacts" {
			method = "GET"
		}
		got := mustOK(t, h.call(method, p, validContact(acct, loc))).result(t)
		ph := got["Phones"].([]any)[0].(map[string]any)
		em := got["Emails"].([]any)[0].(map[string]any)
		if ph["Phone"] != "+1 555 0100" || ph["PhoneType"] != "Work" || ph["IsDefault"] != true || em["IsDefault"] != true || em["EmailType"] != "Work" {
			t.Errorf("%s: phones %v emails %v", p, ph, em)
		}
		if got["AccountName"] != c.Name || got["Poc"] != false || got["IsActive"] != true {
			t.Errorf("%s: %v", p, got)
		}
	}
}

func TestContactPutAndJSONPatch(t *testing.T) {
	h := newEnv(t, 2, Options{})
	c := h.d.PSA.Companies[0]
	acct, loc := h.id(c.Key), h.id(c.Sites[0].Key)
	id := itoa(num(t, mustOK(t, h.call("POST", "/crm/contacts", validContact(acct, loc))).result(t)["Id"]))

	// PUT replaces: JobTitle left out is cleared, phones and emails kept
	put := mustOK(t, h.call("PUT", "/crm/contacts/"+id, map[string]any{"FirstName": "Ada", "LastName": "King", "AccountId": acct, "LocationId": loc})).result(t)
	if put["JobTitle"] != nil || put["LastName"] != "King" || len(put["Phones"].([]any)) != 1 {
		t.Fatalf("PUT: %v", put)
	}

	// case-insensitive JSON Patch on fields and list items, with json-patch+json
	p := mustOK(t, h.callCT("PATCH", "/crm/contacts/"+id, []any{
		op("replace", "/firstname", "Augusta"),
		op("replace", "/Phones/0/phone", "+1 555 0199"),
		op("add", "/emails/-", map[string]any{"emailaddress": "ada@home.example", "EmailType": "Personal"}),
		op("add", "/IsPoc", true),
		op("test", "/LastName", "King"),
	}, patchCT)).result(t)
	emails := p["Emails"].([]any)
	if p["FirstName"] != "Augusta" || p["Poc"] != true || p["Phones"].([]any)[0].(map[string]any)["Phone"] != "+1 555 0199" || len(emails) != 2 {
		t.Fatalf("PATCH: %v", p)
	}
	e2 := emails[1].(map[string]any)
	if e2["EmailType"] != "Personal" || e2["IsDefault"] != false || num(t, e2["Id"]) <= num(t, emails[0].(map[string]any)["Id"]) {
		t.Errorf("added email %v", e2)
	}
	// application/json is accepted too; remove
	mustOK(t, h.call("PATCH", "/crm/contacts/"+id, []any{op("remove", "/Emails/1", nil)}))

	bad := []struct {
		name string
		ops  []any
		ct   string
		code int
	}{
		{"read-only Id", []any{op("replace", "/Id", 5)}, patchCT, 400},
		{"unknown field", []any{op("replace", "/Shoe", 5)}, patchCT, 400},
		{"failed test", []any{op("test", "/FirstName", "Bob")}, patchCT, 400},
		{"bad op", []any{op("frobnicate", "/FirstName", "x")}, patchCT, 400},
		{"index out of range", []any{op("replace", "/Phones/9/Phone", "x")}, patchCT, 400},
		{"text/plain", []any{op("replace", "/FirstName", "x")}, "text/plain", 415},
	}
	for _, b := range bad {
		r := h.callCT("PATCH", "/crm/contacts/"+id, b.ops, b.ct)
		if r.status != b.code || r.Success {
			t.Errorf("%s: %d %s", b.name, r.status, r.body)
		}
	}
	// a patch that breaks a prerequisite is a validation failure, nothing stored
	r := h.callCT("PATCH", "/crm/contacts/"+id, []any{op("remove", "/Phones/0", nil)}, patchCT)
	if r.status != http.StatusOK || r.Success || r.Error.Code != 400 {
		t.Errorf("removing the last phone: %d %s", r.status, r.body)
	}
	got := mustOK(t, h.call("GET", "/crm/contacts/"+id, nil)).result(t)
	if len(got["Phones"].([]any)) != 1 || got["FirstName"] != "Augusta" {
		t.Errorf("after the failed patch: %v", got)
	}
}

func TestAssetWrites(t *testing.T) {
	h := newEnv(t, 2, Options{})
	c := h.d.PSA.Companies[0]
	acct, loc := h.id(c.Key), h.id(c.Sites[0].Key)
	r := h.call("POST", "/servicedesk/hardwareasset", map[string]any{"AccountId": acct})
	if r.Success || !strings.Contains(strings.Join(r.Error.SubErrors, "|"), "CategoryId is required") || !strings.Contains(strings.Join(r.Error.SubErrors, "|"), "Name is required") {
		t.Fatalf("invalid asset: %s", r.body)
	}
	a := mustOK(t, h.call("POST", "/servicedesk/hardwareasset", map[string]any{
		"Name": "NW-FW01", "AccountId": acct, "Category": "Firewall", "State": "Active", "Manufacturer": "Fortinet",
		"AccountLocationId": loc, "SerialNumber": "FGT60F123", "MacAddress": "00:09:0F:AA:BB:CC", "AcquisitionDate": "2025-03-01",
	})).result(t)
	if a["Category"] != "Firewall" || a["State"] != "Active" || a["AccountLocation"] != c.Sites[0].Name || a["AcquisitionDate"] != "2025-03-01T00:00:00Z" {
		t.Fatalf("asset %v", a)
	}
	id := itoa(num(t, a["Id"]))
	p := mustOK(t, h.callCT("PATCH", "/servicedesk/hardwareasset/"+id, []any{op("replace", "/ipaddress", "10.0.0.1"), op("replace", "/StatusId", typeID(t, h, "assetstates", "Retired"))}, patchCT)).result(t)
	if p["IpAddress"] != "10.0.0.1" || p["State"] != "Retired" || p["SerialNumber"] != "FGT60F123" {
		t.Errorf("patched %v", p)
	}
	put := mustOK(t, h.call("PUT", "/servicedesk/hardwareasset/"+id, map[string]any{"Name": "NW-FW02", "AccountId": acct, "CategoryId": typeID(t, h, "assetcategories", "Firewall")})).result(t)
	if put["SerialNumber"] != nil || put["Name"] != "NW-FW02" {
		t.Errorf("PUT kept %v", put)
	}
	sel := mustOK(t, h.call("GET", "/servicedesk/hardwareasset/searchselect?Filter.AssetName=NW-FW02", nil))
	if sel.total(t) != 1 || sel.list(t)[0].(map[string]any)["AssetName"] != "NW-FW02" {
		t.Errorf("searchselect %s", sel.body)
	}
}

func TestTicketAndNotes(t *testing.T) {
	h := newEnv(t, 2, Options{TokenLifetime: 48 * time.Hour})
	acct := h.id(h.d.PSA.Companies[0].Key)
	tk := mustOK(t, h.call("POST", "/servicedesk/tickets", map[string]any{"Title": "Printer jammed", "AccountId": acct})).result(t)
	if !strings.HasPrefix(tk["TicketNumber"].(string), "T20260201.") || tk["StatusName"] == nil || tk["PriorityName"] == nil || tk["CompletedDate"] != nil {
		t.Fatalf("ticket %v", tk)
	}
	id := itoa(num(t, tk["Id"]))
	h.clock.Add(time.Hour)
	mustOK(t, h.call("POST", "/servicedesk/tickets/"+id+"/notes", map[string]any{"Details": "Cleared the tray", "IsInternal": true}))
	got := mustOK(t, h.call("GET", "/servicedesk/tickets/"+id, nil)).result(t)
	if got["LastActivityUpdate"] != wireTime(h.clock.Now()) {
		t.Errorf("LastActivityUpdate %v after a note at %v", got["LastActivityUpdate"], h.clock.Now())
	}
	notes := mustOK(t, h.call("GET", "/servicedesk/tickets/"+id+"/notes", nil))
	if notes.total(t) != 1 || notes.list(t)[0].(map[string]any)["IsInternal"] != true {
		t.Errorf("notes %s", notes.body)
	}
	noteID := itoa(num(t, notes.list(t)[0].(map[string]any)["Id"]))
	edited := mustOK(t, h.call("PUT", "/servicedesk/tickets/"+id+"/notes/"+noteID, map[string]any{"Details": "Cleared the tray twice"})).result(t)
	if edited["Details"] != "Cleared the tray twice" || edited["IsInternal"] != false || edited["CreatedByName"] != apiUserName || num(t, edited["TicketId"]) != num(t, tk["Id"]) {
		t.Errorf("PUT note: %v", edited)
	}
	closed := typeID(t, h, "statuses", "Closed")
	p := mustOK(t, h.callCT("PATCH", "/servicedesk/tickets/"+id, []any{op("replace", "/statusid", closed)}, patchCT)).result(t)
	if p["CompletedDate"] == nil || p["TicketNumber"] != tk["TicketNumber"] {
		t.Errorf("closing: %v", p)
	}
	if r := h.call("POST", "/servicedesk/tickets/"+id+"/notes", map[string]any{"IsInternal": true}); r.Success {
		t.Errorf("note without Details: %s", r.body)
	}
}

func TestDeletes(t *testing.T) {
	h := newEnv(t, 4, Options{})
	c := h.d.PSA.Companies[1]
	var tk string
	for _, co := range h.d.PSA.Companies {
		for _, x := range co.Tickets {
			if len(x.Notes) > 0 && tk == "" {
				tk = x.Key
			}
		}
	}
	if tk == "" {
		t.Fatal("no ticket with notes")
	}
	notes := h.sb.Count("ticketnotes")
	tid := itoa(h.id(tk))
	n := mustOK(t, h.call("GET", "/servicedesk/tickets/"+tid+"/notes", nil)).total(t)
	mustOK(t, h.call("DELETE", "/servicedesk/tickets/"+tid, nil))
	if h.sb.Count("ticketnotes") != notes-n {
		t.Errorf("notes %d → %d, the ticket had %d", notes, h.sb.Count("ticketnotes"), n)
	}
	if r := h.call("GET", "/servicedesk/tickets/"+tid, nil); r.status != http.StatusNotFound {
		t.Errorf("deleted ticket: %d", r.status)
	}
	cid := itoa(h.id(c.Contacts[0].Key))
	mustOK(t, h.call("DELETE", "/crm/contacts/"+cid, nil))
	if r := h.call("DELETE", "/crm/contacts/"+cid, nil); r.status != http.StatusNotFound {
		t.Errorf("second delete: %d", r.status)
	}
	before := h.sb.Count("hardwareassets")
	if got := h.sb.DeleteEvery("hardwareassets", 3); got != (before+2)/3 || h.sb.Count("hardwareassets") != before-got {
		t.Errorf("DeleteEvery: %d of %d, %d left", got, before, h.sb.Count("hardwareassets"))
	}
	if h.sb.DeleteEvery("nope", 2) != -1 {
		t.Error("unknown collection")
	}
}

func TestAccountLocationsFollowLocationWrites(t *testing.T) {
	h := newEnv(t, 3, Options{})
	c := h.d.PSA.Companies[0]
	acct := itoa(h.id(c.Key))
	before := len(mustOK(t, h.call("GET", "/crm/accounts/"+acct, nil)).result(t)["Locations"].([]any))
	loc := mustOK(t, h.call("POST", "/crm/accounts/"+acct+"/locations", map[string]any{"LocationName": "Warehouse"})).result(t)
	if loc["IsMain"] != false {
		t.Errorf("a second location became main: %v", loc)
	}
	lid := itoa(num(t, loc["Id"]))
	mustOK(t, h.callCT("PATCH", "/crm/accounts/"+acct+"/locations/"+lid, []any{op("replace", "/locationname", "Depot"), op("add", "/Addresses/-", map[string]any{"City": "Leeds", "Country": "United Kingdom"})}, patchCT))
	a := mustOK(t, h.call("GET", "/crm/accounts/"+acct, nil)).result(t)
	locs := a["Locations"].([]any)
	last := locs[len(locs)-1].(map[string]any)
	if len(locs) != before+1 || last["LocationName"] != "Depot" || last["Addresses"].([]any)[0].(map[string]any)["Country"] != "United Kingdom" {
		t.Errorf("account locations %v", locs)
	}
	if recs, parents := h.sb.ChangedSince("locations", epoch.Add(-time.Nanosecond)); recs != 1 || parents != 1 {
		t.Errorf("ChangedSince(locations) = %d records, %d accounts; want 1, 1", recs, parents)
	}
	if r := h.call("PUT", "/crm/accounts/"+acct+"/locations/"+lid, map[string]any{"IsMain": true}); r.Success || !strings.Contains(strings.Join(r.Error.SubErrors, "|"), "LocationName is required") {
		t.Errorf("PUT without a name: %s", r.body)
	}
}
