package match

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"mapsync/engine/plan"
)

// typedOrg is the organization object with a record type to pause by.
func typedOrg(t *testing.T) *Object {
	return object(t, "organization", func(s *plan.ObjectSync) { s.TypeField = "organization_type" })
}

func withControls(t *testing.T, o *Object, cs ...Control) func(*Run) {
	return func(r *Run) {
		t.Helper()
		if err := r.SetControls(context.Background(), o, cs); err != nil {
			t.Fatalf("SetControls: %v", err)
		}
	}
}

// orgRow is organization n: "Org n", of the given type.
func orgRow(id string, n int, typ string, kv ...any) Row {
	return rec(id, n, append([]any{"name", fmt.Sprintf("Org %d", n), "organization_type", typ}, kv...)...)
}

var checks int

func states(t *testing.T, dir, object string) map[string]string {
	t.Helper()
	checks++
	r := openTestRun(t, dir, fmt.Sprintf("check%d", checks))
	defer r.Close()
	rows, err := r.DB().Query(`SELECT psa_id || '=' || doc_id, state FROM links WHERE object = ? AND psa_id IS NOT NULL AND doc_id IS NOT NULL`, object)
	if err != nil {
		t.Fatal(err)
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
	return out
}

// opsOn lists "op target_side:target_id" of the ops that touch a link.
func opsOn(ops []Op, psaID, docID string) []string {
	var out []string
	for _, op := range ops {
		if (op.TargetSide == PSA && op.TargetID == psaID) || (op.TargetSide == Doc && op.TargetID == docID) ||
			op.SourceID == psaID || op.SourceID == docID {
			out = append(out, op.Op+" "+string(op.TargetSide)+":"+op.TargetID)
		}
	}
	return out
}

// Every state a control gives, and their precedence: disconnected >
// orphaned > sync_disabled > paused > the run's own.
func TestControlStatesAndPrecedence(t *testing.T) {
	dir := t.TempDir()
	o := typedOrg(t)
	var psa, doc []Row
	for n := 1; n <= 8; n++ {
		typ := "Customer"
		if n == 3 || n == 7 {
			typ = "Vendor"
		}
		psa = append(psa, orgRow(fmt.Sprintf("p%d", n), n, typ))
		doc = append(doc, orgRow(fmt.Sprintf("d%d", n), n, typ))
	}
	runCycle(t, dir, "r1", o, full, psa, doc)

	// p5 and p6 are gone from the psa; d2, d3 and d1 are edited.
	psa2 := slices.DeleteFunc(slices.Clone(psa), func(r Row) bool { return r.ID == "p5" || r.ID == "p6" })
	doc2 := slices.Clone(doc)
	doc2[0] = orgRow("d1", 1, "Customer", "short_name", "edited 1")
	doc2[1] = orgRow("d2", 2, "Customer", "short_name", "edited 2")
	doc2[2] = orgRow("d3", 3, "Vendor", "short_name", "edited 3")
	doc2[6] = orgRow("d7", 7, "Vendor", "short_name", "edited 7")
	ctl := withControls(t, o,
		Control{Kind: ControlDisconnect, Object: "organization", Side: "psa", ID: "p1"},
		Control{Kind: ControlDisable, Object: "organization", Side: "doc", ID: "d2"},
		Control{Kind: ControlPause, Object: "organization", Type: "vendor"},             // case does not matter
		Control{Kind: ControlDisconnect, Object: "organization", Side: "doc", ID: "d5"}, // disconnected > orphaned
		Control{Kind: ControlDisable, Object: "organization", Side: "psa", ID: "p6"},    // orphaned > sync_disabled
		Control{Kind: ControlDisable, Object: "organization", Side: "psa", ID: "p7"},    // sync_disabled > paused
		Control{Kind: ControlPause, Object: "location"},                                 // another object's
	)
	ps, ops := runCycle(t, dir, "r2", o, full, psa2, doc2, ctl)
	want := map[string]string{
		"p1=d1": StateDisconnected, "p2=d2": StateSyncDisabled, "p3=d3": StatePaused, "p4=d4": StateSyncing,
		"p5=d5": StateDisconnected, "p6=d6": StateOrphaned, "p7=d7": StateSyncDisabled, "p8=d8": StateSyncing,
	}
	got := states(t, dir, "organization")
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s is %q, want %q", k, got[k], v)
		}
	}
	if ps.Updates != 0 || ps.Orphans != 1 {
		t.Errorf("r2 planned %+v, want no update and one orphan (p6)", ps)
	}
	if o := opsOn(ops, "p1", "d1"); len(o) != 0 {
		t.Errorf("ops over a disconnected link: %v", o)
	}
	for _, k := range [][2]string{{"p2", "d2"}, {"p3", "d3"}, {"p7", "d7"}} {
		if o := opsOn(ops, k[0], k[1]); !slices.Equal(o, []string{"skip psa:" + k[0]}) {
			t.Errorf("ops over held link %s=%s: %v, want one skip", k[0], k[1], o)
		}
	}
}

