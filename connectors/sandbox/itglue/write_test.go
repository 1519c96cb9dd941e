package itglue

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"
)

// org returns the id of the n-th seeded organization (1-based).
func org(n int) string { return strconv.Itoa(1_000_000 + n) }

func TestCreateSingleSnakeCase(t *testing.T) {
	h := start(t, Options{}, testDataset(2, 2))
	body := `{"data":{"type":"configurations","attributes":{
		"organization_id": ` + org(1) + `, "name": "SRV-NEW", "configuration_type_id": 40001,
		"location_id": 2000001, "contact_id": "3000001", "serial_number": "S-1", "archived": false}}}`
	r := h.req("POST", "/configurations", body).mustStatus(t, 201)
	a := attrs(r.one())
	want := map[string]any{
		"organization-id": float64(1_000_001), "organization-name": "Org 0001 Ltd", "name": "SRV-NEW",
		"configuration-type-id": float64(40001), "configuration-type-name": "Managed Server",
		"location-id": float64(2000001), "location-name": "Site 1", "contact-id": float64(3000001), "contact-name": "Ann Smith1",
		"serial-number": "S-1", "archived": false, "notes": nil, "created-at": "2026-02-01T09:00:00.000Z", "updated-at": "2026-02-01T09:00:00.000Z",
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s = %#v, want %#v", k, a[k], v)
		}
	}
	if r.one()["type"] != "configurations" || idOf(r.one()) == "" {
		t.Errorf("resource object %v", r.one())
	}
	shown := h.get("/configurations/"+idOf(r.one())).mustStatus(t, 200)
	if !maps.Equal(attrs(shown.one()), a) {
		t.Errorf("GET after POST differs:\n%v\n%v", attrs(shown.one()), a)
	}
}

// TestCreateArrayPartialFailure: one invalid record in a batch does not
// sink the others; its error comes back in meta.errors.
func TestCreateArrayPartialFailure(t *testing.T) {
	h := start(t, Options{}, testDataset(2, 2))
	before := h.sb.Count("configurations")
	r := h.req("POST", "/organizations/"+org(2)+"/relationships/configurations", readTestdata(t, "requests/create_configs_one_invalid.json")).mustStatus(t, 201)
	created := r.list()
	if len(created) != 2 {
		t.Fatalf("created %d, want 2: %s", len(created), r.raw)
	}
	if attrs(created[0])["name"] != "NEW-SRV-01" || attrs(created[1])["name"] != "NEW-FW-01" {
		t.Errorf("created records not in request order: %v, %v", attrs(created[0])["name"], attrs(created[1])["name"])
	}
	a := attrs(created[0])
	for k, v := range map[string]any{"organization-id": float64(1_000_002), "organization-name": "Org 0002 Ltd", "installed-at": "2026-01-20",
		"warranty-expires-at": "2029-01-20", "mac-address": "00:11:22:33:44:55", "configuration-status-name": "Active"} {
		if a[k] != v {
			t.Errorf("first record %s = %#v, want %#v", k, a[k], v)
		}
	}
	if attrs(created[1])["model-name"] != "FortiGate 60F" || attrs(created[1])["manufacturer-name"] != "Fortinet" {
		t.Errorf("second record names: %v", attrs(created[1]))
	}
	errs, _ := r.meta()["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("meta.errors %v", r.meta())
	}
	e := errs[0].(map[string]any)
	if e["status"] != "422" || e["source"].(map[string]any)["pointer"] != "/data/1/attributes/configuration-type-id" ||
		e["meta"].(map[string]any)["index"] != float64(1) || !strings.Contains(e["detail"].(string), "999999") {
		t.Errorf("error object %v", e)
	}
	if got := h.sb.Count("configurations"); got != before+2 {
		t.Errorf("count %d, want %d", got, before+2)
	}
	// All invalid: a plain error document.
	r = h.req("POST", "/organizations/"+org(2)+"/relationships/configurations",
		`{"data":[{"type":"configurations","attributes":{"name":"x"}},{"type":"configurations","attributes":{"configuration_type_id":40001}}]}`).mustStatus(t, 422)
	if len(r.errors()) != 2 || r.doc["data"] != nil {
		t.Errorf("all-invalid batch: %s", r.raw)
	}
}

