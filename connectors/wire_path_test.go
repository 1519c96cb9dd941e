package connectors

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"mapsync/engine/plan"
)

// A KEY=VALUE segment selects the first element of a list whose KEY is
// VALUE: reading is all it does.
func TestValueSelectsElements(t *testing.T) {
	doc := map[string]any{"phones": []any{
		map[string]any{"type": "Main", "number": "1"},
		map[string]any{"type": "Mobile", "number": "2"},
		map[string]any{"type": "Mobile", "number": "3"},
		"not an object",
		map[string]any{"id": 7.0, "number": "4"},
	}}
	for _, tc := range []struct {
		path string
		want any
		ok   bool
	}{
		{"phones.type=Mobile.number", "2", true},
		{"phones.type=Main", map[string]any{"type": "Main", "number": "1"}, true},
		{"phones.id=7.number", "4", true},
		{"phones.type=Fax.number", nil, false},
		{"phones.0.type=Main", nil, false}, // not a list there
	} {
		got, ok := Value(doc, tc.path)
		if ok != tc.ok || canonJSON(mustJSON(got)) != canonJSON(mustJSON(tc.want)) {
			t.Errorf("Value(%q) = %v %v, want %v %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
	if err := setPath(map[string]any{}, "phones.type=Mobile.number", "5"); err == nil || !strings.Contains(err.Error(), "not written") {
		t.Errorf("setPath through a selector: %v", err)
	}
}

// A lookup whose rows sit inside one element of a list (picklist values of
// one field of a metadata answer) names them with a selector in its own
// envelope.
func TestLookupRowsBehindASelector(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"fields": []any{
			map[string]any{"name": "status", "picklistValues": []any{map[string]any{"value": "1", "label": "Active"}}},
			map[string]any{"name": "companyType", "picklistValues": []any{
				map[string]any{"value": "1", "label": "Customer"}, map[string]any{"value": "3", "label": "Vendor"}}},
		}})
	}))
	sys := plan.System{Name: "meta", BaseURL: plan.Template(h.srv.URL), Paging: plan.Paging{Style: plan.PagingNone},
		Envelope: plan.Envelope{Items: "items"},
		Lookups: []plan.Lookup{{Name: "company_type", Path: "/Companies/entityInformation/fields", ID: "value", Label: "label",
			Missing: plan.MissingError, Envelope: &plan.Envelope{Items: "fields.name=companyType.picklistValues"}}}}
	c := mustClient(t, sys, testVars(nil))
	tbl, err := c.Lookup(context.Background(), "company_type")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := tbl.ID("Vendor", ""); !ok || id != "3" || len(tbl.Entries()) != 2 {
		t.Errorf("rows %v", tbl.Entries())
	}
}

// A field written through a selector is refused when the files load.
func TestCheckSelectorNotWritten(t *testing.T) {
	sys := echoSystem("http://x", plan.WriteJSONPatch)
	sys.Objects[0].Fields = []plan.Field{
		{Name: "mobile", Path: "phones.type=Mobile.number", Access: plan.FieldBoth},
		{Name: "main", Path: "phones.type=Main.number", Access: plan.FieldRead},
		{Name: "fax", Path: "phones.type=Fax.number", WritePath: "fax", Access: plan.FieldBoth},
	}
	ps := CheckSystem(sys)
	if len(ps) != 1 || ps[0].Place.Field != "mobile" || ps[0].Place.Attr != "path" || !strings.Contains(ps[0].Message, "not written") {
		t.Errorf("problems %v", ps)
	}
}