// A disconnected pair is never paired again, not even by a full run that
// sees both records and a new record with the same key; neither record is
// created on the other side. Lifting the control reconnects the pair,
// and only what changed on each side while it was disconnected flows.
func TestDisconnectedPairNotRematchedThenReconnected(t *testing.T) {
	dir := t.TempDir()
	o := typedOrg(t)
	psa := []Row{orgRow("p1", 1, "Customer", "short_name", "P1"), orgRow("p2", 2, "Customer")}
	doc := []Row{orgRow("d1", 1, "Customer", "short_name", "P1"), orgRow("d2", 2, "Customer")}
	runCycle(t, dir, "r1", o, full, psa, doc)

	disc := withControls(t, o, Control{Kind: ControlDisconnect, Object: "organization", Side: "psa", ID: "p1"})
	// While disconnected: the doc renames d1's short name, the psa edits
	// p1's status, and a new doc record d9 has p1's name.
	psa2 := []Row{orgRow("p1", 1, "Customer", "short_name", "P1", "status", "Active"), orgRow("p2", 2, "Customer")}
	doc2 := []Row{orgRow("d1", 1, "Customer", "short_name", "Doc edit"), orgRow("d2", 2, "Customer"), orgRow("d9", 9, "Customer", "name", "Org 1")}
	for _, run := range []string{"r2", "r3"} {
		ps, ops := runCycle(t, dir, run, o, full, psa2, doc2, disc)
		if ps.Creates != 0 || ps.Updates != 0 {
			t.Errorf("%s: %+v, want nothing created or updated", run, ps)
		}
		if o := opsOn(ops, "p1", "d1"); len(o) != 0 {
			t.Errorf("%s: ops over the disconnected pair: %v", run, o)
		}
		got := states(t, dir, "organization")
		if got["p1=d1"] != StateDisconnected || len(got) != 2 {
			t.Errorf("%s: links %v, want p1=d1 disconnected and p2=d2 only (d9 not paired with p1)", run, got)
		}
	}

	// Enabled again: reconnected, nothing matched anew, each side's change
	// goes to the other, nothing overwritten.
	ps, ops := runCycle(t, dir, "r4", o, full, psa2, doc2, withControls(t, o))
	if got := states(t, dir, "organization"); got["p1=d1"] != StateSyncing || len(got) != 2 {
		t.Errorf("after enable: %v, want p1=d1 syncing", got)
	}
	if ps.Creates != 0 || ps.Updates != 2 {
		t.Fatalf("after enable: %+v %v, want two updates", ps, ops)
	}
	for _, op := range only(t, ops, OpUpdate) {
		f := fieldsOf(t, op)
		switch op.TargetSide {
		case PSA:
			if f["short_name"] != (change{"P1", "Doc edit"}) || len(f) != 1 {
				t.Errorf("update of the psa: %s, want only the doc's short name", op.Fields)
			}
		case Doc:
			if f["status"] != (change{nil, "Active"}) || len(f) != 1 {
				t.Errorf("update of the doc: %s, want only the psa's status", op.Fields)
			}
		}
	}
}