func TestPatchPartial(t *testing.T) {
	h := start(t, Options{}, testDataset(2, 3))
	id := h.firstID("/configurations")
	before := attrs(h.get("/configurations/"+id).mustStatus(t, 200).one())
	h.clock.Advance(90 * time.Minute)
	r := h.req("PATCH", "/configurations/"+id, `{"data":{"type":"configurations","attributes":{"notes":"patched","asset-tag":"A-99"}}}`).mustStatus(t, 200)
	after := attrs(r.one())
	for k, v := range before {
		switch k {
		case "notes", "asset-tag", "updated-at":
			continue
		}
		if !equalJSON(after[k], v) {
			t.Errorf("%s changed from %#v to %#v", k, v, after[k])
		}
	}
	if after["notes"] != "patched" || after["asset-tag"] != "A-99" {
		t.Errorf("patched attributes: notes %v asset-tag %v", after["notes"], after["asset-tag"])
	}
	if after["updated-at"] != "2026-02-01T10:30:00.000Z" || after["created-at"] != before["created-at"] {
		t.Errorf("updated-at %v (want the clock), created-at %v (want %v)", after["updated-at"], after["created-at"], before["created-at"])
	}
	// Same values again: nothing changes, updated-at stays.
	h.clock.Advance(time.Hour)
	r = h.req("PATCH", "/configurations/"+id, `{"data":{"type":"configurations","attributes":{"notes":"patched","name":"`+before["name"].(string)+`"}}}`).mustStatus(t, 200)
	if attrs(r.one())["updated-at"] != "2026-02-01T10:30:00.000Z" {
		t.Errorf("a no-op PATCH moved updated-at to %v", attrs(r.one())["updated-at"])
	}
	// null clears; the id may be repeated in attributes or data.id.
	r = h.req("PATCH", "/configurations/"+id, `{"data":{"type":"configurations","id":"`+id+`","attributes":{"id":`+id+`,"asset_tag":null}}}`).mustStatus(t, 200)
	if a := attrs(r.one()); a["asset-tag"] != nil || a["updated-at"] != "2026-02-01T11:30:00.000Z" {
		t.Errorf("after clearing: asset-tag %v updated-at %v", a["asset-tag"], a["updated-at"])
	}
}

