package connectwise

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"mapsync/connectors/sandbox/msp"
)

func TestAuth(t *testing.T) {
	e := newEnv(t, 3)
	c := e.sb.Credentials()
	wrong := Credentials{CompanyID: c.CompanyID, PublicKey: c.PublicKey, PrivateKey: "not-the-key", ClientID: c.ClientID}
	otherCo := Credentials{CompanyID: "acme", PublicKey: c.PublicKey, PrivateKey: c.PrivateKey, ClientID: c.ClientID}
	tests := []struct {
		name    string
		hdr     map[string]string
		status  int
		message string
	}{
		{"valid", nil, 200, ""},
		{"company id ignores case", map[string]string{"Authorization": Credentials{CompanyID: "SANDBOX", PublicKey: c.PublicKey, PrivateKey: c.PrivateKey}.Authorization()}, 200, ""},
		{"wrong private key", map[string]string{"Authorization": wrong.Authorization()}, 401, "Authentication failed"},
		{"wrong company", map[string]string{"Authorization": otherCo.Authorization()}, 401, "Authentication failed"},
		{"no authorization", map[string]string{"Authorization": ""}, 401, "Authorization is required"},
		{"bearer", map[string]string{"Authorization": "Bearer abc"}, 401, "Unsupported authorization scheme"},
		{"not base64", map[string]string{"Authorization": "Basic %%%"}, 401, "not valid base64"},
		{"no plus", map[string]string{"Authorization": "Basic c2FuZGJveDpzYW5kYm94cHJpdmF0ZWtleQ=="}, 401, "companyId+publicKey"},
		{"missing clientId", map[string]string{"clientId": ""}, 401, "clientId header is required"},
		{"wrong clientId", map[string]string{"clientId": "11111111-2222-3333-4444-555555555555"}, 401, "clientId is not registered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", "/company/companies?pageSize=1", nil, tc.hdr)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 401 {
				b := r.errorBody(t)
				if b.Code != "Unauthorized" || !strings.Contains(b.Message, tc.message) || len(b.Errors) != 0 {
					t.Errorf("body %s", r.body)
				}
			}
		})
	}
	// The 401 applies to unknown paths too: nothing is revealed without auth.
	if r := e.do("GET", "/no/such/thing", nil, map[string]string{"Authorization": ""}); r.status != 401 {
		t.Errorf("unknown path without auth: %d", r.status)
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	e := newEnv(t, 3)
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/company/nothing", 404, "NotFound"},
		{"GET", "/company/configurations/999999999", 404, "NotFound"},
		{"GET", "/company/companies/999/sites", 404, "NotFound"},
		{"GET", "/company/configurations/abc", 400, "InvalidObject"},
		{"POST", "/company/configurations/100001", 405, "MethodNotAllowed"},
		{"DELETE", "/company/configurations", 405, "MethodNotAllowed"},
		{"POST", "/system/members", 405, "MethodNotAllowed"},
	}
	for _, tc := range tests {
		r := e.do(tc.method, tc.path, map[string]any{"name": "x"}, nil)
		if r.status != tc.status || r.errorBody(t).Code != tc.code {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, r.status, r.body, tc.status, tc.code)
		}
		if tc.status == 405 && r.header.Get("Allow") == "" && tc.path != "/system/members" {
			t.Errorf("%s %s: no Allow header", tc.method, tc.path)
		}
	}
}

