package itglue

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

func TestAPIKey(t *testing.T) {
	h := start(t, Options{APIKey: "ITG.custom-key"}, testDataset(1, 1))
	if c := h.sb.Credentials(); c.Header != "x-api-key" || c.APIKey != "ITG.custom-key" {
		t.Errorf("Credentials() = %+v", c)
	}
	cases := []struct {
		name   string
		method string
		header string
		status int
	}{
		{"no key", "GET", "x-api-key:", 403},
		{"wrong key", "GET", "x-api-key: ITG.wrong", 403},
		{"wrong key on a write with a bad media type", "POST", "x-api-key: ITG.wrong", 403},
		{"right key", "GET", "x-api-key: ITG.custom-key", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := ""
			extra := []string{tc.header}
			if tc.method == "POST" {
				body = `{"data":{"type":"organizations","attributes":{"name":"x"}}}`
				extra = append(extra, "Content-Type: text/plain")
			}
			r := h.req(tc.method, "/organizations", body, extra...).mustStatus(t, tc.status)
			if tc.status == 403 {
				errs := r.errors()
				if len(errs) != 1 || errs[0]["status"] != "403" || errs[0]["title"] != "Forbidden" {
					t.Errorf("403 body %s", r.raw)
				}
				if ct := r.header.Get("Content-Type"); ct != responseType {
					t.Errorf("Content-Type %q", ct)
				}
			}
		})
	}
}

func TestRequestBudget(t *testing.T) {
	h := start(t, Options{Budget: 3, BudgetWindow: time.Minute}, testDataset(1, 1))
	for i := 0; i < 3; i++ {
		h.get("/organizations").mustStatus(t, 200)
	}
	r := h.get("/configurations").mustStatus(t, 429)
	if ra := r.header.Get("Retry-After"); ra != "60" {
		t.Errorf("Retry-After %q, want 60", ra)
	}
	if errs := r.errors(); len(errs) != 1 || errs[0]["status"] != "429" {
		t.Errorf("429 body %s", r.raw)
	}
	// A bad key is refused before the budget is looked at.
	h.req("GET", "/organizations", "", "x-api-key: nope").mustStatus(t, 403)
	h.clock.Advance(45 * time.Second)
	if ra := h.get("/organizations").mustStatus(t, 429).header.Get("Retry-After"); ra != "15" {
		t.Errorf("Retry-After %q after 45 s, want 15", ra)
	}
	h.clock.Advance(15 * time.Second)
	h.get("/organizations").mustStatus(t, 200)
	h.sb.ResetBudget()
	for i := 0; i < 3; i++ {
		h.get("/organizations").mustStatus(t, 200)
	}
	if got := h.sb.Log().ByRouteStatus["GET /organizations"][429]; got != 1 {
		t.Errorf("log counts %d 429s on GET /organizations, want 1", got)
	}
}

func TestFaultLayer(t *testing.T) {
	f, err := core.ParseFaults("GET /configurations:503=1,retry_after=7; GET /organizations/{id}:429=1")
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, Options{Faults: f, FaultSeed: 3}, testDataset(1, 2))
	r := h.get("/configurations").mustStatus(t, 503)
	if r.header.Get("Retry-After") != "7" || len(r.errors()) != 1 || r.errors()[0]["status"] != "503" {
		t.Errorf("injected 503: headers %v body %s", r.header, r.raw)
	}
	if ct := r.header.Get("Content-Type"); ct != responseType {
		t.Errorf("injected error Content-Type %q", ct)
	}
	h.get("/organizations/"+org(1)).mustStatus(t, 429)
	h.get("/organizations").mustStatus(t, 200)
	h.get("/configurations/4000001").mustStatus(t, 200)
	snap := h.sb.Log()
	if snap.Faults["503"] != 1 || snap.Faults["429"] != 1 || snap.ByRoute["GET /configurations"] != 1 || snap.ByRoute["GET /configurations/{id}"] != 1 {
		t.Errorf("log %+v", snap)
	}

	// A write whose response is lost still commits.
	f, err = core.ParseFaults("POST /organizations:timeout_after_commit=1")
	if err != nil {
		t.Fatal(err)
	}
	h.sb.SetFaults(f)
	before := h.sb.Count("organizations")
	req, _ := http.NewRequest("POST", h.srv.URL+"/organizations", strings.NewReader(`{"data":{"type":"organizations","attributes":{"name":"Lost Answer"}}}`))
	req.Header.Set("x-api-key", h.key)
	req.Header.Set("Content-Type", mediaType)
	if res, err := h.srv.Client().Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the response of a timeout_after_commit write arrived (status %d)", res.StatusCode)
	}
	if got := h.sb.Count("organizations"); got != before+1 {
		t.Errorf("organizations %d, want %d: the write must commit", got, before+1)
	}
	h.sb.SetFaults(nil)
	if n := len(h.all("/organizations?filter[name]=Lost%20Answer")); n != 1 {
		t.Errorf("committed organization found %d times", n)
	}
}

