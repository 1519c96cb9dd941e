package match

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// Canonical types and object syncs shaped like the shipped mappings (built
// in Go: the HCL compiler is written in parallel).

func cf(name, typ string, ref ...string) plan.CanonicalField {
	f := plan.CanonicalField{Name: name, Type: typ}
	if len(ref) > 0 {
		f.Ref = ref[0]
	}
	return f
}

var canonical = map[string]plan.CanonicalType{
	"organization": {Name: "organization", Fields: []plan.CanonicalField{
		cf("name", "string"), cf("short_name", "string"), cf("organization_type", "string"), cf("status", "string"),
	}},
	"location": {Name: "location", Fields: []plan.CanonicalField{
		cf("organization", "ref", "organization"), cf("name", "string"), cf("address1", "string"), cf("address2", "string"),
		cf("city", "string"), cf("region", "string"), cf("postal_code", "string"), cf("country", "string"),
		cf("phone", "string"), cf("fax", "string"),
	}},
	"contact": {Name: "contact", Fields: []plan.CanonicalField{
		cf("organization", "ref", "organization"), cf("first_name", "string"), cf("last_name", "string"),
		cf("title", "string"), cf("emails", "json"), cf("location", "ref", "location"),
	}},
	"configuration": {Name: "configuration", Fields: []plan.CanonicalField{
		cf("organization", "ref", "organization"), cf("configuration_type", "string"), cf("name", "string"),
		cf("serial_number", "string"), cf("primary_mac", "string"), cf("asset_tag", "string"),
		cf("installed_at", "date"), cf("purchased_at", "datetime"), cf("notes", "string"), cf("tags", "list"),
		cf("status", "string"),
	}},
	"ticket": {Name: "ticket", Fields: []plan.CanonicalField{
		cf("organization", "ref", "organization"), cf("ticket_number", "string"), cf("summary", "string"), cf("status", "string"),
	}},
}

// fieldSyncs maps every canonical field of an object two-way, PSA wins,
// with per-field overrides.
func fieldSyncs(object string, override map[string]string) []plan.FieldSync {
	var out []plan.FieldSync
	for _, f := range canonical[object].Fields {
		dir := plan.DirTwoWay
		if d, ok := override[f.Name]; ok {
			dir = d
		}
		out = append(out, plan.FieldSync{Name: f.Name, Type: f.Type, Direction: dir, Winner: "psa", PSAPath: f.Name, DocPath: f.Name})
	}
	return out
}

var objectSyncs = map[string]plan.ObjectSync{
	"organization": {
		Object: "organization", Stage: 1, Direction: plan.DirTwoWay, CreateInDoc: true, CreateInPSA: plan.CreateConfirmed,
		Fields: fieldSyncs("organization", nil),
		Match:  plan.Match{Rules: []plan.MatchRule{{Name: "name", Keys: []string{"name"}}}, Tie: "oldest"},
	},
	"location": {
		Object: "location", Stage: 2, Direction: plan.DirTwoWay, CreateInDoc: true, CreateInPSA: plan.CreateNever,
		Fields: fieldSyncs("location", map[string]string{"phone": plan.DirToDoc, "fax": plan.DirToDoc}),
		Match: plan.Match{ScopeBy: "organization", Tie: "oldest",
			Rules: []plan.MatchRule{{Name: "address", Keys: []string{"address1", "address2", "city", "region", "country"}}}},
	},
	"contact": {
		Object: "contact", Stage: 3, Direction: plan.DirTwoWay, CreateInDoc: true, CreateInPSA: plan.CreateNever,
		Fields: fieldSyncs("contact", nil),
		Match: plan.Match{ScopeBy: "organization", Tie: "oldest",
			Rules: []plan.MatchRule{{Name: "name", Keys: []string{"first_name", "last_name"}}}},
	},
	"configuration": {
		Object: "configuration", Stage: 4, Direction: plan.DirTwoWay, CreateInDoc: true, CreateInPSA: plan.CreateNever,
		Fields: fieldSyncs("configuration", map[string]string{"notes": plan.DirToDoc}),
		Match: plan.Match{ScopeBy: "organization", Tie: "oldest",
			Rules:     []plan.MatchRule{{Name: "name", Keys: []string{"configuration_type", "name"}}},
			Narrow:    []string{"serial_number", "primary_mac"},
			Normalize: map[string]string{"primary_mac": "mac"}},
	},
	"ticket": {
		Object: "ticket", Stage: 5, Direction: plan.DirToDoc, CreateInDoc: true, CreateInPSA: plan.CreateNever,
		Fields: fieldSyncs("ticket", nil),
		Match: plan.Match{ScopeBy: "organization", Tie: "oldest",
			Rules: []plan.MatchRule{{Name: "number", Keys: []string{"ticket_number"}}}},
	},
}

