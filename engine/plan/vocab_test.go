package plan

import (
	"strings"
	"testing"
)

func TestVocabCheckListsNames(t *testing.T) {
	for _, v := range Vocabularies {
		names := v.Names()
		if len(names) == 0 {
			t.Fatalf("%s: no names", v.What())
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] || n == "" {
				t.Errorf("%s: name %q empty or twice", v.What(), n)
			}
			seen[n] = true
			if err := v.Check(n); err != nil {
				t.Errorf("%s: %v", v.What(), err)
			}
		}
		err := v.Check("nope")
		if err == nil {
			t.Fatalf("%s: nope accepted", v.What())
		}
		for _, n := range names {
			if !strings.Contains(err.Error(), `"`+n+`"`) {
				t.Errorf("%s: %q does not list %q", v.What(), err, n)
			}
		}
	}
}

func TestFilterDialectNamesNoProduct(t *testing.T) {
	if !FilterDialects.Has(FilterNone) || !FilterDialects.Has(FilterQueryBody) {
		t.Errorf("dialects %v", FilterDialects.Names())
	}
	if got := (System{}).FilterDialect(); got != FilterNone {
		t.Errorf("unset dialect = %q, want none", got)
	}
}

func TestClampDirection(t *testing.T) {
	for _, tc := range []struct {
		object, field, want string
		ok                  bool
	}{
		{DirTwoWay, "", DirTwoWay, true},
		{DirTwoWay, DirToPSA, DirToPSA, true},
		{DirTwoWay, DirNone, DirNone, true},
		{DirToDoc, "", DirToDoc, true},
		{DirToDoc, DirTwoWay, DirToDoc, false},
		{DirToDoc, DirToPSA, DirNone, false},
		{DirToDoc, DirNone, DirNone, true},
		{DirToPSA, DirTwoWay, DirToPSA, false},
		{DirToPSA, DirToPSA, DirToPSA, true},
		{DirNone, DirTwoWay, DirNone, false},
		{DirNone, "", DirNone, true},
	} {
		got, ok := ClampDirection(tc.object, tc.field)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ClampDirection(%s, %q) = %s %v, want %s %v", tc.object, tc.field, got, ok, tc.want, tc.ok)
		}
	}
	if got := NarrowDirection(DirTwoWay, true, false); got != DirToDoc {
		t.Errorf("NarrowDirection = %s", got)
	}
	if got := NarrowDirection(DirToPSA, true, false); got != DirNone {
		t.Errorf("NarrowDirection = %s", got)
	}
}

func TestParseRoute(t *testing.T) {
	for _, tc := range []struct {
		path  string
		kinds string // kind:field,...
		err   string
	}{
		{"/companies", "", ""},
		{"/companies/{id}", "id:", ""},
		{"/companies/{ref:organization}/sites/{id}", "ref:organization,id:", ""},
		{"/statuses/{parent}/items", "parent:", ""},
		{"/x/{ref:}", "", "needs a field name"},
		{"/x/{ref:a-b}", "", "needs a field name"},
		{"/x/{name}", "", "unknown placeholder {name}"},
		{"/x/{ref:organization:x}", "", "needs a field name"},
		{"/x/{id:3}", "", "unknown placeholder {id:3}"},
		{"/x/{id", "", ""},
		{`/q?search={"filter":[{"op":"exist","field":"id"}]}&p={parent}`, "parent:", ""},
	} {
		r, err := ParseRoute(tc.path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		var kinds []string
		for _, p := range r.Placeholders {
			kinds = append(kinds, p.Kind+":"+p.Field)
		}
		if got := strings.Join(kinds, ","); got != tc.kinds {
			t.Errorf("%s: placeholders %s, want %s", tc.path, got, tc.kinds)
		}
	}
}

func TestRouteFill(t *testing.T) {
	refs := func(f string) (string, bool) {
		if f == "organization" {
			return "a b", true
		}
		return "", false
	}
	for _, tc := range []struct {
		path string
		v    RouteValues
		want string
		err  string
	}{
		{"/c/{ref:organization}/sites/{id}", RouteValues{ID: "7/8", Ref: refs}, "/c/a%20b/sites/7%2F8", ""},
		{"/c/{id}/x/{id}", RouteValues{ID: "1"}, "/c/1/x/1", ""},
		{"/m/{parent}", RouteValues{Parent: "3"}, "/m/3", ""},
		{"/plain", RouteValues{}, "/plain", ""},
		{"/c/{ref:site}/{id}", RouteValues{Ref: refs}, "", "{ref:site}, {id}"},
		{"/m/{parent}", RouteValues{}, "", "{parent}"},
		{`/q?s={"a":{"b":1}}/{id}`, RouteValues{ID: "5"}, `/q?s={"a":{"b":1}}/5`, ""},
	} {
		r, err := ParseRoute(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Fill(tc.v)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.path, got, err, tc.want)
		}
	}
}

func TestParseBulkWrap(t *testing.T) {
	for _, tc := range []struct{ in, kind, member string }{
		{"", WrapArray, ""}, {"array", WrapArray, ""}, {"jsonapi_array", WrapJSONAPIArray, ""},
		{"object:items", WrapObject, "items"}, {"object:", "", ""}, {"list", "", ""},
	} {
		k, m, err := ParseBulkWrap(tc.in)
		if k != tc.kind || m != tc.member || (err != nil) != (tc.kind == "") {
			t.Errorf("%q: %q %q %v", tc.in, k, m, err)
		}
	}
}

func TestFiltersOnRecordPaths(t *testing.T) {
	for _, d := range append(FilterDialects.Names(), "") {
		want := d == FilterConditions
		if got := (System{Filter: d}).FiltersOnRecordPaths(); got != want {
			t.Errorf("dialect %q: FiltersOnRecordPaths = %v, want %v", d, got, want)
		}
	}
}
