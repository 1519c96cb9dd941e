package match

import (
	"context"
	"slices"
	"testing"
)

// linkState returns the state and reason of the link of psa record psaID.
func linkState(t *testing.T, r *Run, object, psaID string) (state, reason string) {
	t.Helper()
	var why *string
	if err := r.DB().QueryRow(`SELECT state, reason FROM links WHERE object = ? AND psa_id = ?`, object, psaID).Scan(&state, &why); err != nil {
		t.Fatalf("link of %s: %v", psaID, err)
	}
	if why != nil {
		reason = *why
	}
	return state, reason
}

// Rule 5: an orphaned link (its psa record gone from a complete listing)
// stays orphaned through incremental runs that do not list the record
// again, gets no update op when its doc record is edited, and returns to
// syncing only when a run lists its psa record again, in scope.
func TestOrphanSurvivesIncrementalRuns(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	runCycle(t, dir, "r1", o, full,
		[]Row{rec("p1", 1, "name", "Acme"), rec("p2", 2, "name", "Beta")},
		[]Row{rec("d1", 1, "name", "Acme"), rec("d2", 2, "name", "Beta")})

	// p2 is deleted in the psa; a full run orphans its link.
	ps, ops := runCycle(t, dir, "r2", o, full,
		[]Row{rec("p1", 1, "name", "Acme")},
		[]Row{rec("d1", 1, "name", "Acme"), rec("d2", 2, "name", "Beta")})
	if ps.Orphans != 1 || len(ops) != 1 || ops[0].Op != OpOrphan {
		t.Fatalf("r2: %+v %+v, want one orphan op", ps, ops)
	}

	// Incremental run: nothing listed in the psa; d2 edited in the doc.
	_, ops = runCycle(t, dir, "r3", o, Listing{},
		nil, []Row{rec("d2", 2, "name", "Beta Edited")})
	for _, op := range ops {
		if op.Op == OpUpdate {
			t.Errorf("r3: update op against an orphaned link: %+v", op)
		}
	}
	r := openTestRun(t, dir, "check")
	if st, why := linkState(t, r, "organization", "p2"); st != StateOrphaned || why == "" {
		t.Errorf("after an incremental run: p2 is %s (%q), want orphaned with its reason", st, why)
	}
	if st, _ := linkState(t, r, "organization", "p1"); st != StateSyncing {
		t.Errorf("p1 is %s, want syncing", st)
	}
	r.Close()

	// A second incremental run that lists neither record: still orphaned.
	runCycle(t, dir, "r4", o, Listing{}, nil, nil)
	r = openTestRun(t, dir, "check2")
	if st, _ := linkState(t, r, "organization", "p2"); st != StateOrphaned {
		t.Errorf("after two incremental runs: p2 is %s, want orphaned", st)
	}
	r.Close()

	// A full run that does not see p2: still orphaned, no new orphan op.
	ps, _ = runCycle(t, dir, "r5", o, full,
		[]Row{rec("p1", 1, "name", "Acme")},
		[]Row{rec("d1", 1, "name", "Acme"), rec("d2", 2, "name", "Beta Edited")})
	if ps.Orphans != 0 || ps.Updates != 0 {
		t.Errorf("r5: %+v, want no orphan op again and no update", ps)
	}

	// p2 is listed again, in scope (restored in the psa): syncing again.
	runCycle(t, dir, "r6", o, Listing{},
		[]Row{rec("p2", 2, "name", "Beta")}, nil)
	r = openTestRun(t, dir, "check3")
	defer r.Close()
	if st, _ := linkState(t, r, "organization", "p2"); st != StateSyncing {
		t.Errorf("p2 listed again in scope: %s, want syncing", st)
	}
}

// Rule 5: a doc record waiting for a push (not_yet_pushed) keeps waiting
// through incremental runs that do not list it; a complete doc listing
// without it drops it.
func TestNotYetPushedSurvivesIncrementalRuns(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	waiting := func(run string) []string {
		t.Helper()
		r := openTestRun(t, dir, run)
		defer r.Close()
		rows, err := r.DB().QueryContext(context.Background(), `SELECT doc_id || ':' || first_linked_run FROM links WHERE object = 'organization' AND state = 'not_yet_pushed' ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
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
		return out
	}
	runCycle(t, dir, "r1", o, full,
		[]Row{rec("p1", 1, "name", "Acme")},
		[]Row{rec("d1", 1, "name", "Acme"), rec("d9", 9, "name", "Doc Only")})
	if got, want := waiting("c1"), []string{"d9:r1"}; !slices.Equal(got, want) {
		t.Fatalf("after the full run: waiting %v, want %v", got, want)
	}
	runCycle(t, dir, "r2", o, Listing{}, []Row{rec("p1", 1, "name", "Acme")}, nil)
	if got, want := waiting("c2"), []string{"d9:r1"}; !slices.Equal(got, want) {
		t.Errorf("after an incremental run: waiting %v, want %v", got, want)
	}
	runCycle(t, dir, "r3", o, Listing{}, nil, []Row{rec("d9", 9, "name", "Doc Only Edited")})
	if got, want := waiting("c3"), []string{"d9:r1"}; !slices.Equal(got, want) {
		t.Errorf("after an incremental run listing it: waiting %v, want %v", got, want)
	}
	runCycle(t, dir, "r4", o, full, []Row{rec("p1", 1, "name", "Acme")}, []Row{rec("d1", 1, "name", "Acme")})
	if got := waiting("c4"); len(got) != 0 {
		t.Errorf("gone from a complete doc listing: still waiting %v", got)
	}
}

// An interrupted listing (Listing zero value: nothing complete) never
// reads as an empty source: no link is orphaned or dropped.
func TestPartialListingOrphansNothing(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	runCycle(t, dir, "r1", o, full,
		[]Row{rec("p1", 1, "name", "Acme"), rec("p2", 2, "name", "Beta")},
		[]Row{rec("d1", 1, "name", "Acme"), rec("d2", 2, "name", "Beta")})
	ps, _ := runCycle(t, dir, "r2", o, Listing{DocComplete: true}, nil, []Row{rec("d1", 1, "name", "Acme"), rec("d2", 2, "name", "Beta")})
	if ps.Orphans != 0 {
		t.Errorf("partial psa listing: %d orphan ops", ps.Orphans)
	}
	r := openTestRun(t, dir, "check")
	defer r.Close()
	if got, want := pairs(t, r, "organization"), []string{"p1=d1", "p2=d2"}; !slices.Equal(got, want) {
		t.Errorf("links %v, want %v", got, want)
	}
}
