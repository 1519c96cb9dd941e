package itglue

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPaginationEveryRecordOnce walks the configurations of a large seeded
// sandbox by following links.next and checks meta and links on every page.
func TestPaginationEveryRecordOnce(t *testing.T) {
	h := start(t, Options{}, testDataset(80, 50)) // 4000 configurations
	total := h.sb.Count("configurations")
	if total != 4000 {
		t.Fatalf("seeded %d configurations, want 4000", total)
	}
	cases := []struct {
		name  string
		query string // without page params
		size  int    // 0 = the default (50)
	}{
		{"max page size", "", 1000},
		{"odd page size", "", 333},
		{"default page size", "", 0},
		{"sorted by -updated_at", "sort=-updated_at", 1000},
		{"sorted by name", "sort=name", 777},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			q := url.Values{}
			if tc.query != "" {
				k, v, _ := strings.Cut(tc.query, "=")
				q.Set(k, v)
			}
			if size != 0 {
				q.Set("page[size]", strconv.Itoa(size))
			} else {
				size = 50
			}
			wantPages := (total + size - 1) / size
			path := "/configurations?" + q.Encode()
			seen := map[string]int{}
			for page := 1; ; page++ {
				r := h.get(path).mustStatus(t, 200)
				m := r.meta()
				if got := int(m["current-page"].(float64)); got != page {
					t.Fatalf("page %d: current-page %d", page, got)
				}
				if int(m["total-count"].(float64)) != total || int(m["total-pages"].(float64)) != wantPages {
					t.Fatalf("page %d: total-count %v total-pages %v, want %d and %d", page, m["total-count"], m["total-pages"], total, wantPages)
				}
				wantLen := size
				if page == wantPages {
					wantLen = total - (wantPages-1)*size
				}
				if len(r.list()) != wantLen {
					t.Fatalf("page %d: %d records, want %d", page, len(r.list()), wantLen)
				}
				if page == 1 && m["prev-page"] != nil || page > 1 && m["prev-page"] != float64(page-1) {
					t.Fatalf("page %d: prev-page %v", page, m["prev-page"])
				}
				links := r.doc["links"].(map[string]any)
				for name, want := range map[string]int{"self": page, "first": 1, "last": wantPages} {
					if n := pageOfLink(t, links[name]); n != want {
						t.Fatalf("page %d: links.%s points at page %d, want %d", page, name, n, want)
					}
				}
				for _, id := range ids(r.list()) {
					seen[id]++
				}
				if page == wantPages {
					if m["next-page"] != nil || links["next"] != nil {
						t.Fatalf("last page: next-page %v links.next %v, want null", m["next-page"], links["next"])
					}
					break
				}
				if m["next-page"] != float64(page+1) || pageOfLink(t, links["next"]) != page+1 {
					t.Fatalf("page %d: next-page %v links.next %v", page, m["next-page"], links["next"])
				}
				path = strings.TrimPrefix(links["next"].(string), h.srv.URL)
			}
			if len(seen) != total {
				t.Fatalf("saw %d distinct records, want %d", len(seen), total)
			}
			for id, n := range seen {
				if n != 1 {
					t.Fatalf("record %s served %d times", id, n)
				}
			}
		})
	}
}