func object(t testing.TB, name string, edit ...func(*plan.ObjectSync)) *Object {
	t.Helper()
	spec := objectSyncs[name]
	for _, e := range edit {
		e(&spec)
	}
	o, err := NewObject(spec, canonical[name])
	if err != nil {
		t.Fatalf("NewObject(%s): %v", name, err)
	}
	return o
}

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// rec builds a Row: created is minutes after t0, kv are field/value pairs.
func rec(id string, created int, kv ...any) Row {
	r := Row{ID: id, Created: t0.Add(time.Duration(created) * time.Minute), Updated: t0, Values: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Values[kv[i].(string)] = kv[i+1]
	}
	return r
}

func openTestRun(t testing.TB, dir, runID string) *Run {
	t.Helper()
	r, err := OpenRun(context.Background(), Config{Dir: dir, Sync: "test_sync", RunID: runID, Threads: 2, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatalf("OpenRun: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func stageRows(t testing.TB, r *Run, o *Object, side Side, rows ...Row) {
	t.Helper()
	ctx := context.Background()
	st, err := r.Stager(ctx, o, side)
	if err != nil {
		t.Fatalf("Stager(%s, %s): %v", o.Name(), side, err)
	}
	if err := st.Append(ctx, rows); err != nil {
		t.Fatalf("Append(%s, %s): %v", o.Name(), side, err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Stager.Close: %v", err)
	}
}

func mustMatch(t testing.TB, r *Run, o *Object, l Listing) MatchStats {
	t.Helper()
	st, err := r.Match(context.Background(), o, l)
	if err != nil {
		t.Fatalf("Match(%s): %v", o.Name(), err)
	}
	return st
}

// linkOrgs stages organizations named after their ids' suffix and matches
// them, so psa "pcN" links to doc "dcN" (for each N given).
func linkOrgs(t testing.TB, r *Run, ns ...int) {
	t.Helper()
	o := object(t, "organization")
	var p, d []Row
	for _, n := range ns {
		p = append(p, rec(fmt.Sprintf("pc%d", n), n, "name", fmt.Sprintf("Company %d", n)))
		d = append(d, rec(fmt.Sprintf("dc%d", n), n, "name", fmt.Sprintf("Company %d", n)))
	}
	stageRows(t, r, o, PSA, p...)
	stageRows(t, r, o, Doc, d...)
	st := mustMatch(t, r, o, Listing{})
	if st.Matched+st.Linked != int64(len(ns)) {
		t.Fatalf("linkOrgs: %d linked + %d matched, want %d", st.Linked, st.Matched, len(ns))
	}
}

// pairs lists the object's links with both ids as "psa=doc", sorted.
func pairs(t testing.TB, r *Run, object string, states ...string) []string {
	t.Helper()
	if len(states) == 0 {
		states = []string{StateSyncing}
	}
	rows, err := r.DB().Query(`SELECT psa_id || '=' || doc_id FROM links WHERE object = ? AND psa_id IS NOT NULL AND doc_id IS NOT NULL AND list_contains(string_split(?, ','), state)`,
		object, strings.Join(states, ","))
	if err != nil {
		t.Fatalf("pairs: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// unmatchedRows lists "side:id:action:reason" for the object in run order.
func unmatchedRows(t testing.TB, r *Run, object string) map[string]string {
	t.Helper()
	rows, err := r.DB().Query(`SELECT side || ':' || id, action || ': ' || reason FROM unmatched WHERE run = ? AND object = ?`, r.ID(), object)
	if err != nil {
		t.Fatalf("unmatched: %v", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
