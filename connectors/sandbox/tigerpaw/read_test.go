package tigerpaw

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t, 3)
	c := e.sb.Credentials()
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name, header string
		want         int
	}{
		{"valid", c.Authorization(), 200},
		{"missing", "", 401},
		{"bearer", "Bearer " + c.PrivateKey, 401},
		{"not base64", "Basic %%%", 401},
		{"no colon", basic(c.PublicKey), 401},
		{"wrong private key", basic(c.PublicKey + ":nope"), 401},
		{"keys swapped", basic(c.PrivateKey + ":" + c.PublicKey), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", "/accounts", nil, map[string]string{"Authorization": tc.header})
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if tc.want == 401 {
				if b := r.errorBody(t); b.Code != "Unauthorized" {
					t.Errorf("code %q", b.Code)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate header")
				}
				if strings.Contains(string(r.body), c.PrivateKey) {
					t.Error("the error body repeats the private key")
				}
			}
		})
	}
	// Unknown paths need authentication too.
	if r := e.do("GET", "/nothing", nil, map[string]string{"Authorization": ""}); r.status != 401 {
		t.Errorf("unknown path without auth: %d", r.status)
	}
	var rep map[string]any
	e.get("/accountreps/me").json(t, &rep)
	if rep["RepName"] != DefaultRepName {
		t.Errorf("rep %v", rep)
	}
}

func TestPagingCoversEveryAccountOnce(t *testing.T) {
	e := newEnv(t, 23)
	seen := map[int64]bool{}
	var last int64
	pages := 0
	for page := 1; ; page++ {
		p := e.list(fmt.Sprintf("/accounts?page=%d&pageSize=5", page))
		pages++
		if p.TotalCount != 23 || p.TotalPages != 5 || p.PageSize != 5 || p.Page != page {
			t.Fatalf("page %d envelope %+v", page, p)
		}
		for _, a := range p.Items {
			n := num(a["AccountNumber"])
			if seen[n] || n <= last {
				t.Fatalf("account %d repeated or out of order", n)
			}
			seen[n], last = true, n
		}
		if page == p.TotalPages {
			if len(p.Items) != 3 {
				t.Errorf("last page holds %d", len(p.Items))
			}
			break
		}
	}
	if len(seen) != 23 || pages != 5 {
		t.Errorf("%d accounts over %d pages", len(seen), pages)
	}
	if p := e.list("/accounts?page=9&pageSize=5"); len(p.Items) != 0 || p.TotalCount != 23 {
		t.Errorf("past the end: %+v", p)
	}
	if p := e.list("/accounts"); p.PageSize != DefaultPageSize || len(p.Items) != 23 {
		t.Errorf("default page: %d items, size %d", len(p.Items), p.PageSize)
	}
}

func TestBadQueryParameters(t *testing.T) {
	e := newEnv(t, 3)
	for _, path := range []string{
		"/accounts?pageSize=501",
		"/accounts?pageSize=0",
		"/accounts?page=0",
		"/accounts?page=x",
		"/accounts?page=1&page=2",
		"/accounts?pagesize=10", // names are case-sensitive
		"/accounts?accountType=Supplier",
		"/accounts?status=",
		"/accounts?modifiedAfter=yesterday",
		"/accounts?modifiedAfter=2026-01-01T00:00:00", // no zone
		"/accounts?active=true",                       // a contact filter
		"/contacts?active=yes",
		"/contacts?accountNumber=abc",
		"/contacts?accountType=Customer",
		"/accounts/1001/contacts?accountNumber=1001",
		"/accounttypes?name=Customer",
		"/accounts/1001?page=1", // single records take no parameters
		"/accountreps/me?x=1",
	} {
		r := e.get(path)
		if r.status != 400 {
			t.Errorf("%s: %d %s", path, r.status, r.body)
			continue
		}
		if b := r.errorBody(t); b.Code != "InvalidParameter" || len(b.Errors) != 1 || b.Errors[0].Field == "" {
			t.Errorf("%s: body %s", path, r.body)
		}
	}
}

