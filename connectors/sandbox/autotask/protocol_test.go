package autotask

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
)

func TestZoneDiscovery(t *testing.T) {
	e := newEnv(t, Options{})
	noAuth := Credentials{}
	r := e.callAs("GET", "/atservicesrest/versioninformation", nil, noAuth)
	if r.status != 200 || !strings.Contains(string(r.body), `"apiVersions":["1.0"]`) {
		t.Fatalf("versioninformation: %d %s", r.status, r.body)
	}
	user := url.QueryEscape(strings.ToUpper(e.sb.Credentials().UserName)) // user names ignore case
	r = e.callAs("GET", "/atservicesrest/v1.0/zoneInformation?user="+user, nil, noAuth)
	if r.status != 200 {
		t.Fatalf("zoneInformation: %d %s", r.status, r.body)
	}
	zone := r.json(t)
	base, _ := zone["url"].(string)
	if base != e.srv.URL+"/ATServicesRest/" || zone["zoneName"] == "" || zone["webUrl"] != e.srv.URL+"/" {
		t.Fatalf("zone %v", zone)
	}
	// the discovered url, with the swagger's V1.0, reaches the same server
	if m := e.ok("GET", base+"V1.0/Companies/301", nil); num(m["item"].(map[string]any)["id"]) != 301 {
		t.Fatalf("through the zone url: %v", m)
	}
	r = e.callAs("GET", "/atservicesrest/v1.0/zoneInformation?user=nobody@example.com", nil, noAuth)
	if r.status != 500 || r.errs(t)[0] != "Zone information could not be determined" {
		t.Fatalf("unknown user: %d %s", r.status, r.body)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, Options{})
	good := e.sb.Credentials()
	cases := []struct {
		name   string
		mutate func(*Credentials)
		status int
	}{
		{"good", func(*Credentials) {}, 200},
		{"no secret", func(c *Credentials) { c.Secret = "" }, 401},
		{"no code", func(c *Credentials) { c.IntegrationCode = "" }, 401},
		{"wrong secret", func(c *Credentials) { c.Secret = "nope" }, 401},
		{"unknown user", func(c *Credentials) { c.UserName = "x@example.com" }, 500},
		{"wrong code", func(c *Credentials) { c.IntegrationCode = "OTHER" }, 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.mutate(&c)
			r := e.callAs("GET", "/Companies/301", nil, c)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 200 {
				msg := r.errs(t)[0]
				if strings.Contains(msg, good.Secret) {
					t.Fatalf("error names the secret: %s", msg)
				}
			}
		})
	}
}

// ids queries an entity with a filter (POST) and returns the ids of the
// first page.
func (e *env) ids(entity string, filter ...any) []int64 {
	e.t.Helper()
	m := e.ok("POST", "/"+entity+"/query", map[string]any{"filter": filter})
	var out []int64
	for _, it := range items(m) {
		out = append(out, num(it["id"]))
	}
	return out
}

func fc(op, field string, value any) map[string]any {
	m := map[string]any{"op": op, "field": field}
	if value != nil {
		m["value"] = value
	}
	return m
}