// A paused type holds links whose records this incremental run did not
// list: the type comes from the link's memory. Resumed, an edit made in
// the doc while paused flows (the run lists it again).
func TestPauseByTypeUsesMemoryAndResumeFlows(t *testing.T) {
	dir := t.TempDir()
	o := typedOrg(t)
	runCycle(t, dir, "r1", o, full,
		[]Row{orgRow("p1", 1, "Vendor"), orgRow("p2", 2, "Customer")},
		[]Row{orgRow("d1", 1, "Vendor"), orgRow("d2", 2, "Customer")})
	pause := withControls(t, o, Control{Kind: ControlPause, Object: "", Type: "Vendor"})
	// Incremental, nothing listed.
	runCycle(t, dir, "r2", o, Listing{}, nil, nil, pause)
	if got := states(t, dir, "organization"); got["p1=d1"] != StatePaused || got["p2=d2"] != StateSyncing {
		t.Fatalf("paused by memory: %v", got)
	}
	// Incremental: d1 edited while paused.
	ps, ops := runCycle(t, dir, "r3", o, Listing{}, nil, []Row{orgRow("d1", 1, "Vendor", "short_name", "X")}, pause)
	if ps.Updates != 0 || len(only(t, ops, OpSkip)) != 1 {
		t.Errorf("while paused: %+v %v, want one skip and no update", ps, ops)
	}
	lifted, err := Lifted(context.Background(), dir, "test_sync", nil)
	if err != nil || !slices.Equal(lifted, []string{"organization"}) {
		t.Errorf("Lifted after resume = %v, %v; want [organization]", lifted, err)
	}
	held, err := Lifted(context.Background(), dir, "test_sync", []Control{{Kind: ControlPause, Type: "VENDOR"}})
	if err != nil || len(held) != 0 {
		t.Errorf("Lifted with the pause still set = %v, %v; want none", held, err)
	}
	// Resumed: the run lists the object in full (Lifted), the edit flows.
	ps, ops = runCycle(t, dir, "r4", o, full,
		[]Row{orgRow("p1", 1, "Vendor"), orgRow("p2", 2, "Customer")},
		[]Row{orgRow("d1", 1, "Vendor", "short_name", "X"), orgRow("d2", 2, "Customer")}, withControls(t, o))
	if got := states(t, dir, "organization"); got["p1=d1"] != StateSyncing {
		t.Errorf("after resume: %v", got)
	}
	ups := only(t, ops, OpUpdate)
	if ps.Updates != 1 || ups[0].TargetSide != PSA || fieldsOf(t, ups[0])["short_name"] != (change{nil, "X"}) {
		t.Errorf("after resume: %+v %v, want the doc's edit written to the psa", ps, ops)
	}
}

