package match

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// An incremental run that lists k changed records of N linked ones looks
// at k links (phase 0 decisions), diffs k pairs, and publishes k changed
// link rows; one that lists nothing looks at none and publishes none.
func TestIncrementalRunTouchesOnlyTheChangedSet(t *testing.T) {
	const n = 200
	dir := t.TempDir()
	o := object(t, "organization")
	var psa, doc []Row
	for i := range n {
		psa = append(psa, rec(fmt.Sprintf("p%d", i), i, "name", fmt.Sprintf("Org %d", i)))
		doc = append(doc, rec(fmt.Sprintf("d%d", i), i, "name", fmt.Sprintf("Org %d", i)))
	}
	runCycle(t, dir, "r1", o, full, psa, doc)

	count := func(q string, args ...any) int64 {
		t.Helper()
		// Closed at once: DuckDB shares an open database between the
		// handles of one process, and a publish renames a new file over it.
		db, err := OpenResults(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var c int64
		if err := db.QueryRow(q, args...).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	parquetRows := func(run, name string) int64 {
		return count(`SELECT count(*) FROM read_parquet(?)`, filepath.Join(dir, "runs", run, name+".parquet"))
	}
	for _, tc := range []struct {
		run     string
		changed []Row
		doc     []Row
		updates int64
	}{
		{"r2", []Row{rec("p3", 3, "name", "Org 3", "status", "Active"), rec("p7", 7, "name", "Org 7", "status", "Active")}, nil, 2},
		{"r3", nil, []Row{rec("d9", 9, "name", "Org 9", "short_name", "O9")}, 1},
		{"r4", nil, nil, 0},
	} {
		k := int64(len(tc.changed) + len(tc.doc))
		r := openTestRun(t, dir, tc.run)
		stageRows(t, r, o, PSA, tc.changed...)
		stageRows(t, r, o, Doc, tc.doc...)
		st := mustMatch(t, r, o, Listing{})
		if st.Linked != n {
			t.Errorf("%s: %d linked, want all %d (the links left alone count)", tc.run, st.Linked, n)
		}
		var looked int64
		if err := r.DB().QueryRow(`SELECT count(*) FROM match_decisions WHERE run = ? AND phase_no = 0`, tc.run).Scan(&looked); err != nil {
			t.Fatal(err)
		}
		if looked != k {
			t.Errorf("%s: phase 0 looked at %d links, want the %d listed", tc.run, looked, k)
		}
		ps, err := r.Plan(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if ps.Updates != tc.updates {
			t.Errorf("%s: %d updates, want %d", tc.run, ps.Updates, tc.updates)
		}
		pub, err := r.Publish(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Remove(); err != nil {
			t.Fatal(err)
		}
		// The run's link rows changed (last_run, memories) for the k links it
		// looked at: k rows replaced, nothing else written.
		if got := parquetRows(tc.run, "links_added"); got != k {
			t.Errorf("%s: %d link rows published as added, want %d", tc.run, got, k)
		}
		if got := parquetRows(tc.run, "links_removed"); got != k {
			t.Errorf("%s: %d link rows published as removed, want %d", tc.run, got, k)
		}
		if fileExists(filepath.Join(pub.Parquet, "links.parquet")) {
			t.Errorf("%s: an incremental publish wrote every link to links.parquet", tc.run)
		}
		if got := count(`SELECT count(*) FROM links`); got != n {
			t.Errorf("%s: %d published links, want %d", tc.run, got, n)
		}
		if got := count(`SELECT count(*) FROM links WHERE last_run = ?`, tc.run); got != k {
			t.Errorf("%s: %d links with last_run %s, want %d", tc.run, got, tc.run, k)
		}
	}
}
