package match

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
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

// Every canonical type goes through the spill file and read_json with the
// value the row Appender stored: text with quotes, escapes, control
// characters, NUL and non-ASCII; integers beyond 2^53; non-finite numbers;
// dates and datetimes before 1970 (datetimes cut to microseconds); lists
// with commas and empty elements; JSON kept as its compact text (numbers
// as written); NULL apart from the empty string.
func TestStagerKeepsEveryValueExactly(t *testing.T) {
	ctx := context.Background()
	canon := plan.CanonicalType{Name: "thing", Fields: []plan.CanonicalField{
		{Name: "s", Type: plan.TypeString}, {Name: "i", Type: plan.TypeInt}, {Name: "f", Type: plan.TypeNumber},
		{Name: "b", Type: plan.TypeBool}, {Name: "d", Type: plan.TypeDate}, {Name: "ts", Type: plan.TypeDateTime},
		{Name: "l", Type: plan.TypeList}, {Name: "j", Type: plan.TypeJSON}, {Name: "e", Type: plan.TypeString},
	}}
	var fs []plan.FieldSync
	for _, f := range canon.Fields {
		fs = append(fs, plan.FieldSync{Name: f.Name, Type: f.Type, Direction: plan.DirTwoWay, Winner: "psa"})
	}
	o, err := NewObject(plan.ObjectSync{Object: "thing", Direction: plan.DirTwoWay, CreateInDoc: true, CreateInPSA: plan.CreateNever,
		Fields: fs, Match: plan.Match{Rules: []plan.MatchRule{{Name: "s", Keys: []string{"s"}}}}}, canon)
	if err != nil {
		t.Fatal(err)
	}
	r := openTestRun(t, t.TempDir(), "r1")
	text := "a \"quoted\" back\\slash\nnew line\ttab\x00nul \x01 é 中 \u2028 </script>"
	ts := time.Date(1960, 1, 2, 3, 4, 5, 123456789, time.UTC)
	rows := []Row{
		{ID: "r\"1\n", Created: ts, Updated: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Values: map[string]any{
			"s": text, "i": int64(1<<62 + 1), "f": 0.1, "b": true, "d": "1969-12-31", "ts": ts,
			"l": []any{"a", "b,c", "", `"q"`}, "j": json.RawMessage(`{"b": 1.10, "a": "<x>", "n": 123456789012345678901234}`), "e": "",
		}, Raw: []byte(`{"id": "r1",  "x": [1, 2.50]}`), ScopeReason: "it's out"},
		{ID: "r2", Values: map[string]any{"s": "bad \xff utf8", "f": math.Inf(-1), "b": false, "d": "0001-01-01", "l": []any{}}},
		{ID: "r3", Values: map[string]any{"f": math.NaN(), "i": "x"}},
	}
	stageRows(t, r, o, PSA, rows...)
	type got struct {
		id, s, j, raw, inv, scope, e, lt string
		i                                sql.NullInt64
		f                                sql.NullFloat64
		b                                sql.NullBool
		d, ts, created, updated          sql.NullTime
		n                                int64
	}
	q := `SELECT _id, coalesce(s, '<null>'), coalesce(CAST(j AS VARCHAR), '<null>'), coalesce(CAST(_raw AS VARCHAR), '<null>'),
		coalesce(CAST(_invalid AS VARCHAR), '<null>'), coalesce(_scope_reason, '<null>'), coalesce(e, '<null>'),
		coalesce(CAST(to_json(l) AS VARCHAR), '<null>'), i, f, b, d, ts, _created, _updated, length(s)
		FROM ` + ident(r.stageTable(o, PSA)) + ` ORDER BY _id`
	res, err := r.DB().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	var all []got
	for res.Next() {
		var g got
		var n sql.NullInt64
		if err := res.Scan(&g.id, &g.s, &g.j, &g.raw, &g.inv, &g.scope, &g.e, &g.lt, &g.i, &g.f, &g.b, &g.d, &g.ts, &g.created, &g.updated, &n); err != nil {
			t.Fatal(err)
		}
		g.n = n.Int64
		all = append(all, g)
	}
	if len(all) != 3 {
		t.Fatalf("%d rows staged, want 3", len(all))
	}
	a, b, c := all[0], all[1], all[2]
	if a.id != "r\"1\n" || a.s != text || a.n != int64(len([]rune(text))) {
		t.Errorf("text: id %q, s %q (length %d)", a.id, a.s, a.n)
	}
	if a.e != "" || b.e != "<null>" {
		t.Errorf("empty string %q and missing value %q: want \"\" and NULL", a.e, b.e)
	}
	if a.i.Int64 != 1<<62+1 || a.f.Float64 != 0.1 || !a.b.Bool || b.b.Bool || !b.b.Valid {
		t.Errorf("numbers: i %v f %v b %v / %v", a.i, a.f, a.b, b.b)
	}
	if !math.IsInf(b.f.Float64, -1) || !math.IsNaN(c.f.Float64) {
		t.Errorf("non-finite: %v %v", b.f, c.f)
	}
	if !a.d.Time.Equal(time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)) || !b.d.Time.Equal(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("dates: %v %v", a.d, b.d)
	}
	if want := ts.Truncate(time.Microsecond); !a.ts.Time.Equal(want) || !a.created.Time.Equal(want) {
		t.Errorf("datetimes: %v, created %v, want %v", a.ts.Time, a.created.Time, want)
	}
	if !a.updated.Time.Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) || b.created.Valid || b.ts.Valid {
		t.Errorf("updated %v; unknown created %v", a.updated, b.created)
	}
	if a.lt != `["a","b,c","","\"q\""]` || b.lt != `[]` || c.lt != "<null>" {
		t.Errorf("lists: %s %s %s", a.lt, b.lt, c.lt)
	}
	if want := `{"b":1.10,"a":"\u003cx\u003e","n":123456789012345678901234}`; a.j != want {
		t.Errorf("json field %s, want %s", a.j, want)
	}
	if want := `{"id":"r1","x":[1,2.50]}`; a.raw != want || b.raw != "<null>" {
		t.Errorf("raw %s, want %s", a.raw, want)
	}
	if a.scope != "it's out" || b.scope != "<null>" {
		t.Errorf("scope reasons %q %q", a.scope, b.scope)
	}
	if b.s != "bad \uFFFD utf8" {
		t.Errorf("invalid UTF-8 staged as %q", b.s)
	}
	if !strings.Contains(c.inv, `"i"`) || c.i.Valid {
		t.Errorf("invalid int: _invalid %s, i %v", c.inv, c.i)
	}
	entries, err := os.ReadDir(filepath.Join(r.cfg.Dir, "work"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".stage-") {
			t.Errorf("spill file %s left behind", e.Name())
		}
	}
}

