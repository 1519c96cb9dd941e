package connectors

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// The filters a caller asks for (a run by ids, a scope pushed down) join
// the list body's own filter and the changed-since item at the top level,
// where items are and-ed, whether the list body holds a list of items or a
// single group; every page of a POST-followed nextPageUrl sends the same
// filter.
func TestQueryBodyAndsCallerFilters(t *testing.T) {
	var bodies []map[string]any
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		_ = decodeJSONBody(r, &b)
		bodies = append(bodies, b)
		var next any
		if r.URL.Query().Get("p") == "" {
			next = "http://" + r.Host + "/Items/query?p=2"
		}
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"id": len(bodies)}}, "pageDetails": map[string]any{"nextPageUrl": next}})
	}))
	or := `{"op":"or","items":[{"op":"eq","field":"status","value":1},{"op":"eq","field":"status","value":2}]}`
	since := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	changed := `{"op":"gt","field":"lastModifiedDate","value":"2026-05-01T00:00:00Z"}`
	caller := `{"field":"id","op":"in","value":[1,2,3]}`
	for _, tc := range []struct {
		name, listBody, want string
	}{
		{"list", `{"filter":[` + or + `]}`, `[` + or + `,` + changed + `,` + caller + `]`},
		{"one group", `{"filter":` + or + `}`, `[` + or + `,` + changed + `,` + caller + `]`},
		{"none", `{"maxRecords":5}`, `[` + changed + `,` + caller + `]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bodies = nil
			sys := plan.System{Name: "qb", BaseURL: plan.Template(h.srv.URL), Filter: plan.FilterQueryBody,
				Paging:   plan.Paging{Style: plan.PagingNextURL, NextURLPath: "pageDetails.nextPageUrl", NextMethod: "POST", MaxSize: 500},
				Envelope: plan.Envelope{Items: "items"},
				Objects: []plan.Object{{Name: "item", ListPath: "/Items/query", ListMethod: "POST", ListBody: tc.listBody,
					ID: "id", Write: plan.WriteNone, ChangedSince: &plan.ChangedSince{Mode: plan.ChangedFilter,
						Template: `{"op":"gt","field":"lastModifiedDate","value":"${cursor}"}`}}}}
			c := mustClient(t, sys, testVars(nil))
			recs, _ := collect(t, c, "item", ListQuery{Since: since, Filters: []Filter{{Field: "id", Op: OpIn, Value: []int{1, 2, 3}}}})
			if len(recs) != 2 || len(bodies) != 2 {
				t.Fatalf("%d records in %d requests", len(recs), len(bodies))
			}
			for i, b := range bodies {
				got, _ := json.Marshal(b["filter"])
				if canonJSON(string(got)) != canonJSON(tc.want) {
					t.Errorf("page %d filter\n got %s\nwant %s", i+1, got, tc.want)
				}
			}
		})
	}
}
