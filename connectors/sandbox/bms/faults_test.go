package bms

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

func TestRateLimitPerEndpoint(t *testing.T) {
	h := newEnv(t, 2, Options{RateLimit: 3, TokenLifetime: 24 * time.Hour})
	h.clock.Add(10 * time.Minute) // the login counted in an earlier window of its own endpoint only
	for i := 0; i < 3; i++ {
		mustOK(t, h.call("GET", "/crm/accounts/summary", nil))
	}
	r := h.call("GET", "/crm/accounts/summary?PageNumber=2", nil)
	if r.status != http.StatusTooManyRequests || r.Success || r.Error.Code != 429 {
		t.Fatalf("4th call: %d %s", r.status, r.body)
	}
	wait, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || wait != 50*60 {
		t.Errorf("Retry-After %q, want the %d s left in the hour", r.header.Get("Retry-After"), 50*60)
	}
	// another endpoint has its own budget; so does another method
	mustOK(t, h.call("GET", "/crm/contacts/summary", nil))
	mustOK(t, h.call("GET", "/crm/accounts/summary/"+itoa(h.id(h.d.PSA.Companies[0].Key)), nil))
	// the next window starts afresh
	h.clock.Add(time.Hour)
	mustOK(t, h.call("GET", "/crm/accounts/summary", nil))
	if got := h.sb.Log().ByRouteStatus["GET /crm/accounts/summary"][429]; got != 1 {
		t.Errorf("log counted %d 429s", got)
	}
}

func TestRateLimitOff(t *testing.T) {
	h := newEnv(t, 1, Options{RateLimit: -1})
	for i := 0; i < 20; i++ {
		mustOK(t, h.call("GET", "/system/queues/lookup", nil))
	}
}

func TestInjectedFaultsUseTheEnvelope(t *testing.T) {
	h := newEnv(t, 2, Options{})
	f, err := core.ParseFaults("GET /crm/accounts/summary:503=1,retry_after=7")
	if err != nil {
		t.Fatal(err)
	}
	h.sb.SetFaults(f)
	r := h.call("GET", "/crm/accounts/summary", nil)
	if r.status != http.StatusServiceUnavailable || r.Success || r.Error.Code != 503 || r.header.Get("Retry-After") != "7" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	mustOK(t, h.call("GET", "/crm/contacts/summary", nil)) // other routes unaffected
	if h.sb.Log().Faults["503"] != 1 {
		t.Errorf("log faults %v", h.sb.Log().Faults)
	}
	h.sb.SetFaults(nil)
	mustOK(t, h.call("GET", "/crm/accounts/summary", nil))
}

func TestLostResponseAfterCommit(t *testing.T) {
	h := newEnv(t, 2, Options{})
	f, err := core.ParseFaults("POST /servicedesk/tickets:timeout_after_commit=1")
	if err != nil {
		t.Fatal(err)
	}
	h.sb.SetFaults(f)
	before := h.sb.Count("tickets")
	req, _ := http.NewRequest("POST", h.srv.URL+Base+"/servicedesk/tickets", strings.NewReader(`{"Title":"lost","AccountId":`+itoa(h.id(h.d.PSA.Companies[0].Key))+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.token)
	if resp, err := h.hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the response arrived: %d", resp.StatusCode)
	}
	if h.sb.Count("tickets") != before+1 {
		t.Errorf("the write was not committed: %d → %d", before, h.sb.Count("tickets"))
	}
}

func TestFixtureRoundTrip(t *testing.T) {
	h := newEnv(t, 6, Options{})
	mustOK(t, h.call("POST", "/crm/accounts", map[string]any{"AccountName": "Fixture Co", "AccountCode": "FIX", "AccountTypeId": 1}))
	var a bytes.Buffer
	if err := h.sb.DumpFixture(&a); err != nil {
		t.Fatal(err)
	}
	other := New(Options{Flavor: FlavorPulseway})
	if err := other.LoadFixture(bytes.NewReader(a.Bytes())); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := other.DumpFixture(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("dump, load, dump changed the fixture")
	}
	for _, coll := range other.Collections() {
		if other.Count(coll) != h.sb.Count(coll) {
			t.Errorf("%s: %d vs %d", coll, other.Count(coll), h.sb.Count(coll))
		}
	}
	key := h.d.PSA.Companies[4].Configs[0].Key
	c1, id1, _ := h.sb.IDForKey(key)
	c2, id2, ok := other.IDForKey(key)
	if !ok || c1 != c2 || id1 != id2 || c1 != "hardwareassets" {
		t.Errorf("IDForKey after load: %s %d vs %s %d", c2, id2, c1, id1)
	}
	// new ids continue after the loaded ones
	if other.res["accounts"].table.NextID() != h.sb.res["accounts"].table.NextID() {
		t.Error("next id not restored")
	}
	if err := other.LoadFixture(strings.NewReader(`{"format":"other/1","tables":{}}`)); err == nil {
		t.Error("a fixture of another format loaded")
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	dump := func() []byte {
		sb := New(Options{Clock: func() time.Time { return epoch }})
		if err := sb.Seed(msp.Generate(msp.Options{Seed: 3, Companies: 5})); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := sb.DumpFixture(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if !bytes.Equal(dump(), dump()) {
		t.Error("seeding twice gave different fixtures")
	}
}

func TestFlavors(t *testing.T) {
	bms, psa := New(Options{}), New(Options{Flavor: FlavorPulseway})
	if bms.Credentials().Product != "Kaseya BMS" || psa.Credentials().Product != "Pulseway PSA" {
		t.Errorf("products %q %q", bms.Credentials().Product, psa.Credentials().Product)
	}
	if bms.Credentials().Tenant == psa.Credentials().Tenant {
		t.Error("both flavors default to one tenant")
	}
	h := newEnv(t, 2, Options{Flavor: FlavorPulseway})
	a := mustOK(t, h.call("GET", "/crm/accounts/summary", nil)).list(t)[0].(map[string]any)
	if a["TenantName"] != FlavorPulseway.DefaultTenant() {
		t.Errorf("TenantName %v", a["TenantName"])
	}
	// a BMS tenant name does not log in to the Pulseway flavor
	form := passwordForm(h.sb)
	form.Set("Tenant", FlavorBMS.DefaultTenant())
	if r := h.login(true, form); r.Success {
		t.Error("the BMS tenant logged in to Pulseway PSA")
	}
}