func pageOfLink(t *testing.T, link any) int {
	t.Helper()
	s, ok := link.(string)
	if !ok {
		t.Fatalf("link %v is not a string", link)
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(u.Query().Get("page[number]"))
	if err != nil {
		t.Fatalf("link %s has no page[number]", s)
	}
	return n
}

func TestPageOutOfRangeAndEmpty(t *testing.T) {
	h := start(t, Options{}, testDataset(2, 3))
	r := h.get("/configurations?page[number]=9&page[size]=5").mustStatus(t, 200)
	m := r.meta()
	if len(r.list()) != 0 || m["next-page"] != nil || m["prev-page"] != nil || m["total-pages"] != float64(2) || m["total-count"] != float64(6) {
		t.Errorf("out of range page: data %d meta %v", len(r.list()), m)
	}
	r = h.get("/configurations?filter[name]=nothing-has-this-name").mustStatus(t, 200)
	m = r.meta()
	if len(r.list()) != 0 || m["total-pages"] != float64(0) || m["total-count"] != float64(0) || m["next-page"] != nil {
		t.Errorf("empty result: data %d meta %v", len(r.list()), m)
	}
}

// TestFilters compares every filter with the same filter applied by the
// test to the full list.
func TestFilters(t *testing.T) {
	h := start(t, Options{}, testDataset(12, 10))
	// Make the data less uniform: archive one configuration, link records
	// to IT Glue's own PSA integration.
	cfgs := h.all("/configurations")
	archived := idOf(cfgs[7])
	h.req("PATCH", "/configurations/"+archived, `{"data":{"type":"configurations","attributes":{"archived":true}}}`).mustStatus(t, 200)
	orgs := h.all("/organizations")
	for i, o := range orgs[:3] {
		if err := h.sb.LinkPSA("organizations", idOf(o), "manage", fmt.Sprintf("CW-%d", 100+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.sb.LinkPSA("organizations", idOf(orgs[3]), "autotask", "CW-100"); err != nil {
		t.Fatal(err)
	}
	if err := h.sb.LinkPSA("configurations", idOf(cfgs[2]), "autotask", "AT-9"); err != nil {
		t.Fatal(err)
	}
	cfgs = h.all("/configurations")
	orgs = h.all("/organizations")
	contacts := h.all("/contacts")
	locations := h.all("/locations")

	ca := func(i int, name string) any { return attrs(cfgs[i])[name] }
	num := func(v any) string { return strconv.FormatInt(int64(v.(float64)), 10) }
	eqFold := func(name, want string) func(map[string]any) bool {
		return func(o map[string]any) bool {
			s, _ := attrs(o)[name].(string)
			return strings.EqualFold(s, want)
		}
	}
	eqNum := func(name string, want ...any) func(map[string]any) bool {
		return func(o map[string]any) bool { return slices.Contains(want, attrs(o)[name]) }
	}
	org0, org5 := attrs(cfgs[0])["organization-id"], attrs(cfgs[55])["organization-id"]
	cases := []struct {
		name  string
		all   []map[string]any
		path  string
		query string
		want  func(o map[string]any) bool
	}{
		{"configurations by id list", cfgs, "/configurations", "filter[id]=" + idOf(cfgs[3]) + "," + idOf(cfgs[40]),
			func(o map[string]any) bool { return idOf(o) == idOf(cfgs[3]) || idOf(o) == idOf(cfgs[40]) }},
		{"configurations by two organizations", cfgs, "/configurations", "filter[organization_id]=" + num(org0) + "," + num(org5), eqNum("organization-id", org0, org5)},
		{"configurations by organization, kebab-case key", cfgs, "/configurations", "filter[organization-id]=" + num(org5), eqNum("organization-id", org5)},
		{"configurations by type", cfgs, "/configurations", "filter[configuration_type_id]=" + num(ca(1, "configuration-type-id")), eqNum("configuration-type-id", ca(1, "configuration-type-id"))},
		{"configurations by status", cfgs, "/configurations", "filter[configuration_status_id]=" + num(ca(1, "configuration-status-id")), eqNum("configuration-status-id", ca(1, "configuration-status-id"))},
		{"configurations by contact", cfgs, "/configurations", "filter[contact_id]=" + num(ca(9, "contact-id")), eqNum("contact-id", ca(9, "contact-id"))},
		{"configurations by serial, case-insensitive", cfgs, "/configurations", "filter[serial_number]=" + strings.ToLower(ca(10, "serial-number").(string)), eqFold("serial-number", ca(10, "serial-number").(string))},
		{"configurations by MAC", cfgs, "/configurations", "filter[mac_address]=" + ca(3, "mac-address").(string), eqFold("mac-address", ca(3, "mac-address").(string))},
		{"configurations by asset tag", cfgs, "/configurations", "filter[asset_tag]=AT7", eqFold("asset-tag", "AT7")},
		{"configurations by name", cfgs, "/configurations", "filter[name]=" + ca(20, "name").(string), eqFold("name", ca(20, "name").(string))},
		{"archived configurations", cfgs, "/configurations", "filter[archived]=true", func(o map[string]any) bool { return attrs(o)["archived"] == true }},
		{"not archived configurations", cfgs, "/configurations", "filter[archived]=false", func(o map[string]any) bool { return attrs(o)["archived"] == false }},
		{"configurations excluding a type", cfgs, "/configurations", "filter[exclude][configuration_type_id]=" + num(ca(1, "configuration-type-id")),
			func(o map[string]any) bool {
				return attrs(o)["configuration-type-id"] != ca(1, "configuration-type-id")
			}},
		{"configurations by PSA id", cfgs, "/configurations", "filter[psa_id]=AT-9&filter[psa_integration_type]=autotask",
			func(o map[string]any) bool { return idOf(o) == idOf(cfgs[2]) }},
		{"organizations by name, case-insensitive", orgs, "/organizations", "filter[name]=ORG 0004 LTD", eqFold("name", "Org 0004 Ltd")},
		{"organizations by type", orgs, "/organizations", "filter[organization_type_id]=" + num(attrs(orgs[0])["organization-type-id"]), eqNum("organization-type-id", attrs(orgs[0])["organization-type-id"])},
		{"organizations by status", orgs, "/organizations", "filter[organization_status_id]=" + num(attrs(orgs[1])["organization-status-id"]), eqNum("organization-status-id", attrs(orgs[1])["organization-status-id"])},
		{"organizations excluding a status", orgs, "/organizations", "filter[exclude][organization_status_id]=" + num(attrs(orgs[1])["organization-status-id"]),
			func(o map[string]any) bool {
				return attrs(o)["organization-status-id"] != attrs(orgs[1])["organization-status-id"]
			}},
		{"organizations updated in a range", orgs, "/organizations", "filter[updated_at]=2025-03-03T00:00:00Z, 2025-03-06T12:00:00Z",
			timeIn("updated-at", "2025-03-03T00:00:00.000Z", "2025-03-06T12:00:00.000Z")},
		{"organizations updated since (open end)", orgs, "/organizations", "filter[updated_at]=2025-03-05T00:00:00Z, *",
			timeIn("updated-at", "2025-03-05T00:00:00.000Z", "9999")},
		{"organizations created up to a date (whole day)", orgs, "/organizations", "filter[created_at]=*, 2025-03-01",
			timeIn("created-at", "", "2025-03-01T23:59:59.999Z")},
		{"organizations by PSA id", orgs, "/organizations", "filter[psa_id]=CW-100,CW-102&filter[psa_integration_type]=manage",
			func(o map[string]any) bool { return idOf(o) == idOf(orgs[0]) || idOf(o) == idOf(orgs[2]) }},
		{"organizations by PSA integration type", orgs, "/organizations", "filter[psa_integration_type]=manage",
			func(o map[string]any) bool { return attrs(o)["psa-integration"] == "manage" }},
		{"contacts by first name", contacts, "/contacts", "filter[first_name]=ann", eqFold("first-name", "Ann")},
		{"contacts by primary e-mail", contacts, "/contacts", "filter[primary_email]=C3.2@EXAMPLE.COM",
			func(o map[string]any) bool { return idOf(o) == idOf(contacts[7]) }},
		{"contacts by organization", contacts, "/contacts", "filter[organization_id]=" + num(org5), eqNum("organization-id", org5)},
		{"contacts by type", contacts, "/contacts", "filter[contact_type_id]=" + num(attrs(contacts[0])["contact-type-id"]), eqNum("contact-type-id", attrs(contacts[0])["contact-type-id"])},
		{"locations by city", locations, "/locations", "filter[city]=austin", eqFold("city", "Austin")},
		{"locations by region", locations, "/locations", "filter[region_id]=" + num(attrs(locations[0])["region-id"]), eqNum("region-id", attrs(locations[0])["region-id"])},
		{"locations by organization", locations, "/locations", "filter[organization_id]=" + num(org0), eqNum("organization-id", org0)},
		{"nested route = organization filter", cfgs, "/organizations/" + num(org5) + "/relationships/configurations", "", eqNum("organization-id", org5)},
		{"nested route and another organization", cfgs, "/organizations/" + num(org5) + "/relationships/configurations", "filter[organization_id]=" + num(org0),
			func(map[string]any) bool { return false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, o := range tc.all {
				if tc.want(o) {
					want = append(want, idOf(o))
				}
			}
			path := tc.path
			if tc.query != "" {
				path += "?" + encodeQuery(tc.query)
			}
			got := ids(h.all(path))
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %d records %v, want %d %v", path, len(got), head(got), len(want), head(want))
			}
			if len(want) == 0 && !strings.Contains(tc.name, "another") {
				t.Errorf("test case selects nothing; pick a value that occurs")
			}
			if len(want) == len(tc.all) && !strings.Contains(tc.name, "not archived") {
				t.Errorf("test case selects everything; pick a narrower value")
			}
		})
	}
}

func timeIn(name, lo, hi string) func(map[string]any) bool {
	return func(o map[string]any) bool {
		s, _ := attrs(o)[name].(string)
		return s >= lo && s <= hi
	}
}

// encodeQuery escapes the values of "k=v&k2=v2" (spaces, commas).
func encodeQuery(q string) string {
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, k+"="+url.QueryEscape(v))
	}
	return strings.Join(parts, "&")
}

func head(s []string) []string {
	if len(s) > 6 {
		return s[:6]
	}
	return s
}

func TestQueryErrors(t *testing.T) {
	h := start(t, Options{MaxDateFilterRange: 0}, testDataset(2, 2))
	cases := []struct {
		name, path string
		status     int
		param      string
	}{
		{"psa_id without psa_integration_type", "/configurations?filter[psa_id]=42", 422, "filter[psa_id]"},
		{"unknown psa_integration_type", "/organizations?filter[psa_id]=1&filter[psa_integration_type]=connectwise", 422, "filter[psa_integration_type]"},
		{"undocumented filter", "/configurations?filter[hostname]=x", 400, "filter[hostname]"},
		{"updated_at is an organizations filter only", "/configurations?filter[updated_at]=2025-01-01,*", 400, "filter[updated_at]"},
		{"range that is not a range", "/organizations?filter[updated_at]=yesterday", 422, "filter[updated_at]"},
		{"range with a bad date", "/organizations?filter[updated_at]=2025-13-01,*", 422, "filter[updated_at]"},
		{"range backwards", "/organizations?filter[created_at]=2025-02-01,2025-01-01", 422, "filter[created_at]"},
		{"non-integer id", "/configurations?filter[id]=abc", 400, "filter[id]"},
		{"bad boolean", "/configurations?filter[archived]=maybe", 400, "filter[archived]"},
		{"exclude on a boolean", "/configurations?filter[exclude][archived]=true", 400, "filter[exclude][archived]"},
		{"unknown sort key", "/configurations?sort=serial_number", 400, "sort"},
		{"page size over 1000", "/configurations?page[size]=1001", 422, "page[size]"},
		{"page size zero", "/configurations?page[size]=0", 400, "page[size]"},
		{"page number zero", "/configurations?page[number]=0", 400, "page[number]"},
		{"page number not a number", "/configurations?page[number]=two", 400, "page[number]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.req("GET", tc.path, "").mustStatus(t, tc.status)
			errs := r.errors()
			if len(errs) != 1 {
				t.Fatalf("errors %v", errs)
			}
			src, _ := errs[0]["source"].(map[string]any)
			if errs[0]["status"] != strconv.Itoa(tc.status) || src["parameter"] != tc.param || errs[0]["detail"] == "" {
				t.Errorf("error object %v, want status %d and source.parameter %q", errs[0], tc.status, tc.param)
			}
			if ct := r.header.Get("Content-Type"); ct != responseType {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	// A configured cap on date ranges.
	h2 := start(t, Options{MaxDateFilterRange: 7 * 24 * time.Hour}, testDataset(1, 1))
	h2.get("/organizations?filter[updated_at]="+url.QueryEscape("2025-01-01, 2025-01-05")).mustStatus(t, 200)
	h2.get("/organizations?filter[updated_at]="+url.QueryEscape("2025-01-01, 2025-03-01")).mustStatus(t, 422)
	h2.get("/organizations?filter[updated_at]="+url.QueryEscape("2025-01-01, *")).mustStatus(t, 422)
}

// TestSort compares server order with the test's own sort of the full list.
func TestSort(t *testing.T) {
	h := start(t, Options{}, testDataset(9, 12))
	cases := []struct {
		path string
		keys []string // attributes, "-" for descending; "id" is the record id
	}{
		{"/configurations?sort=name", []string{"name"}},
		{"/configurations?sort=-name", []string{"-name"}},
		{"/configurations?sort=-updated_at", []string{"-updated-at"}},
		{"/configurations?sort=updated_at", []string{"updated-at"}},
		{"/configurations?sort=created_at,-name", []string{"created-at", "-name"}},
		{"/configurations?sort=-id", []string{"-id"}},
		{"/configurations?sort=id", []string{"id"}},
		{"/organizations?sort=organization_type_name,-name", []string{"organization-type-name", "-name"}},
		{"/organizations?sort=-short-name", []string{"-short-name"}},
		{"/contacts?sort=last_name,first_name", []string{"last-name", "first-name"}},
		{"/organizations/" + strconv.Itoa(1_000_003) + "/relationships/configurations?sort=-name", []string{"-name"}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			base, _, _ := strings.Cut(tc.path, "?")
			want := h.all(base)
			slices.SortStableFunc(want, func(a, b map[string]any) int {
				for _, k := range tc.keys {
					desc := strings.HasPrefix(k, "-")
					k = strings.TrimPrefix(k, "-")
					var va, vb any
					if k == "id" {
						ia, _ := strconv.Atoi(idOf(a))
						ib, _ := strconv.Atoi(idOf(b))
						va, vb = float64(ia), float64(ib)
					} else {
						va, vb = attrs(a)[k], attrs(b)[k]
					}
					c := cmpJSON(va, vb)
					if desc {
						c = -c
					}
					if c != 0 {
						return c
					}
				}
				ia, _ := strconv.Atoi(idOf(a))
				ib, _ := strconv.Atoi(idOf(b))
				return cmp.Compare(ia, ib)
			})
			got := ids(h.all(tc.path))
			if !slices.Equal(got, ids(want)) {
				t.Errorf("order differs:\n got %v\nwant %v", head(got), head(ids(want)))
			}
		})
	}
}

// cmpJSON orders decoded JSON values: nulls last, strings without case.
func cmpJSON(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	switch x := a.(type) {
	case string:
		return strings.Compare(strings.ToLower(x), strings.ToLower(b.(string)))
	case float64:
		return cmp.Compare(x, b.(float64))
	}
	return 0
}
