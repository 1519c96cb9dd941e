package connectors

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/engine/plan"
)

func TestValue(t *testing.T) {
	doc := map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": 1.0}, map[string]any{"c": 2.0}}}, "e": []any{"x", map[string]any{"detail": "y"}}}
	cases := []struct {
		path string
		want any
		ok   bool
	}{
		{"a.b.1.c", 2.0, true},
		{"a.b.2.c", nil, false},
		{"a.x", nil, false},
		{"e.0", "x", true},
	}
	for _, tc := range cases {
		got, ok := Value(doc, tc.path)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Value(%q) = %v %v", tc.path, got, ok)
		}
	}
	if got := values(doc, "a.b.*.c"); len(got) != 2 || got[1] != 2.0 {
		t.Errorf("values = %v", got)
	}
}

func TestSetPathAndPointer(t *testing.T) {
	m := map[string]any{}
	for p, v := range map[string]any{"type.id": 3, "type.name": "x", "name": "n"} {
		if err := setPath(m, p, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := setPath(m, "name.sub", 1); err == nil {
		t.Error("setting below a scalar must fail")
	}
	if v, _ := Value(m, "type.id"); v != 3 {
		t.Errorf("m = %v", m)
	}
	if got := pointer("a/b.c~d"); got != "/a~1b/c~0d" {
		t.Errorf("pointer = %q", got)
	}
}

func TestIDString(t *testing.T) {
	cases := map[string]any{"12": 12.0, "1e+21": 1e21, "1.5": 1.5, "abc": "abc", "": nil, "true": true}
	for want, in := range cases {
		if got := IDString(in); got != want && !(want == "1e+21" && got == "1000000000000000000000") {
			t.Errorf("IDString(%v) = %q, want %q", in, got, want)
		}
	}
	if idValue("42") != int64(42) || idValue("0042") != "0042" || idValue("a1") != "a1" {
		t.Error("idValue")
	}
}

func TestFilterDialects(t *testing.T) {
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	cases := []struct {
		dialect string
		f       Filter
		want    string // encoded query, or the body item as JSON
		err     bool
	}{
		{"conditions", Filter{"company.identifier", OpEq, `Ac"me`}, `conditions=company%2Fidentifier+%3D+%22Ac%5C%22me%22`, false},
		{"conditions", Filter{"id", OpIn, []int{1, 2}}, `conditions=id+in+%281%2C2%29`, false},
		{"conditions", Filter{"lastUpdated", OpGte, at}, `conditions=lastUpdated+%3E%3D+%5B2026-02-03T04%3A05%3A06Z%5D`, false},
		{"conditions", Filter{"closed", OpEq, false}, `conditions=closed+%3D+false`, false},
		{"jsonapi", Filter{"organization_id", OpIn, []string{"1", "2"}}, `filter%5Borganization_id%5D=1%2C2`, false},
		{"jsonapi", Filter{"name", OpGt, "x"}, ``, true},
		{"query", Filter{"Filter.AccountName", OpEq, "A B"}, `Filter.AccountName=A+B`, false},
		{"query", Filter{"Filter.X", OpLt, 1}, ``, true},
		{"query_body", Filter{"companyID", OpNe, 3}, `[{"field":"companyID","op":"noteq","value":3}]`, false},
		{"none", Filter{"x", OpEq, 1}, ``, false}, // applied to the listed records
		{"", Filter{"x", OpEq, 1}, ``, false},     // unset is none
		{"none", Filter{"x", Op("like"), 1}, ``, true},
		{"odata", Filter{"x", OpEq, 1}, ``, true},
	}
	for _, tc := range cases {
		c := &Client{sys: plan.System{Filter: tc.dialect}}
		lf, err := c.renderFilters(&plan.Object{}, time.Time{}, time.Time{}, []Filter{tc.f})
		if tc.err {
			if err == nil {
				t.Errorf("%s %v: want an error", tc.dialect, tc.f)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %v: %v", tc.dialect, tc.f, err)
			continue
		}
		got := lf.encode().Encode()
		if tc.dialect == "query_body" {
			got = mustJSON(lf.items)
		}
		if got != tc.want {
			t.Errorf("%s %v:\n got %s\nwant %s", tc.dialect, tc.f, got, tc.want)
		}
	}
}

func TestConditionsCombineWithStaticQuery(t *testing.T) {
	c := &Client{sys: plan.System{Filter: "conditions"}}
	obj := &plan.Object{Name: "o", Query: map[string]string{"conditions": `type/name = "A" or type/name = "B"`, "orderBy": "id asc"},
		ChangedSince: &plan.ChangedSince{Mode: plan.ChangedFilter, Param: "conditions", Template: "lastUpdated > [${cursor}]"}}
	lf, err := c.renderFilters(obj, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := lf.encode()
	if got := q.Get("conditions"); got != `(type/name = "A" or type/name = "B") and lastUpdated > [2026-01-01T00:00:00Z]` {
		t.Errorf("conditions = %s", got)
	}
	if q.Get("orderBy") != "id asc" {
		t.Errorf("orderBy = %q", q.Get("orderBy"))
	}
}

func TestHasNextLink(t *testing.T) {
	cases := map[string]bool{
		`<https://x/a?page=2>; rel="next", <https://x/a?page=1>; rel="first"`: true,
		`<https://x/a?page=1>; rel="first", <https://x/a?page=9>; rel="last"`: false,
		`<https://x/a?page=2>; rel=next`:                                      true,
		`<https://x/a?page=2>; title="next"; rel="prev"`:                      false,
		``: false,
	}
	for v, want := range cases {
		h := http.Header{}
		if v != "" {
			h.Set("Link", v)
		}
		if got := hasNextLink(h); got != want {
			t.Errorf("hasNextLink(%q) = %v", v, got)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	c := &Client{sys: plan.System{}}
	cases := []struct {
		body  string
		paths []string
		want  string
	}{
		{`{"code":"InvalidObject","message":"bad","errors":[{"code":"F","message":"name missing","field":"name"}]}`, nil, "InvalidObject: bad; F: name missing (name)"},
		{`{"errors":[{"status":"422","detail":"Name can't be blank","source":{"pointer":"/data/attributes/name"}},{"detail":"x"}]}`, []string{"errors"}, "Name can't be blank (/data/attributes/name); x"},
		{`{"errors":["a","b"]}`, []string{"errors"}, "a; b"},
		{`{"Success":false,"Error":{"Code":"E1","Message":"Title is required"}}`, []string{"Error.Message"}, "Title is required"},
		{`{"Success":false,"Error":{"Code":"E1","Message":"Title is required"}}`, nil, "E1: Title is required"},
		{`{"errors":[{"detail":"d1"},{"detail":"d2"}]}`, []string{"nope", "errors.*.detail"}, "d1; d2"},
		{`not json`, nil, "not json"},
	}
	for _, tc := range cases {
		parsed, _ := decodeBody([]byte(tc.body))
		if got := c.errorMessage(parsed, []byte(tc.body), tc.paths); got != tc.want {
			t.Errorf("errorMessage(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestValidateRejectsUnknownStyles(t *testing.T) {
	good := linkHeaderSystem("http://x", 10)
	cases := map[string]func(*plan.System){
		"paging style":    func(s *plan.System) { s.Paging.Style = "cursor" },
		"auth scheme":     func(s *plan.System) { s.Auth.Scheme = "oauth3" },
		"write":           func(s *plan.System) { s.Objects[0].Write = "merge_patch" },
		"filter dialect":  func(s *plan.System) { s.Filter = "odata" },
		"changed_since":   func(s *plan.System) { s.Objects[0].ChangedSince.Template = "lastUpdated > now" },
		"bulk wrap":       func(s *plan.System) { s.Objects[0].Bulk.Create.Wrap = "ndjson" },
		"list_body":       func(s *plan.System) { s.Objects[0].ListBody = "{" },
		"token_path":      func(s *plan.System) { s.Auth = plan.Auth{Scheme: plan.AuthToken, Token: &plan.TokenLogin{Path: "/l"}} },
		"no base url":     func(s *plan.System) { s.BaseURL = "" },
		"lookup":          func(s *plan.System) { s.Lookups[0].Label = "" },
		"connector":       func(s *plan.System) { s.Connector = "soap" },
		"next_url needed": func(s *plan.System) { s.Paging.Style = plan.PagingNextURL },
	}
	if _, err := New(good, linkHeaderVars("http://x")); err != nil {
		t.Fatalf("good system: %v", err)
	}
	for name, mutate := range cases {
		sys := linkHeaderSystem("http://x", 10)
		mutate(&sys)
		if _, err := New(sys, linkHeaderVars("http://x")); err == nil {
			t.Errorf("%s: New accepted an invalid system", name)
		}
	}
}

func TestUnresolvableVariable(t *testing.T) {
	sys := plan.System{Name: "v", BaseURL: "${var.missing}", Objects: []plan.Object{{Name: "o", ListPath: "/o", ID: "id"}}}
	c := mustClient(t, sys, NewResolver([]plan.Variable{{Name: "missing", Env: "NOPE_NOT_SET_X"}}, func(string) (string, bool) { return "", false }))
	_, err := c.Get(context.Background(), "o", "1")
	if KindOf(err) != KindConfig || !strings.Contains(err.Error(), "NOPE_NOT_SET_X") {
		t.Errorf("err = %v", err)
	}
}

func TestNextURLMustStayOnOrigin(t *testing.T) {
	srv := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"id": 1}}, "next": "https://evil.example/steal"})
	}))
	sys := plan.System{Name: "o", BaseURL: "${var.url}", Paging: plan.Paging{Style: plan.PagingNextURL, NextURLPath: "next"},
		Envelope: plan.Envelope{Items: "items"}, Objects: []plan.Object{{Name: "o", ListPath: "/o", ID: "id"}}}
	c := mustClient(t, sys, testVars(map[string]string{"url": srv.srv.URL}))
	for _, err := range c.List(context.Background(), "o", ListQuery{}) {
		if err == nil || !strings.Contains(err.Error(), "another origin") {
			t.Errorf("err = %v", err)
		}
	}
}

func TestMissingItemsPathIsAnError(t *testing.T) {
	srv := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"results": []any{}})
	}))
	sys := plan.System{Name: "o", BaseURL: "${var.url}", Paging: plan.Paging{Style: plan.PagingNone},
		Envelope: plan.Envelope{Items: "data"}, Objects: []plan.Object{{Name: "o", ListPath: "/o", ID: "id"}}}
	c := mustClient(t, sys, testVars(map[string]string{"url": srv.srv.URL}))
	for _, err := range c.List(context.Background(), "o", ListQuery{}) {
		if KindOf(err) != KindProtocol {
			t.Errorf("err = %v: a wrong items path must not look like an empty system", err)
		}
	}
}

