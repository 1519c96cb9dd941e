package connectors

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

func TestListUnderParents(t *testing.T) {
	s := newLinkHeaderServer(t, 0)
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 2), linkHeaderVars(s.srv.URL))
	q := ListQuery{Parents: map[string][]string{"organization": {"1", "2", "3"}}}
	recs, pages := collect(t, c, "location", q)
	// company c has c sites: 1 + 2 + 3; pages of 2: 1 + 1 + 2 requests.
	if len(recs) != 6 || len(pages) != 4 || s.count("GET", lhBase+"/company/companies/", 0) != 4 {
		t.Fatalf("%d records in %d pages, %d requests", len(recs), len(pages), s.count("GET", lhBase, 0))
	}
	for _, r := range recs {
		id := int(r["id"].(float64))
		if v, _ := Value(r, "company.id"); v != float64(id/100) {
			t.Errorf("site %d: company.id = %v, want %d (filled from the parent)", id, v, id/100)
		}
	}
	for i, p := range pages {
		if p.Number != i+1 || (p.Next == nil) != (i == 3) {
			t.Errorf("page %d: number %d next %+v", i, p.Number, p.Next)
		}
	}

	t.Run("resume in a later parent", func(t *testing.T) {
		var first []Record
		var cur *Cursor
		for p, err := range c.List(context.Background(), "location", q) {
			if err != nil {
				t.Fatal(err)
			}
			first, cur = append(first, p.Records...), p.Next
			if p.Number == 2 {
				break
			}
		}
		q2 := q
		q2.Resume = cur
		rest, pages := collect(t, c, "location", q2)
		if len(first)+len(rest) != 6 || pages[0].Number != 3 {
			t.Errorf("%d + %d records, first resumed page %d", len(first), len(rest), pages[0].Number)
		}
	})
	t.Run("no parents given", func(t *testing.T) {
		for _, err := range c.List(context.Background(), "location", ListQuery{}) {
			if KindOf(err) != KindConfig || !strings.Contains(err.Error(), "Parents") {
				t.Errorf("err = %v", err)
			}
		}
		n := 0
		for range c.List(context.Background(), "location", ListQuery{Parents: map[string][]string{"organization": {}}}) {
			n++
		}
		if n != 0 {
			t.Errorf("an empty parent list yielded %d pages", n)
		}
	})
}

func TestChangedSinceWindows(t *testing.T) {
	s := newJSONAPIServer(t, 0, 12) // org i updated at 10*i minutes
	sys := jsonapiSystem(s.srv.URL, 50)
	sys.Objects[1].ChangedSince = &plan.ChangedSince{Mode: plan.ChangedFilter, Param: "filter[updated_at]",
		Template: "${cursor}, ${until}", MaxWindow: 1800}
	c := mustClient(t, sys, jsonapiVars(s.srv.URL))
	q := ListQuery{Since: epoch.Add(15 * time.Minute), Until: epoch.Add(95 * time.Minute)}
	recs, pages := collect(t, c, "organization", q)
	var names []string
	for _, r := range recs {
		v, _ := Value(r, "attributes.name")
		names = append(names, v.(string))
	}
	if strings.Join(names, ",") != "org-002,org-003,org-004,org-005,org-006,org-007,org-008,org-009" {
		t.Errorf("names = %v", names)
	}
	var ranges []string
	for _, e := range s.entries() {
		q, _ := url.ParseQuery(e.Query)
		ranges = append(ranges, q.Get("filter[updated_at]"))
	}
	want := []string{
		"2025-06-01T00:15:00Z, 2025-06-01T00:45:00Z",
		"2025-06-01T00:45:00Z, 2025-06-01T01:15:00Z",
		"2025-06-01T01:15:00Z, 2025-06-01T01:35:00Z",
	}
	if strings.Join(ranges, "|") != strings.Join(want, "|") {
		t.Errorf("ranges = %q", ranges)
	}
	if len(pages) != 3 || pages[0].Next == nil || !pages[0].Next.Until.Equal(q.Until) || pages[0].Next.Segment != 1 {
		t.Errorf("pages = %+v", pages)
	}
}

