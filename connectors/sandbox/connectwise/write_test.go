package connectwise

import (
	"strings"
	"testing"
	"time"
)

// newConfig is a valid configuration body for company cid.
func newConfig(cid int64, name string) map[string]any {
	return map[string]any{
		"name": name, "type": map[string]any{"name": "Managed Server"}, "company": map[string]any{"id": cid},
		"serialNumber": "7XK2M93", "macAddress": "B0:83:FE:11:22:33",
	}
}

func TestCreateReadReplaceDelete(t *testing.T) {
	e := newEnv(t, 4)
	_, cid, _ := e.sb.IDForKey("c0001")
	r := e.do("POST", "/company/configurations", newConfig(cid, "NEW-SRV01"), nil)
	if r.status != 201 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	var rec map[string]any
	r.json(t, &rec)
	id := num(rec["id"])
	if id == 0 || refName(rec, "status") != "Active" || rec["activeFlag"] != true || infoField(rec, "dateEntered") != "2026-02-01T09:00:00Z" {
		t.Errorf("created %s", r.body)
	}
	if co, _ := rec["company"].(map[string]any); co["identifier"] == nil || co["name"] == nil {
		t.Errorf("company reference %v lacks identifier/name", co)
	}
	path := "/company/configurations/" + itoa(id)
	e.clock.Set(e.clock.Now().Add(time.Hour))
	put := newConfig(cid, "NEW-SRV01")
	delete(put, "serialNumber")
	put["notes"] = "rebuilt"
	r = e.do("PUT", path, put, nil)
	rec = nil
	r.json(t, &rec)
	if r.status != 200 || rec["serialNumber"] != nil || rec["notes"] != "rebuilt" || infoField(rec, "lastUpdated") != "2026-02-01T10:00:00Z" || infoField(rec, "dateEntered") != "2026-02-01T09:00:00Z" {
		t.Errorf("PUT: %d %s", r.status, r.body)
	}
	if r = e.do("DELETE", path, nil, nil); r.status != 204 || len(r.body) != 0 {
		t.Errorf("DELETE: %d %s", r.status, r.body)
	}
	if r = e.get(path); r.status != 404 || r.errorBody(t).Code != "NotFound" {
		t.Errorf("GET after DELETE: %d %s", r.status, r.body)
	}
}