func TestRequestLogRoutes(t *testing.T) {
	h := start(t, Options{}, testDataset(1, 2))
	h.get("/configurations/4000001").mustStatus(t, 200)
	h.get("/organizations/"+org(1)+"/relationships/configurations").mustStatus(t, 200)
	h.req("PATCH", "/configurations/4000001", `{"data":{"type":"configurations","attributes":{"notes":"n"}}}`).mustStatus(t, 200)
	h.get("/nowhere").mustStatus(t, 404)
	snap := h.sb.Log()
	for _, route := range []string{"GET /configurations/{id}", "GET /organizations/{parent_id}/relationships/configurations", "PATCH /configurations/{id}", "GET (unmatched)"} {
		if snap.ByRoute[route] != 1 {
			t.Errorf("route %q counted %d times; log %v", route, snap.ByRoute[route], snap.ByRoute)
		}
	}
	h.sb.ResetLog()
	if h.sb.Log().Total != 0 {
		t.Errorf("ResetLog left %d", h.sb.Log().Total)
	}
}

// TestHTTPS serves the sandbox over TLS with core's self-signed
// certificate and reads it with net/http like a client would.
func TestHTTPS(t *testing.T) {
	sb := New(Options{})
	if err := sb.Seed(testDataset(3, 5)); err != nil {
		t.Fatal(err)
	}
	srv, err := core.Start(sb.Handler(), core.ServeOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("URL %s", srv.URL)
	}
	req, err := http.NewRequest("GET", srv.URL+"/configurations?page[size]=2&sort=-updated_at", nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := sb.Credentials()
	req.Header.Set(creds.Header, creds.APIKey)
	req.Header.Set("Accept", mediaType)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != responseType {
		t.Fatalf("status %d Content-Type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var doc struct {
		Data []struct {
			ID         string         `json:"id"`
			Type       string         `json:"type"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
		Meta  map[string]any    `json:"meta"`
		Links map[string]string `json:"links"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Data) != 2 || doc.Data[0].Type != "configurations" || doc.Meta["total-count"] != float64(15) {
		t.Errorf("document %+v", doc)
	}
	if !strings.HasPrefix(doc.Links["next"], srv.URL+"/configurations?") {
		t.Errorf("links.next %q does not point back at the HTTPS server", doc.Links["next"])
	}
}

// TestSeedGenerated seeds the generator's data set and finds every
// documentation-side record by its key.
func TestSeedGenerated(t *testing.T) {
	d := msp.Generate(msp.Options{Seed: 11, Companies: 24})
	h := start(t, Options{}, d)
	want := map[string]int{}
	for _, c := range d.Doc.Companies {
		want["organizations"]++
		want["locations"] += len(c.Sites)
		want["contacts"] += len(c.Contacts)
		want["configurations"] += len(c.Configs)
		want["tickets"] += len(c.Tickets)
	}
	for typ, n := range want {
		if got := h.sb.Count(typ); got != n {
			t.Errorf("%s: %d, want %d", typ, got, n)
		}
	}
	if got := h.sb.Count("configuration-types"); got < len(d.Ref.ConfigurationTypes) {
		t.Errorf("configuration types %d < %d", got, len(d.Ref.ConfigurationTypes))
	}
	byID := map[string]map[string]any{}
	for _, o := range h.all("/configurations") {
		byID[idOf(o)] = attrs(o)
	}
	for _, c := range d.Doc.Companies {
		typ, oid, ok := h.sb.IDForKey(c.Key)
		if !ok || typ != "organizations" {
			t.Fatalf("IDForKey(%s) = %s %s %v", c.Key, typ, oid, ok)
		}
		for _, cf := range c.Configs {
			_, id, ok := h.sb.IDForKey(cf.Key)
			a := byID[id]
			if !ok || a == nil {
				t.Fatalf("configuration %s not served", cf.Key)
			}
			if a["name"] != cf.Name || a["organization-name"] != c.Name || a["organization-id"] != float64(mustInt(t, oid)) {
				t.Errorf("%s: name %v org %v/%v", cf.Key, a["name"], a["organization-name"], a["organization-id"])
			}
			if cf.Type != "" && a["configuration-type-name"] != cf.Type {
				t.Errorf("%s: type %v, want %s", cf.Key, a["configuration-type-name"], cf.Type)
			}
			if mac, _ := a["mac-address"].(string); len(mac) > 17 || (len(cf.MACAddress) <= 17 && mac != cf.MACAddress) {
				t.Errorf("%s: mac-address %q from %q", cf.Key, mac, cf.MACAddress)
			}
		}
	}
	// Seeding is deterministic.
	other := New(Options{})
	if err := other.Seed(d); err != nil {
		t.Fatal(err)
	}
	var a, b strings.Builder
	if err := h.sb.DumpFixture(&a); err != nil {
		t.Fatal(err)
	}
	if err := other.DumpFixture(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("two seeds of the same data set differ")
	}
	// A seeded state survives a fixture round trip.
	loaded := New(Options{})
	if err := loaded.LoadFixture(strings.NewReader(a.String())); err != nil {
		t.Fatal(err)
	}
	var c strings.Builder
	if err := loaded.DumpFixture(&c); err != nil {
		t.Fatal(err)
	}
	if c.String() != a.String() {
		t.Errorf("seeded state changed in a fixture round trip")
	}
}

// TestConcurrentReadsAndWrites runs readers and writers side by side (a
// bounded number of requests) so the race detector sees the cached
// renderings and sort orders being rebuilt under load.
func TestConcurrentReadsAndWrites(t *testing.T) {
	h := start(t, Options{Budget: -1}, testDataset(20, 50))
	var wg sync.WaitGroup
	errs := make(chan string, 400)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				q := []string{"", "&sort=-updated_at", "&sort=name", "&filter[organization_id]=" + org(1+i%20)}[(g+i)%4]
				path := fmt.Sprintf("/configurations?page[size]=200&page[number]=%d%s", 1+i%5, q)
				if r := h.get(path); r.status != 200 {
					errs <- fmt.Sprintf("GET %s: %d", path, r.status)
				}
			}
		}()
	}
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				o := org(1 + (g*25+i)%20)
				body := fmt.Sprintf(`{"data":{"type":"organizations","attributes":{"name":"Renamed %d-%d"}}}`, g, i)
				if r := h.req("PATCH", "/organizations/"+o, body); r.status != 200 {
					errs <- fmt.Sprintf("PATCH %s: %d", o, r.status)
				}
				cfg := strconv.Itoa(4_000_001 + g*500 + i)
				body = fmt.Sprintf(`{"data":{"type":"configurations","attributes":{"notes":"n%d"}}}`, i)
				if r := h.req("PATCH", "/configurations/"+cfg, body); r.status != 200 {
					errs <- fmt.Sprintf("PATCH configuration %s: %d", cfg, r.status)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Every configuration shows its organization's current name.
	names := map[any]any{}
	for _, o := range h.all("/organizations") {
		names[float64(mustInt(t, idOf(o)))] = attrs(o)["name"]
	}
	for _, c := range h.all("/configurations") {
		if a := attrs(c); a["organization-name"] != names[a["organization-id"]] {
			t.Fatalf("configuration %s shows organization-name %v, the organization is %v", idOf(c), a["organization-name"], names[a["organization-id"]])
		}
	}
}