func TestFetch(t *testing.T) {
	s := newLinkHeaderServer(t, 0)
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 2), linkHeaderVars(s.srv.URL))
	got, err := c.Fetch(context.Background(), "ticket", "configurations", "7")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != 7.0 || got[2] != 9.0 || s.count("GET", lhBase+"/service/tickets/7/configurations", 0) != 2 {
		t.Errorf("got %v in %d requests", got, s.count("GET", lhBase, 0))
	}
	if _, err := c.Fetch(context.Background(), "ticket", "nope", "7"); KindOf(err) != KindConfig {
		t.Errorf("unknown field: %v", err)
	}
}

func TestCreateOnlyFieldsAndArrayPaths(t *testing.T) {
	s := newLinkHeaderServer(t, 3)
	sys := linkHeaderSystem(s.srv.URL, 10)
	sys.Objects[0].Bulk = nil
	c := mustClient(t, sys, linkHeaderVars(s.srv.URL))
	ctx := context.Background()
	res := c.Create(ctx, "configuration", []WriteRecord{{Fields: map[string]any{"name": "n", "type.id": 1, "types.0.id": 3}}})
	if res[0].Status != StatusOK {
		t.Fatal(res[0])
	}
	rec, _ := s.store.get(4)
	if v, _ := Value(rec, "types.0.id"); v != 3.0 {
		t.Errorf("created %v", rec)
	}
	up := c.Update(ctx, "configuration", []Update{
		{ID: "1", Fields: map[string]any{"name": "renamed", "types.0.id": 9}},
		{ID: "2", Fields: map[string]any{"types.0.id": 9}},
	})
	if up[0].Status != StatusOK || up[1].Status != StatusOK {
		t.Fatal(up)
	}
	var patches []string
	for _, e := range s.entries() {
		if e.Method == "PATCH" {
			patches = append(patches, e.Body)
		}
	}
	if len(patches) != 1 || patches[0] != `[{"op":"replace","path":"/name","value":"renamed"}]` {
		t.Errorf("patches = %q (create-only fields are never updated)", patches)
	}
}

func TestUpdateUnderParent(t *testing.T) {
	s := newLinkHeaderServer(t, 0)
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL))
	res := c.Update(context.Background(), "location", []Update{
		{ID: "203", Refs: map[string]string{"organization": "2"}, Fields: map[string]any{"name": "x"}},
		{ID: "301", Fields: map[string]any{"name": "y", "company.id": 3}},
		{ID: "101", Fields: map[string]any{"name": "z"}},
	})
	if res[0].Status != StatusOK || res[1].Status != StatusOK {
		t.Errorf("results = %+v", res)
	}
	if res[2].Status != StatusRejected || !strings.Contains(res[2].Message, "organization") {
		t.Errorf("no parent: %+v", res[2])
	}
	if s.count("PATCH", lhBase+"/company/companies/2/sites/203", 200) != 1 || s.count("PATCH", lhBase+"/company/companies/3/sites/301", 200) != 1 || len(s.entries()) != 2 {
		t.Errorf("requests = %+v", s.entries())
	}
}

func TestPutBulkRouteNotUsedForPartialUpdates(t *testing.T) {
	s := newLinkHeaderServer(t, 5)
	sys := linkHeaderSystem(s.srv.URL, 10)
	sys.Objects[0].Bulk.Update = &plan.BulkRoute{Path: "/company/configurations/bulk", Method: "PUT", Max: 100, Wrap: "array"}
	c := mustClient(t, sys, linkHeaderVars(s.srv.URL))
	var ups []Update
	for i := 1; i <= 3; i++ {
		ups = append(ups, Update{ID: itoa(i), Fields: map[string]any{"serialNumber": "S" + itoa(i)}})
	}
	for _, r := range c.Update(context.Background(), "configuration", ups) {
		if r.Status != StatusOK {
			t.Error(r)
		}
	}
	if s.count("PUT", lhBase, 0) != 0 || s.count("PATCH", lhBase, 0) != 3 {
		t.Errorf("requests = %+v", s.entries())
	}
	if rec, _ := s.store.get(2); rec["name"] != "cfg-00002" || rec["serialNumber"] != "S2" {
		t.Errorf("record = %v", rec)
	}
}
