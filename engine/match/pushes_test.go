package match

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// waitingDoc returns the state and reason of the link of doc record id
// ("" when it has none).
func waitingDoc(t *testing.T, dir, id string) (state, reason string) {
	t.Helper()
	r := openTestRun(t, dir, "check-"+id+"-"+time.Now().Format("150405.000000000"))
	defer r.Close()
	var why *string
	err := r.DB().QueryRow(`SELECT state, reason FROM links WHERE object = 'organization' AND doc_id = ? AND psa_id IS NULL`, id).Scan(&state, &why)
	if err != nil {
		return "", ""
	}
	if why != nil {
		reason = *why
	}
	return state, reason
}

// createsTo lists the source ids of the create ops toward side t.
func createsTo(ops []Op, t Side) []string {
	var out []string
	for _, op := range ops {
		if op.Op == OpCreate && op.TargetSide == t {
			out = append(out, op.SourceID)
		}
	}
	return out
}

// Each rule that confirms a waiting doc record of an object whose
// create_in_psa is "confirmed", and the records it leaves waiting.
func TestConfirmationRules(t *testing.T) {
	later := time.Now().Add(time.Hour) // after any run's start
	// touched moves only the updated time (the system's own write, or the
	// run's on a record it does not own: a flag cleared); edited also
	// changes a value a create in the psa would send.
	touched := func(r Row) Row { r.Updated = t0.Add(time.Hour); return r }
	edited := func(r Row) Row { r = touched(r); r.Values["name"] = r.Values["name"].(string) + " (edited)"; return r }
	created := func(r Row) Row { r.Created = later; r.Updated = later; return r }
	outOfScope := func(r Row) Row { r.ScopeReason = "type is not synced"; return r }
	cases := []struct {
		name string
		// second run: the doc records it lists (incremental) and its pushes
		doc    []Row
		pushes Pushes
		// runWritten: fields the run writes on doc records it does not own
		runWritten []string
		// want: doc ids created in the psa; waiting: doc id -> reason part
		want    []string
		waiting map[string]string
	}{
		{
			name:    "not edited: waits",
			doc:     []Row{rec("d9", 9, "name", "Doc Only")},
			waiting: map[string]string{"d9": "waits for a confirmation"},
		},
		{
			name:    "edited after first seen: created",
			doc:     []Row{edited(rec("d9", 9, "name", "Doc Only"))},
			want:    []string{"d9"},
			waiting: map[string]string{"d9": ConfirmedByEdit},
		},
		{
			name:    "only the updated time moved: waits",
			doc:     []Row{touched(rec("d9", 9, "name", "Doc Only"))},
			waiting: map[string]string{"d9": "waits for a confirmation"},
		},
		{
			name:       "only a field the run writes changed: waits",
			doc:        []Row{touched(rec("d9", 9, "name", "Doc Only", "short_name", "DOC"))},
			runWritten: []string{"short_name"},
			waiting:    map[string]string{"d9": "waits for a confirmation"},
		},
		{
			name:       "a pushed field changed beside one the run writes: created",
			doc:        []Row{edited(rec("d9", 9, "name", "Doc Only", "short_name", "DOC"))},
			runWritten: []string{"short_name"},
			want:       []string{"d9"},
			waiting:    map[string]string{"d9": ConfirmedByEdit},
		},
		{
			name:    "a pushed field changed, the updated time did not move: waits",
			doc:     []Row{rec("d9", 9, "name", "Doc Only (edited)")},
			waiting: map[string]string{"d9": "waits for a confirmation"},
		},
		{
			name: "created after two-way sync began: created",
			doc:  []Row{created(rec("d20", 20, "name", "Brand New"))},
			want: []string{"d20"},
		},
		{
			name:    "confirmed by the user: created",
			doc:     []Row{rec("d9", 9, "name", "Doc Only")},
			pushes:  Pushes{Confirmed: []string{"d9"}},
			want:    []string{"d9"},
			waiting: map[string]string{"d9": ConfirmedByUser},
		},
		{
			name:    "confirmed by the user but out of scope: waits with the reason",
			doc:     []Row{outOfScope(rec("d9", 9, "name", "Doc Only"))},
			pushes:  Pushes{Confirmed: []string{"d9"}},
			waiting: map[string]string{"d9": ConfirmedByUser + ", but out of scope: type is not synced"},
		},
		{
			name:    "edited but out of scope: not waiting, excluded",
			doc:     []Row{outOfScope(edited(rec("d9", 9, "name", "Doc Only")))},
			waiting: map[string]string{"d9": ""},
		},
		{
			name: "push-all: every waiting in-scope record",
			doc: []Row{rec("d9", 9, "name", "Doc Only"), rec("d10", 10, "name", "Doc Two"),
				outOfScope(rec("d11", 11, "name", "Doc Three"))},
			pushes:  Pushes{All: true},
			want:    []string{"d10", "d9"},
			waiting: map[string]string{"d9": ConfirmedByPushAll, "d11": ""},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := object(t, "organization")
			o.SetRunWritten(tc.runWritten...)
			_, ops := runCycle(t, dir, "r1", o, full,
				[]Row{rec("p1", 1, "name", "Acme")},
				[]Row{rec("d1", 1, "name", "Acme"), rec("d9", 9, "name", "Doc Only"), rec("d10", 10, "name", "Doc Two"),
					// Created during the first run: not new to it.
					created(rec("d12", 12, "name", "During First Run"))})
			if got := createsTo(ops, PSA); len(got) != 0 {
				t.Fatalf("first run: creates in the psa %v, want none (everything waits)", got)
			}
			_, ops = runCycle(t, dir, "r2", o, Listing{}, nil, tc.doc, func(r *Run) { r.SetPushes("organization", tc.pushes) })
			got := createsTo(ops, PSA)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("creates in the psa %v, want %v", got, tc.want)
			}
			for id, want := range tc.waiting {
				st, why := waitingDoc(t, dir, id)
				if want == "" {
					if st != "" {
						t.Errorf("%s: %s (%q), want no waiting link", id, st, why)
					}
					continue
				}
				if st != StateNotYetPushed || !strings.Contains(why, want) {
					t.Errorf("%s: %s (%q), want not_yet_pushed with %q", id, st, why, want)
				}
			}
		})
	}
}

