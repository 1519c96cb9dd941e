package connectors

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// Every filter dialect of the vocabulary has an implementation and none
// exists outside it, so a name validation accepts always runs.
func TestDialectsMatchVocab(t *testing.T) {
	var impl []string
	for name, d := range dialects {
		impl = append(impl, name)
		if d.changed == nil || d.filter == nil {
			t.Errorf("dialect %s is incomplete", name)
		}
	}
	sort.Strings(impl)
	names := plan.FilterDialects.Names()
	sort.Strings(names)
	if !slices.Equal(impl, names) {
		t.Errorf("dialects implemented %v, vocabulary %v", impl, names)
	}
}

// Every name a vocabulary of the connector runtime holds passes New, and
// the messages of a name outside list the vocabulary.
func TestValidateAcceptsEveryVocabName(t *testing.T) {
	for _, tc := range []struct {
		vocab plan.Vocab
		set   func(*plan.System, string)
	}{
		{plan.FilterDialects, func(s *plan.System, v string) { s.Filter = v }},
		{plan.WriteStyles, func(s *plan.System, v string) { s.Objects[0].Write = v }},
		{plan.PagingStops, func(s *plan.System, v string) { s.Paging.Stop = v }},
		{plan.MissingPolicies, func(s *plan.System, v string) { s.Lookups[0].Missing = v }},
	} {
		for _, name := range tc.vocab.Names() {
			sys := linkHeaderSystem("http://x", 10)
			sys.Objects[0].ChangedSince = nil
			sys.Objects[0].ResourceType = "configurations"
			tc.set(&sys, name)
			if _, err := New(sys, linkHeaderVars("http://x")); err != nil {
				t.Errorf("%s %q: %v", tc.vocab.What(), name, err)
			}
		}
		sys := linkHeaderSystem("http://x", 10)
		tc.set(&sys, "bogus")
		_, err := New(sys, linkHeaderVars("http://x"))
		if err == nil || !strings.Contains(err.Error(), tc.vocab.List()) {
			t.Errorf("%s bogus: %v, want the list %s", tc.vocab.What(), err, tc.vocab.List())
		}
	}
}

// filter = "none": nothing is rendered on the wire, every page is read and
// the caller's filters are applied to the listed records.
func TestFilterNoneFiltersClientSide(t *testing.T) {
	var queries []string
	srv := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		page := r.URL.Query().Get("page")
		recs := []any{
			map[string]any{"id": 1, "name": "Acme Corp", "size": 5, "at": "2026-01-01T00:00:00Z"},
			map[string]any{"id": 2, "name": "Beta", "size": 50, "at": "2026-03-01T00:00:00Z"},
		}
		if page == "2" {
			recs = []any{map[string]any{"id": 3, "name": "acme labs", "size": 20, "at": "2026-02-01T00:00:00Z"}}
		}
		writeJSON(w, 200, recs)
	}))
	sys := plan.System{Name: "s", BaseURL: "${var.url}", Filter: plan.FilterNone,
		Paging:  plan.Paging{Style: plan.PagingPageNumber, PageParam: "page", SizeParam: "size", Size: 2, MaxSize: 2, Stop: plan.StopShortPage},
		Objects: []plan.Object{{Name: "o", ListPath: "/o", ID: "id", Write: plan.WriteNone}}}
	c := mustClient(t, sys, testVars(map[string]string{"url": srv.srv.URL}))
	for _, tc := range []struct {
		name    string
		filters []Filter
		want    []string
	}{
		{"none", nil, []string{"1", "2", "3"}},
		{"contains ignores case", []Filter{{Field: "name", Op: OpContains, Value: "ACME"}}, []string{"1", "3"}},
		{"numbers", []Filter{{Field: "size", Op: OpGte, Value: 20}}, []string{"2", "3"}},
		{"times", []Filter{{Field: "at", Op: OpLt, Value: time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)}}, []string{"1", "3"}},
		{"in and ne", []Filter{{Field: "id", Op: OpIn, Value: []int{1, 2}}, {Field: "name", Op: OpNe, Value: "Beta"}}, []string{"1"}},
		{"missing field", []Filter{{Field: "nope", Op: OpEq, Value: "x"}}, nil},
	} {
		queries = nil
		recs, _ := collect(t, c, "o", ListQuery{Filters: tc.filters})
		var got []string
		for _, r := range recs {
			got = append(got, IDString(r["id"]))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: ids %v, want %v", tc.name, got, tc.want)
		}
		if len(queries) != 2 {
			t.Errorf("%s: %d requests, want every page (2)", tc.name, len(queries))
		}
		for _, q := range queries {
			if q != "page=1&size=2" && q != "page=2&size=2" {
				t.Errorf("%s: a filter reached the wire: %s", tc.name, q)
			}
		}
	}
}

func TestRefRoutesNameRefFields(t *testing.T) {
	obj := &plan.Object{Name: "site", Fields: []plan.Field{
		{Name: "company", Path: "company.id", Ref: "organization"},
		{Name: "name", Path: "name"},
	}}
	for _, tc := range []struct {
		route string
		r     WriteRecord
		want  string
		err   bool
	}{
		{"/c/{ref:company}/sites", WriteRecord{Fields: map[string]any{"company.id": float64(7)}}, "/c/7/sites", false},
		{"/c/{ref:company}/sites", WriteRecord{Refs: map[string]string{"company": "9"}, Fields: map[string]any{"company.id": 7}}, "/c/9/sites", false},
		{"/c/{ref:organization}/sites", WriteRecord{Fields: map[string]any{"company.id": 7}}, "", true}, // a type, not a field
		{"/c/{ref:name}/sites", WriteRecord{Fields: map[string]any{"name": "x"}}, "", true},             // not a ref field
	} {
		got, err := fillRefs(tc.route, obj, tc.r)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%s: %q %v, want %q (error %v)", tc.route, got, err, tc.want, tc.err)
		}
	}
}
