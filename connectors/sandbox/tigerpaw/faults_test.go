package tigerpaw

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

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

func TestRateLimit(t *testing.T) {
	e := newEnv(t, 3, func(o *Options) { o.RateLimit, o.RateWindow = 3, 10*time.Second })
	for i := 0; i < 3; i++ {
		r := e.get("/accounts")
		if r.status != 200 || r.header.Get("X-RateLimit-Remaining") != fmt.Sprint(2-i) || r.header.Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("request %d: %d remaining %q", i, r.status, r.header.Get("X-RateLimit-Remaining"))
		}
	}
	e.clock.Add(4 * time.Second)
	r := e.get("/contacts")
	if r.status != 429 || r.header.Get("Retry-After") != "6" || r.errorBody(t).Code != "RateLimitExceeded" {
		t.Fatalf("over the limit: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	// Failed authentication is not counted and is still 401.
	if r := e.do("GET", "/accounts", nil, map[string]string{"Authorization": ""}); r.status != 401 {
		t.Errorf("unauthenticated over the limit: %d", r.status)
	}
	e.clock.Add(6 * time.Second)
	if r := e.get("/accounts"); r.status != 200 {
		t.Errorf("next window: %d", r.status)
	}
	if n := e.sb.Log().ByStatus[429]; n != 1 {
		t.Errorf("logged %d 429s", n)
	}
	// Off: no limit and no headers.
	off := newEnv(t, 3, func(o *Options) { o.RateLimit = -1 })
	for i := 0; i < 5; i++ {
		if r := off.get("/accounts"); r.status != 200 || r.header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("unlimited: %d %v", r.status, r.header)
		}
	}
	// The default is DefaultRateLimit per minute.
	def := New(Options{})
	if def.limit.Limit() != DefaultRateLimit || def.limit.Window() != DefaultRateWindow {
		t.Errorf("default limit %d per %s", def.limit.Limit(), def.limit.Window())
	}
}

