package connectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// styleCase builds a client against one protocol style and says how many
// list requests a full read of n records should take.
type styleCase struct {
	name     string
	object   string
	idPath   string
	setup    func(t *testing.T, n, size int) (*Client, *harness, string)
	requests func(n, size int) int
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

var styleCases = []styleCase{
	{
		name: "link_header", object: "configuration", idPath: "id",
		setup: func(t *testing.T, n, size int) (*Client, *harness, string) {
			s := newLinkHeaderServer(t, n)
			return mustClient(t, linkHeaderSystem(s.srv.URL, size), linkHeaderVars(s.srv.URL)), s.harness, lhBase + "/company/configurations"
		},
		requests: func(n, size int) int { return max(1, ceilDiv(n, size)) },
	},
	{
		name: "jsonapi_total_pages", object: "configuration", idPath: "id",
		setup: func(t *testing.T, n, size int) (*Client, *harness, string) {
			s := newJSONAPIServer(t, n, 0)
			return mustClient(t, jsonapiSystem(s.srv.URL, size), jsonapiVars(s.srv.URL)), s.harness, "/configurations"
		},
		requests: func(n, size int) int { return max(1, ceilDiv(n, size)) },
	},
	{
		name: "next_url_post_query", object: "configuration", idPath: "id",
		setup: func(t *testing.T, n, size int) (*Client, *harness, string) {
			s := newQueryBodyServer(t, n)
			return mustClient(t, queryBodySystem(s.srv.URL, size), queryBodyVars(s.srv.URL)), s.harness, qbZone + "/v1.0/ConfigurationItems/query"
		},
		requests: func(n, size int) int { return max(1, ceilDiv(n, size)) },
	},
	{
		name: "body_paging_total_count", object: "ticket", idPath: "Id",
		setup: func(t *testing.T, n, size int) (*Client, *harness, string) {
			s := newEnvelopeServer(t, n)
			return mustClient(t, envelopeSystem(s.srv.URL, size), envelopeVars(s.srv.URL)), s.harness, "/v2/servicedesk/tickets/search"
		},
		requests: func(n, size int) int { return max(1, ceilDiv(n, size)) },
	},
	{
		name: "short_page", object: "configuration", idPath: "id",
		setup: func(t *testing.T, n, size int) (*Client, *harness, string) {
			s := newLinkHeaderServer(t, n)
			sys := linkHeaderSystem(s.srv.URL, size)
			sys.Paging.Stop = plan.StopShortPage
			return mustClient(t, sys, linkHeaderVars(s.srv.URL)), s.harness, lhBase + "/company/configurations"
		},
		// A full last page needs one more (empty) request to know it was the last.
		requests: func(n, size int) int { return n/size + 1 },
	},
}

func mustClient(t testing.TB, sys plan.System, vars Resolver, opts ...Option) *Client {
	t.Helper()
	c, err := New(sys, vars, append([]Option{WithClock(newFakeClock())}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestListEveryStyleReadsEachRecordOnce(t *testing.T) {
	for _, sc := range styleCases {
		for _, n := range []int{0, 1, 7, 21, 50} {
			for _, prefetch := range []bool{false, true} {
				const size = 7
				t.Run(fmt.Sprintf("%s/n%d/prefetch=%v", sc.name, n, prefetch), func(t *testing.T) {
					c, h, listPath := sc.setup(t, n, size)
					recs, pages := collect(t, c, sc.object, ListQuery{Prefetch: prefetch})
					exactlyOnce(t, recs, sc.idPath, n)
					got := h.count("POST", listPath, 0) + h.count("GET", listPath, 0)
					if want := sc.requests(n, size); got != want {
						t.Errorf("list requests = %d, want %d", got, want)
					}
					for i, p := range pages {
						if p.Number != i+1 {
							t.Errorf("page %d numbered %d", i+1, p.Number)
						}
						if (p.Next == nil) != (i == len(pages)-1) {
							t.Errorf("page %d: Next=%v but last=%v", i+1, p.Next, i == len(pages)-1)
						}
					}
				})
			}
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestListResumesFromCursor(t *testing.T) {
	for _, sc := range styleCases {
		t.Run(sc.name, func(t *testing.T) {
			const n, size = 30, 4
			c, h, listPath := sc.setup(t, n, size)
			var first []Record
			var cursor *Cursor
			for p, err := range c.List(context.Background(), sc.object, ListQuery{}) {
				if err != nil {
					t.Fatal(err)
				}
				first = append(first, p.Records...)
				cursor = p.Next
				if p.Number == 3 {
					break // the worker dies after heartbeating page 3's cursor
				}
			}
			// The cursor travels through a heartbeat as JSON.
			raw, err := json.Marshal(cursor)
			if err != nil {
				t.Fatal(err)
			}
			var resumed Cursor
			if err := json.Unmarshal(raw, &resumed); err != nil {
				t.Fatal(err)
			}
			before := h.count("POST", listPath, 0) + h.count("GET", listPath, 0)
			rest, pages := collect(t, c, sc.object, ListQuery{Resume: &resumed})
			exactlyOnce(t, append(first, rest...), sc.idPath, n)
			if pages[0].Number != 4 {
				t.Errorf("first resumed page is numbered %d, want 4", pages[0].Number)
			}
			after := h.count("POST", listPath, 0) + h.count("GET", listPath, 0)
			if before != 3 || after-before != sc.requests(n, size)-3 {
				t.Errorf("requests: %d before resume, %d after; want 3 and %d", before, after-before, sc.requests(n, size)-3)
			}
		})
	}
}

func TestListStopsFetchingWhenConsumerStops(t *testing.T) {
	s := newLinkHeaderServer(t, 100)
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL))
	for range c.List(context.Background(), "configuration", ListQuery{}) {
		break
	}
	if got := s.count("GET", lhBase, 0); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

func TestChangedSince(t *testing.T) {
	since := epoch.Add(40 * time.Minute) // records 41.. were updated after it
	cases := []struct {
		name    string
		setup   func(t *testing.T) (*Client, *harness)
		object  string
		idPath  string
		n       int
		want    int
		wire    func(t *testing.T, h *harness) // checks what went on the wire
		maxReqs int
		// inclusive: the server's filter is ">=" (a range starting at the
		// cursor), so the record updated exactly at the cursor comes back too.
		inclusive bool
	}{
		{
			name: "conditions filter", object: "configuration", idPath: "id", n: 60, want: 20, maxReqs: 3,
			setup: func(t *testing.T) (*Client, *harness) {
				s := newLinkHeaderServer(t, 60)
				return mustClient(t, linkHeaderSystem(s.srv.URL, 7), linkHeaderVars(s.srv.URL)), s.harness
			},
			wire: func(t *testing.T, h *harness) {
				q, _ := url.ParseQuery(h.entries()[0].Query)
				if got := q.Get("conditions"); got != "lastUpdated > [2025-06-01T00:40:00Z]" {
					t.Errorf("conditions = %q", got)
				}
			},
		},
		{
			name: "jsonapi date filter", object: "organization", idPath: "id", n: 10, want: 7, maxReqs: 1, inclusive: true,
			setup: func(t *testing.T) (*Client, *harness) {
				s := newJSONAPIServer(t, 0, 10) // org i updated at 10*i minutes; 4..10 qualify
				sys := jsonapiSystem(s.srv.URL, 50)
				return mustClient(t, sys, jsonapiVars(s.srv.URL)), s.harness
			},
			wire: func(t *testing.T, h *harness) {
				q, _ := url.ParseQuery(h.entries()[0].Query)
				if got := q.Get("filter[updated_at]"); got != "2025-06-01T00:40:00Z, *" {
					t.Errorf("filter[updated_at] = %q", got)
				}
			},
		},
		{
			name: "body filter item", object: "configuration", idPath: "id", n: 60, want: 20, maxReqs: 3,
			setup: func(t *testing.T) (*Client, *harness) {
				s := newQueryBodyServer(t, 60)
				return mustClient(t, queryBodySystem(s.srv.URL, 7), queryBodyVars(s.srv.URL)), s.harness
			},
			wire: func(t *testing.T, h *harness) {
				for _, e := range h.entries() {
					if e.Method == "POST" {
						if !strings.Contains(e.Body, `{"field":"lastModifiedTime","op":"gt","value":"2025-06-01T00:40:00Z"}`) ||
							!strings.Contains(e.Body, `{"field":"id","op":"exist"}`) || !strings.Contains(e.Body, `"maxRecords":7`) {
							t.Errorf("query body = %s", e.Body)
						}
					}
				}
			},
		},
		{
			name: "query parameter", object: "ticket", idPath: "Id", n: 60, want: 20, maxReqs: 4,
			setup: func(t *testing.T) (*Client, *harness) {
				s := newEnvelopeServer(t, 60)
				return mustClient(t, envelopeSystem(s.srv.URL, 7), envelopeVars(s.srv.URL)), s.harness
			},
			wire: func(t *testing.T, h *harness) {
				for _, e := range h.entries() {
					if strings.HasSuffix(e.Path, "/search") && (e.Query != "" || !strings.Contains(e.Body, `"Filter":{"ModifiedOnFrom":"2025-06-01T00:40:00"}`)) {
						t.Errorf("search query = %q, body %s", e.Query, e.Body)
					}
				}
			},
		},
		{
			name: "sort_desc watermark", object: "configuration", idPath: "id", n: 60, want: 20, maxReqs: 3,
			setup: func(t *testing.T) (*Client, *harness) {
				s := newJSONAPIServer(t, 60, 0)
				return mustClient(t, jsonapiSystem(s.srv.URL, 7), jsonapiVars(s.srv.URL)), s.harness
			},
			wire: func(t *testing.T, h *harness) {
				q, _ := url.ParseQuery(h.entries()[0].Query)
				if q.Get("sort") != "-updated_at" {
					t.Errorf("sort = %q", q.Get("sort"))
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, h := tc.setup(t)
			recs, _ := collect(t, c, tc.object, ListQuery{Since: since})
			if len(recs) != tc.want {
				t.Errorf("got %d records, want %d", len(recs), tc.want)
			}
			obj, _ := c.object(tc.object)
			for _, r := range recs {
				v, _ := Value(r, obj.Updated)
				u, ok := parseTime(IDString(v), "")
				if !ok || u.Before(since) || (!tc.inclusive && u.Equal(since)) {
					t.Errorf("record %v updated %v, not after %v", r[tc.idPath], v, since)
				}
			}
			tc.wire(t, h)
			lists := 0
			for _, e := range h.entries() {
				if !strings.Contains(e.Path, "authenticate") && !strings.Contains(e.Path, "zoneInformation") {
					lists++
				}
			}
			if lists > tc.maxReqs {
				t.Errorf("%d list requests, want at most %d (the cursor must cut the read short)", lists, tc.maxReqs)
			}
		})
	}
}

func TestExtraFilters(t *testing.T) {
	s := newLinkHeaderServer(t, 40)
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 100), linkHeaderVars(s.srv.URL))
	recs, _ := collect(t, c, "configuration", ListQuery{
		Since:   epoch.Add(10 * time.Minute),
		Filters: []Filter{{Field: "type.id", Op: OpEq, Value: 2}, {Field: "name", Op: OpContains, Value: "cfg-0002"}},
	})
	// ids 20..29 contain "cfg-0002"; type.id = 1 + i%3 == 2 -> i%3 == 1: 22, 25, 28.
	var ids []string
	for _, r := range recs {
		ids = append(ids, IDString(r["id"]))
	}
	if strings.Join(ids, ",") != "22,25,28" {
		t.Errorf("ids = %v", ids)
	}
	q, _ := url.ParseQuery(s.entries()[0].Query)
	want := `lastUpdated > [2025-06-01T00:10:00Z] and type/id = 2 and name contains "cfg-0002"`
	if got := q.Get("conditions"); got != want {
		t.Errorf("conditions = %q, want %q", got, want)
	}
}

func TestDiscoveryRunsOnce(t *testing.T) {
	s := newQueryBodyServer(t, 12)
	c := mustClient(t, queryBodySystem(s.srv.URL, 5), queryBodyVars(s.srv.URL))
	for range 3 {
		recs, _ := collect(t, c, "configuration", ListQuery{})
		exactlyOnce(t, recs, "id", 12)
	}
	if _, err := c.Get(context.Background(), "configuration", "3"); err != nil {
		t.Fatal(err)
	}
	if got := s.zoneCalls.Load(); got != 1 {
		t.Errorf("zone lookups = %d, want 1", got)
	}
}

func TestGet(t *testing.T) {
	s := newJSONAPIServer(t, 5, 0)
	c := mustClient(t, jsonapiSystem(s.srv.URL, 50), jsonapiVars(s.srv.URL))
	rec, err := c.Get(context.Background(), "configuration", "3")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := Value(rec, "attributes.name"); v != "cfg-00003" {
		t.Errorf("name = %v", v)
	}
	_, err = c.Get(context.Background(), "configuration", "999")
	if !errorsIs(err, ErrNotFound) || KindOf(err) != KindRejected {
		t.Errorf("missing record: err = %v (kind %s)", err, KindOf(err))
	}
}

func TestLookup(t *testing.T) {
	s := newLinkHeaderServer(t, 0)
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 2), linkHeaderVars(s.srv.URL))
	ctx := context.Background()
	tab, err := c.Lookup(ctx, "manufacturer")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := tab.ID("HP", ""); !ok || id != "2" {
		t.Errorf("HP -> %q %v", id, ok)
	}
	if _, ok := tab.ID("hp", ""); ok {
		t.Error("lookups must match exactly")
	}
	if len(tab.Entries()) != 3 {
		t.Errorf("entries = %v", tab.Entries())
	}
	e, err := c.CreateLookupValue(ctx, "manufacturer", `Acme "Quoted"`, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "4" {
		t.Errorf("created id = %q", e.ID)
	}
	if rec, _ := s.mfrs.get(4); rec["name"] != `Acme "Quoted"` {
		t.Errorf("stored %v", rec)
	}
}
