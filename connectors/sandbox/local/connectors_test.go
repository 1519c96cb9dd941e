// Integration tests of the connectors (package mapsync/connectors) against
// the sandboxes; they live here because they name the sandboxed systems.
package local_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "mapsync/connectors"
	"mapsync/connectors/sandbox/connectwise"
	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/itglue"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine"
	"mapsync/engine/plan"
)

// Integration tests against the project's protocol sandboxes, driven by
// the plan compiled from mappings/*.hcl.

// compiledPlan compiles the mapping files once per test binary.
var compiledPlan = sync.OnceValues(func() (*plan.Plan, error) {
	l := engine.LoadDir("../../../mappings")
	if l.Diags.HasErrors() {
		return nil, fmt.Errorf("mappings: %s", l.Diags.Error())
	}
	return l.Plan, nil
})

func mappedSystem(t testing.TB, name string) (plan.System, []plan.Variable) {
	t.Helper()
	p, err := compiledPlan()
	if err != nil {
		t.Fatalf("%v", err)
	}
	for _, s := range p.Systems {
		if s.Name == name {
			return s, p.Variables
		}
	}
	t.Fatalf("the mappings have no system %q", name)
	return plan.System{}, nil
}

// cwBulkResults is how ConnectWise's bulk routes answer (BulkResult with a
// ResultInfo per element). The mapping does not declare it yet.
var cwBulkResults = &plan.BulkResults{Path: "payload", Item: "data", Success: "success", Index: "originalIndex",
	Status: "statusCode", ErrorMessage: []string{"error"}}

var (
	cwSeedOnce sync.Once
	cwSeedData *msp.Dataset
)

// cwDataset is 1000 companies x 25 configurations, generated once.
func cwDataset() *msp.Dataset {
	cwSeedOnce.Do(func() { cwSeedData = msp.Generate(msp.Options{Seed: 7, Companies: 1000, ConfigsPerCo: 25}) })
	return cwSeedData
}

type cwEnv struct {
	sb  *connectwise.Sandbox
	url string
	sys plan.System
	res Resolver
}