func equalJSON(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestDerivedNames(t *testing.T) {
	h := start(t, Options{}, testDataset(3, 4))
	id := h.firstID("/configurations?filter[organization_id]=" + org(1))
	// Writing an id updates the name.
	r := h.req("PATCH", "/configurations/"+id, `{"data":{"type":"configurations","attributes":{"configuration_type_id":40003,"configuration-status-id":50002,"operating_system_id":80002}}}`).mustStatus(t, 200)
	a := attrs(r.one())
	if a["configuration-type-name"] != "Firewall" || a["configuration-status-name"] != "Retired" || a["operating-system-name"] != "Windows Server 2022 Standard" {
		t.Errorf("names after PATCH: %v %v %v", a["configuration-type-name"], a["configuration-status-name"], a["operating-system-name"])
	}
	// Renaming what a name is derived from shows in lists (cached renderings go stale).
	_ = h.get("/configurations?page[size]=1000").mustStatus(t, 200) // warm the cache
	h.req("PATCH", "/organizations/"+org(1), `{"data":{"type":"organizations","attributes":{"name":"Renamed Org","short_name":"RO"}}}`).mustStatus(t, 200)
	h.req("PATCH", "/configuration_types/40003", `{"data":{"type":"configuration-types","attributes":{"name":"Network Firewall"}}}`).mustStatus(t, 200)
	h.req("PATCH", "/contacts/3000001", `{"data":{"type":"contacts","attributes":{"first_name":"Anna"}}}`).mustStatus(t, 200)
	for _, c := range h.all("/configurations?filter[organization_id]=" + org(1)) {
		ca := attrs(c)
		if ca["organization-name"] != "Renamed Org" || ca["organization-short-name"] != "RO" {
			t.Errorf("configuration %s: organization-name %v short-name %v", idOf(c), ca["organization-name"], ca["organization-short-name"])
		}
		if idOf(c) == id && ca["configuration-type-name"] != "Network Firewall" {
			t.Errorf("configuration-type-name %v after renaming the type", ca["configuration-type-name"])
		}
		if ca["contact-id"] == float64(3000001) && ca["contact-name"] != "Anna Smith1" {
			t.Errorf("contact-name %v after renaming the contact", ca["contact-name"])
		}
	}
	if n := attrs(h.get("/configuration_types/40003").one())["configurations-count"]; n == float64(0) || n == nil {
		t.Errorf("configurations-count %v", n)
	}
}

// TestWriteErrors checks status, source and detail of rejected writes.
func TestWriteErrors(t *testing.T) {
	h := start(t, Options{}, testDataset(2, 2))
	cfg := h.firstID("/configurations?filter[organization_id]=" + org(1))
	before := attrs(h.get("/configurations/" + cfg).one())
	cases := []struct {
		name, method, path, body string
		status                   int
		pointer, detail          string
	}{
		{"missing name", "POST", "/configurations", `{"data":{"type":"configurations","attributes":{"organization_id":` + org(1) + `,"configuration_type_id":40001}}}`,
			422, "/data/attributes/name", "can't be blank"},
		{"missing organization", "POST", "/configurations", `{"data":{"type":"configurations","attributes":{"name":"x","configuration_type_id":40001}}}`,
			422, "/data/attributes/organization-id", "can't be blank"},
		{"unknown type id (pointer keeps the client's key)", "POST", "/configurations", `{"data":{"type":"configurations","attributes":{"organization_id":` + org(1) + `,"name":"x","configuration_type_id":12}}}`,
			422, "/data/attributes/configuration_type_id", "does not exist"},
		{"unknown attribute", "POST", "/configurations", `{"data":{"type":"configurations","attributes":{"organization_id":` + org(1) + `,"name":"x","configuration_type_id":40001,"colour":"red"}}}`,
			422, "/data/attributes/colour", "no attribute"},
		{"location of another organization", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"location_id":2000003}}}`,
			422, "/data/attributes/location_id", "belongs to another organization-id"},
		{"model of another manufacturer", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"manufacturer_id":60001,"model_id":70003}}}`,
			422, "/data/attributes/model_id", "belongs to another manufacturer-id"},
		{"wrong type member", "POST", "/configurations", `{"data":{"type":"organizations","attributes":{"name":"x"}}}`,
			422, "/data/type", "does not match"},
		{"relationships in PATCH", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{},"relationships":{"configuration_interfaces":{"data":[]}}}}`,
			422, "/data/relationships", "relationships"},
		{"MAC over 17 characters", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"mac_address":"00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F"}}}`,
			422, "/data/attributes/mac_address", "maximum is 17"},
		{"bad boolean", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"archived":"maybe"}}}`,
			422, "/data/attributes/archived", "true or false"},
		{"bad date", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"installed_at":"last week"}}}`,
			422, "/data/attributes/installed_at", "not a date"},
		{"id in attributes of another record", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"id":4000002,"notes":"x"}}}`,
			422, "/data/attributes/id", "does not match"},
		{"data.id of another record", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","id":"4000002","attributes":{"notes":"x"}}}`,
			422, "/data/id", "does not match"},
		{"organization its own parent", "PATCH", "/organizations/" + org(1), `{"data":{"type":"organizations","attributes":{"parent_id":` + org(1) + `}}}`,
			422, "/data/attributes/parent_id", "own ancestor"},
		{"nested route and body disagree", "POST", "/organizations/" + org(1) + "/relationships/configurations", `{"data":{"type":"configurations","attributes":{"organization_id":` + org(2) + `,"name":"x","configuration_type_id":40001}}}`,
			422, "/data/attributes/organization_id", "does not match"},
		{"contact e-mail without value", "POST", "/organizations/" + org(1) + "/relationships/contacts", `{"data":{"type":"contacts","attributes":{"first_name":"Zed","contact_emails":[{"primary":true}]}}}`,
			422, "/data/attributes/contact_emails", "value can't be blank"},
		{"same attribute twice", "PATCH", "/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"asset_tag":"a","asset-tag":"b"}}}`,
			422, "/data/attributes/asset_tag", "given twice"},
		{"no data", "PATCH", "/configurations/" + cfg, `{"meta":{}}`, 422, "/data", "data is required"},
		{"array on a single record", "PATCH", "/configurations/" + cfg, `{"data":[{"type":"configurations","attributes":{}}]}`, 422, "/data", "one resource object"},
		{"bulk update with an object", "PATCH", "/configurations", `{"data":{"type":"configurations","attributes":{"id":` + cfg + `}}}`, 422, "/data", "array"},
		{"bulk element without id", "PATCH", "/configurations", `{"data":[{"type":"configurations","attributes":{"notes":"x"}}]}`, 422, "/data/0/attributes/id", "needs attributes.id"},
		{"malformed JSON", "PATCH", "/configurations/" + cfg, `{"data":`, 400, "", "not valid JSON"},
		{"unknown record", "PATCH", "/configurations/4999999", `{"data":{"type":"configurations","attributes":{"notes":"x"}}}`, 404, "", "not found"},
		{"unknown organization on a nested route", "POST", "/organizations/1999999/relationships/configurations", `{"data":{"type":"configurations","attributes":{"name":"x"}}}`, 404, "", "not found"},
		{"record under another organization", "GET", "/organizations/" + org(2) + "/relationships/configurations/" + cfg, ``, 404, "", "not found"},
		{"read-only resource", "POST", "/operating_systems", `{"data":{"type":"operating-systems","attributes":{"name":"BeOS"}}}`, 405, "", "not supported"},
		{"no single DELETE", "DELETE", "/configurations/" + cfg, ``, 405, "", "not supported"},
		{"no bulk update on nested routes", "PATCH", "/organizations/" + org(1) + "/relationships/configurations", `{"data":[]}`, 405, "", "not supported"},
		{"unknown endpoint", "GET", "/flexible_assets", ``, 404, "", "no such endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.req(tc.method, tc.path, tc.body).mustStatus(t, tc.status)
			errs := r.errors()
			if len(errs) == 0 {
				t.Fatalf("no errors in %s", r.raw)
			}
			e := errs[0]
			if e["status"] != strconv.Itoa(tc.status) || e["title"] == "" || !strings.Contains(fmt.Sprint(e["detail"]), tc.detail) {
				t.Errorf("error %v, want status %d and a detail containing %q", e, tc.status, tc.detail)
			}
			src, _ := e["source"].(map[string]any)
			if tc.pointer != "" && src["pointer"] != tc.pointer {
				t.Errorf("source %v, want pointer %q", src, tc.pointer)
			}
		})
	}
	// Nothing above changed the record.
	if after := attrs(h.get("/configurations/" + cfg).one()); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rejected writes changed the record:\n%v\n%v", before, after)
	}
}

