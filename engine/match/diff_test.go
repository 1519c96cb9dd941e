package match

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"mapsync/engine/plan"
)

// runCycle is one sync run of one object: open the run (links come from
// the published results), stage, match, plan, publish.
func runCycle(t *testing.T, dir, runID string, o *Object, l Listing, psa, doc []Row, before ...func(*Run)) (PlanStats, []Op) {
	t.Helper()
	ctx := context.Background()
	r := openTestRun(t, dir, runID)
	for _, f := range before {
		f(r)
	}
	stageRows(t, r, o, PSA, psa...)
	stageRows(t, r, o, Doc, doc...)
	mustMatch(t, r, o, l)
	ps, err := r.Plan(ctx, o)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	ops, err := r.Ops(ctx, OpFilter{Object: o.Name()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(ctx); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return ps, ops
}

var full = Listing{PSAComplete: true, DocComplete: true}

type change struct{ Old, New any }

func fieldsOf(t *testing.T, op Op) map[string]change {
	t.Helper()
	var m map[string]change
	if err := json.Unmarshal(op.Fields, &m); err != nil {
		t.Fatalf("op fields %s: %v", op.Fields, err)
	}
	return m
}

func only(t *testing.T, ops []Op, kind string) []Op {
	t.Helper()
	var out []Op
	for _, op := range ops {
		if op.Op == kind {
			out = append(out, op)
		}
	}
	return out
}

func TestUnchangedRerunPlansNoOps(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	psa := []Row{rec("p1", 1, "name", "Acme", "short_name", "ACME", "organization_type", "Customer")}
	// Run 1: the doc record differs; the plan writes the psa values.
	ps, ops := runCycle(t, dir, "r1", o, full, psa, []Row{rec("d1", 1, "name", "Acme", "short_name", "acme")})
	if ps.Updates != 1 || len(ops) != 1 {
		t.Fatalf("run 1: %+v %+v", ps, ops)
	}
	got := fieldsOf(t, ops[0])
	if got["short_name"] != (change{"acme", "ACME"}) || got["organization_type"] != (change{nil, "Customer"}) || len(got) != 2 {
		t.Errorf("run 1 update fields: %s", ops[0].Fields)
	}
	// Run 2: the write happened; nothing differs, nothing is planned.
	applied := []Row{rec("d1", 1, "name", "Acme", "short_name", "ACME", "organization_type", "Customer")}
	for _, run := range []string{"r2", "r3"} {
		ps, ops = runCycle(t, dir, run, o, full, psa, applied)
		if ps.Writes() != 0 || len(ops) != 0 {
			t.Errorf("%s: %+v, ops %+v", run, ps, ops)
		}
	}
}

func TestTwoWayChangedOnDocOnlyUpdatesPSA(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	same := func(id, short string) Row { return rec(id, 1, "name", "Acme", "short_name", short) }
	if ps, _ := runCycle(t, dir, "r1", o, full, []Row{same("p1", "ACME")}, []Row{same("d1", "ACME")}); ps.Writes() != 0 {
		t.Fatalf("run 1: %+v", ps)
	}
	_, ops := runCycle(t, dir, "r2", o, full, []Row{same("p1", "ACME")}, []Row{same("d1", "ACME-NEW")})
	ups := only(t, ops, OpUpdate)
	if len(ups) != 1 || ups[0].TargetSide != PSA || ups[0].TargetID != "p1" || ups[0].SourceID != "d1" {
		t.Fatalf("run 2 updates: %+v", ups)
	}
	if got := fieldsOf(t, ups[0]); got["short_name"] != (change{"ACME", "ACME-NEW"}) || len(got) != 1 {
		t.Errorf("run 2 fields: %s", ups[0].Fields)
	}
}

func TestConflictPSAWins(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	same := func(id, short string) Row { return rec(id, 1, "name", "Acme", "short_name", short) }
	runCycle(t, dir, "r1", o, full, []Row{same("p1", "ACME")}, []Row{same("d1", "ACME")})
	_, ops := runCycle(t, dir, "r2", o, full, []Row{same("p1", "FROM-PSA")}, []Row{same("d1", "FROM-DOC")})
	ups := only(t, ops, OpUpdate)
	if len(ups) != 1 || ups[0].TargetSide != Doc {
		t.Fatalf("updates: %+v", ups)
	}
	if got := fieldsOf(t, ups[0]); got["short_name"] != (change{"FROM-DOC", "FROM-PSA"}) {
		t.Errorf("fields: %s", ups[0].Fields)
	}
	// The plan can make the doc side win a field instead.
	dir = t.TempDir()
	od := object(t, "organization", func(s *plan.ObjectSync) {
		s.Fields = fieldSyncs("organization", nil)
		s.Fields[1].Winner = "doc"
	})
	runCycle(t, dir, "r1", od, full, []Row{same("p1", "ACME")}, []Row{same("d1", "ACME")})
	_, ops = runCycle(t, dir, "r2", od, full, []Row{same("p1", "FROM-PSA")}, []Row{same("d1", "FROM-DOC")})
	if ups := only(t, ops, OpUpdate); len(ups) != 1 || ups[0].TargetSide != PSA {
		t.Errorf("doc winner: updates %+v", ups)
	}
}

func TestOneWayFieldsFlowOneWay(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization", func(s *plan.ObjectSync) {
		s.Fields = fieldSyncs("organization", map[string]string{"short_name": plan.DirToDoc, "status": plan.DirToPSA})
	})
	row := func(id, short, status string) Row {
		return rec(id, 1, "name", "Acme", "short_name", short, "status", status)
	}
	runCycle(t, dir, "r1", o, full, []Row{row("p1", "S", "Active")}, []Row{row("d1", "S", "Active")})
	// The doc side changed the psa-owned field, the psa side the doc-owned
	// one: an edit on the target side of a one-way field stays there, it
	// is not put back (the source did not change).
	if _, ops := runCycle(t, dir, "r2", o, full, []Row{row("p1", "S", "Inactive")}, []Row{row("d1", "S-doc", "Active")}); len(ops) != 0 {
		t.Fatalf("run 2 ops: %+v", ops)
	}
	// Each source changes: its value flows one way.
	_, ops := runCycle(t, dir, "r3", o, full, []Row{row("p1", "S2", "Inactive")}, []Row{row("d1", "S-doc", "Closed")})
	ups := only(t, ops, OpUpdate)
	if len(ups) != 2 {
		t.Fatalf("updates: %+v", ups)
	}
	for _, u := range ups {
		f := fieldsOf(t, u)
		switch u.TargetSide {
		case Doc:
			if f["short_name"] != (change{"S-doc", "S2"}) || len(f) != 1 {
				t.Errorf("to doc: %s", u.Fields)
			}
		case PSA:
			if f["status"] != (change{"Inactive", "Closed"}) || len(f) != 1 {
				t.Errorf("to psa: %s", u.Fields)
			}
		}
	}
}