func mustJSON(v any) string {
	b, _ := jsonMarshal(v)
	return string(b)
}

func TestSuccessFlagFalseOnAListIsAnError(t *testing.T) {
	srv := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"Success": false, "Result": nil, "Error": map[string]any{"Code": "Boom", "Message": "search failed"}})
	}))
	sys := plan.System{Name: "o", BaseURL: "${var.url}", Paging: plan.Paging{Style: plan.PagingBody, Size: 5},
		Envelope: plan.Envelope{Items: "Result", Success: "Success", ErrorMessage: []string{"Error.Message"}},
		Objects:  []plan.Object{{Name: "o", ListPath: "/o/search", ID: "Id"}}}
	c := mustClient(t, sys, testVars(map[string]string{"url": srv.srv.URL}))
	for _, err := range c.List(context.Background(), "o", ListQuery{}) {
		if e, ok := err.(*Error); !ok || e.Kind != KindRejected || e.Message != "search failed" || e.HTTPStatus != 200 {
			t.Errorf("err = %#v", err)
		}
	}
	if len(srv.entries()) != 1 {
		t.Errorf("a refused search must not be retried: %d requests", len(srv.entries()))
	}
}

func TestNextURLWithPOST(t *testing.T) {
	var bodies []string
	var mu sync.Mutex
	var srv *harness
	srv = newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		mu.Unlock()
		page, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		next := any(nil)
		if page < 2 {
			next = srv.srv.URL + "/q?cursor=" + strconv.Itoa(page+1)
		}
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"id": page}}, "paging": map[string]any{"next": next}})
	}))
	sys := plan.System{Name: "o", BaseURL: "${var.url}", Filter: "query_body",
		Paging:   plan.Paging{Style: plan.PagingNextURL, NextURLPath: "paging.next", NextMethod: "POST", SizeParam: "limit", Size: 10},
		Envelope: plan.Envelope{Items: "items"},
		Objects:  []plan.Object{{Name: "o", ListPath: "/q", ListMethod: "POST", ListBody: `{"filter":[{"op":"exist","field":"id"}]}`, ID: "id"}}}
	c := mustClient(t, sys, testVars(map[string]string{"url": srv.srv.URL}))
	recs, _ := collect(t, c, "o", ListQuery{Filters: []Filter{{Field: "x", Op: OpEq, Value: 1}}})
	if len(recs) != 3 {
		t.Errorf("records = %v", recs)
	}
	want := []string{
		`POST /q {"filter":[{"field":"id","op":"exist"},{"field":"x","op":"eq","value":1}],"limit":10}`,
		`POST /q?cursor=1 {"filter":[{"field":"id","op":"exist"},{"field":"x","op":"eq","value":1}],"limit":10}`,
		`POST /q?cursor=2 {"filter":[{"field":"id","op":"exist"},{"field":"x","op":"eq","value":1}],"limit":10}`,
	}
	if strings.Join(bodies, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s", strings.Join(bodies, "\n"))
	}
}