func newCWEnv(t testing.TB, d *msp.Dataset) *cwEnv {
	t.Helper()
	sb := connectwise.New(connectwise.Options{})
	if d != nil {
		if err := sb.Seed(d); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	sys, vars := mappedSystem(t, "connectwise")
	cred := sb.Credentials()
	env := map[string]string{"CW_BASE_URL": srv.URL, "CW_COMPANY": cred.CompanyID, "CW_PUBLIC_KEY": cred.PublicKey,
		"CW_PRIVATE_KEY": cred.PrivateKey, "CW_CLIENT_ID": cred.ClientID}
	res := NewResolver(vars, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return &cwEnv{sb: sb, url: srv.URL, sys: sys, res: res}
}

func (e *cwEnv) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := New(e.sys, e.res, append([]Option{WithClock(newFakeClock())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// extractIDs reads every configuration and returns the ids in order read.
func extractIDs(t testing.TB, c *Client, q ListQuery) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	for p, err := range c.List(context.Background(), "configuration", q) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range p.Records {
			ids = append(ids, IDString(r["id"]))
		}
	}
	return ids, pages
}

func assertOnce(t testing.TB, ids []string, n int) {
	t.Helper()
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("configuration %s read twice", id)
		}
		seen[id] = true
	}
	if len(ids) != n {
		t.Fatalf("read %d configurations, the sandbox holds %d", len(ids), n)
	}
}

const cwListRoute = "GET /company/configurations"

// TestSandboxConnectWiseExtraction is the acceptance test: every
// configuration exactly once, in ceil(N/page size) page requests plus the
// retries the runtime logged, with and without injected faults.
func TestSandboxConnectWiseExtraction(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 25,000 configurations")
	}
	e := newCWEnv(t, cwDataset())
	n := e.sb.Count("configurations")
	if n < 25000 {
		t.Fatalf("the sandbox holds %d configurations, want at least 25,000", n)
	}
	size := e.sys.Paging.MaxSize
	want := (n + size - 1) / size

	t.Run("clean", func(t *testing.T) {
		e.sb.ResetLog()
		c := e.client(t)
		ids, pages := extractIDs(t, c, ListQuery{})
		assertOnce(t, ids, n)
		log := e.sb.Log()
		if pages != want || log.ByRoute[cwListRoute] != want || c.Stats().Retries != 0 {
			t.Errorf("pages %d, requests %d, retries %d; want %d pages and requests", pages, log.ByRoute[cwListRoute], c.Stats().Retries, want)
		}
	})

	t.Run("10% 5xx and 5% 429", func(t *testing.T) {
		faults, err := core.ParseFaults("GET /company/configurations: 5xx=0.1, 429=0.05, retry_after=3")
		if err != nil {
			t.Fatal(err)
		}
		e.sb.SetFaults(faults)
		defer e.sb.SetFaults(nil)
		e.sb.ResetLog()
		clock := newFakeClock()
		c := e.client(t, WithClock(clock))
		ids, pages := extractIDs(t, c, ListQuery{})
		assertOnce(t, ids, n)
		st := c.Stats()
		log := e.sb.Log()
		injected := log.Total - log.ByStatus[200]
		if pages != want || log.ByRouteStatus[cwListRoute][200] != want {
			t.Errorf("pages %d, successful requests %d, want %d", pages, log.ByRouteStatus[cwListRoute][200], want)
		}
		if log.ByRoute[cwListRoute] != want+int(st.Retries) || int(st.Retries) != injected {
			t.Errorf("requests %d = %d pages + %d retries? injected faults %d (%v)", log.ByRoute[cwListRoute], want, st.Retries, injected, log.Faults)
		}
		if log.Faults["429"] > 0 && st.RetryAfterHonoured < int64(log.Faults["429"]) {
			t.Errorf("429s %d, Retry-After honoured %d", log.Faults["429"], st.RetryAfterHonoured)
		}
		for _, ev := range st.RecentRetries {
			if ev.Status == 429 && (ev.Delay != 3*time.Second || !ev.RetryAfter) {
				t.Errorf("a 429 retry waited %v (retry_after=%v), want the Retry-After of 3s", ev.Delay, ev.RetryAfter)
			}
		}
		t.Logf("%d configurations in %d pages; %d retries (%v), server faults %v", len(ids), pages, st.Retries, st.RetriesByCause, log.Faults)
	})

	t.Run("resume after an interruption", func(t *testing.T) {
		c := e.client(t)
		var first []string
		var cur *Cursor
		for p, err := range c.List(context.Background(), "configuration", ListQuery{}) {
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Records {
				first = append(first, IDString(r["id"]))
			}
			if cur = p.Next; p.Number == 10 {
				break
			}
		}
		rest, _ := extractIDs(t, c, ListQuery{Resume: cur})
		assertOnce(t, append(first, rest...), n)
	})
}

func TestSandboxConnectWiseChangedSince(t *testing.T) {
	e := newCWEnv(t, msp.Generate(msp.Options{Seed: 3, Companies: 40, ConfigsPerCo: 10}))
	c := e.client(t)
	var all []Record
	for p, err := range c.List(context.Background(), "configuration", ListQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Records...)
	}
	// A cursor in the middle of the update times.
	var times []string
	for _, r := range all {
		v, _ := Value(r, "_info.lastUpdated")
		times = append(times, v.(string))
	}
	sort.Strings(times)
	cursor, _ := time.Parse(time.RFC3339, times[len(times)/2])
	wantIDs := map[string]bool{}
	for _, r := range all {
		v, _ := Value(r, "_info.lastUpdated")
		if u, _ := time.Parse(time.RFC3339, v.(string)); u.After(cursor) {
			wantIDs[IDString(r["id"])] = true
		}
	}
	e.sb.ResetLog()
	got, pages := extractIDs(t, c, ListQuery{Since: cursor})
	if len(got) != len(wantIDs) || len(wantIDs) == 0 || len(wantIDs) == len(all) {
		t.Fatalf("changed since %v: %d records, want %d of %d", cursor, len(got), len(wantIDs), len(all))
	}
	for _, id := range got {
		if !wantIDs[id] {
			t.Errorf("configuration %s was not updated after the cursor", id)
		}
	}
	if e.sb.Log().ByRoute[cwListRoute] != pages {
		t.Errorf("requests %d for %d pages", e.sb.Log().ByRoute[cwListRoute], pages)
	}
}

