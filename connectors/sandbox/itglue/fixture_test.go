package itglue

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestFixtureRoundTrip(t *testing.T) {
	h := start(t, Options{}, testDataset(6, 8))
	// Writes of every kind, so the fixture holds more than the seed.
	h.clock.Advance(time.Hour)
	h.req("PATCH", "/configurations/4000003", `{"data":{"type":"configurations","attributes":{"notes":"Ünïcode <&> \"quoted\"","installed_at":"2024-05-06"}}}`).mustStatus(t, 200)
	h.req("POST", "/organizations/"+org(2)+"/relationships/contacts", `{"data":{"type":"contacts","attributes":{"first_name":"Fix","contact_emails":[{"value":"f@x.io","primary":true}]}}}`).mustStatus(t, 201)
	h.req("DELETE", "/configurations", `{"data":[{"type":"configurations","attributes":{"id":4000001}}]}`).mustStatus(t, 200)
	h.req("POST", "/tickets", `{"data":{"type":"tickets","attributes":{"organization_id":`+org(1)+`,"number":"T-77","summary":"s","configuration_ids":[4000002],"psa_created_at":"2026-01-02T03:04:05.678Z"}}}`).mustStatus(t, 201)
	if err := h.sb.LinkPSA("configurations", "4000004", "kaseya-bms", "BMS-1"); err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if err := h.sb.DumpFixture(&first); err != nil {
		t.Fatal(err)
	}
	loaded := New(Options{Clock: h.clock.Now})
	if err := loaded.LoadFixture(bytes.NewReader(first.Bytes())); err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if err := loaded.DumpFixture(&second); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Fatalf("dump -> load -> dump differs")
	}
	// Both serve the same documents (links aside, which carry the host).
	h2 := start(t, Options{Clock: h.clock.Now}, nil)
	if err := h2.sb.LoadFixture(bytes.NewReader(first.Bytes())); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/configurations?page[size]=1000&sort=-updated_at", "/contacts?page[size]=1000", "/tickets", "/configurations?filter[psa_id]=BMS-1&filter[psa_integration_type]=kaseya-bms"} {
		a, b := h.get(path).mustStatus(t, 200), h2.get(path).mustStatus(t, 200)
		if compactJSONOf(t, a.doc["data"]) != compactJSONOf(t, b.doc["data"]) {
			t.Errorf("%s differs after a fixture round trip", path)
		}
	}
	// Ids continue where the dumped sandbox would have continued.
	a := h.req("POST", "/organizations", `{"data":{"type":"organizations","attributes":{"name":"Next"}}}`).mustStatus(t, 201)
	b := h2.req("POST", "/organizations", `{"data":{"type":"organizations","attributes":{"name":"Next"}}}`).mustStatus(t, 201)
	if idOf(a.one()) != idOf(b.one()) {
		t.Errorf("next ids differ: %s vs %s", idOf(a.one()), idOf(b.one()))
	}
	if typ, id, ok := h2.sb.IDForKey("c0003-cfg-002"); !ok || typ != "configurations" || id == "" {
		t.Errorf("keys did not survive the round trip")
	}
}

func compactJSONOf(t *testing.T, v any) string {
	t.Helper()
	b, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return compactJSON(t, b)
}

func TestLoadHandWrittenFixture(t *testing.T) {
	h := start(t, Options{}, nil)
	if err := h.sb.LoadFixture(strings.NewReader(readTestdata(t, "fixtures/small.json"))); err != nil {
		t.Fatal(err)
	}
	r := h.get("/configurations/4000001").mustStatus(t, 200)
	a := attrs(r.one())
	want := map[string]any{
		"name": "HF-DC01", "organization-name": "Happy Frog Inc", "organization-short-name": "HappyFrog",
		"configuration-type-name": "Managed Server", "installed-at": "2024-02-28",
		"created-at": "2024-03-01T00:00:00.000Z", "updated-at": "2024-03-02T00:00:00.000Z",
		"resource-url": "https://sandbox.itglue.com/1000001/configurations/4000001",
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s = %#v, want %#v", k, a[k], v)
		}
	}
	o := attrs(h.get("/organizations/" + org(1)).one())
	if o["psa-integration"] != "manage" || o["updated-at"] != "2025-06-01T10:00:00.500Z" {
		t.Errorf("organization %v", o)
	}
	if got := h.all("/organizations?filter[psa_id]=250&filter[psa_integration_type]=manage"); len(got) != 1 {
		t.Errorf("PSA link from the fixture not found")
	}
	created := h.req("POST", "/organizations/"+org(1)+"/relationships/configurations", `{"data":{"type":"configurations","attributes":{"name":"n","configuration_type_id":40001}}}`).mustStatus(t, 201)
	if idOf(created.one()) != "4000010" {
		t.Errorf("new id %s, want next_id 4000010", idOf(created.one()))
	}
}

func TestLoadFixtureErrors(t *testing.T) {
	good := readTestdata(t, "fixtures/small.json")
	cases := []struct {
		name, from, to, want string
	}{
		{"wrong format", `"mapsync-sandbox/itglue/1"`, `"mapsync-sandbox/connectwise/1"`, "format"},
		{"unknown table", `"organization-types": {`, `"flexible-assets": {`, `unknown table "flexible-assets"`},
		{"unknown attribute", `"short-name": "HappyFrog"`, `"nickname": "HappyFrog"`, `"nickname" is not a stored attribute`},
		{"derived attribute", `"short-name": "HappyFrog"`, `"organization-name": "HappyFrog"`, `"organization-name" is not a stored attribute`},
		{"dangling reference", `"configuration-type-id": 40001, "serial-number"`, `"configuration-type-id": 40009, "serial-number"`, "configuration-type-id 40009 does not exist"},
		{"bad value", `"installed-at": "2024-02-28"`, `"installed-at": "soon"`, "attribute installed-at"},
		{"repeated id", `"data": {"name": "Customer"}}`, `"data": {"name": "Customer"}}, {"id": 10001, "created": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z", "data": {"name": "Again"}}`, "id 10001 repeated"},
		{"missing required attribute", `"name": "HF-DC01", `, ``, "name is required"},
		{"unknown member", `"next_id": 10002,`, `"next_id": 10002, "extra": 1,`, "unknown field"},
		{"bad PSA type", `"_psa-integration-type": "manage"`, `"_psa-integration-type": "halo"`, "halo"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("fixture has no %q", tc.from)
			}
			bad := strings.Replace(good, tc.from, tc.to, 1)
			h := start(t, Options{}, testDataset(1, 1))
			before := h.sb.Count("configurations")
			err := h.sb.LoadFixture(strings.NewReader(bad))
			if err == nil {
				t.Fatalf("loaded a broken fixture")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if h.sb.Count("configurations") != before {
				t.Errorf("a failed load changed the state")
			}
		})
	}
}