func TestPagingFollowsLinks(t *testing.T) {
	e := newEnv(t, 40)
	total := e.sb.Count("configurations")
	const size = 150
	cond := `type/name != "Personal Device"`
	want := 0
	for _, c := range e.d.PSA.Companies {
		for _, cf := range c.Configs {
			if cf.Type != msp.CfgPersonal {
				want++
			}
		}
	}
	next := e.srv.URL + Base + "/company/configurations?pageSize=" + "150" + "&conditions=" + q(cond)
	var ids []int64
	pages := 0
	for next != "" {
		recs, r := e.list(next)
		pages++
		l := links(r.header.Get("Link"))
		lastPage := (want + size - 1) / size
		switch {
		case pages == 1:
			if _, ok := l["prev"]; ok || l["first"] != "" || l["next"] == "" || l["last"] == "" {
				t.Errorf("first page links %v", l)
			}
		case pages == lastPage:
			if l["next"] != "" || l["last"] != "" || l["first"] == "" || l["prev"] == "" {
				t.Errorf("last page links %v", l)
			}
		default:
			if len(l) != 4 {
				t.Errorf("page %d links %v", pages, l)
			}
		}
		for rel, u := range l {
			if !strings.HasPrefix(u, e.srv.URL+Base+"/company/configurations?") || !strings.Contains(u, "conditions=") || !strings.Contains(u, "pageSize=150") {
				t.Errorf("%s link %q is not absolute or lost the query", rel, u)
			}
		}
		if pages < lastPage && len(recs) != size {
			t.Errorf("page %d has %d records", pages, len(recs))
		}
		for _, rec := range recs {
			ids = append(ids, num(rec["id"]))
			if refName(rec, "type") == msp.CfgPersonal {
				t.Errorf("record %v does not match the conditions", rec["id"])
			}
		}
		next = l["next"]
		if pages > 100 {
			t.Fatal("paging does not end")
		}
	}
	if len(ids) != want || !slices.IsSorted(ids) || want == total {
		t.Fatalf("paged %d ids (sorted %v), want %d of %d", len(ids), slices.IsSorted(ids), want, total)
	}
	if got, _ := e.list("/company/configurations?page=999&pageSize=100"); len(got) != 0 {
		t.Errorf("page past the end has %d records", len(got))
	}
	if got, _ := e.list("/company/configurations?pageSize=5000"); len(got) != MaxPageSize {
		t.Errorf("pageSize=5000 gave %d records, want the %d cap", len(got), MaxPageSize)
	}
	if got, _ := e.list("/company/configurations"); len(got) != 25 {
		t.Errorf("default page size gave %d records", len(got))
	}
	for _, p := range []string{"pageSize=0", "page=0", "page=x", "pageSize=-1"} {
		if r := e.get("/company/configurations?" + p); r.status != 400 || r.errorBody(t).Code != "InvalidObject" {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	r := e.get("/company/configurations/count?conditions=" + q(cond))
	var cnt struct{ Count int }
	r.json(t, &cnt)
	if cnt.Count != want {
		t.Errorf("count = %d, want %d", cnt.Count, want)
	}
}

func TestForwardOnlyPaging(t *testing.T) {
	e := newEnv(t, 10)
	fwd := map[string]string{"pagination-type": "forward-only"}
	next := e.srv.URL + Base + "/company/contacts?pageSize=7"
	var ids []int64
	for n := 0; next != ""; n++ {
		r := e.do("GET", next, nil, fwd)
		var recs []map[string]any
		r.json(t, &recs)
		for _, rec := range recs {
			ids = append(ids, num(rec["id"]))
		}
		l := links(r.header.Get("Link"))
		if len(l) > 1 || (l["next"] != "" && !strings.Contains(l["next"], "pageId=")) {
			t.Fatalf("forward-only links %v", l)
		}
		next = l["next"]
		if n > 200 {
			t.Fatal("paging does not end")
		}
	}
	if len(ids) != e.sb.Count("contacts") || !slices.IsSorted(ids) {
		t.Errorf("forward-only paging returned %d of %d contacts", len(ids), e.sb.Count("contacts"))
	}
	if r := e.do("GET", "/company/contacts?orderBy="+q("lastName asc"), nil, fwd); r.status != 400 {
		t.Errorf("forward-only with orderBy: %d", r.status)
	}
}

func TestConditionsOverHTTP(t *testing.T) {
	e := newEnv(t, 12)
	c2 := e.d.PSA.Company("c0002")
	_, cid, _ := e.sb.IDForKey("c0002")
	servers := 0
	for _, cf := range c2.Configs {
		if cf.Type == msp.CfgServer {
			servers++
		}
	}
	tests := []struct {
		cond string
		want int
	}{
		{`company/id = ` + itoa(cid) + ` and type/name = "Managed Server"`, servers},
		{`company/identifier = "` + c2.Identifier + `" AND type/name="managed server"`, servers},
		{`company/id = ` + itoa(cid), len(c2.Configs)},
		{`lastUpdated > [2100-01-01T00:00:00Z]`, 0},
		{`_info/lastUpdated > [2000-01-01T00:00:00Z] and company/id = ` + itoa(cid), len(c2.Configs)},
		{`macAddress = "00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F"`, 1},
		{`company/id = ` + itoa(cid) + ` and name like "*-SCAN01"`, 2},
	}
	for _, tc := range tests {
		recs, _ := e.list("/company/configurations?pageSize=1000&conditions=" + q(tc.cond))
		if len(recs) != tc.want {
			t.Errorf("%s: %d records, want %d", tc.cond, len(recs), tc.want)
		}
	}
	bad := []struct{ cond, want string }{
		{`name = HDG`, "at position 8"},
		{`(name = "x"`, "expected ')'"},
		{`nosuchfield = 1`, `unknown field "nosuchfield"`},
	}
	for _, tc := range bad {
		r := e.get("/company/configurations?conditions=" + q(tc.cond))
		b := r.errorBody(t)
		if r.status != 400 || b.Code != "InvalidObject" || !strings.Contains(b.Message, tc.want) || len(b.Errors) != 1 || b.Errors[0].Field != "conditions" {
			t.Errorf("%s: %d %s", tc.cond, r.status, r.body)
		}
	}
	// childConditions on a contact's communication items.
	_, ct := e.d.PSA.Contact(mustEdge(t, e.d, msp.EdgeContactSameName).Keys[0])
	email := ct.Emails[0].Value
	recs, _ := e.list("/company/contacts?childConditions=" + q(`communicationItems/value = "`+email+`" AND communicationItems/communicationType = "Email"`))
	if len(recs) != 1 || recs[0]["firstName"] != "Dana" {
		t.Errorf("childConditions found %d contacts", len(recs))
	}
	// Same first and last name in two companies.
	recs, _ = e.list("/company/contacts?conditions=" + q(`firstName = "Dana" and lastName = "Whitfield"`))
	if len(recs) != 2 || refName(recs[0], "company") == refName(recs[1], "company") {
		t.Errorf("same-name contacts: %d", len(recs))
	}
}

func mustEdge(t *testing.T, d *msp.Dataset, name string) msp.EdgeCase {
	t.Helper()
	ec, ok := d.Edge(name)
	if !ok {
		t.Fatalf("edge case %s missing", name)
	}
	return ec
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestOrderByAndFields(t *testing.T) {
	e := newEnv(t, 8)
	recs, _ := e.list("/company/companies?orderBy=" + q("name desc") + "&pageSize=100")
	var names []string
	for _, r := range recs {
		names = append(names, strings.ToLower(r["name"].(string)))
	}
	if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("orderBy name desc: %v", names)
	}
	recs, _ = e.list("/company/configurations?orderBy=" + q("company/name asc, name desc") + "&pageSize=1000")
	for i := 1; i < len(recs); i++ {
		a, b := strings.ToLower(refName(recs[i-1], "company")), strings.ToLower(refName(recs[i], "company"))
		if a > b || a == b && strings.ToLower(recs[i-1]["name"].(string)) < strings.ToLower(recs[i]["name"].(string)) {
			t.Fatalf("orderBy company/name asc, name desc broken at %d", i)
		}
	}
	recs, _ = e.list("/company/configurations?fields=" + q("id,name,company/name") + "&pageSize=3")
	for _, r := range recs {
		co, _ := r["company"].(map[string]any)
		if len(r) != 3 || r["name"] == nil || len(co) != 1 || co["name"] == nil {
			t.Errorf("sparse record %v", r)
		}
	}
	if r := e.get("/company/configurations?orderBy=" + q("bogus asc")); r.status != 400 {
		t.Errorf("orderBy unknown field: %d", r.status)
	}
	if r := e.get("/company/configurations?orderBy=" + q("name sideways")); r.status != 400 {
		t.Errorf("orderBy bad direction: %d", r.status)
	}
	one := e.get("/company/configurations/100001?fields=id,serialNumber")
	var m map[string]any
	one.json(t, &m)
	if len(m) > 2 || m["id"] == nil {
		t.Errorf("sparse single record %v", m)
	}
}