func TestSandboxConnectWiseWrites(t *testing.T) {
	e := newCWEnv(t, msp.Generate(msp.Options{Seed: 5, Companies: 10, ConfigsPerCo: 5}))
	ctx := context.Background()
	c := e.client(t)
	var ids []string
	for p, err := range c.List(ctx, "configuration", ListQuery{PageSize: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			ids = append(ids, IDString(r["id"]))
		}
		if len(ids) >= 5 {
			break
		}
	}

	t.Run("json patch updates, one bad record in the batch", func(t *testing.T) {
		ups := []Update{
			{ID: ids[0], Key: "a", Fields: map[string]any{"serialNumber": "SER-A", "notes": "patched"}},
			{ID: ids[1], Key: "b", Fields: map[string]any{"name": ""}}, // required
			{ID: ids[2], Key: "c", Fields: map[string]any{"tagNumber": "TAG-C"}},
			{ID: "999999999", Key: "d", Fields: map[string]any{"notes": "x"}},
		}
		res := c.Update(ctx, "configuration", ups)
		if res[0].Status != StatusOK || res[2].Status != StatusOK {
			t.Fatalf("results = %+v", res)
		}
		if res[1].Status != StatusRejected || res[1].HTTPStatus != 400 || res[1].Message == "" {
			t.Errorf("bad record: %+v", res[1])
		}
		if res[3].Status != StatusRejected || res[3].HTTPStatus != 404 {
			t.Errorf("missing record: %+v", res[3])
		}
		rec, err := c.Get(ctx, "configuration", ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if rec["serialNumber"] != "SER-A" || rec["notes"] != "patched" {
			t.Errorf("record after patch: serial %v notes %v", rec["serialNumber"], rec["notes"])
		}
		t.Logf("rejected with: %s", res[1].Message)
	})

	t.Run("bulk create with per-record results", func(t *testing.T) {
		sys := e.sys
		objs := append([]plan.Object(nil), sys.Objects...)
		for i := range objs {
			if objs[i].Name == "configuration" && objs[i].Bulk != nil && objs[i].Bulk.Create != nil {
				b := *objs[i].Bulk
				cr := *b.Create
				if cr.Results == nil {
					cr.Results = cwBulkResults
				}
				b.Create = &cr
				objs[i].Bulk = &b
			}
		}
		sys.Objects = objs
		bc, err := New(sys, e.res, WithClock(newFakeClock()))
		if err != nil {
			t.Fatal(err)
		}
		defer bc.Close()
		tmpl, err := bc.Get(ctx, "configuration", ids[0])
		if err != nil {
			t.Fatal(err)
		}
		company, _ := Value(tmpl, "company.id")
		typ, _ := Value(tmpl, "type.id")
		status, _ := Value(tmpl, "status.id")
		before := e.sb.Count("configurations")
		var recs []WriteRecord
		for i := range 4 {
			f := map[string]any{"name": fmt.Sprintf("bulk-%d", i), "company.id": company, "type.id": typ, "status.id": status}
			if i == 2 {
				f["type.id"] = 987654 // no such type
			}
			recs = append(recs, WriteRecord{Key: itoa(i), Fields: f})
		}
		e.sb.ResetLog()
		res := bc.Create(ctx, "configuration", recs)
		for i, r := range res {
			if i == 2 {
				if r.Status != StatusRejected || r.Message == "" {
					t.Errorf("bad record: %+v", r)
				}
				continue
			}
			if r.Status != StatusOK || r.ID == "" {
				t.Errorf("record %d: %+v", i, r)
			}
		}
		if got := e.sb.Count("configurations"); got != before+3 {
			t.Errorf("count %d -> %d", before, got)
		}
		if e.sb.Log().ByRoute["POST /company/configurations/bulk"] != 1 {
			t.Errorf("requests: %v", e.sb.Log().ByRoute)
		}
	})

	t.Run("create that times out after commit is ambiguous", func(t *testing.T) {
		faults, err := core.ParseFaults("POST /company/configurations: timeout_after_commit=1")
		if err != nil {
			t.Fatal(err)
		}
		e.sb.SetFaults(faults)
		defer e.sb.SetFaults(nil)
		e.sb.ResetLog()
		tmpl, _ := c.Get(ctx, "configuration", ids[0])
		company, _ := Value(tmpl, "company.id")
		typ, _ := Value(tmpl, "type.id")
		status, _ := Value(tmpl, "status.id")
		before := e.sb.Count("configurations")
		res := c.Create(ctx, "configuration", []WriteRecord{{Fields: map[string]any{"name": "lost-response", "company.id": company, "type.id": typ, "status.id": status}}})
		if res[0].Status != StatusAmbiguous {
			t.Errorf("result = %+v", res[0])
		}
		if got := e.sb.Count("configurations"); got != before+1 {
			t.Errorf("count %d -> %d: the create was committed once", before, got)
		}
		if got := e.sb.Log().ByRoute["POST /company/configurations"]; got != 1 {
			t.Errorf("POSTs = %d: an ambiguous create must not be retried", got)
		}
	})
}

func TestSandboxITGlueWrites(t *testing.T) {
	sb := itglue.New(itglue.Options{})
	if err := sb.Seed(msp.Generate(msp.Options{Seed: 11, Companies: 20, ConfigsPerCo: 6})); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	sys, vars := mappedSystem(t, "itglue")
	env := map[string]string{"ITGLUE_BASE_URL": srv.URL, "ITGLUE_API_KEY": sb.Credentials().APIKey}
	c, err := New(sys, NewResolver(vars, func(k string) (string, bool) { v, ok := env[k]; return v, ok }), WithClock(newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	var cfgs []Record
	for p, err := range c.List(ctx, "configuration", ListQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		cfgs = append(cfgs, p.Records...)
	}
	if len(cfgs) == 0 || len(cfgs) != sb.Count("configurations") {
		t.Fatalf("listed %d configurations, the sandbox holds %d", len(cfgs), sb.Count("configurations"))
	}

	t.Run("jsonapi updates, one bad record", func(t *testing.T) {
		id0, id1 := IDString(cfgs[0]["id"]), IDString(cfgs[1]["id"])
		res := c.Update(ctx, "configuration", []Update{
			{ID: id0, Fields: map[string]any{"attributes.serial-number": "ITG-SER-1", "attributes.name": "renamed-by-test"}},
			{ID: id1, Fields: map[string]any{"attributes.name": ""}},
		})
		if res[0].Status != StatusOK {
			t.Fatalf("result = %+v", res[0])
		}
		if res[1].Status != StatusRejected || res[1].HTTPStatus != 422 {
			t.Errorf("bad record: %+v", res[1])
		}
		rec, err := c.Get(ctx, "configuration", id0)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := Value(rec, "attributes.serial-number"); v != "ITG-SER-1" {
			t.Errorf("serial-number = %v", v)
		}
		if v, _ := Value(rec, "attributes.name"); v != "renamed-by-test" {
			t.Errorf("name = %v", v)
		}
		t.Logf("rejected with: %s", res[1].Message)
	})

	t.Run("changed since, newest first", func(t *testing.T) {
		var times []string
		for _, r := range cfgs {
			v, _ := Value(r, "attributes.updated-at")
			times = append(times, v.(string))
		}
		sort.Strings(times)
		cursor, _ := time.Parse(time.RFC3339, times[len(times)*3/4])
		var got []Record
		for p, err := range c.List(ctx, "configuration", ListQuery{Since: cursor, PageSize: 10}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Records...)
		}
		want := 0
		for _, ts := range times {
			if u, _ := time.Parse(time.RFC3339, ts); u.After(cursor) {
				want++
			}
		}
		if len(got) != want || want == 0 {
			t.Errorf("got %d records updated after %v, want %d", len(got), cursor, want)
		}
	})

	t.Run("bulk update of the collection", func(t *testing.T) {
		var ups []Update
		for i := 2; i < 7; i++ {
			ups = append(ups, Update{ID: IDString(cfgs[i]["id"]), Key: itoa(i), Fields: map[string]any{"attributes.asset-tag": "AT-" + itoa(i)}})
		}
		sb.ResetLog()
		res := c.Update(ctx, "configuration", ups)
		for i, r := range res {
			if r.Status != StatusOK {
				t.Errorf("update %d: %+v", i, r)
			}
		}
		if got := sb.Log().ByRoute["PATCH /configurations"]; got != 1 {
			t.Errorf("requests: %v (one bulk PATCH)", sb.Log().ByRoute)
		}
		rec, err := c.Get(ctx, "configuration", ups[3].ID)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := Value(rec, "attributes.asset-tag"); v != "AT-5" {
			t.Errorf("asset-tag = %v", v)
		}
	})

	t.Run("bulk create on the nested route", func(t *testing.T) {
		org, _ := Value(cfgs[0], "attributes.organization-id")
		typ, _ := Value(cfgs[0], "attributes.configuration-type-id")
		before := sb.Count("configurations")
		var recs []WriteRecord
		for i := range 3 {
			recs = append(recs, WriteRecord{Key: itoa(i), Fields: map[string]any{
				"attributes.name": fmt.Sprintf("bulk-%d", i), "attributes.organization-id": org, "attributes.configuration-type-id": typ}})
		}
		sb.ResetLog()
		res := c.Create(ctx, "configuration", recs)
		for i, r := range res {
			if r.Status != StatusOK || r.ID == "" {
				t.Errorf("record %d: %+v", i, r)
			}
		}
		if got := sb.Count("configurations"); got != before+3 {
			t.Errorf("count %d -> %d", before, got)
		}
		var posts []string
		for route, n := range sb.Log().ByRoute {
			if strings.HasPrefix(route, "POST") {
				posts = append(posts, fmt.Sprintf("%s x%d", route, n))
			}
		}
		if len(posts) != 1 || !strings.HasSuffix(posts[0], "x1") {
			t.Errorf("POSTs: %v (one bulk request)", posts)
		}
	})
}

// TestSandboxITGlueDateWindows: an IT Glue that refuses date ranges
// longer than a week. An open range fails; max_window splits the range.
func TestSandboxITGlueDateWindows(t *testing.T) {
	sb := itglue.New(itglue.Options{MaxDateFilterRange: 7 * 24 * time.Hour})
	d := msp.Generate(msp.Options{Seed: 13, Companies: 30, ConfigsPerCo: 1})
	if err := sb.Seed(d); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	sys, vars := mappedSystem(t, "itglue")
	env := map[string]string{"ITGLUE_BASE_URL": srv.URL, "ITGLUE_API_KEY": sb.Credentials().APIKey}
	res := NewResolver(vars, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	ctx := context.Background()
	since := d.Options.Now.Add(-60 * 24 * time.Hour)
	until := d.Options.Now.Add(24 * time.Hour)

	c, err := New(sys, res, WithClock(newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	var all []Record
	for p, err := range c.List(ctx, "organization", ListQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Records...)
	}
	want := 0
	for _, r := range all {
		v, _ := Value(r, "attributes.updated-at")
		if u, ok := parseTime(IDString(v), ""); ok && !u.Before(since) {
			want++
		}
	}
	// The shipped mapping reads in weekly windows; an open-ended range
	// instead is refused by a server that caps ranges at a week.
	if cs := orgChangedSince(sys); cs == nil || cs.MaxWindow != 7*24*3600 {
		t.Fatalf("the shipped organization changed_since has no weekly max_window: %+v", cs)
	}
	open := sys
	open.Objects = append([]plan.Object(nil), sys.Objects...)
	for i := range open.Objects {
		if open.Objects[i].Name == "organization" {
			cs := *open.Objects[i].ChangedSince
			cs.Template, cs.MaxWindow = "${cursor}, *", 0
			open.Objects[i].ChangedSince = &cs
		}
	}
	oc, err := New(open, res, WithClock(newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range oc.List(ctx, "organization", ListQuery{Since: since, Until: until}) {
		if err == nil || KindOf(err) != KindRejected {
			t.Errorf("an open range must be refused by this server: %v", err)
		}
		break
	}

	c, err = New(sys, res, WithClock(newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	pages := 0
	for p, err := range c.List(ctx, "organization", ListQuery{Since: since, Until: until}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range p.Records {
			seen[IDString(r["id"])] = true // windows share their boundary instants
		}
	}
	if len(seen) != want || want == 0 || want == len(all) || pages < 9 {
		t.Errorf("%d organizations in %d pages, want %d of %d in at least 9 weekly windows", len(seen), pages, want, len(all))
	}
}

func orgChangedSince(sys plan.System) *plan.ChangedSince {
	for _, o := range sys.Objects {
		if o.Name == "organization" {
			return o.ChangedSince
		}
	}
	return nil
}

// fakeClock advances instantly: Sleep moves Now (a copy of the one in
// package connectors' tests).
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	if d > 0 {
		f.now = f.now.Add(d)
	}
	f.mu.Unlock()
	return ctx.Err()
}

func itoa(n int) string { return strconv.Itoa(n) }

// parseTime reads an RFC 3339 time (the sandboxes write no other).
func parseTime(s, _ string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