func TestAccountFilters(t *testing.T) {
	e := newEnv(t, 12)
	all := e.all("/accounts")
	count := func(f func(map[string]any) bool) int {
		n := 0
		for _, a := range all {
			if f(a) {
				n++
			}
		}
		return n
	}
	is := func(k, v string) func(map[string]any) bool {
		return func(a map[string]any) bool { return a[k] == v }
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"accountType=Customer", count(is("AccountType", "Customer"))},
		{"accountType=customer", count(is("AccountType", "Customer"))},
		{"accountType=Prospect&accountType=Vendor", count(func(a map[string]any) bool { return a["AccountType"] == "Prospect" || a["AccountType"] == "Vendor" })},
		{"status=Inactive", count(is("Status", "Inactive"))},
		{"accountType=Customer&status=Active", count(func(a map[string]any) bool { return a["AccountType"] == "Customer" && a["Status"] == "Active" })},
		{"accountName=" + url.QueryEscape(strings.ToUpper(e.d.PSA.Companies[3].Name)), 1},
		{"accountId=" + e.d.PSA.Companies[4].Identifier, 1},
	} {
		p := e.list("/accounts?pageSize=500&" + tc.query)
		if p.TotalCount != tc.want || len(p.Items) != tc.want || tc.want == 0 {
			t.Errorf("%s: %d (%d items), want %d > 0", tc.query, p.TotalCount, len(p.Items), tc.want)
		}
	}
}

func TestModifiedAfter(t *testing.T) {
	e := newEnv(t, 10)
	cut := e.d.Options.Now.AddDate(0, 0, -30)
	want := 0
	for _, c := range e.d.PSA.Companies {
		if c.Updated.After(cut) {
			want++
		}
	}
	if want == 0 || want == len(e.d.PSA.Companies) {
		t.Fatalf("the cut at %s splits nothing (%d)", cut, want)
	}
	p := e.list("/accounts?pageSize=500&modifiedAfter=" + url.QueryEscape(cut.Format(time.RFC3339)))
	if p.TotalCount != want {
		t.Errorf("modifiedAfter: %d, want %d", p.TotalCount, want)
	}
	for _, a := range p.Items {
		if m, _ := time.Parse(time.RFC3339, a["DateModified"].(string)); !m.After(cut) {
			t.Errorf("account %v modified %v, not after %s", a["AccountNumber"], a["DateModified"], cut)
		}
	}
	// Strictly after: a record modified exactly at the cut is left out.
	_, id, _ := e.sb.IDForKey("c0001")
	at := e.one("accounts", id)["DateModified"].(string)
	for _, a := range e.list("/accounts?pageSize=500&modifiedAfter=" + url.QueryEscape(at)).Items {
		if num(a["AccountNumber"]) == id {
			t.Error("modifiedAfter is not strict")
		}
	}
	// A write moves the record past a cut taken now; the count agrees with ChangedSince.
	e.clock.Add(time.Hour)
	now := e.clock.Now()
	if r := e.do("PATCH", fmt.Sprintf("/accounts/%d", id), map[string]any{"WebSite": "www.changed.example"}, nil); r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	p = e.list("/accounts?modifiedAfter=" + url.QueryEscape(now.Add(-time.Second).Format(time.RFC3339)))
	if p.TotalCount != 1 || num(p.Items[0]["AccountNumber"]) != id {
		t.Errorf("after a write: %+v", p)
	}
	if n, _ := e.sb.ChangedSince(Accounts, now.Add(-time.Second)); n != 1 {
		t.Errorf("ChangedSince %d", n)
	}
	if p := e.list("/accounts?modifiedAfter=2000-01-01"); p.TotalCount != 10 {
		t.Errorf("bare date: %d", p.TotalCount)
	}
}

