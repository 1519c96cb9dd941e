package main

import (
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/engine"
)

// fakeCounts answers ChangedSince from a table: side/object -> (records,
// parents) for a full listing (zero since) and for a listing from a
// cursor.
type fakeCounts struct {
	all, changed map[string][2]int
}

func (f fakeCounts) ChangedSince(side, object string, since time.Time) (int, int, error) {
	m := f.changed
	if since.IsZero() {
		m = f.all
	}
	c := m[side+"/"+object]
	return c[0], c[1], nil
}

func TestBenchMinimum(t *testing.T) {
	l := engine.LoadDir("../../mappings")
	if l.Plan == nil {
		t.Fatal(l.Diags.Error())
	}
	p := l.Plan
	name := defaultPSASync(t, p).Name
	objects := len(defaultPSASync(t, p).Objects) // organization, location, contact, configuration, ticket
	counts := fakeCounts{
		all: map[string][2]int{
			"psa/organization": {5000, 0}, "doc/organization": {4000, 0},
			"psa/location":      {5000, 4990}, // sites under 4,990 companies
			"psa/configuration": {50000, 0}, "doc/configuration": {1, 0},
		},
		changed: map[string][2]int{
			"psa/configuration": {500, 0}, "doc/configuration": {1001, 0},
			"psa/location": {3, 3},
		},
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cursors := map[string]time.Time{}
	for _, o := range defaultPSASync(t, p).Objects {
		cursors[o.Object+"/psa"], cursors[o.Object+"/doc"] = since, since
	}
	for _, tc := range []struct {
		name    string
		full    bool
		cursors map[string]time.Time
		edits   []benchEdit
		want    int
	}{
		// 5 + 4 organization pages, 1 doc location page (the site lists
		// are fullRunSent's), 2 contact pages, 50 + 1 configuration pages,
		// 2 ticket pages.
		{"full: every page", true, nil, nil, 5 + 4 + 1 + 2 + 50 + 1 + 2},
		// Every listing costs one request; 1,001 changed doc
		// configurations need 2 pages.
		{"incremental, nothing edited", false, cursors, nil, 2*objects + 1},
		// ... plus 500 configuration updates in bulks of 100.
		{"incremental, 500 edits", false, cursors, []benchEdit{{"configuration", "psa", 500}}, 2*objects + 1 + 5},
		// An object without a cursor is listed in full; a nested listing
		// still counts as one.
		{"incremental without cursors", false, map[string]time.Time{}, nil, 5 + 4 + 5 + 1 + 2 + 50 + 1 + 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := benchMinimum(p, name, counts, tc.full, tc.cursors, tc.edits)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("minimum %d, want %d", got, tc.want)
			}
		})
	}
}

func TestFullRunSent(t *testing.T) {
	l := engine.LoadDir("../../mappings")
	if l.Plan == nil {
		t.Fatal(l.Diags.Error())
	}
	logs := []core.LogSnapshot{
		{ByRoute: map[string]int{
			"GET /company/companies/{parentId}/sites":  4990, // nested: counted
			"GET /company/companies":                   5,    // flat: not counted
			"POST /company/companies/{parentId}/sites": 3,    // writes: counted
			"PATCH /company/configurations/{id}":       7,
		}},
		{ByRoute: map[string]int{"GET /locations": 2, "POST /organizations/{id}/relationships/configurations": 40}},
	}
	if got, want := fullRunSent(l.Plan, defaultPSASync(t, l.Plan).Name, logs...), 4990+3+7+40; got != want {
		t.Errorf("fullRunSent = %d, want %d", got, want)
	}
	for in, want := range map[string]string{
		"/company/companies/{ref:organization}/sites": "/company/companies/{}/sites",
		"/a/{x}/b/{y}":  "/a/{}/b/{}",
		"/plain":        "/plain",
		"/open/{broken": "/open/{broken",
	} {
		if got := routeShape(in); got != want {
			t.Errorf("routeShape(%q) = %q, want %q", in, got, want)
		}
	}
}