func TestMediaTypes(t *testing.T) {
	body := `{"data":{"type":"organizations","attributes":{"name":"Media %d"}}}`
	cases := []struct {
		name        string
		opts        Options
		contentType string
		status      int
	}{
		{"JSON:API", Options{}, "application/vnd.api+json", 201},
		{"JSON:API with charset", Options{}, "application/vnd.api+json; charset=utf-8", 201},
		{"plain JSON refused by default", Options{}, "application/json", 415},
		{"plain JSON when allowed", Options{AcceptPlainJSON: true}, "application/json", 201},
		{"text", Options{}, "text/plain", 415},
		{"form", Options{}, "application/x-www-form-urlencoded", 415},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.opts, nil)
			r := h.req("POST", "/organizations", fmt.Sprintf(body, i), "Content-Type: "+tc.contentType).mustStatus(t, tc.status)
			if tc.status == 415 && (len(r.errors()) != 1 || r.errors()[0]["status"] != "415") {
				t.Errorf("415 body %s", r.raw)
			}
		})
	}
	t.Run("missing Content-Type", func(t *testing.T) {
		h := start(t, Options{}, nil)
		r := h.req("POST", "/organizations", `{"data":{"type":"organizations","attributes":{"name":"x"}}}`, "Content-Type:")
		r.mustStatus(t, 415)
	})
	t.Run("GET needs no Content-Type", func(t *testing.T) {
		h := start(t, Options{}, nil)
		h.get("/organizations").mustStatus(t, 200)
	})
}