// A user disconnecting most links is not the run's change: the
// mass-change guard does not count it.
func TestGuardDoesNotCountUserDisconnects(t *testing.T) {
	dir := t.TempDir()
	o := typedOrg(t)
	var psa, doc []Row
	var cs []Control
	for n := 1; n <= 5; n++ {
		psa = append(psa, orgRow(fmt.Sprintf("p%d", n), n, "Customer"))
		doc = append(doc, orgRow(fmt.Sprintf("d%d", n), n, "Customer"))
		cs = append(cs, Control{Kind: ControlDisconnect, Object: "organization", Side: "psa", ID: fmt.Sprintf("p%d", n)})
	}
	runCycle(t, dir, "r1", o, full, psa, doc)
	ctx := context.Background()
	r := openTestRun(t, dir, "r2")
	withControls(t, o, cs...)(r)
	stageRows(t, r, o, PSA, psa...)
	stageRows(t, r, o, Doc, doc...)
	mustMatch(t, r, o, full)
	if _, err := r.Plan(ctx, o); err != nil {
		t.Fatal(err)
	}
	c, err := r.Changes(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if c.Before != 5 || c.Disconnected != 0 || c.Orphaned != 0 || c.Rewritten != 0 {
		t.Errorf("changes %+v, want 5 links before and nothing counted", c)
	}
}

// A pause by type of an object without a type field holds the whole
// object: more than asked, never less.
func TestTypedPauseWithoutTypeFieldHoldsAll(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization") // no TypeField
	psa := []Row{orgRow("p1", 1, "Vendor"), orgRow("p2", 2, "Customer")}
	doc := []Row{orgRow("d1", 1, "Vendor"), orgRow("d2", 2, "Customer")}
	runCycle(t, dir, "r1", o, full, psa, doc)
	runCycle(t, dir, "r2", o, full, psa, doc, withControls(t, o, Control{Kind: ControlPause, Object: "organization", Type: "Vendor"}))
	if got := states(t, dir, "organization"); got["p1=d1"] != StatePaused || got["p2=d2"] != StatePaused {
		t.Errorf("states %v, want both paused", got)
	}
}

// A pause holds creates in its scope too: a new record of a paused type
// is not created until the pause is lifted; another type's is.
func TestPauseHoldsCreates(t *testing.T) {
	dir := t.TempDir()
	o := typedOrg(t)
	pause := withControls(t, o, Control{Kind: ControlPause, Object: "organization", Type: "Vendor"})
	psa := []Row{orgRow("p1", 1, "Vendor"), orgRow("p2", 2, "Customer")}
	ps, ops := runCycle(t, dir, "r1", o, full, psa, nil, pause)
	creates := only(t, ops, OpCreate)
	if ps.Creates != 1 || len(creates) != 1 || creates[0].SourceID != "p2" {
		t.Errorf("while Vendor is paused: %+v %v, want only p2 created", ps, ops)
	}
	skips := only(t, ops, OpSkip)
	if len(skips) != 1 || skips[0].SourceID != "p1" || skips[0].Key != "" {
		t.Errorf("skips %+v, want p1's create held, without an idempotency key", skips)
	}
	ps, ops = runCycle(t, dir, "r2", o, full, psa, nil, withControls(t, o))
	if ps.Creates != 2 {
		t.Errorf("after resume: %+v %v, want both created (nothing was applied)", ps, ops)
	}
}

// A pause holds a push too: a waiting doc record of the paused type that
// a user confirmed is not created in the psa while paused, and keeps
// waiting; another type's confirmed record is pushed.
func TestPauseHoldsConfirmedPushes(t *testing.T) {
	dir := t.TempDir()
	o := typedOrg(t)
	psa := []Row{orgRow("p1", 1, "Customer")}
	doc := []Row{orgRow("d1", 1, "Customer"), orgRow("d8", 8, "Vendor"), orgRow("d9", 9, "Customer")}
	runCycle(t, dir, "r1", o, full, psa, doc)
	pushes := func(r *Run) { r.SetPushes("organization", Pushes{Confirmed: []string{"d8", "d9"}}) }
	pause := withControls(t, o, Control{Kind: ControlPause, Object: "organization", Type: "Vendor"})
	_, ops := runCycle(t, dir, "r2", o, full, psa, doc, pause, pushes)
	if got := createsTo(ops, PSA); !slices.Equal(got, []string{"d9"}) {
		t.Errorf("while Vendor is paused, creates in the psa from %v, want only d9", got)
	}
	if st, why := waitingDoc(t, dir, "d8"); st != StateNotYetPushed {
		t.Errorf("d8 (paused type) is %q (%q), want not_yet_pushed", st, why)
	}
}