func TestContactsListsAndInactive(t *testing.T) {
	e := newEnv(t, 10)
	all := e.all("/contacts")
	total := 0
	inactive := 0
	for _, c := range e.d.PSA.Companies {
		total += len(c.Contacts)
	}
	for _, c := range all {
		if c["Active"] == false {
			inactive++
		}
	}
	if len(all) != total || inactive == 0 {
		t.Fatalf("%d contacts (%d inactive), want %d with some inactive", len(all), inactive, total)
	}
	if p := e.list("/contacts?active=true&pageSize=500"); p.TotalCount != total-inactive {
		t.Errorf("active=true: %d, want %d", p.TotalCount, total-inactive)
	}
	if p := e.list("/contacts?active=false&pageSize=500"); p.TotalCount != inactive {
		t.Errorf("active=false: %d, want %d", p.TotalCount, inactive)
	}
	for _, k := range cases(t, e.d, CaseContactInactive) {
		if c := e.byKey(k); c["Active"] != false {
			t.Errorf("%s is listed as inactive but renders Active=%v", k, c["Active"])
		}
	}
	// Per account: the nested route and the accountNumber filter agree.
	c := e.d.PSA.Companies[1]
	_, acc, _ := e.sb.IDForKey(c.Key)
	nested := e.list(fmt.Sprintf("/accounts/%d/contacts?pageSize=500", acc))
	flat := e.list(fmt.Sprintf("/contacts?accountNumber=%d&pageSize=500", acc))
	if nested.TotalCount != len(c.Contacts) || flat.TotalCount != len(c.Contacts) {
		t.Errorf("account contacts: nested %d, filter %d, want %d", nested.TotalCount, flat.TotalCount, len(c.Contacts))
	}
	_, acc2, _ := e.sb.IDForKey(e.d.PSA.Companies[2].Key)
	both := e.list(fmt.Sprintf("/contacts?accountNumber=%d&accountNumber=%d&pageSize=500", acc, acc2))
	if both.TotalCount != len(c.Contacts)+len(e.d.PSA.Companies[2].Contacts) {
		t.Errorf("two accounts: %d", both.TotalCount)
	}
	for _, ct := range nested.Items {
		if num(ct["AccountNumber"]) != acc {
			t.Errorf("contact %v of account %v", ct["ContactNumber"], ct["AccountNumber"])
		}
	}
	if r := e.get("/accounts/999999/contacts"); r.status != 404 {
		t.Errorf("contacts of a missing account: %d", r.status)
	}
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t, 3)
	for _, tc := range []struct {
		method, path string
		want         int
		code         string
	}{
		{"GET", "/accounts/999999", 404, "NotFound"},
		{"GET", "/accounts/abc", 404, "NotFound"},
		{"GET", "/contacts/1001", 404, "NotFound"}, // an account number is no contact number
		{"GET", "/configurations", 404, "NotFound"},
		{"GET", "/accounts/", 404, "NotFound"},
		{"PUT", "/accounts/1001", 405, "MethodNotAllowed"},
		{"DELETE", "/accounts", 405, "MethodNotAllowed"},
		{"POST", "/phonetypes", 405, "MethodNotAllowed"},
	} {
		r := e.do(tc.method, tc.path, nil, nil)
		if r.status != tc.want || r.errorBody(t).Code != tc.code {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.status, r.body)
		}
		if tc.want == 405 && r.header.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header", tc.method, tc.path)
		}
	}
}

func TestReferenceLists(t *testing.T) {
	e := newEnv(t, 3)
	for name, vals := range referenceLists {
		p := e.list("/" + name)
		if p.TotalCount != len(vals) || len(p.Items) != len(vals) {
			t.Errorf("%s: %d items", name, p.TotalCount)
			continue
		}
		for i, it := range p.Items {
			if it["Name"] != vals[i] {
				t.Errorf("%s[%d] = %v", name, i, it["Name"])
			}
		}
	}
	// Every seeded value is in its list.
	for _, a := range e.all("/accounts") {
		if _, ok := canonical("accounttypes", a["AccountType"].(string)); !ok {
			t.Errorf("type %v", a["AccountType"])
		}
		for _, p := range phonesOf(a) {
			if _, ok := canonical("phonetypes", p["Type"].(string)); !ok {
				t.Errorf("phone type %v", p["Type"])
			}
		}
	}
}