func TestPatchChangesLastUpdated(t *testing.T) {
	e := newEnv(t, 4)
	_, id, _ := e.sb.IDForKey("c0001-cfg-001")
	path := "/company/configurations/" + itoa(id)
	var before map[string]any
	e.get(path).json(t, &before)
	e.clock.Set(time.Date(2026, 3, 1, 8, 30, 15, 0, time.UTC))
	ops := []map[string]any{
		{"op": "replace", "path": "/name", "value": "RENAMED-FW01"},
		{"op": "replace", "path": "tagNumber", "value": "TAG-9"}, // no leading slash
		{"op": "replace", "path": "status", "value": map[string]any{"id": 3}},
	}
	r := e.do("PATCH", path, ops, nil)
	var after map[string]any
	r.json(t, &after)
	if r.status != 200 || after["name"] != "RENAMED-FW01" || after["tagNumber"] != "TAG-9" || refName(after, "status") != "Retired" {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	if got := infoField(after, "lastUpdated"); got != "2026-03-01T08:30:15Z" || got == infoField(before, "lastUpdated") {
		t.Errorf("lastUpdated %q (before %q)", got, infoField(before, "lastUpdated"))
	}
	if infoField(after, "dateEntered") != infoField(before, "dateEntered") {
		t.Error("dateEntered changed")
	}
	// A client that filters on lastUpdated now finds it.
	recs, _ := e.list("/company/configurations?conditions=" + q("lastUpdated >= [2026-03-01T00:00:00Z]"))
	if len(recs) != 1 || num(recs[0]["id"]) != id {
		t.Errorf("incremental read found %d records", len(recs))
	}
	bad := []struct {
		ops  any
		want string
	}{
		{[]map[string]any{{"op": "replace", "path": "/id", "value": 5}}, "id cannot be changed"},
		{[]map[string]any{{"op": "replace", "path": "_info/lastUpdated", "value": "x"}}, "_info cannot be changed"},
		{[]map[string]any{{"op": "frobnicate", "path": "/name", "value": "x"}}, "must be add, remove"},
		{[]map[string]any{{"op": "replace", "value": "x"}}, "path is required"},
		{[]map[string]any{}, "empty"},
		{map[string]any{"name": "x"}, "JSON Patch array"},
		{[]map[string]any{{"op": "remove", "path": "/name"}}, "The name field is required"},
		{[]map[string]any{{"op": "test", "path": "/name", "value": "nope"}}, "could not be applied"},
	}
	for _, tc := range bad {
		r := e.do("PATCH", path, tc.ops, nil)
		if b := r.errorBody(t); r.status != 400 || !strings.Contains(r.String(), tc.want) {
			t.Errorf("PATCH %v: %d %s (%s)", tc.ops, r.status, r.body, b.Code)
		}
	}
}

func (r response) String() string { return string(r.body) }

func TestValidationErrors(t *testing.T) {
	e := newEnv(t, 4)
	_, cid, _ := e.sb.IDForKey("c0001")
	_, otherSite, _ := e.sb.IDForKey("c0002-site-1")
	with := func(k string, v any) map[string]any {
		c := newConfig(cid, "VAL-01")
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"missing name", with("name", nil), "name", "NullValue"},
		{"empty name", with("name", ""), "name", "NullValue"},
		{"missing type", with("type", nil), "type", "NullValue"},
		{"missing company", with("company", nil), "company", "NullValue"},
		{"name too long", with("name", strings.Repeat("x", 101)), "name", "InvalidField"},
		{"mac too long", with("macAddress", "00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F"), "macAddress", "InvalidField"},
		{"unknown type id", with("type", map[string]any{"id": 99999}), "type", "InvalidField"},
		{"unknown type name", with("type", map[string]any{"name": "Toaster"}), "type", "InvalidField"},
		{"type not an object", with("type", "Managed Server"), "type", "InvalidField"},
		{"site of another company", with("site", map[string]any{"id": otherSite}), "site", "InvalidField"},
		{"name not a string", with("name", 12), "name", "InvalidField"},
		{"bad date", with("purchaseDate", "last tuesday"), "purchaseDate", "InvalidField"},
		{"bad flag", with("activeFlag", "yes"), "activeFlag", "InvalidField"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/company/configurations", tc.body, nil)
			b := r.errorBody(t)
			if r.status != 400 || b.Code != "InvalidObject" || b.Message != "configuration object is invalid" || len(b.Errors) != 1 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if ve := b.Errors[0]; ve.Field != tc.field || ve.Code != tc.code || ve.Resource != "configuration" || ve.Message == "" {
				t.Errorf("error %+v, want field %s code %s", ve, tc.field, tc.code)
			}
		})
	}
	// Several problems are reported together.
	r := e.do("POST", "/company/configurations", map[string]any{"serialNumber": 5}, nil)
	if b := r.errorBody(t); len(b.Errors) != 4 {
		t.Errorf("want 4 errors (name, type, company, serialNumber): %s", r.body)
	}
	// The seeded multi-MAC string is longer than macAddress allows; a PUT
	// that leaves it unchanged is still accepted (only changed values are
	// length-checked).
	_, mid, _ := e.sb.IDForKey(mustEdge(t, e.d, "config-multi-mac").Keys[0])
	var rec map[string]any
	e.get("/company/configurations/"+itoa(mid)).json(t, &rec)
	rec["notes"] = "checked"
	if r := e.do("PUT", "/company/configurations/"+itoa(mid), rec, nil); r.status != 200 {
		t.Errorf("PUT of the unchanged multi-MAC record: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/company/configurations", map[string]any{"name": "x"}, map[string]string{"Content-Type": "text/plain"}); r.status != 415 {
		t.Errorf("text/plain body: %d", r.status)
	}
	if r := e.do("POST", "/company/configurations", []int{1}, nil); r.status != 400 {
		t.Errorf("array body: %d %s", r.status, r.body)
	}
	// Company identifiers are unique.
	var co map[string]any
	e.get("/company/companies/"+itoa(cid)).json(t, &co)
	r = e.do("POST", "/company/companies", map[string]any{"identifier": co["identifier"], "name": "Another"}, nil)
	if b := r.errorBody(t); r.status != 400 || b.Errors[0].Code != "ObjectExists" {
		t.Errorf("duplicate identifier: %d %s", r.status, r.body)
	}
}