// A confirmed record whose create is not applied keeps waiting, with the
// updated time it was first seen with: the next run confirms it again.
// Once its create is applied it no longer waits.
func TestConfirmedWaitsUntilCreated(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	runCycle(t, dir, "r1", o, full, []Row{rec("p1", 1, "name", "Acme")},
		[]Row{rec("d1", 1, "name", "Acme"), rec("d9", 9, "name", "Doc Only")})
	e := rec("d9", 9, "name", "Doc Only (edited)")
	e.Updated = t0.Add(time.Hour)
	_, ops := runCycle(t, dir, "r2", o, Listing{}, nil, []Row{e})
	if got := createsTo(ops, PSA); len(got) != 1 {
		t.Fatalf("r2 creates %v, want d9", got)
	}
	// Not applied (say the create was invalid): r3 confirms it again.
	_, ops = runCycle(t, dir, "r3", o, Listing{}, nil, []Row{e})
	if got := createsTo(ops, PSA); len(got) != 1 {
		t.Fatalf("r3 creates %v, want d9 again", got)
	}
	ctx := context.Background()
	r := openTestRun(t, dir, "r4")
	stageRows(t, r, o, PSA)
	stageRows(t, r, o, Doc, e)
	mustMatch(t, r, o, Listing{})
	if _, err := r.Plan(ctx, o); err != nil {
		t.Fatal(err)
	}
	creates, err := r.Ops(ctx, OpFilter{Object: "organization", Op: OpCreate})
	if err != nil || len(creates) != 1 {
		t.Fatalf("r4 creates %v (%v), want one", creates, err)
	}
	if err := r.RecordResults(ctx, o, []OpResult{{Key: creates[0].Key, Status: StatusApplied, TargetID: "p9"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if st, why := waitingDoc(t, dir, "d9"); st != "" {
		t.Errorf("after the create: d9 still %s (%q)", st, why)
	}
	r = openTestRun(t, dir, "check")
	if got := pairs(t, r, "organization"); strings.Join(got, " ") != "p1=d1 p9=d9" {
		t.Errorf("links %v, want p1=d1 p9=d9", got)
	}
}

// Results published before seen_updated, seen_values and object_starts
// existed open, and their waiting records keep waiting (nothing counts as
// new or edited on the first run after the upgrade, even a record whose
// values and updated time moved: that run records its values); a later
// change of a value confirms it, a later move of the updated time alone
// does not.
func TestPushesReadOldResults(t *testing.T) {
	dir := t.TempDir()
	db, err := openDB(filepath.Join(dir, resultsFile), Config{}, false)
	if err != nil {
		t.Fatal(err)
	}
	ddl := resultTables[0].ddl
	i, j := strings.Index(ddl, "doc_synced       JSON,"), strings.Index(ddl, "seen_updated")
	if i < 0 || j < 0 {
		t.Fatal("the links DDL changed: update this test's old schema")
	}
	old := ddl[:i] + "doc_synced JSON\n)"
	if _, err := db.Exec(old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO links (sync, object, doc_id, state, first_linked_run, last_run, state_run)
		VALUES ('test_sync', 'organization', 'd9', 'not_yet_pushed', 'r0', 'r0', 'r0')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	o := object(t, "organization")
	e := rec("d9", 9, "name", "Doc Only")
	e.Updated = t0.Add(time.Hour)
	_, ops := runCycle(t, dir, "r1", o, full, []Row{rec("p1", 1, "name", "Acme")}, []Row{rec("d1", 1, "name", "Acme"), e})
	if got := createsTo(ops, PSA); len(got) != 0 {
		t.Errorf("first run after the upgrade creates %v, want none", got)
	}
	e.Updated = t0.Add(2 * time.Hour)
	_, ops = runCycle(t, dir, "r2", o, Listing{}, nil, []Row{e})
	if got := createsTo(ops, PSA); len(got) != 0 {
		t.Errorf("only the updated time moved after the upgrade: creates %v, want none", got)
	}
	e.Updated = t0.Add(3 * time.Hour)
	e.Values["name"] = "Doc Only (edited)"
	_, ops = runCycle(t, dir, "r3", o, Listing{}, nil, []Row{e})
	if got := createsTo(ops, PSA); len(got) != 1 {
		t.Errorf("edited after the upgrade: creates %v, want d9", got)
	}
}

// A waiting record's values are compared over the fields of the mapping
// that saw it waiting: after a mapping change of those fields (one more
// field flows to the psa), the first run records the values anew and
// confirms nothing; a later edit confirms it.
func TestEditFieldsChanged(t *testing.T) {
	dir := t.TempDir()
	oneWay := object(t, "organization", func(s *plan.ObjectSync) {
		s.Fields = fieldSyncs("organization", map[string]string{"short_name": plan.DirToDoc})
	})
	runCycle(t, dir, "r1", oneWay, full, []Row{rec("p1", 1, "name", "Acme")},
		[]Row{rec("d1", 1, "name", "Acme"), rec("d9", 9, "name", "Doc Only", "short_name", "D")})
	// A change of the to_doc field confirms nothing: it is never pushed.
	e := rec("d9", 9, "name", "Doc Only", "short_name", "DOC")
	e.Updated = t0.Add(time.Hour)
	_, ops := runCycle(t, dir, "r2", oneWay, Listing{}, nil, []Row{e})
	if got := createsTo(ops, PSA); len(got) != 0 {
		t.Errorf("a field that does not flow to the psa changed: creates %v, want none", got)
	}
	o := object(t, "organization")
	e.Updated = t0.Add(2 * time.Hour)
	_, ops = runCycle(t, dir, "r3", o, Listing{}, nil, []Row{e})
	if got := createsTo(ops, PSA); len(got) != 0 {
		t.Errorf("first run after the mapping change: creates %v, want none", got)
	}
	e.Updated = t0.Add(3 * time.Hour)
	e.Values["short_name"] = "DOC2"
	_, ops = runCycle(t, dir, "r4", o, Listing{}, nil, []Row{e})
	if got := createsTo(ops, PSA); len(got) != 1 {
		t.Errorf("edited after the mapping change: creates %v, want d9", got)
	}
}