func TestIncompleteListingOrphansNothing(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	runCycle(t, dir, "r1", o, full, []Row{rec("p1", 1, "name", "Acme", "short_name", "A")}, []Row{rec("d1", 1, "name", "Acme", "short_name", "A")})
	// The psa listing is incremental and p1 did not change: not listed.
	// The doc side changed; the psa value is taken from the last sync.
	ps, ops := runCycle(t, dir, "r2", o, Listing{PSAComplete: false, DocComplete: true}, nil,
		[]Row{rec("d1", 1, "name", "Acme", "short_name", "B")})
	if ps.Orphans != 0 || len(only(t, ops, OpOrphan)) != 0 {
		t.Errorf("orphans on an incomplete listing: %+v", ps)
	}
	ups := only(t, ops, OpUpdate)
	if len(ups) != 1 || ups[0].TargetSide != PSA || fieldsOf(t, ups[0])["short_name"] != (change{"A", "B"}) {
		t.Errorf("incremental two-way update: %+v", ups)
	}
	db := openResults(t, dir)
	var state string
	if err := db.QueryRow(`SELECT state FROM links WHERE psa_id = 'p1'`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != StateSyncing {
		t.Errorf("link state %s, want syncing", state)
	}
}

func TestCompleteListingOrphansVanishedPSARecord(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	runCycle(t, dir, "r1", o, full, []Row{rec("p1", 1, "name", "Acme")}, []Row{rec("d1", 1, "name", "Acme")})
	// p1 is gone from a complete listing; a new psa record with the same
	// name must not take the orphaned doc record.
	newcomer := []Row{rec("p9", 9, "name", "Acme")}
	ps, ops := runCycle(t, dir, "r2", o, full, newcomer, []Row{rec("d1", 1, "name", "Acme")})
	orphans := only(t, ops, OpOrphan)
	if ps.Orphans != 1 || len(orphans) != 1 || orphans[0].TargetID != "d1" || orphans[0].SourceID != "p1" ||
		!strings.Contains(orphans[0].Reason, "gone from a complete listing") {
		t.Fatalf("orphans: %+v", orphans)
	}
	if creates := only(t, ops, OpCreate); len(creates) != 1 || creates[0].SourceID != "p9" {
		t.Errorf("the newcomer should be created, not matched to the orphaned record: %+v", ops)
	}
	// Orphaning happens once.
	ps, ops = runCycle(t, dir, "r3", o, full, newcomer, []Row{rec("d1", 1, "name", "Acme")})
	if ps.Orphans != 0 {
		t.Errorf("run 3 orphans again: %+v", only(t, ops, OpOrphan))
	}
	db := openResults(t, dir)
	var state, reason string
	if err := db.QueryRow(`SELECT state, reason FROM links WHERE psa_id = 'p1'`).Scan(&state, &reason); err != nil {
		t.Fatal(err)
	}
	if state != StateOrphaned || reason == "" {
		t.Errorf("link %s (%s), want orphaned with a reason", state, reason)
	}
}

func TestInvalidFieldLeftOutRecordStillSyncs(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "configuration")
	orgs := func(r *Run) { linkOrgs(t, r, 1) }
	bad := rec("p1", 1, "organization", "pc1", "configuration_type", "Server", "name", "srv", "asset_tag", "T-1")
	bad.Invalid = map[string]string{"primary_mac": "not a single MAC address"}
	bad2 := rec("p2", 2, "organization", "pc1", "configuration_type", "Server", "name", "other")
	bad2.Invalid = map[string]string{"primary_mac": "not a single MAC address"}
	doc := rec("d1", 1, "organization", "dc1", "configuration_type", "Server", "name", "srv", "primary_mac", "AA:BB:CC:DD:EE:FF")
	ps, ops := runCycle(t, dir, "r1", o, full, []Row{bad, bad2}, []Row{doc}, orgs)
	if ps.Invalid != 2 || ps.Updates != 1 || ps.Creates != 1 {
		t.Fatalf("plan %+v", ps)
	}
	up := only(t, ops, OpUpdate)[0]
	f := fieldsOf(t, up)
	if _, ok := f["primary_mac"]; ok || f["asset_tag"] != (change{nil, "T-1"}) {
		t.Errorf("update must carry asset_tag and leave primary_mac out: %s", up.Fields)
	}
	if cr := fieldsOf(t, only(t, ops, OpCreate)[0]); cr["primary_mac"] != (change{}) || cr["name"].New != "other" {
		t.Errorf("create: %v", cr)
	}
	for _, inv := range only(t, ops, OpInvalid) {
		if inv.Reason != "primary_mac: not a single MAC address" || inv.Status != StatusNoted {
			t.Errorf("invalid op: %+v", inv)
		}
	}
}