// A record appended twice within one batch (one page, or pages between
// flushes) keeps its last copy too: DuckDB may insert a batch's rows in
// any order, so the second copy starts a new batch.
func TestRecordTwiceInOneBatchKeepsLastCopy(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	var page []Row
	for i := range 5000 {
		page = append(page, rec(fmt.Sprintf("p%d", i), i, "name", fmt.Sprintf("old %d", i)))
	}
	for i := range 5000 {
		page = append(page, rec(fmt.Sprintf("p%d", i), i, "name", fmt.Sprintf("new %d", i)))
	}
	ctx := context.Background()
	st, err := r.Stager(ctx, o, PSA)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Append(ctx, page); err != nil {
		t.Fatal(err)
	}
	if st.Rows() != 5000 {
		t.Errorf("%d rows committed before the second copies, want 5000 (the first batch)", st.Rows())
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	stageRows(t, r, o, Doc)
	mustMatch(t, r, o, full)
	n, err := queryInt(context.Background(), r.DB(), "count",
		`SELECT count(*) FROM `+ident(r.stageTable(o, PSA))+` WHERE name LIKE 'new %'`)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5000 {
		t.Errorf("%d records kept their last copy, want 5000", n)
	}
}

// A spill file a crashed process left in the middle of a batch goes with
// its run; another run's stays.
func TestRemoveDeletesTheRunsSpillFiles(t *testing.T) {
	dir := t.TempDir()
	r := openTestRun(t, dir, "r1")
	work := filepath.Join(dir, "work")
	mine := filepath.Join(work, "r1.stage-123.csv")
	other := filepath.Join(work, "r10.stage-456.csv")
	for _, p := range []string{mine, other} {
		if err := os.WriteFile(p, []byte("1,2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mine); !os.IsNotExist(err) {
		t.Errorf("the run's spill file is still there (%v)", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another run's spill file went: %v", err)
	}
}