func TestBulkUpdate(t *testing.T) {
	h := start(t, Options{}, testDataset(3, 3))
	a := h.firstID("/configurations?filter[organization_id]=" + org(1))
	b := h.firstID("/configurations?filter[organization_id]=" + org(2))
	var sb strings.Builder
	tmpl := template.Must(template.New("").Parse(readTestdata(t, "requests/bulk_update_configs.json.tmpl")))
	if err := tmpl.Execute(&sb, map[string]string{"A": a, "B": b}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	r := h.req("PATCH", "/configurations", sb.String()).mustStatus(t, 200)
	if got := ids(r.list()); !slices.Equal(got, []string{a, b}) {
		t.Fatalf("updated %v, want %v", got, []string{a, b})
	}
	errs, _ := r.meta()["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("meta.errors %v", r.meta())
	}
	e := errs[0].(map[string]any)
	if e["status"] != "404" || e["meta"].(map[string]any)["index"] != float64(2) || e["source"].(map[string]any)["pointer"] != "/data/2/attributes/id" {
		t.Errorf("error %v", e)
	}
	ga, gb := attrs(h.get("/configurations/"+a).one()), attrs(h.get("/configurations/"+b).one())
	if ga["notes"] != "bulk A" || ga["asset-tag"] != "BULK-A" || gb["notes"] != "bulk B" || gb["updated-at"] != "2026-02-01T09:01:00.000Z" {
		t.Errorf("after bulk update: %v / %v", ga, gb)
	}
	// filter[...] scopes a bulk update: b is not in organization 1.
	r = h.req("PATCH", "/configurations?filter[organization_id]="+org(1),
		`{"data":[{"type":"configurations","attributes":{"id":`+a+`,"notes":"scoped"}},{"type":"configurations","attributes":{"id":`+b+`,"notes":"scoped"}}]}`).mustStatus(t, 200)
	if got := ids(r.list()); !slices.Equal(got, []string{a}) || len(r.meta()["errors"].([]any)) != 1 {
		t.Errorf("scoped bulk update: %s", r.raw)
	}
	// One element invalid, the others applied.
	r = h.req("PATCH", "/configurations",
		`{"data":[{"type":"configurations","attributes":{"id":`+a+`,"configuration_type_id":777}},{"type":"configurations","attributes":{"id":`+b+`,"name":"RENAMED"}}]}`).mustStatus(t, 200)
	if got := ids(r.list()); !slices.Equal(got, []string{b}) {
		t.Errorf("partially invalid bulk update: %s", r.raw)
	}
}

func TestBulkDeleteAndCascade(t *testing.T) {
	h := start(t, Options{}, testDataset(3, 4))
	_, ticket, _ := h.sb.IDForKey("c0001-t01")
	_, cfg1, _ := h.sb.IDForKey("c0001-cfg-001")
	_, cfg2, _ := h.sb.IDForKey("c0001-cfg-002")
	if got := idList(attrs(h.get("/tickets/" + ticket).one())["configuration-ids"]); got != "["+cfg1+"]" {
		t.Fatalf("ticket configuration-ids %v, want [%s]", got, cfg1)
	}
	before := h.sb.Count("configurations")
	r := h.req("DELETE", "/configurations", `{"data":[{"type":"configurations","attributes":{"id":`+cfg1+`}},{"type":"configurations","id":"`+cfg2+`"},{"type":"configurations","attributes":{"id":4999999}}]}`).mustStatus(t, 200)
	if got := ids(r.list()); !slices.Equal(got, []string{cfg1, cfg2}) || len(r.meta()["errors"].([]any)) != 1 {
		t.Errorf("bulk delete answer %s", r.raw)
	}
	h.get("/configurations/"+cfg1).mustStatus(t, 404)
	if got := h.sb.Count("configurations"); got != before-2 {
		t.Errorf("count %d, want %d", got, before-2)
	}
	if got := idList(attrs(h.get("/tickets/" + ticket).one())["configuration-ids"]); got != "[]" {
		t.Errorf("ticket still references deleted configurations: %v", got)
	}
	// Deleting an organization takes what is nested under it along.
	counts := map[string]int{}
	for _, typ := range []string{"configurations", "contacts", "locations", "tickets"} {
		counts[typ] = h.sb.Count(typ) - len(h.all("/organizations/"+org(2)+"/relationships/"+typ))
	}
	h.req("DELETE", "/organizations", `{"data":[{"type":"organizations","attributes":{"id":`+org(2)+`}}]}`).mustStatus(t, 200)
	h.get("/organizations/"+org(2)).mustStatus(t, 404)
	for typ, want := range counts {
		if got := h.sb.Count(typ); got != want {
			t.Errorf("%s: %d left, want %d", typ, got, want)
		}
	}
	if _, _, ok := h.sb.IDForKey("c0002-cfg-001"); ok {
		t.Errorf("IDForKey still finds a deleted record")
	}
}

func TestCreateLookupsAndNested(t *testing.T) {
	h := start(t, Options{}, testDataset(1, 1))
	r := h.req("POST", "/manufacturers", `{"data":{"type":"manufacturers","attributes":{"name":"Lenovo"}}}`).mustStatus(t, 201)
	man := idOf(r.one())
	r = h.req("POST", "/manufacturers/"+man+"/relationships/models", `{"data":{"type":"models","attributes":{"name":"ThinkPad T14"}}}`).mustStatus(t, 201)
	if attrs(r.one())["manufacturer-id"] != float64(mustInt(t, man)) {
		t.Errorf("model %v", attrs(r.one()))
	}
	got := h.all("/manufacturers/" + man + "/relationships/models")
	if len(got) != 1 || attrs(got[0])["name"] != "ThinkPad T14" {
		t.Errorf("models of the new manufacturer: %v", got)
	}
	regions := h.all("/countries/101/relationships/regions")
	if len(regions) != 2 {
		t.Errorf("regions of country 101: %d", len(regions))
	}
	r = h.req("POST", "/organizations/"+org(1)+"/relationships/locations", `{"data":{"type":"locations","attributes":{"name":"Annex","country_id":101,"region_id":`+idOf(regions[1])+`,"phone":"555-1"}}}`).mustStatus(t, 201)
	if a := attrs(r.one()); a["region-name"] != "Texas" || a["country-name"] != "United States" || a["formatted-phone"] != "555-1" {
		t.Errorf("location %v", a)
	}
	h.req("POST", "/organizations/"+org(1)+"/relationships/locations", `{"data":{"type":"locations","attributes":{"name":"Bad","country_id":102,"region_id":`+idOf(regions[1])+`}}}`).mustStatus(t, 422)
	r = h.req("POST", "/organizations/"+org(1)+"/relationships/contacts", `{"data":{"type":"contacts","attributes":{"first-name":"Zoe","last-name":"Quinn",
		"contact-emails":[{"value":"zq@example.com","primary":true,"label-name":"Work"}],
		"contact_phones":[{"value":"555-0199","extension":"7","primary":false,"label_name":"Mobile"}]}}}`).mustStatus(t, 201)
	a := attrs(r.one())
	if a["name"] != "Zoe Quinn" || fmt.Sprint(a["contact-emails"]) != "[map[label-name:Work primary:true value:zq@example.com]]" ||
		fmt.Sprint(a["contact-phones"]) != "[map[extension:7 label-name:Mobile primary:false value:555-0199]]" {
		t.Errorf("contact %v", a)
	}
	r = h.req("POST", "/tickets", `{"data":{"type":"tickets","attributes":{"organization_id":`+org(1)+`,"summary":"Server down","number":"T9","configuration_ids":[4000001],"psa_updated_at":"2026-01-31T10:00:00Z"}}}`).mustStatus(t, 201)
	if a := attrs(r.one()); idList(a["configuration-ids"]) != "[4000001]" || a["psa-updated-at"] != "2026-01-31T10:00:00.000Z" || a["organization-name"] != "Org 0001 Ltd" {
		t.Errorf("ticket %v", a)
	}
	h.req("POST", "/tickets", `{"data":{"type":"tickets","attributes":{"organization_id":`+org(1)+`,"number":"T10","configuration_ids":[4999999]}}}`).mustStatus(t, 422)
}

// idList formats a decoded JSON array of ids as "[1 2]".
func idList(v any) string {
	arr, _ := v.([]any)
	var parts []string
	for _, e := range arr {
		f, _ := e.(float64)
		parts = append(parts, strconv.FormatInt(int64(f), 10))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPSARestrictions(t *testing.T) {
	for _, enforce := range []bool{false, true} {
		t.Run(fmt.Sprintf("enforce=%v", enforce), func(t *testing.T) {
			h := start(t, Options{EnforcePSARestrictions: enforce}, testDataset(2, 2))
			cfg := h.firstID("/configurations")
			ct := h.firstID("/contacts")
			for _, l := range [][2]string{{"configurations", cfg}, {"organizations", org(1)}, {"contacts", ct}} {
				if err := h.sb.LinkPSA(l[0], l[1], "manage", "77"); err != nil {
					t.Fatal(err)
				}
			}
			restricted := 200
			if enforce {
				restricted = 422
			}
			cases := []struct {
				path, body string
				status     int
			}{
				{"/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"name":"RENAMED"}}}`, restricted},
				{"/configurations/" + cfg, `{"data":{"type":"configurations","attributes":{"notes":"ok","serial_number":"NEW","archived":true}}}`, 200},
				{"/organizations/" + org(1), `{"data":{"type":"organizations","attributes":{"name":"Renamed"}}}`, restricted},
				{"/organizations/" + org(1), `{"data":{"type":"organizations","attributes":{"alert":"Call first","quick_notes":"q"}}}`, 200},
				{"/contacts/" + ct, `{"data":{"type":"contacts","attributes":{"title":"CTO"}}}`, restricted},
				{"/organizations/" + org(2), `{"data":{"type":"organizations","attributes":{"name":"Not synced"}}}`, 200},
			}
			for _, tc := range cases {
				r := h.req("PATCH", tc.path, tc.body)
				if r.status != tc.status {
					t.Errorf("PATCH %s %s: %d, want %d (%s)", tc.path, tc.body, r.status, tc.status, r.raw)
				}
				if r.status == 422 && !strings.Contains(fmt.Sprint(r.errors()[0]["detail"]), "synced with the PSA (manage)") {
					t.Errorf("detail %v", r.errors()[0]["detail"])
				}
			}
			if got := attrs(h.get("/configurations/" + cfg).one())["psa-integration"]; got != "manage" {
				t.Errorf("psa-integration %v", got)
			}
		})
	}
}