func TestCreatePolicies(t *testing.T) {
	psa := []Row{rec("p1", 1, "name", "Only PSA", "short_name", "OP")}
	doc := []Row{rec("d1", 1, "name", "Only Doc")}
	tests := []struct {
		createInDoc bool
		createInPSA string
		wantCreates []string // target sides
		wantAction  map[string]string
		waiting     bool
	}{
		{true, plan.CreateAlways, []string{"doc", "psa"}, map[string]string{"psa:p1": "create", "doc:d1": "create"}, false},
		{true, plan.CreateConfirmed, []string{"doc"}, map[string]string{"doc:d1": "not_yet_pushed"}, true},
		{false, plan.CreateNever, nil, map[string]string{"psa:p1": "none", "doc:d1": "none"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.createInPSA, func(t *testing.T) {
			ctx := context.Background()
			o := object(t, "organization", func(s *plan.ObjectSync) { s.CreateInDoc, s.CreateInPSA = tt.createInDoc, tt.createInPSA })
			r := openTestRun(t, t.TempDir(), "r1")
			stageRows(t, r, o, PSA, psa...)
			stageRows(t, r, o, Doc, doc...)
			mustMatch(t, r, o, full)
			if _, err := r.Plan(ctx, o); err != nil {
				t.Fatal(err)
			}
			ops, err := r.Ops(ctx, OpFilter{Op: OpCreate})
			if err != nil {
				t.Fatal(err)
			}
			var sides []string
			for _, op := range ops {
				sides = append(sides, string(op.TargetSide))
			}
			slices.Sort(sides)
			if !slices.Equal(sides, tt.wantCreates) {
				t.Errorf("creates to %v, want %v", sides, tt.wantCreates)
			}
			um := unmatchedRows(t, r, "organization")
			for k, act := range tt.wantAction {
				if !strings.HasPrefix(um[k], act+": ") {
					t.Errorf("unmatched %s = %q, want action %s", k, um[k], act)
				}
			}
			if got := pairs(t, r, "organization", StateNotYetPushed); len(got) != 0 {
				t.Errorf("waiting links with a psa id: %v", got)
			}
			n, err := queryInt(ctx, r.DB(), "waiting", `SELECT count(*) FROM links WHERE state = 'not_yet_pushed' AND doc_id = 'd1' AND psa_id IS NULL`)
			if err != nil {
				t.Fatal(err)
			}
			if (n == 1) != tt.waiting {
				t.Errorf("not_yet_pushed link for d1: %d", n)
			}
		})
	}
}

// Results of sent ops update the ledger and the links: a created parent
// is linked at once, so its children (next stage, same run) resolve their
// reference to it; a failed update puts the link in error.
func TestRecordResults(t *testing.T) {
	ctx := context.Background()
	r := openTestRun(t, t.TempDir(), "r1")
	orgs := object(t, "organization")
	stageRows(t, r, orgs, PSA, rec("pc1", 1, "name", "New Co"), rec("pc2", 2, "name", "Old Co", "short_name", "OLD"))
	stageRows(t, r, orgs, Doc, rec("dc2", 1, "name", "Old Co"))
	mustMatch(t, r, orgs, full)
	if _, err := r.Plan(ctx, orgs); err != nil {
		t.Fatal(err)
	}
	ops, err := r.Ops(ctx, OpFilter{Status: StatusPlanned})
	if err != nil {
		t.Fatal(err)
	}
	var results []OpResult
	for _, op := range ops {
		switch op.Op {
		case OpCreate:
			results = append(results, OpResult{Key: op.Key, Status: StatusApplied, TargetID: "dc77"})
		case OpUpdate:
			results = append(results, OpResult{Key: op.Key, Status: StatusRejected, Message: "422 short name too long"})
		}
	}
	if len(results) != 2 {
		t.Fatalf("ops: %+v", ops)
	}
	if err := r.RecordResults(ctx, orgs, results); err != nil {
		t.Fatal(err)
	}
	if err := r.RecordResults(ctx, orgs, []OpResult{{Key: "nope", Status: StatusApplied}}); err == nil {
		t.Error("a result for an unknown op was accepted")
	}
	if got, want := pairs(t, r, "organization"), []string{"pc1=dc77"}; !slices.Equal(got, want) {
		t.Errorf("syncing links %v, want %v", got, want)
	}
	var state, reason, synced string
	if err := r.DB().QueryRow(`SELECT state, reason FROM links WHERE psa_id = 'pc2'`).Scan(&state, &reason); err != nil {
		t.Fatal(err)
	}
	if state != StateError || !strings.Contains(reason, "422") {
		t.Errorf("failed update: link %s (%s)", state, reason)
	}
	if err := r.DB().QueryRow(`SELECT CAST(doc_synced AS VARCHAR) FROM links WHERE psa_id = 'pc1'`).Scan(&synced); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(synced, `"name":"New Co"`) {
		t.Errorf("created link baseline: %s", synced)
	}
	// Next stage: a contact of the new company is created with the new id.
	contacts := object(t, "contact")
	stageRows(t, r, contacts, PSA, rec("k1", 1, "organization", "pc1", "first_name", "Ann", "last_name", "Lee"))
	stageRows(t, r, contacts, Doc)
	mustMatch(t, r, contacts, full)
	if _, err := r.Plan(ctx, contacts); err != nil {
		t.Fatal(err)
	}
	ops, err = r.Ops(ctx, OpFilter{Object: "contact", Op: OpCreate})
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 || fieldsOf(t, ops[0])["organization"].New != "dc77" {
		t.Errorf("contact create: %+v", ops)
	}
}

// Ref fields are compared and written in the target's id space.
func TestRefFieldTranslatedInDiff(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "configuration")
	orgs := func(r *Run) { linkOrgs(t, r, 1, 2) }
	cfg := func(id, org string) Row {
		return rec(id, 1, "organization", org, "configuration_type", "Server", "name", "srv")
	}
	ps, _ := runCycle(t, dir, "r1", o, full, []Row{cfg("p1", "pc1")}, []Row{cfg("d1", "dc1")}, orgs)
	if ps.Writes() != 0 {
		t.Fatalf("run 1: %+v", ps)
	}
	// The configuration moved to company 2 in the PSA. It stays linked
	// (phase 0) and the doc record follows, with the doc company id.
	_, ops := runCycle(t, dir, "r2", o, full, []Row{cfg("p1", "pc2")}, []Row{cfg("d1", "dc1")}, orgs)
	ups := only(t, ops, OpUpdate)
	if len(ups) != 1 || ups[0].TargetSide != Doc || fieldsOf(t, ups[0])["organization"] != (change{"dc1", "dc2"}) {
		t.Errorf("updates: %+v", ups)
	}
}