func TestBulkCreateReportsPerRecord(t *testing.T) {
	e := newEnv(t, 4)
	_, cid, _ := e.sb.IDForKey("c0001")
	before := e.sb.Count("configurations")
	bad := newConfig(cid, "BULK-02")
	delete(bad, "type")
	r := e.do("POST", "/company/configurations/bulk", []any{newConfig(cid, "BULK-01"), bad, newConfig(cid, "BULK-03")}, nil)
	var res struct {
		Payload []struct {
			Success       bool
			OriginalIndex int
			StatusCode    int
			Data          map[string]any
			Error         *apiError
		}
	}
	r.json(t, &res)
	if r.status != 200 || len(res.Payload) != 3 {
		t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	for i, p := range res.Payload {
		wantOK := i != 1
		if p.OriginalIndex != i || p.Success != wantOK {
			t.Errorf("payload[%d] = %+v", i, p)
		}
		if wantOK && (p.StatusCode != 201 || p.Data["name"] == nil) {
			t.Errorf("payload[%d] success without data: %+v", i, p)
		}
		if !wantOK && (p.StatusCode != 400 || p.Error == nil || p.Error.Errors[0].Field != "type") {
			t.Errorf("payload[%d] failure: %+v", i, p)
		}
	}
	if got := e.sb.Count("configurations"); got != before+2 {
		t.Errorf("count %d, want %d", got, before+2)
	}
	// Bulk PUT and DELETE.
	id := num(res.Payload[0].Data["id"])
	upd := newConfig(cid, "BULK-01-RENAMED")
	upd["id"] = id
	r = e.do("PUT", "/company/configurations/bulk", []any{upd, map[string]any{"id": 1, "name": "x"}}, nil)
	r.json(t, &res)
	if !res.Payload[0].Success || res.Payload[0].Data["name"] != "BULK-01-RENAMED" || res.Payload[1].Success || res.Payload[1].StatusCode != 404 {
		t.Errorf("bulk PUT %s", r.body)
	}
	r = e.do("DELETE", "/company/configurations/bulk", []any{id, map[string]any{"id": 1}}, nil)
	r.json(t, &res)
	if !res.Payload[0].Success || res.Payload[0].StatusCode != 204 || res.Payload[1].Success {
		t.Errorf("bulk DELETE %s", r.body)
	}
}

func TestReferencesByNameAndDerivedRecords(t *testing.T) {
	e := newEnv(t, 4)
	// A company created through the API gets a Main site, as in ConnectWise.
	r := e.do("POST", "/company/companies", map[string]any{
		"identifier": "NewCo", "name": "New Co", "addressLine1": "1 Main St", "city": "Boise",
		"country": map[string]any{"name": "United States"},
	}, nil)
	var co map[string]any
	r.json(t, &co)
	if r.status != 201 || refName(co, "site") != "Main" || refName(co, "status") != "Active" {
		t.Fatalf("company: %d %s", r.status, r.body)
	}
	cid := num(co["id"])
	sites, _ := e.list("/company/companies/" + itoa(cid) + "/sites")
	if len(sites) != 1 || sites[0]["addressLine1"] != "1 Main St" {
		t.Errorf("sites %v", sites)
	}
	// A ticket as connectwise-rest's README writes one: board by name,
	// company by identifier, initialDescription becomes the first note.
	r = e.do("POST", "/service/tickets", map[string]any{
		"summary": "Printer offline in reception", "board": map[string]any{"name": "Help Desk"},
		"company": map[string]any{"identifier": "newco"}, "initialDescription": "It shows error 49.", "recordType": "ServiceTicket",
	}, nil)
	var tk map[string]any
	r.json(t, &tk)
	if r.status != 201 || refName(tk, "status") != "New" || refName(tk, "priority") == "" || tk["initialDescription"] != nil {
		t.Fatalf("ticket: %d %s", r.status, r.body)
	}
	notes, _ := e.list("/service/tickets/" + itoa(num(tk["id"])) + "/notes")
	if len(notes) != 1 || notes[0]["text"] != "It shows error 49." || notes[0]["detailDescriptionFlag"] != true {
		t.Errorf("notes %v", notes)
	}
	// Closing the ticket sets closedFlag and closedDate.
	r = e.do("PATCH", "/service/tickets/"+itoa(num(tk["id"])), []map[string]any{{"op": "replace", "path": "status", "value": map[string]any{"name": "Closed"}}}, nil)
	r.json(t, &tk)
	if tk["closedFlag"] != true || tk["closedDate"] == nil {
		t.Errorf("closed ticket %s", r.body)
	}
	// A note needs one of its kind flags.
	r = e.do("POST", "/service/tickets/"+itoa(num(tk["id"]))+"/notes", map[string]any{"text": "hello"}, nil)
	if r.status != 400 || r.errorBody(t).Errors[0].Field != "detailDescriptionFlag" {
		t.Errorf("note without flags: %d %s", r.status, r.body)
	}
	// Renaming a company refreshes the references others hold.
	e.do("PATCH", "/company/companies/"+itoa(cid), []map[string]any{{"op": "replace", "path": "/name", "value": "New Co Holdings"}}, nil)
	var again map[string]any
	e.get("/service/tickets/"+itoa(num(tk["id"]))).json(t, &again)
	if refName(again, "company") != "New Co Holdings" || infoField(again, "lastUpdated") != infoField(tk, "lastUpdated") {
		t.Errorf("ticket company after rename: %s", refName(again, "company"))
	}
	// Contacts: communication items are typed and checked.
	r = e.do("POST", "/company/contacts", map[string]any{"firstName": "Ann", "lastName": "Lee", "company": map[string]any{"id": cid},
		"communicationItems": []any{map[string]any{"type": map[string]any{"name": "Email"}, "value": "not-an-email"}}}, nil)
	if r.status != 400 {
		t.Errorf("bad e-mail: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/company/contacts", map[string]any{"firstName": "Ann", "lastName": "Lee", "company": map[string]any{"id": cid},
		"communicationItems": []any{map[string]any{"type": map[string]any{"name": "Email"}, "value": "ann@newco.com", "defaultFlag": true}}}, nil)
	var ct map[string]any
	r.json(t, &ct)
	items, _ := ct["communicationItems"].([]any)
	if r.status != 201 || len(items) != 1 || items[0].(map[string]any)["communicationType"] != "Email" {
		t.Errorf("contact %d %s", r.status, r.body)
	}
}

func TestTicketConfigurationsAndContactTypeIDs(t *testing.T) {
	e := newEnv(t, 12)
	// Seeded links: find a ticket the generator linked to a configuration.
	var tkKey, cfgKey string
	for _, c := range e.d.PSA.Companies {
		for _, tk := range c.Tickets {
			if len(tk.ConfigKeys) > 0 && tkKey == "" {
				tkKey, cfgKey = tk.Key, tk.ConfigKeys[0]
			}
		}
	}
	if tkKey == "" {
		t.Fatal("no generated ticket has configurations")
	}
	_, tid, _ := e.sb.IDForKey(tkKey)
	_, cid, _ := e.sb.IDForKey(cfgKey)
	base := "/service/tickets/" + itoa(tid) + "/configurations"
	refs, _ := e.list(base)
	if len(refs) != 1 || num(refs[0]["id"]) != cid || refs[0]["name"] == nil {
		t.Fatalf("ticket configurations %v", refs)
	}
	// Link another configuration, then unlink it.
	_, other, _ := e.sb.IDForKey("c0001-cfg-001")
	if r := e.do("POST", base, map[string]any{"id": other}, nil); r.status != 201 {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	if r := e.do("POST", base, map[string]any{"id": other}, nil); r.status != 400 || r.errorBody(t).Errors[0].Code != "ObjectExists" {
		t.Errorf("second link: %d %s", r.status, r.body)
	}
	if refs, _ = e.list(base); len(refs) != 2 {
		t.Errorf("after link: %d", len(refs))
	}
	if r := e.do("DELETE", base+"/"+itoa(other), nil, nil); r.status != 204 {
		t.Errorf("unlink: %d %s", r.status, r.body)
	}
	if r := e.get(base + "/" + itoa(other)); r.status != 404 {
		t.Errorf("unlinked still there: %d", r.status)
	}
	// typeIds on POST become types and are not returned.
	_, co, _ := e.sb.IDForKey("c0001")
	var types []map[string]any
	e.get("/company/contacts/types?conditions="+q(`description = "Billing"`)).json(t, &types)
	r := e.do("POST", "/company/contacts", map[string]any{"firstName": "Tia", "company": map[string]any{"id": co}, "typeIds": []any{num(types[0]["id"])}}, nil)
	var ct map[string]any
	r.json(t, &ct)
	tl, _ := ct["types"].([]any)
	if r.status != 201 || len(tl) != 1 || tl[0].(map[string]any)["name"] != "Billing" || ct["typeIds"] != nil {
		t.Errorf("contact with typeIds: %d %s", r.status, r.body)
	}
}
