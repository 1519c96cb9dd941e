package connectsecure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	sb    *Sandbox
	clock *fakeClock
	url   string
	cl    *http.Client
	token string
}

func newEnv(t *testing.T, o Options, companies int) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)}
	o.Clock = clock.now
	sb := New(o)
	if companies > 0 {
		if err := sb.Seed(msp.Generate(msp.Options{Seed: 7, Companies: companies})); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := core.Start(sb.Handler(), core.ServeOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{t: t, sb: sb, clock: clock, url: srv.URL, cl: srv.Client()}
}

func (e *env) login() {
	e.t.Helper()
	c := e.sb.Credentials()
	st, body := e.form(c.ClientID, c.ClientSecret, "client_credentials")
	if st != 200 {
		e.t.Fatalf("login: %d %s", st, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 {
		e.t.Fatalf("login answer %s (%v)", body, err)
	}
	e.token = tok.AccessToken
}

func (e *env) form(id, secret, grant string) (int, []byte) {
	e.t.Helper()
	v := url.Values{"client_id": {id}, "client_secret": {secret}, "grant_type": {grant}}
	resp, err := e.cl.PostForm(e.url+Base+TokenPath, v)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (e *env) do(method, path string, body any) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+Base+path, rd)
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.cl.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

type page struct {
	Data  []map[string]any `json:"data"`
	Total int              `json:"total"`
}

func (e *env) list(path string) page {
	e.t.Helper()
	resp, b := e.do("GET", path, nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// all pages through a list with limit n and returns every record.
func (e *env) all(path string, n int) []map[string]any {
	e.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []map[string]any
	for skip := 0; ; skip += n {
		p := e.list(fmt.Sprintf("%s%sskip=%d&limit=%d", path, sep, skip, n))
		out = append(out, p.Data...)
		if len(p.Data) < n {
			if len(out) != p.Total {
				e.t.Fatalf("%s: paged %d records, total says %d", path, len(out), p.Total)
			}
			return out
		}
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t, Options{TokenLifetime: 10 * time.Minute}, 3)
	c := e.sb.Credentials()
	for _, tc := range []struct {
		name, id, secret, grant string
		want                    int
	}{
		{"wrong secret", c.ClientID, "nope", "client_credentials", 401},
		{"wrong id", "other", c.ClientSecret, "client_credentials", 401},
		{"wrong grant", c.ClientID, c.ClientSecret, "password", 400},
	} {
		if st, b := e.form(tc.id, tc.secret, tc.grant); st != tc.want || bytes.Contains(b, []byte(c.ClientSecret)) {
			t.Errorf("%s: %d %s, want %d without the secret", tc.name, st, b, tc.want)
		}
	}
	if resp, _ := e.do("GET", "/companies", nil); resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	e.token = "cs_forged"
	if resp, _ := e.do("GET", "/companies", nil); resp.StatusCode != 401 {
		t.Fatalf("forged token: %d", resp.StatusCode)
	}
	e.login()
	if resp, b := e.do("GET", "/companies", nil); resp.StatusCode != 200 {
		t.Fatalf("with token: %d %s", resp.StatusCode, b)
	}
	e.clock.add(9 * time.Minute)
	if resp, _ := e.do("GET", "/companies", nil); resp.StatusCode != 200 {
		t.Fatalf("before expiry: %d", resp.StatusCode)
	}
	e.clock.add(time.Minute)
	resp, b := e.do("GET", "/companies", nil)
	if resp.StatusCode != 401 || !strings.Contains(string(b), "invalid_token") {
		t.Fatalf("expired token: %d %s", resp.StatusCode, b)
	}
	e.login()
	if resp, _ := e.do("GET", "/companies", nil); resp.StatusCode != 200 {
		t.Fatalf("new token: %d", resp.StatusCode)
	}
}

func TestPagingAndFilters(t *testing.T) {
	e := newEnv(t, Options{}, 12)
	e.login()
	for _, c := range e.sb.Collections() {
		got := e.all("/"+c, 7)
		if len(got) != e.sb.Count(c) || len(got) == 0 {
			t.Fatalf("%s: paged %d, store has %d", c, len(got), e.sb.Count(c))
		}
		seen := map[float64]bool{}
		for _, r := range got {
			id := r["id"].(float64)
			if seen[id] {
				t.Fatalf("%s: id %v twice", c, id)
			}
			seen[id] = true
		}
	}
	comp := e.all("/companies", 50)[1]["id"].(float64)
	for _, tc := range []struct {
		path, field string
		want        any
	}{
		{fmt.Sprintf("/assets?company_id=%v", comp), "company_id", comp},
		{"/assets?status=inactive", "status", StatusInactive},
		{fmt.Sprintf("/events?company_id=%v", comp), "company_id", comp},
		{"/events?category=" + url.QueryEscape(CatProblems), "category", CatProblems},
		{"/events?status=resolved", "status", StatusResolved},
		{"/events?status=open&category=" + url.QueryEscape(CatADAudit), "category", CatADAudit},
	} {
		got := e.all(tc.path, 5)
		if len(got) == 0 {
			t.Errorf("%s: nothing", tc.path)
		}
		for _, r := range got {
			if r[tc.field] != tc.want {
				t.Errorf("%s: record with %s=%v", tc.path, tc.field, r[tc.field])
			}
		}
	}
	for _, bad := range []string{"/companies?limit=0", "/companies?limit=501", "/companies?skip=-1", "/events?updated_after=yesterday", "/companies?colour=red"} {
		if resp, _ := e.do("GET", bad, nil); resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestChangedSinceResolveAndBurst(t *testing.T) {
	e := newEnv(t, Options{}, 6)
	e.login()
	mark := e.clock.now()
	since := "/events?updated_after=" + url.QueryEscape(mark.Format(time.RFC3339Nano))
	if p := e.list(since); p.Total != 0 {
		t.Fatalf("nothing changed yet, got %d", p.Total)
	}
	e.clock.add(time.Minute)
	comp := int64(1)
	open := e.all(fmt.Sprintf("/events?company_id=%d&status=open", comp), 50)
	ids, err := e.sb.AddEvents([]NewEvent{
		{CompanyID: comp, Category: CatProblems, Severity: "Critical", Title: "CVE-2024-0001 in Foo", Product: "Foo 1.0", OS: "Windows 11 Pro"},
		{CompanyID: comp, Category: CatProblems, Severity: "Critical", Title: "CVE-2024-0002 in Foo", Product: "Foo 1.0"},
		{CompanyID: comp, Category: CatADAudit, Title: "Account locked", EventName: "User account locked out", User: "jsmith"},
	})
	if err != nil || len(ids) != 3 {
		t.Fatal(ids, err)
	}
	if _, err := e.sb.AddEvents([]NewEvent{{CompanyID: comp, Category: "Nope"}}); err == nil {
		t.Fatal("unknown category accepted")
	}
	if p := e.list(since); p.Total != 3 || e.sb.ChangedSince(Events, mark) != 3 {
		t.Fatalf("after the burst: %d changed (store %d), want 3", p.Total, e.sb.ChangedSince(Events, mark))
	}
	if got := e.all(fmt.Sprintf("/events?company_id=%d&status=open", comp), 50); len(got) != len(open)+3 {
		t.Fatalf("open events %d, want %d", len(got), len(open)+3)
	}
	mark2 := e.clock.now()
	e.clock.add(time.Minute)
	res := e.sb.ResolveEvents(EventFilter{CompanyID: comp, Product: "Foo 1.0"})
	if len(res) != 2 || res[0] != ids[0] || res[1] != ids[1] {
		t.Fatalf("resolved %v, want %v", res, ids[:2])
	}
	if again := e.sb.ResolveEvents(EventFilter{IDs: ids[:2]}); len(again) != 0 {
		t.Fatalf("resolved twice: %v", again)
	}
	changed := e.all("/events?updated_after="+url.QueryEscape(mark2.Format(time.RFC3339Nano)), 10)
	if len(changed) != 2 {
		t.Fatalf("changed after resolving: %d", len(changed))
	}
	for _, r := range changed {
		if r["status"] != StatusResolved || r["resolved_at"] != fmtTime(e.clock.now()) || r["created"] == r["updated"] {
			t.Fatalf("resolved event %v", r)
		}
	}
	resp, b := e.do("GET", fmt.Sprintf("/events/%d", ids[2]), nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"status":"open"`) || !strings.Contains(string(b), `"priority":3`) {
		t.Fatalf("untouched event: %d %s", resp.StatusCode, b)
	}
}

func TestCreateCompany(t *testing.T) {
	e := newEnv(t, Options{}, 3)
	e.login()
	before := e.sb.Count(Companies)
	resp, b := e.do("POST", "/companies", map[string]any{"name": "Imported Co", "description": "from the PSA"})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	if c["name"] != "Imported Co" || c["id"].(float64) != float64(before+1) || resp.Header.Get("Location") == "" {
		t.Fatalf("created %v", c)
	}
	if resp, b := e.do("GET", fmt.Sprintf("/companies/%v", c["id"]), nil); resp.StatusCode != 200 || !strings.Contains(string(b), "Imported Co") {
		t.Fatalf("read back: %d %s", resp.StatusCode, b)
	}
	for _, bad := range []any{map[string]any{"name": " "}, map[string]any{"title": "x"}, map[string]any{"name": "imported co"}} {
		if resp, b := e.do("POST", "/companies", bad); resp.StatusCode != 400 && resp.StatusCode != 409 {
			t.Errorf("%v: %d %s", bad, resp.StatusCode, b)
		}
	}
	if e.sb.Count(Companies) != before+1 {
		t.Fatalf("count %d", e.sb.Count(Companies))
	}
	if resp, _ := e.do("GET", "/companies/9999", nil); resp.StatusCode != 404 {
		t.Fatalf("missing company: %d", resp.StatusCode)
	}
	if resp, _ := e.do("DELETE", "/assets", nil); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET" {
		t.Fatalf("DELETE /assets: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if resp, _ := e.do("GET", "/tickets", nil); resp.StatusCode != 404 {
		t.Fatalf("unknown route: %d", resp.StatusCode)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, Options{RateLimit: 3, RateWindow: time.Minute}, 2)
	e.login() // 1
	for i := 0; i < 2; i++ {
		if resp, _ := e.do("GET", "/companies", nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	resp, _ := e.do("GET", "/companies", nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("over the limit: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clock.add(time.Minute)
	if resp, _ := e.do("GET", "/companies", nil); resp.StatusCode != 200 {
		t.Fatalf("next window: %d", resp.StatusCode)
	}
	off := newEnv(t, Options{RateLimit: -1}, 1)
	off.login()
	for i := 0; i < 20; i++ {
		if resp, _ := off.do("GET", "/companies", nil); resp.StatusCode != 200 {
			t.Fatalf("unlimited: %d", resp.StatusCode)
		}
	}
}

func TestFaultsAndLog(t *testing.T) {
	e := newEnv(t, Options{}, 2)
	e.login()
	f, err := core.ParseFaults("GET /events:503=1")
	if err != nil {
		t.Fatal(err)
	}
	e.sb.SetFaults(f)
	resp, b := e.do("GET", "/events", nil)
	if resp.StatusCode != 503 || !strings.Contains(string(b), `"error"`) {
		t.Fatalf("fault: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("GET", "/companies", nil); resp.StatusCode != 200 {
		t.Fatalf("other route: %d", resp.StatusCode)
	}
	e.sb.SetFaults(nil)
	if resp, _ := e.do("GET", "/events", nil); resp.StatusCode != 200 {
		t.Fatalf("faults off: %d", resp.StatusCode)
	}
	log := e.sb.Log()
	if log.ByRoute["GET /events"] != 2 || log.Faults["503"] != 1 || log.ByRoute["GET /companies"] != 1 {
		t.Fatalf("log %+v", log.ByRoute)
	}
	e.sb.ResetLog()
	if n := e.sb.Log().Total; n != 0 {
		t.Fatalf("after reset: %d routes", n)
	}
}

func TestFixtureRoundTrip(t *testing.T) {
	e := newEnv(t, Options{}, 8)
	e.sb.ResolveEvents(EventFilter{CompanyID: 2})
	var a bytes.Buffer
	if err := e.sb.DumpFixture(&a); err != nil {
		t.Fatal(err)
	}
	other := New(Options{})
	if err := other.LoadFixture(bytes.NewReader(a.Bytes())); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := other.DumpFixture(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("dump, load, dump differ")
	}
	for _, c := range e.sb.Collections() {
		if other.Count(c) != e.sb.Count(c) {
			t.Fatalf("%s: %d vs %d", c, other.Count(c), e.sb.Count(c))
		}
	}
	if _, _, ok := other.IDForKey("c0001"); !ok {
		t.Fatal("keys lost")
	}
	if err := other.LoadFixture(strings.NewReader(`{"format":"other"}`)); err == nil {
		t.Fatal("foreign fixture accepted")
	}
}

func TestSeedRealism(t *testing.T) {
	d := msp.Generate(msp.Options{Seed: 7, Companies: 30})
	sb := New(Options{})
	if err := sb.Seed(d); err != nil {
		t.Fatal(err)
	}
	psaNames := map[string]bool{}
	for _, c := range d.PSA.Companies {
		psaNames[c.Name] = true
	}
	same, diff := 0, 0
	for id := int64(1); id <= int64(sb.Count(Companies)); id++ {
		c, _ := sb.Get(Companies, id)
		if psaNames[c["name"].(string)] {
			same++
		} else {
			diff++
		}
	}
	if n := sb.Count(Companies); n >= len(d.PSA.Companies) || same == 0 || diff == 0 {
		t.Fatalf("%d of %d companies, %d same name, %d different", n, len(d.PSA.Companies), same, diff)
	}
	active, inactive := 0, 0
	for id := int64(1); id <= int64(sb.Count(Assets)); id++ {
		a, _ := sb.Get(Assets, id)
		if a["status"] == StatusActive {
			active++
		} else {
			inactive++
		}
		if _, ok := sb.Get(Companies, a["company_id"].(int64)); !ok || a["name"] == "" {
			t.Fatalf("asset %v", a)
		}
	}
	if active <= 3*inactive || inactive == 0 {
		t.Fatalf("assets: %d active, %d inactive", active, inactive)
	}
	cats, status := map[string]int{}, map[string]int{}
	for id := int64(1); id <= int64(sb.Count(Events)); id++ {
		ev, _ := sb.Get(Events, id)
		cats[ev["category"].(string)]++
		status[ev["status"].(string)]++
		if ev["title"] == "" {
			t.Fatalf("event without title %v", ev)
		}
		if ev["category"] == CatADAudit && ev["user"] == "" {
			t.Fatalf("AD audit without user %v", ev)
		}
		if ev["category"] == CatSolutions && ev["fix"] == "" {
			t.Fatalf("solution without fix %v", ev)
		}
	}
	if len(cats) != len(Categories) || status[StatusOpen] == 0 || status[StatusResolved] == 0 {
		t.Fatalf("categories %v statuses %v", cats, status)
	}
	col, id, ok := sb.IDForKey(d.PSA.Companies[0].Key)
	if !ok || col != Companies || id != 1 {
		t.Fatalf("IDForKey: %s %d %v", col, id, ok)
	}
	// Same dataset, same seed.
	sb2 := New(Options{})
	_ = sb2.Seed(msp.Generate(msp.Options{Seed: 7, Companies: 30}))
	var x, y bytes.Buffer
	_ = sb.DumpFixture(&x)
	_ = sb2.DumpFixture(&y)
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Fatal("seed is not deterministic")
	}
}

func TestChangedSinceCompaniesAndAssets(t *testing.T) {
	e := newEnv(t, Options{}, 6)
	e.login()
	mark := e.clock.now()
	after := "updated_after=" + url.QueryEscape(mark.Format(time.RFC3339Nano))
	for _, c := range []string{"/companies?", "/assets?"} {
		if p := e.list(c + after); p.Total != 0 {
			t.Fatalf("%s: %d changed before any write", c, p.Total)
		}
	}
	e.clock.add(time.Second)
	if resp, b := e.do("POST", "/companies", map[string]any{"name": "New Client"}); resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	if err := e.sb.SetAssetStatus(2, StatusInactive); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.SetAssetStatus(99999, StatusInactive); err == nil {
		t.Fatal("missing asset accepted")
	}
	if err := e.sb.SetAssetStatus(2, "gone"); err == nil {
		t.Fatal("unknown status accepted")
	}
	for _, tc := range []struct {
		path string
		want string
	}{
		{"/companies?" + after, `"name":"New Client"`},
		{"/assets?" + after, `"status":"inactive"`},
	} {
		p := e.list(tc.path)
		b, _ := json.Marshal(p.Data)
		if p.Total != 1 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d changed %s", tc.path, p.Total, b)
		}
	}
	if n := e.sb.ChangedSince(Assets, mark); n != 1 {
		t.Fatalf("store changed-since assets %d", n)
	}
}
