package connectwise

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

func mustFaults(t *testing.T, spec string) *core.Faults {
	t.Helper()
	f, err := core.ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTooManyRequestsCarriesRetryAfter(t *testing.T) {
	e := newEnv(t, 3)
	e.sb.SetFaults(mustFaults(t, "GET /company/companies:429=1,retry_after=3"))
	r := e.get("/company/companies")
	if r.status != 429 || r.header.Get("Retry-After") != "3" {
		t.Fatalf("status %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if b := r.errorBody(t); b.Code != "TooManyRequests" {
		t.Errorf("body %s", r.body)
	}
	// Other routes are not affected; switching faults off restores answers.
	if r := e.get("/company/configurations?pageSize=1"); r.status != 200 {
		t.Errorf("other route: %d", r.status)
	}
	e.sb.SetFaults(nil)
	if r := e.get("/company/companies"); r.status != 200 {
		t.Errorf("after SetFaults(nil): %d", r.status)
	}
	snap := e.sb.Log()
	if snap.Faults["429"] != 1 || snap.ByRouteStatus["GET /company/companies"][429] != 1 || snap.ByRouteStatus["GET /company/companies"][200] != 1 {
		t.Errorf("log %+v", snap)
	}
}

func TestTimeoutAfterCommitCommits(t *testing.T) {
	e := newEnv(t, 3)
	_, cid, _ := e.sb.IDForKey("c0001")
	e.sb.SetFaults(mustFaults(t, "POST /company/configurations:timeout_after_commit=1"))
	before := e.sb.Count("configurations")
	c := e.sb.Credentials()
	req, _ := http.NewRequest("POST", e.srv.URL+Base+"/company/configurations", strings.NewReader(`{"name":"LOST-RESPONSE-01","type":{"name":"Firewall"},"company":{"id":`+itoa(cid)+`}}`))
	req.Header.Set("Authorization", c.Authorization())
	req.Header.Set("clientId", c.ClientID)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := e.hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want the connection to drop", resp.StatusCode)
	}
	e.sb.SetFaults(nil)
	if got := e.sb.Count("configurations"); got != before+1 {
		t.Fatalf("count %d, want %d: the write must be committed", got, before+1)
	}
	recs, _ := e.list("/company/configurations?conditions=" + q(`name = "LOST-RESPONSE-01"`))
	if len(recs) != 1 {
		t.Errorf("committed record not found: %d", len(recs))
	}
	if n := e.sb.Log().Faults["timeout_after_commit"]; n != 1 {
		t.Errorf("logged %d lost responses", n)
	}
}

func TestFixtureRoundTrip(t *testing.T) {
	e := newEnv(t, 6)
	// Some API writes first, so the fixture holds more than seeded data.
	_, cid, _ := e.sb.IDForKey("c0001")
	e.do("POST", "/company/configurations", newConfig(cid, "FIX-01"), nil)
	e.do("POST", "/company/companies", map[string]any{"identifier": "FixCo", "name": "Fix Co"}, nil)
	var first bytes.Buffer
	if err := e.sb.DumpFixture(&first); err != nil {
		t.Fatal(err)
	}
	other := New(Options{})
	if err := other.LoadFixture(bytes.NewReader(first.Bytes())); err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if err := other.DumpFixture(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatal("dump → load → dump changed the fixture")
	}
	for _, name := range e.sb.Collections() {
		if e.sb.Count(name) != other.Count(name) {
			t.Errorf("%s: %d vs %d", name, e.sb.Count(name), other.Count(name))
		}
	}
	// Records read the same through the API, and keys survive.
	srv, err := core.Start(other.Handler(), core.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	o := &harness{t: t, sb: other, srv: srv, hc: srv.Client()}
	a := e.get("/company/configurations?pageSize=1000&orderBy=" + q("name asc"))
	b := o.get("/company/configurations?pageSize=1000&orderBy=" + q("name asc"))
	if !bytes.Equal(a.body, b.body) {
		t.Error("the loaded sandbox answers differently")
	}
	if _, id, ok := other.IDForKey("c0002-cfg-001"); !ok || id == 0 {
		t.Error("generator keys lost")
	}
	// New ids continue after the loaded ones.
	r := o.do("POST", "/company/configurations", newConfig(cid, "FIX-02"), nil)
	var rec map[string]any
	r.json(t, &rec)
	var last map[string]any
	e.do("POST", "/company/configurations", newConfig(cid, "FIX-02"), nil).json(t, &last)
	if num(rec["id"]) != num(last["id"]) {
		t.Errorf("next id after load %v, original sandbox %v", rec["id"], last["id"])
	}
	if err := other.LoadFixture(strings.NewReader(`{"format":"something-else","tables":{}}`)); err == nil {
		t.Error("a fixture of another format loaded")
	}
}

func TestSeedRendersEdgeCases(t *testing.T) {
	e := newEnv(t, 10)
	get := func(key string) map[string]any {
		coll, id, ok := e.sb.IDForKey(key)
		if !ok || coll != "configurations" {
			t.Fatalf("key %s: %s %v", key, coll, ok)
		}
		var m map[string]any
		e.get("/company/configurations/"+itoa(id)).json(t, &m)
		return m
	}
	dup := mustEdge(t, e.d, msp.EdgeConfigDupNameType)
	a, b := get(dup.Keys[0]), get(dup.Keys[1])
	if a["name"] != b["name"] || a["serialNumber"] != b["serialNumber"] || infoField(a, "dateEntered") >= infoField(b, "dateEntered") {
		t.Errorf("duplicate pair %v / %v", a["name"], b["name"])
	}
	for _, k := range mustEdge(t, e.d, msp.EdgeConfigUnsyncedType).Keys {
		if typ := refName(get(k), "type"); typ != msp.CfgPersonal && typ != msp.CfgScanner {
			t.Errorf("%s type %q", k, typ)
		}
	}
	for _, k := range mustEdge(t, e.d, msp.EdgeConfigUnsyncedStatus).Keys {
		if m := get(k); m["activeFlag"] != false {
			t.Errorf("%s: closed status but activeFlag %v", k, m["activeFlag"])
		}
	}
	ne := mustEdge(t, e.d, msp.EdgeContactNoEmail)
	_, cid, _ := e.sb.IDForKey(ne.Keys[0])
	var ct map[string]any
	e.get("/company/contacts/"+itoa(cid)).json(t, &ct)
	for _, it := range ct["communicationItems"].([]any) {
		if it.(map[string]any)["communicationType"] == "Email" {
			t.Error("contact without e-mail has one")
		}
	}
	var child map[string]any
	_, kid, _ := e.sb.IDForKey("c0004")
	e.get("/company/companies/"+itoa(kid)).json(t, &child)
	if refName(child, "parentCompany") != e.d.PSA.Company("c0003").Name {
		t.Errorf("parentCompany %v", child["parentCompany"])
	}
	recs, _ := e.list("/company/companies?conditions=" + q(`types/name = "Prospect" or status/name = "Inactive"`) + "&pageSize=1000")
	if len(recs) < 2 {
		t.Errorf("unsynced companies: %d", len(recs))
	}
}