func TestQueryOperators(t *testing.T) {
	e := newEnv(t, Options{})
	d := dataset()
	c1 := d.PSA.Companies[0]
	_, id1, _ := e.sb.IDForKey(c1.Key)
	// brute force: the expected ids computed from the store
	want := func(entity string, keep func(map[string]any) bool) []int64 {
		var out []int64
		for _, r := range e.sb.table(entity).All() {
			if keep(r.Data) {
				out = append(out, r.ID)
			}
		}
		return out
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return strings.ToLower(s) }
	prefix := strings.ToLower(c1.Name[:3])
	cases := []struct {
		name   string
		entity string
		filter []any
		keep   func(map[string]any) bool
	}{
		{"eq ignores case", "Companies", []any{fc("eq", "companyName", strings.ToUpper(c1.Name))}, func(m map[string]any) bool { return str(m, "companyName") == strings.ToLower(c1.Name) }},
		{"field names ignore case", "Companies", []any{fc("eq", "COMPANYNAME", c1.Name)}, func(m map[string]any) bool { return str(m, "companyName") == strings.ToLower(c1.Name) }},
		{"noteq", "Companies", []any{fc("noteq", "id", id1)}, func(m map[string]any) bool { return num(m["id"]) != id1 }},
		{"gt lt", "Companies", []any{fc("gt", "id", 305), fc("lt", "id", 310)}, func(m map[string]any) bool { return num(m["id"]) > 305 && num(m["id"]) < 310 }},
		{"gte lte", "Companies", []any{fc("gte", "id", 305), fc("lte", "id", 310)}, func(m map[string]any) bool { return num(m["id"]) >= 305 && num(m["id"]) <= 310 }},
		{"beginsWith", "Companies", []any{fc("beginsWith", "companyName", prefix)}, func(m map[string]any) bool { return strings.HasPrefix(str(m, "companyName"), prefix) }},
		{"endsWith", "Contacts", []any{fc("endsWith", "emailAddress", ".com")}, func(m map[string]any) bool { return strings.HasSuffix(str(m, "emailAddress"), ".com") }},
		{"contains", "ConfigurationItems", []any{fc("contains", "referenceTitle", "-dc")}, func(m map[string]any) bool { return strings.Contains(str(m, "referenceTitle"), "-dc") }},
		{"exist", "ConfigurationItems", []any{fc("exist", "contactID", nil), fc("lt", "id", firstConfigID+400)}, func(m map[string]any) bool { return m["contactID"] != nil && num(m["id"]) < firstConfigID+400 }},
		{"notExist", "ConfigurationItems", []any{fc("notExist", "referenceTitle", nil)}, func(m map[string]any) bool { return m["referenceTitle"] == nil }},
		{"in", "Companies", []any{fc("in", "companyType", []any{3, 7})}, func(m map[string]any) bool { return num(m["companyType"]) == 3 || num(m["companyType"]) == 7 }},
		{"notIn", "Companies", []any{fc("notIn", "companyType", []any{1})}, func(m map[string]any) bool { return num(m["companyType"]) != 1 }},
		{"boolean", "Companies", []any{fc("eq", "isActive", false)}, func(m map[string]any) bool { return m["isActive"] == false }},
		{"datetime as time", "Companies", []any{fc("gt", "lastTrackedModifiedDateTime", "2025-06-01T00:00:00+02:00")}, func(m map[string]any) bool {
			tm, _ := parseTime(m["lastTrackedModifiedDateTime"].(string))
			return tm.After(time.Date(2025, 5, 31, 22, 0, 0, 0, time.UTC))
		}},
		{"udf", "Companies", []any{map[string]any{"op": "eq", "field": "Contract Tier", "udf": true, "value": "gold"}}, func(m map[string]any) bool {
			return strings.Contains(jsonText(m["userDefinedFields"]), `"Contract Tier","value":"Gold"`)
		}},
		{"nested or of ands", "ConfigurationItems", []any{
			fc("eq", "companyID", id1),
			map[string]any{"op": "or", "items": []any{
				map[string]any{"op": "and", "items": []any{fc("eq", "isActive", true), fc("contains", "referenceTitle", "fw")}},
				fc("eq", "configurationItemType", 1),
			}},
		}, func(m map[string]any) bool {
			return num(m["companyID"]) == id1 && ((m["isActive"] == true && strings.Contains(str(m, "referenceTitle"), "fw")) || num(m["configurationItemType"]) == 1)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := want(tc.entity, tc.keep)
			if len(w) == 0 || len(w) > MaxPageSize {
				t.Fatalf("bad case: %d expected records", len(w))
			}
			if got := e.ids(tc.entity, tc.filter...); !slices.Equal(got, w) {
				t.Fatalf("got %v\nwant %v", got, w)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	e := newEnv(t, Options{})
	cases := []struct {
		name string
		body any
		want string
	}{
		{"empty filter", map[string]any{"filter": []any{}}, "filter is required"},
		{"no body", "", "filter"},
		{"bad json", "{", "not valid JSON"},
		{"unknown field", map[string]any{"filter": []any{fc("eq", "nope", 1)}}, "unable to find nope"},
		{"unknown op", map[string]any{"filter": []any{fc("like", "id", 1)}}, "operator"},
		{"bool as string", map[string]any{"filter": []any{fc("eq", "isActive", "yes")}}, "true or false"},
		{"bool null", map[string]any{"filter": []any{map[string]any{"op": "eq", "field": "isActive", "value": nil}}}, "true or false"},
		{"in without array", map[string]any{"filter": []any{fc("in", "id", 3)}}, "array"},
		{"two udfs", map[string]any{"filter": []any{
			map[string]any{"op": "exist", "field": "Contract Tier", "udf": true},
			map[string]any{"op": "exist", "field": "After Hours Support", "udf": true}}}, "one user-defined field"},
		{"empty group", map[string]any{"filter": []any{map[string]any{"op": "or", "items": []any{}}}}, "no items"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("POST", "/Companies/query", tc.body)
			if r.status != 500 || !strings.Contains(r.errs(t)[0], tc.want) {
				t.Fatalf("status %d body %s, want 500 containing %q", r.status, r.body, tc.want)
			}
		})
	}
}

func TestPagingAndCount(t *testing.T) {
	e := newEnv(t, Options{})
	total := e.sb.Count("ConfigurationItems")
	if total <= MaxPageSize {
		t.Fatalf("need more than one page, have %d", total)
	}
	body := map[string]any{"filter": []any{fc("exist", "id", nil)}, "maxRecords": 5000} // clamped to 500
	m := e.ok("POST", "/ConfigurationItems/query", body)
	var got []int64
	pages := 0
	var prevURL string
	for {
		pages++
		pd := m["pageDetails"].(map[string]any)
		its := items(m)
		if num(pd["count"]) != int64(len(its)) || len(its) > MaxPageSize || num(pd["requestCount"]) != MaxPageSize {
			t.Fatalf("page %d details %v with %d items", pages, pd, len(its))
		}
		for _, it := range its {
			got = append(got, num(it["id"]))
		}
		if pages == 1 {
			// records written meanwhile do not shift the pages: a changed
			// record is not repeated, a new one comes last
			e.ok("PATCH", "/ConfigurationItems", map[string]any{"id": got[0], "notes": "touched while paging"})
			e.ok("POST", "/ConfigurationItems", map[string]any{"companyID": firstCompanyID, "configurationItemType": 1,
				"productID": firstProductID, "isActive": true, "referenceTitle": "NEW-WHILE-PAGING"})
		}
		if pages == 2 {
			prevURL, _ = pd["prevPageUrl"].(string)
		}
		next, _ := pd["nextPageUrl"].(string)
		if next == "" {
			break
		}
		if !strings.HasPrefix(next, e.srv.URL+Base+"/ConfigurationItems/query/next?") {
			t.Fatalf("nextPageUrl %q", next)
		}
		if pages%2 == 1 {
			m = e.ok("GET", next, nil)
		} else {
			m = e.ok("POST", next, body) // POST with the same body works too
		}
	}
	total++ // the record created while paging
	if len(got) != total || len(slices.Compact(slices.Clone(got))) != total || !slices.IsSorted(got) || pages != (total+MaxPageSize-1)/MaxPageSize {
		t.Fatalf("%d pages, %d ids (want %d), sorted %v", pages, len(got), total, slices.IsSorted(got))
	}
	prev := e.ok("GET", prevURL, nil)
	if its := items(prev); len(its) != MaxPageSize || num(its[0]["id"]) != got[0] {
		t.Fatalf("prevPageUrl gave %d items starting %v", len(its), its[0]["id"])
	}
	// GET with search= and maxRecords
	search := url.QueryEscape(`{"filter":[{"op":"eq","field":"isActive","value":true}],"maxRecords":7,"includeFields":["serialNumber"]}`)
	m = e.ok("GET", "/ConfigurationItems/query?search="+search, nil)
	its := items(m)
	if len(its) != 7 || len(its[0]) != 2 || its[0]["serialNumber"] == nil {
		t.Fatalf("includeFields / maxRecords: %v", its[0])
	}
	// count
	active := 0
	for _, r := range e.sb.table("ConfigurationItems").All() {
		if r.Data["isActive"] == true {
			active++
		}
	}
	c := e.ok("POST", "/ConfigurationItems/query/count", map[string]any{"filter": []any{fc("eq", "isActive", true)}})
	if num(c["queryCount"]) != int64(active) {
		t.Fatalf("count %v, want %d", c, active)
	}
}

func TestGetAndChildren(t *testing.T) {
	e := newEnv(t, Options{})
	_, cid, _ := e.sb.IDForKey("c0001")
	_, sid, _ := e.sb.IDForKey("c0001-site-1")
	if m := e.ok("GET", "/CompanyLocations/"+itoa(sid), nil); num(m["item"].(map[string]any)["companyID"]) != cid {
		t.Fatalf("location %v", m)
	}
	if m := e.ok("GET", "/Companies/"+itoa(cid)+"/Locations/"+itoa(sid), nil); num(m["item"].(map[string]any)["id"]) != sid {
		t.Fatalf("child get %v", m)
	}
	r := e.call("GET", "/Companies/"+itoa(cid+1)+"/Locations/"+itoa(sid), nil)
	if r.status != 404 {
		t.Fatalf("child of another parent: %d", r.status)
	}
	m := e.ok("GET", "/Companies/"+itoa(cid)+"/Contacts", nil)
	if len(items(m)) != len(dataset().PSA.Companies[0].Contacts) {
		t.Fatalf("child list: %d contacts", len(items(m)))
	}
	r = e.call("GET", "/Companies/99999", nil)
	if r.status != 404 || len(r.errs(t)) != 1 {
		t.Fatalf("missing: %d %s", r.status, r.body)
	}
	// the configuration item's manufacturer and model are read through its product
	_, cfg, _ := e.sb.IDForKey("c0001-cfg-001")
	item := e.ok("GET", "/ConfigurationItems/"+itoa(cfg), nil)["item"].(map[string]any)
	prod := e.ok("GET", "/Products/"+itoa(num(item["productID"])), nil)["item"].(map[string]any)
	_, src := dataset().PSA.Config("c0001-cfg-001")
	if prod["manufacturerName"] != src.Manufacturer || prod["manufacturerProductName"] != src.Model {
		t.Fatalf("product %v for %+v", prod, src)
	}
	r = e.call("POST", "/Contacts", map[string]any{"firstName": "a"})
	if r.status != 405 {
		t.Fatalf("top-level contact create: %d %s", r.status, r.body)
	}
}

func itoa(n int64) string { return strings.TrimSpace(jsonText(n)) }

func TestWrites(t *testing.T) {
	e := newEnv(t, Options{})
	_, cid, _ := e.sb.IDForKey("c0001")
	// create a company
	m := e.ok("POST", "/Companies", map[string]any{"companyName": "New Co", "companyType": 1, "phone": "555-0100",
		"ownerResourceID": firstResourceID, "isActive": true, "id": 5, "createDate": "2001-01-01T00:00:00Z", "bogus": 1,
		"userDefinedFields": []any{map[string]any{"name": "Contract Tier", "value": "Gold"}}})
	nid := num(m["itemId"])
	co := e.ok("GET", "/Companies/"+itoa(nid), nil)["item"].(map[string]any)
	if nid == 5 || co["companyName"] != "New Co" || co["createDate"] != "2026-02-01T09:00:00.000Z" || co["fax"] != nil ||
		!strings.Contains(jsonText(co["userDefinedFields"]), `"value":"Gold"`) {
		t.Fatalf("created %d: %v", nid, co)
	}
	// PATCH changes only what is sent
	e.ok("PATCH", "/Companies", map[string]any{"id": nid, "fax": "555-0101"})
	co = e.ok("GET", "/Companies/"+itoa(nid), nil)["item"].(map[string]any)
	if co["fax"] != "555-0101" || co["phone"] != "555-0100" || co["companyName"] != "New Co" {
		t.Fatalf("patched %v", co)
	}
	// PUT sets writable fields not sent to null (and requires the required ones)
	e.ok("PUT", "/Companies", map[string]any{"id": nid, "companyName": "New Co 2", "companyType": 8, "phone": "1", "ownerResourceID": firstResourceID, "isActive": false})
	co = e.ok("GET", "/Companies/"+itoa(nid), nil)["item"].(map[string]any)
	if co["fax"] != nil || co["companyName"] != "New Co 2" || co["createDate"] == nil {
		t.Fatalf("put %v", co)
	}
	// child creates
	loc := num(e.ok("POST", "/Companies/"+itoa(cid)+"/Locations", map[string]any{"name": "Annex", "city": "Leeds"})["itemId"])
	ct := num(e.ok("POST", "/Companies/"+itoa(cid)+"/Contacts", map[string]any{"firstName": "Ada", "lastName": "Byron", "isActive": 1, "companyLocationID": loc})["itemId"])
	got := e.ok("GET", "/Contacts/"+itoa(ct), nil)["item"].(map[string]any)
	if num(got["companyID"]) != cid || num(got["companyLocationID"]) != loc {
		t.Fatalf("contact %v", got)
	}
	e.ok("PATCH", "/Companies/"+itoa(cid)+"/Contacts", map[string]any{"id": ct, "title": "CTO"})
	// a configuration item, a ticket and a note
	ci := num(e.ok("POST", "/ConfigurationItems", map[string]any{"companyID": cid, "configurationItemType": 1, "productID": firstProductID,
		"isActive": true, "referenceTitle": "NEW-01", "installDate": "2026-01-02", "contactID": ct})["itemId"])
	tk := num(e.ok("POST", "/Tickets", map[string]any{"companyID": cid, "title": "Printer", "status": 1, "priority": 2, "configurationItemID": ci})["itemId"])
	tkt := e.ok("GET", "/Tickets/"+itoa(tk), nil)["item"].(map[string]any)
	if !strings.HasPrefix(tkt["ticketNumber"].(string), "T20260201.") {
		t.Fatalf("ticket %v", tkt)
	}
	e.ok("POST", "/Tickets/"+itoa(tk)+"/Notes", map[string]any{"title": "t", "description": "d", "noteType": 1, "publish": 1})
	if e.sb.Count("TicketNotes") == 0 {
		t.Fatal("no note")
	}
}

func TestWriteValidation(t *testing.T) {
	e := newEnv(t, Options{})
	_, cid, _ := e.sb.IDForKey("c0001")
	_, other, _ := e.sb.IDForKey("c0002-site-1")
	_, ct, _ := e.sb.IDForKey("c0001-ct-01")
	cases := []struct {
		name, method, path string
		body               any
		want               []string
	}{
		{"company required", "POST", "/Companies", map[string]any{"companyName": "x"}, []string{"companyType", "phone", "ownerResourceID", "isActive"}},
		{"bad picklist", "POST", "/Companies", map[string]any{"companyName": "x", "companyType": 99, "phone": "1", "ownerResourceID": firstResourceID, "isActive": true}, []string{"picklist for companyType"}},
		{"bad reference", "POST", "/ConfigurationItems", map[string]any{"companyID": cid, "configurationItemType": 1, "productID": 1, "isActive": true}, []string{"existing entity for productID"}},
		{"ci required", "POST", "/ConfigurationItems", map[string]any{"referenceTitle": "x"}, []string{"companyID", "configurationItemType", "productID", "isActive"}},
		{"wrong type", "POST", "/ConfigurationItems", map[string]any{"companyID": "abc", "configurationItemType": 1, "productID": firstProductID, "isActive": true}, []string{"companyID"}},
		{"too long", "PATCH", "/ConfigurationItems", map[string]any{"id": firstConfigID, "referenceTitle": strings.Repeat("x", 201)}, []string{"maximum is 200"}},
		{"location of another company", "PATCH", "/ConfigurationItems", map[string]any{"id": firstConfigID, "companyLocationID": other}, []string{"belongs to another company"}},
		{"patch without id", "PATCH", "/Companies", map[string]any{"fax": "1"}, []string{"id of the entity"}},
		{"patch unknown id", "PATCH", "/Companies", map[string]any{"id": 1, "fax": "1"}, []string{"no entity with id 1"}},
		{"patch required to empty", "PATCH", "/Companies", map[string]any{"id": cid, "companyName": ""}, []string{"Missing Required Field: companyName"}},
		{"contact required", "POST", "/Companies/" + itoa(cid) + "/Contacts", map[string]any{"firstName": "x"}, []string{"lastName", "isActive"}},
		{"contact cannot move", "PATCH", "/Companies/" + itoa(cid) + "/Contacts", map[string]any{"id": ct, "companyID": cid + 1}, []string{"cannot be changed"}},
		{"unknown parent", "POST", "/Companies/99999/Locations", map[string]any{"name": "x"}, []string{"parent Companies 99999"}},
		{"unknown udf", "PATCH", "/Companies", map[string]any{"id": cid, "userDefinedFields": []any{map[string]any{"name": "Nope", "value": "1"}}}, []string{"Nope"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.sb.db.DumpBytes(FixtureFormat)
			r := e.call(tc.method, tc.path, tc.body)
			if r.status != 500 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			msgs := strings.Join(r.errs(t), "\n")
			for _, w := range tc.want {
				if !strings.Contains(msgs, w) {
					t.Errorf("errors %q lack %q", msgs, w)
				}
			}
			if after, _ := e.sb.db.DumpBytes(FixtureFormat); string(after) != string(before) {
				t.Error("a refused write changed the store")
			}
		})
	}
}

func TestEntityInformation(t *testing.T) {
	e := newEnv(t, Options{})
	info := e.ok("GET", "/Companies/entityInformation", nil)["info"].(map[string]any)
	if info["canCreate"] != true || info["hasUserDefinedFields"] != true {
		t.Fatalf("info %v", info)
	}
	fields := e.ok("GET", "/ConfigurationItems/entityInformation/fields", nil)["fields"].([]any)
	var typeField map[string]any
	for _, f := range fields {
		if m := f.(map[string]any); m["name"] == "configurationItemType" {
			typeField = m
		}
	}
	vals, _ := typeField["picklistValues"].([]any)
	if typeField["isPickList"] != true || typeField["isRequired"] != true || len(vals) != len(dataset().Ref.ConfigurationTypes) {
		t.Fatalf("configurationItemType %v", typeField)
	}
	v0 := vals[0].(map[string]any)
	for _, k := range []string{"value", "label", "isActive", "isDefaultValue", "sortOrder"} {
		if _, ok := v0[k]; !ok {
			t.Fatalf("picklist value lacks %s: %v", k, v0)
		}
	}
	for _, ef := range [][2]string{{"Companies", "companyType"}, {"Tickets", "status"}, {"Tickets", "priority"}, {"Tickets", "queueID"}} {
		fs := e.ok("GET", "/"+ef[0]+"/entityInformation/fields", nil)["fields"].([]any)
		i := slices.IndexFunc(fs, func(f any) bool { return f.(map[string]any)["name"] == ef[1] })
		if i < 0 || len(fs[i].(map[string]any)["picklistValues"].([]any)) == 0 {
			t.Fatalf("%s.%s has no picklist", ef[0], ef[1])
		}
	}
	udfs := e.ok("GET", "/Contacts/entityInformation/userDefinedFields", nil)["fields"].([]any)
	if len(udfs) != 1 || udfs[0].(map[string]any)["name"] != "Preferred Contact Method" {
		t.Fatalf("udfs %v", udfs)
	}
}

func TestThresholdBudget(t *testing.T) {
	now := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, Options{Budget: 3, BudgetWindow: time.Minute, Clock: clock})
	for range 3 {
		e.ok("GET", "/Companies/301", nil)
	}
	th := e.ok("GET", "/ThresholdInformation", nil)
	if num(th["externalRequestThreshold"]) != 3 || num(th["currentTimeframeRequestCount"]) != 3 || num(th["requestThresholdTimeframe"]) != 1 {
		t.Fatalf("threshold %v", th)
	}
	r := e.call("GET", "/Companies/301", nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "60" || !strings.Contains(r.errs(t)[0], "threshold") {
		t.Fatalf("over budget: %d %v %s", r.status, r.header, r.body)
	}
	mu.Lock()
	now = now.Add(61 * time.Second) // the rolling window moved on
	mu.Unlock()
	e.ok("GET", "/Companies/301", nil)
	if def := New(Options{}); def.budget.limit != 10000 || def.budget.window != time.Hour || def.threads.limit != 3 {
		t.Fatal("defaults are not the real limits")
	}
}

func TestThreadLimit(t *testing.T) {
	e := newEnv(t, Options{})
	in, release := make(chan struct{}, 8), make(chan struct{})
	e.sb.hold = func(ent string) {
		if ent == "Companies" {
			in <- struct{}{}
			<-release
		}
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); e.call("GET", "/Companies/301", nil) }()
	}
	for range 3 {
		<-in // three requests are in flight on /Companies
	}
	r := e.call("GET", "/Companies/302", nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.errs(t)[0], "thread limit") {
		t.Fatalf("fourth request: %d %s", r.status, r.body)
	}
	e.ok("GET", "/Contacts/"+itoa(firstContactID), nil) // another endpoint is not limited
	close(release)
	wg.Wait()
	e.ok("GET", "/Companies/302", nil)
}

func TestFaults(t *testing.T) {
	e := newEnv(t, Options{})
	f, err := core.ParseFaults("POST /Companies/query:429=1,retry_after=7")
	if err != nil {
		t.Fatal(err)
	}
	e.sb.SetFaults(f)
	r := e.call("POST", "/Companies/query", all)
	if r.status != 429 || r.header.Get("Retry-After") != "7" || len(r.errs(t)) != 1 {
		t.Fatalf("429: %d %v %s", r.status, r.header, r.body)
	}
	e.ok("GET", "/Companies/301", nil)
	f, _ = core.ParseFaults("GET /Companies/{id}:503=1")
	e.sb.SetFaults(f)
	if r := e.call("GET", "/ATServicesRest/V1.0/Companies/301", nil); r.status != 503 || len(r.errs(t)) != 1 {
		t.Fatalf("503 by route pattern, upper-case path: %d %s", r.status, r.body)
	}
	f, _ = core.ParseFaults("PATCH *:timeout_after_commit=1")
	e.sb.SetFaults(f)
	req, _ := http.NewRequest("PATCH", e.srv.URL+Base+"/Companies", strings.NewReader(`{"id":301,"fax":"lost-answer"}`))
	e.sb.Credentials().Header(req.Header)
	if res, err := e.hc.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the answer arrived: %d", res.StatusCode)
	}
	e.sb.SetFaults(nil)
	if co := e.ok("GET", "/Companies/301", nil)["item"].(map[string]any); co["fax"] != "lost-answer" {
		t.Fatalf("the write was not committed: %v", co["fax"])
	}
	lg := e.sb.Log()
	if lg.Faults["429"] != 1 || lg.Faults["503"] != 1 || lg.Faults["timeout_after_commit"] != 1 || lg.ByRoute["POST /Companies/query"] != 1 {
		t.Fatalf("log %+v", lg)
	}
}