func TestInjectedFaults(t *testing.T) {
	e := newEnv(t, 3)
	e.sb.SetFaults(mustFaults(t, "GET /accounts:429=1,retry_after=4;GET /contacts/{contactNumber}:503=1"))
	r := e.get("/accounts?pageSize=1")
	if r.status != 429 || r.header.Get("Retry-After") != "4" || r.errorBody(t).Code != "RateLimitExceeded" {
		t.Errorf("429: %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	r = e.get("/contacts/50001")
	if r.status != 503 || r.errorBody(t).Code != "ServerError" {
		t.Errorf("503: %d %s", r.status, r.body)
	}
	if r := e.get("/contacts?pageSize=1"); r.status != 200 {
		t.Errorf("other route: %d", r.status)
	}
	e.sb.SetFaults(nil)
	if r := e.get("/accounts"); r.status != 200 {
		t.Errorf("after SetFaults(nil): %d", r.status)
	}
	snap := e.sb.Log()
	if snap.Faults["429"] != 1 || snap.Faults["503"] != 1 || snap.ByRouteStatus["GET /accounts"][200] != 1 || snap.ByRouteStatus["GET /contacts/{contactNumber}"][503] != 1 {
		t.Errorf("log %+v", snap)
	}
	e.sb.ResetLog()
	if e.sb.Log().Total != 0 {
		t.Error("ResetLog kept counts")
	}
}

func TestTimeoutAfterCommitCommits(t *testing.T) {
	e := newEnv(t, 3)
	e.sb.SetFaults(mustFaults(t, "POST /accounts:timeout_after_commit=1"))
	before := e.sb.Count(Accounts)
	req, _ := http.NewRequest("POST", e.srv.URL+Base+"/accounts", strings.NewReader(`{"AccountName":"Lost Response Ltd","AccountType":"Customer","Status":"Active"}`))
	req.Header.Set("Authorization", e.sb.Credentials().Authorization())
	req.Header.Set("Content-Type", "application/json")
	if resp, err := e.hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want the connection to drop", resp.StatusCode)
	}
	e.sb.SetFaults(nil)
	if got := e.sb.Count(Accounts); got != before+1 {
		t.Fatalf("count %d, want %d: the write must be committed", got, before+1)
	}
	if p := e.list("/accounts?accountName=" + strings.ReplaceAll("Lost Response Ltd", " ", "+")); p.TotalCount != 1 {
		t.Errorf("committed account found %d times", p.TotalCount)
	}
	if n := e.sb.Log().Faults["timeout_after_commit"]; n != 1 {
		t.Errorf("logged %d lost responses", n)
	}
}

func TestFixtureRoundTrip(t *testing.T) {
	e := newEnv(t, 6)
	_, acc, _ := e.sb.IDForKey("c0001")
	e.do("POST", "/accounts", newAccount(), nil)
	e.do("PATCH", fmt.Sprintf("/accounts/%d", acc), map[string]any{"Address": map[string]any{"City": "Elsewhere"}}, nil)
	var first bytes.Buffer
	if err := e.sb.DumpFixture(&first); err != nil {
		t.Fatal(err)
	}
	other := New(Options{RateLimit: -1})
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
	srv, err := core.Start(other.Handler(), core.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	o := &harness{t: t, sb: other, srv: srv, hc: srv.Client()}
	for _, path := range []string{"/accounts?pageSize=500", "/contacts?pageSize=500"} {
		if a, b := e.get(path), o.get(path); !bytes.Equal(a.body, b.body) {
			t.Errorf("%s: the loaded sandbox answers differently", path)
		}
	}
	if coll, id, ok := other.IDForKey("c0002-ct-01"); !ok || coll != Contacts || id == 0 {
		t.Error("generator keys lost")
	}
	// Loaded records patch like seeded ones (numbers read back as json.Number).
	if r := o.do("PATCH", fmt.Sprintf("/accounts/%d", acc), map[string]any{"AccountNumber": acc, "Status": "Active"}, map[string]string{"Content-Type": "application/json"}); r.status != 200 {
		t.Errorf("patch after load: %d %s", r.status, r.body)
	}
	// New numbers continue after the loaded ones.
	var x, y map[string]any
	a := newAccount()
	a["AccountID"] = "Next1"
	o.do("POST", "/accounts", a, nil).json(t, &x)
	e.do("POST", "/accounts", a, nil).json(t, &y)
	if num(x["AccountNumber"]) != num(y["AccountNumber"]) || num(x["AccountNumber"]) == 0 {
		t.Errorf("next number after load %v, original %v", x["AccountNumber"], y["AccountNumber"])
	}
	if err := other.LoadFixture(strings.NewReader(`{"format":"mapsync-sandbox/connectwise/1","tables":{}}`)); err == nil {
		t.Error("a fixture of another format loaded")
	}
}

func TestDeleteEveryAndChangedSince(t *testing.T) {
	e := newEnv(t, 6)
	contacts := e.sb.Count(Contacts)
	if recs, parents := e.sb.ChangedSince(Contacts, time.Time{}); recs != contacts || parents != 6 {
		t.Errorf("ChangedSince contacts: %d records, %d accounts", recs, parents)
	}
	_, first, _ := e.sb.IDForKey("c0001")
	own := len(e.sb.contactsOf(first))
	if n := e.sb.DeleteEvery(Accounts, 3); n != 2 {
		t.Fatalf("deleted %d accounts", n)
	}
	if e.sb.Count(Accounts) != 4 || e.sb.Count(Contacts) >= contacts-own {
		t.Errorf("after DeleteEvery: %d accounts, %d contacts", e.sb.Count(Accounts), e.sb.Count(Contacts))
	}
	if r := e.get(fmt.Sprintf("/contacts?accountNumber=%d", first)); r.status != 200 || !strings.Contains(string(r.body), `"TotalCount":0`) {
		t.Errorf("contacts of a deleted account remain: %s", r.body)
	}
	if e.sb.Count("sites") != -1 || e.sb.DeleteEvery("sites", 1) != -1 {
		t.Error("unknown collection accepted")
	}
}

func TestServesOverTLS(t *testing.T) {
	sb := New(Options{})
	if err := sb.Seed(msp.Generate(msp.Options{Seed: 2, Companies: 3})); err != nil {
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
	req, _ := http.NewRequest("GET", srv.URL+Base+"/accounts", nil)
	req.Header.Set("Authorization", sb.Credentials().Authorization())
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
}
