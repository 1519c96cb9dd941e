package records_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"mapsync/engine"
	"mapsync/engine/plan"
	. "mapsync/engine/records"
)

// derivedSpec is the spec of one object of the PSA of the derived-locations
// fixture (locations derived from accounts and contacts).
func derivedSpec(t *testing.T, object string) Spec {
	t.Helper()
	l := engine.LoadDir("../../testdata/mappings/valid/derived_locations")
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags.Error())
	}
	out := Spec{Object: object, Settings: l.Plan.Syncs[0].Settings}
	for _, s := range l.Plan.Systems {
		if s.Name == l.Plan.Syncs[0].PSA {
			out.System = s
		}
	}
	for _, c := range l.Plan.Canonical {
		if c.Name == object {
			out.Canonical = c
		}
	}
	return out
}

func TestDerive(t *testing.T) {
	m, err := New(derivedSpec(t, "location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Sources(); !reflect.DeepEqual(got, []string{"organization", "contact"}) || !m.Derived() {
		t.Fatalf("sources %v (derived %v), want organization then contact", got, m.Derived())
	}
	account := map[string]any{"AccountNumber": float64(7), "AccountName": "Acme", "Address1": "1 Main St", "Address2": "", "City": "Springfield",
		"Phones": []any{
			map[string]any{"Type": "Fax", "Number": "555-0199", "Primary": true},
			map[string]any{"Type": "Main", "Number": "555-0100 x12", "Primary": true},
			map[string]any{"Type": "Mobile", "Number": "555-0111", "Primary": false},
		}}
	const acmeMain = "7|1 main st||springfield"
	type want struct {
		id, source string
		rank       float64
		values     map[string]any
	}
	tests := []struct {
		name   string
		source string
		rec    map[string]any
		want   []want
		errs   []string
	}{
		{name: "account address: named after address 1, primary non-fax phone without extension", source: "organization", rec: account,
			want: []want{{id: acmeMain, source: "7", rank: 0, values: map[string]any{
				"organization": "7", "name": "1 Main St", "address_1": "1 Main St", "address_2": nil, "city": "Springfield", "phone": "555-0100"}}}},
		{name: "account without an address gives nothing", source: "organization",
			rec: map[string]any{"AccountNumber": float64(8), "AccountName": "Empty", "Address1": "  ", "City": "X"}},
		{name: "contact at the account's address: the same id, whatever the case", source: "contact",
			rec: map[string]any{"ContactNumber": float64(31), "AccountNumber": float64(7), "Address1": "1 MAIN ST ", "City": "springfield", "Phone": "555-0300"},
			want: []want{{id: acmeMain, source: "31", rank: 1, values: map[string]any{
				"organization": "7", "name": "1 MAIN ST ", "address_1": "1 MAIN ST ", "address_2": nil, "city": "springfield", "phone": "555-0300"}}}},
		{name: "contact elsewhere: another location of the same account", source: "contact",
			rec:  map[string]any{"ContactNumber": float64(32), "AccountNumber": float64(7), "Address1": "9 Side Rd", "Address2": "Unit 2", "City": "Shelbyville"},
			want: []want{{id: "7|9 side rd|unit 2|shelbyville", source: "32", rank: 1, values: map[string]any{"organization": "7", "name": "9 Side Rd", "city": "Shelbyville", "address_2": "Unit 2", "address_1": "9 Side Rd", "phone": nil}}}},
		{name: "contact without an address gives nothing", source: "contact",
			rec: map[string]any{"ContactNumber": float64(33), "AccountNumber": float64(7)}},
		{name: "source record without id", source: "contact",
			rec:  map[string]any{"AccountNumber": float64(7), "Address1": "1 Main St"},
			errs: []string{`derive from contact: no id at "ContactNumber"`}},
		{name: "not a source", source: "ticket", rec: account, errs: []string{`not derived from "ticket"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs := m.Derive(tt.source, tt.rec)
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %v, want %v", errs, tt.errs)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tt.errs[i]) {
					t.Errorf("error %q, want %q", err, tt.errs[i])
				}
			}
			if len(rows) != len(tt.want) {
				t.Fatalf("%d rows (%+v), want %d", len(rows), rows, len(tt.want))
			}
			for i, w := range tt.want {
				row := rows[i]
				if row.ID != w.id {
					t.Errorf("id %q, want %q", row.ID, w.id)
				}
				for f, v := range w.values {
					if row.Values[f] != v {
						t.Errorf("%s = %#v, want %#v", f, row.Values[f], v)
					}
				}
				var raw map[string]any
				if err := json.Unmarshal(row.Raw, &raw); err != nil {
					t.Fatal(err)
				}
				d, _ := raw[DerivedKey].(map[string]any)
				if d["id"] != w.id || d["from"] != tt.source || d["source_id"] != w.source || d["rank"] != w.rank {
					t.Errorf("%s = %v, want id %q from %s source %s rank %v", DerivedKey, d, w.id, tt.source, w.source, w.rank)
				}
				// The stored form maps back to the same record (what a
				// later step re-reading the staging sees).
				again, err := m.Map(raw, nil)
				if err != nil || again.ID != row.ID || !reflect.DeepEqual(again.Values, row.Values) {
					t.Errorf("mapping the stored form again: %+v, %v; want %+v", again, err, row)
				}
			}
			// Deriving never writes into the source record.
			if _, ok := tt.rec[DerivedKey]; ok {
				t.Errorf("the source record gained %s", DerivedKey)
			}
			// Ids are stable: the same source record derives the same ids.
			again, _ := m.Derive(tt.source, tt.rec)
			for i := range rows {
				if again[i].ID != rows[i].ID {
					t.Errorf("second derive gave id %q, first %q", again[i].ID, rows[i].ID)
				}
			}
		})
	}

	// The account's primary location is the location its address derives.
	org, err := New(derivedSpec(t, "organization"))
	if err != nil {
		t.Fatal(err)
	}
	row, err := org.Map(account, nil)
	if err != nil || row.Values["primary_location"] != acmeMain {
		t.Errorf("primary_location = %#v (%v), want %q", row.Values["primary_location"], err, acmeMain)
	}
}

// Items that are not maps, and an each that is not a list at run time,
// reject the source record; nil items and empty ids are skipped.
func TestDeriveShapes(t *testing.T) {
	spec := derivedSpec(t, "location")
	tests := []struct {
		each, id string
		ids      []string
		err      string
	}{
		{each: "[nil, {'a': 'x'}, {'a': ''}]", id: "item.a", ids: []string{"x"}},
		{each: "record.Many", id: "item.a + '-' + string(record.AccountNumber)", ids: []string{"p-7", "q-7"}},
		{each: "['x']", id: "'x'", err: "not a map"},
		{each: "record.AccountName", id: "'x'", err: "not a list"},
		{each: "[{'a': 1}]", id: "item.b.c", err: "id:"},
	}
	for _, tt := range tests {
		t.Run(tt.each, func(t *testing.T) {
			s := spec
			s.System.Objects = append([]plan.Object(nil), spec.System.Objects...)
			for i := range s.System.Objects {
				if s.System.Objects[i].Name == "location" {
					s.System.Objects[i].Derive = []plan.Derive{{From: "organization", Each: tt.each, ID: tt.id}}
				}
			}
			m, err := New(s)
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := m.Derive("organization", map[string]any{"AccountNumber": float64(7), "AccountName": "Acme",
				"Many": []any{map[string]any{"a": "p"}, map[string]any{"a": "q"}}})
			if tt.err != "" {
				if len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.err) || len(rows) != 0 {
					t.Fatalf("rows %v, errors %v; want only an error with %q", rows, errs, tt.err)
				}
				return
			}
			var ids []string
			for _, r := range rows {
				ids = append(ids, r.ID)
			}
			if len(errs) > 0 || !reflect.DeepEqual(ids, tt.ids) {
				t.Fatalf("ids %v, errors %v; want %v", ids, errs, tt.ids)
			}
		})
	}
}
