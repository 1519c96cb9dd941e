package match

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// Identifiers from the plan are always quoted and values bound: fields
// named like SQL, or like an injection, are just names, through staging,
// matching, diffing and publishing.
func TestSQLInjectionProofIdentifiers(t *testing.T) {
	const (
		evilField  = `x"; DROP TABLE links; --`
		quoteField = `it's`
		objName    = `we"ird'; DROP TABLE ops; --`
	)
	canon := plan.CanonicalType{Name: objName, Fields: []plan.CanonicalField{
		{Name: "select", Type: plan.TypeString},
		{Name: evilField, Type: plan.TypeString},
		{Name: quoteField, Type: plan.TypeString},
		{Name: "a/b~c", Type: plan.TypeString},
		{Name: "order", Type: plan.TypeInt},
	}}
	var fs []plan.FieldSync
	for _, f := range canon.Fields {
		fs = append(fs, plan.FieldSync{Name: f.Name, Type: f.Type, Direction: plan.DirTwoWay, Winner: "psa"})
	}
	o, err := NewObject(plan.ObjectSync{
		Object: objName, Direction: plan.DirTwoWay, CreateInDoc: true, CreateInPSA: plan.CreateAlways, Fields: fs,
		Match: plan.Match{Rules: []plan.MatchRule{{Name: `r'"`, Keys: []string{"select", evilField}}},
			Normalize: map[string]string{evilField: "lower"}},
	}, canon)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	r, err := OpenRun(ctx, Config{Dir: dir, Sync: `sync'"; DROP TABLE unmatched; --`, RunID: "r1", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	evilValue := `'); DROP TABLE links; --`
	stageRows(t, r, o, PSA,
		rec("p1", 1, "select", evilValue, evilField, "A", quoteField, "it's psa", "a/b~c", "1", "order", 7),
		rec("p2'; --", 2, "select", "only psa", evilField, "B"))
	stageRows(t, r, o, Doc,
		rec("d1", 1, "select", evilValue, evilField, "a", quoteField, "it's doc", "order", 7),
		rec(`d2"`, 2, "select", "only doc", evilField, "C"))
	st := mustMatch(t, r, o, Listing{PSAComplete: true, DocComplete: true})
	if st.Matched != 1 {
		t.Fatalf("matched %d, want 1 (stats %+v)", st.Matched, st)
	}
	if got := pairs(t, r, objName); len(got) != 1 || got[0] != "p1=d1" {
		t.Fatalf("links = %v", got)
	}
	ps, err := r.Plan(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if ps.Creates != 2 || ps.Updates != 1 {
		t.Errorf("plan %+v: want 2 creates (one per side), 1 update", ps)
	}
	ops, err := r.Ops(ctx, OpFilter{Object: objName, Op: OpUpdate})
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]struct{ Old, New any }
	if len(ops) != 1 || json.Unmarshal(ops[0].Fields, &fields) != nil {
		t.Fatalf("update ops: %+v", ops)
	}
	if got := fields[quoteField].New; got != "it's psa" {
		t.Errorf("update of %q: %v (fields %s)", quoteField, got, ops[0].Fields)
	}
	if got := fields["a/b~c"].New; got != "1" {
		t.Errorf("update of a/b~c: %v", got)
	}
	if _, err := r.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"links", "ops", "unmatched", "match_decisions"} {
		if _, err := queryInt(ctx, r.DB(), "table", "SELECT count(*) FROM "+table); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

func TestStagerConvertsAndRecordsInvalidValues(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "configuration")
	row := rec("p1", 1,
		"organization", 42.0, // JSON numbers decode as float64; ids become text
		"name", "srv",
		"installed_at", "2024-02-30", // not a date
		"purchased_at", "2024-02-03T04:05:06+02:00",
		"tags", []any{"a", "b"},
		"primary_mac", nil)
	row.Invalid = map[string]string{"primary_mac": "not a single MAC address"}
	row.Raw = []byte(`{"id": 1, "name": "srv"}`)
	stageRows(t, r, o, PSA, row)
	var org, invalid, raw string
	var purchased time.Time
	var tags []any
	err := r.DB().QueryRow(`SELECT organization, CAST(_invalid AS VARCHAR), CAST(_raw AS VARCHAR), purchased_at, tags FROM `+ident(r.stageTable(o, PSA))).
		Scan(&org, &invalid, &raw, &purchased, &tags)
	if err != nil {
		t.Fatal(err)
	}
	if org != "42" {
		t.Errorf("organization = %q, want 42", org)
	}
	if !purchased.Equal(time.Date(2024, 2, 3, 2, 5, 6, 0, time.UTC)) {
		t.Errorf("purchased_at = %v, want 02:05:06 UTC", purchased)
	}
	if len(tags) != 2 {
		t.Errorf("tags = %v", tags)
	}
	var inv map[string]string
	if err := json.Unmarshal([]byte(invalid), &inv); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(inv["installed_at"], "not a date") || inv["primary_mac"] != "not a single MAC address" {
		t.Errorf("_invalid = %v", inv)
	}
	if !strings.Contains(raw, `"name"`) {
		t.Errorf("_raw = %s", raw)
	}
}

// Flushed rows stay; a failed Append discards what was appended since the
// last flush, and the Stager refuses further use.
func TestStagerFlushAndFailure(t *testing.T) {
	ctx := context.Background()
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	st, err := r.Stager(ctx, o, PSA)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Append(ctx, []Row{rec("p1", 1, "name", "A")}); err != nil {
		t.Fatal(err)
	}
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Append(ctx, []Row{rec("p2", 2, "name", "B")}); err != nil {
		t.Fatal(err)
	}
	bad := []Row{rec("p3", 3, "name", "C"), rec("p4", 4, "no_such_field", "x")}
	if err := st.Append(ctx, bad); err == nil || !strings.Contains(err.Error(), "no_such_field") {
		t.Fatalf("Append with an unknown field: %v", err)
	}
	if err := st.Append(ctx, []Row{rec("p5", 5, "name", "E")}); err == nil {
		t.Error("Append after a failure was accepted")
	}
	st.Close()
	n, err := queryInt(ctx, r.DB(), "count", "SELECT count(*) FROM "+ident(r.stageTable(o, PSA)))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d staged rows, want 1 (p1, flushed before the failure)", n)
	}
	// A new Stager resumes after the last flush.
	stageRows(t, r, o, PSA, rec("p2", 2, "name", "B"))
	if n, _ = queryInt(ctx, r.DB(), "count", "SELECT count(*) FROM "+ident(r.stageTable(o, PSA))); n != 2 {
		t.Errorf("%d staged rows after resuming, want 2", n)
	}
}

// A staging table built for another shape of the object is refused.
func TestStagerRefusesChangedShape(t *testing.T) {
	ctx := context.Background()
	r := openTestRun(t, t.TempDir(), "r1")
	stageRows(t, r, object(t, "organization"), PSA, rec("p1", 1, "name", "A"))
	canon := canonical["organization"]
	canon.Fields = append(canon.Fields[:1:1], plan.CanonicalField{Name: "extra", Type: plan.TypeString})
	spec := objectSyncs["organization"]
	spec.Fields = nil
	o2, err := NewObject(spec, canon)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Stager(ctx, o2, PSA); err == nil || !strings.Contains(err.Error(), "reset the stage") {
		t.Fatalf("Stager on a changed shape: %v", err)
	}
	if err := r.ResetStage(ctx, o2, PSA); err != nil {
		t.Fatal(err)
	}
	stageRows(t, r, o2, PSA, rec("p1", 1, "name", "A", "extra", "x"))
}

// A record staged twice (a retried page) counts once, with the values of
// the last copy.
func TestRecordStagedTwiceKeepsLastCopy(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	stageRows(t, r, o, PSA, rec("p1", 1, "name", "Old name"), rec("p2", 2, "name", "B"))
	stageRows(t, r, o, PSA, rec("p1", 1, "name", "A"))
	stageRows(t, r, o, Doc, rec("d1", 1, "name", "A"), rec("d9", 1, "name", "Old name"))
	mustMatch(t, r, o, full)
	if got, want := pairs(t, r, "organization"), []string{"p1=d1"}; !slices.Equal(got, want) {
		t.Errorf("links = %v, want %v", got, want)
	}
	n, err := queryInt(context.Background(), r.DB(), "count", `SELECT count(*) FROM `+ident(r.stageTable(o, PSA)))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d staged psa rows after dedupe, want 2", n)
	}
}
