package match

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"mapsync/engine/plan"
)

// One case per seed matching rule ("Matching logic" of the field mapping
// document): organizations on name; contacts on company + first + last
// name; configurations on company + type + name narrowed by serial number
// then MAC address; locations on company + address tuple; tickets on
// company + ticket number.
func TestSeedRules(t *testing.T) {
	tests := []struct {
		name      string
		object    string
		orgs      []int // organizations linked first: psa pcN = doc dcN
		psa, doc  []Row
		want      []string          // syncing links psa=doc
		unmatched map[string]string // side:id -> substring of "action: reason"
		phases    map[string]int64  // new pairs per phase, when it matters
	}{
		{
			name:   "organizations on name",
			object: "organization",
			psa:    []Row{rec("p1", 1, "name", "Acme Corp"), rec("p2", 2, "name", "Beta LLC"), rec("p3", 3, "name", "Gamma")},
			doc:    []Row{rec("d1", 1, "name", "Beta LLC"), rec("d2", 2, "name", "acme corp"), rec("d3", 3, "name", "Acme Corp")},
			want:   []string{"p1=d3", "p2=d1"},
			unmatched: map[string]string{
				"psa:p3": "create: no doc record with the same key on rule name (name)",
				"doc:d2": "not_yet_pushed: no psa record", // exact match: case differs
			},
		},
		{
			name:   "contacts on company + first + last name",
			object: "contact",
			orgs:   []int{1, 2},
			psa: []Row{
				rec("p1", 1, "organization", "pc1", "first_name", "John", "last_name", "Smith"),
				rec("p2", 2, "organization", "pc2", "first_name", "John", "last_name", "Smith"),
				rec("p3", 3, "organization", "pc1", "first_name", "Jane", "last_name", "Smith"),
				rec("p4", 4, "organization", "pc1", "first_name", "Reception"), // blank last name
			},
			doc: []Row{
				rec("d1", 1, "organization", "dc2", "first_name", "John", "last_name", "Smith"),
				rec("d2", 2, "organization", "dc1", "first_name", "John", "last_name", "Smith"),
				rec("d3", 3, "organization", "dc1", "first_name", "Jane", "last_name", "Smyth"),
				rec("d4", 4, "organization", "dc1", "first_name", "Reception", "last_name", " "),
			},
			want:      []string{"p1=d2", "p2=d1", "p4=d4"},
			unmatched: map[string]string{"psa:p3": "create: no doc record", "doc:d3": "none: no psa record"},
		},
		{
			name:   "configurations narrowed by serial, then MAC, then created",
			object: "configuration",
			orgs:   []int{1},
			psa: []Row{
				rec("p1", 1, "organization", "pc1", "configuration_type", "Server", "name", "srv", "serial_number", "S1", "primary_mac", "AA:AA:AA:AA:AA:01"),
				rec("p2", 2, "organization", "pc1", "configuration_type", "Server", "name", "srv", "serial_number", "S2"),
				rec("p3", 3, "organization", "pc1", "configuration_type", "Server", "name", "srv", "primary_mac", "00:11:22:33:44:55"),
				rec("p4", 4, "organization", "pc1", "configuration_type", "Server", "name", "srv"),
			},
			doc: []Row{
				// Created first, so plain "earliest created" would give it to p1.
				rec("d1", 1, "organization", "dc1", "configuration_type", "Server", "name", "srv", "serial_number", "S2"),
				rec("d2", 2, "organization", "dc1", "configuration_type", "Server", "name", "srv", "primary_mac", "00-11-22-33-44-55"),
				rec("d3", 3, "organization", "dc1", "configuration_type", "Server", "name", "srv", "serial_number", "S1"),
				rec("d4", 4, "organization", "dc1", "configuration_type", "Server", "name", "srv", "serial_number", "S9"),
			},
			want:   []string{"p1=d3", "p2=d1", "p3=d2", "p4=d4"},
			phases: map[string]int64{"name+serial_number": 2, "name+primary_mac": 1, "name": 1},
		},
		{
			name:   "locations on company + address tuple (blank Address 2 equals blank)",
			object: "location",
			orgs:   []int{1, 2},
			psa: []Row{
				rec("p1", 1, "organization", "pc1", "address1", "1 Main St", "city", "Springfield", "region", "IL", "country", "US"),
				rec("p2", 2, "organization", "pc1", "address1", "1 Main St", "address2", "Suite 5", "city", "Springfield", "region", "IL", "country", "US"),
				rec("p3", 3, "organization", "pc2", "address1", "1 Main St", "city", "Springfield", "region", "IL", "country", "US"),
				rec("p4", 4, "organization", "pc1"), // no address at all
			},
			doc: []Row{
				rec("d1", 1, "organization", "dc1", "address1", "1 Main St", "address2", "Suite 5", "city", "Springfield", "region", "IL", "country", "US"),
				rec("d2", 2, "organization", "dc1", "address1", "1 Main St", "address2", "", "city", "Springfield", "region", "IL", "country", "US"),
				rec("d3", 3, "organization", "dc1", "address1", "1 Main St", "city", "Springfield", "region", "IL", "country", "CA"),
				rec("d4", 4, "organization", "dc1"),
			},
			want: []string{"p1=d2", "p2=d1"},
			unmatched: map[string]string{
				"psa:p3": "no doc record", // same address, other company
				"psa:p4": "no usable key: address1, address2, city, region, country: all blank",
				"doc:d4": "no usable key",
			},
		},
		{
			name:   "tickets on company + ticket number",
			object: "ticket",
			orgs:   []int{1, 2},
			psa: []Row{
				rec("p1", 1, "organization", "pc1", "ticket_number", "1001"),
				rec("p2", 2, "organization", "pc2", "ticket_number", "1001"),
				rec("p3", 3, "organization", "pc9", "ticket_number", "1002"), // company not linked
			},
			doc: []Row{
				rec("d1", 1, "organization", "dc2", "ticket_number", "1001"),
				rec("d2", 2, "organization", "dc1", "ticket_number", "1001"),
				rec("d3", 3, "organization", "dc9", "ticket_number", "1002"),
				rec("d4", 4, "organization", "dc1", "ticket_number", "1003"),
			},
			want: []string{"p1=d2", "p2=d1"},
			unmatched: map[string]string{
				"psa:p3": "no usable key: organization pc9 is not linked to a doc record",
				"doc:d4": "none: no psa record with the same key on rule number (organization, ticket_number); the object does not flow to the psa side",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openTestRun(t, t.TempDir(), "r1")
			if len(tt.orgs) > 0 {
				linkOrgs(t, r, tt.orgs...)
			}
			o := object(t, tt.object)
			stageRows(t, r, o, PSA, tt.psa...)
			stageRows(t, r, o, Doc, tt.doc...)
			st := mustMatch(t, r, o, Listing{PSAComplete: true, DocComplete: true})
			if got := pairs(t, r, tt.object); !slices.Equal(got, tt.want) {
				t.Errorf("links = %v, want %v", got, tt.want)
			}
			um := unmatchedRows(t, r, tt.object)
			for k, want := range tt.unmatched {
				if !strings.Contains(um[k], want) {
					t.Errorf("unmatched %s = %q, want it to contain %q", k, um[k], want)
				}
			}
			for ph, n := range tt.phases {
				if st.ByPhase[ph] != n {
					t.Errorf("phase %s paired %d, want %d (all: %v)", ph, st.ByPhase[ph], n, st.ByPhase)
				}
			}
			assertOneToOne(t, r, tt.object)
		})
	}
}

// assertOneToOne checks that no record is in two links.
func assertOneToOne(t *testing.T, r *Run, object string) {
	t.Helper()
	for _, col := range []string{"psa_id", "doc_id"} {
		n, err := queryInt(context.Background(), r.DB(), "dups", `SELECT count(*) FROM (SELECT `+col+` FROM links
			WHERE object = ? AND `+col+` IS NOT NULL GROUP BY `+col+` HAVING count(*) > 1)`, object)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Errorf("%d %s values are in more than one link", n, col)
		}
	}
}

func TestSeveralIdenticalMatchesGoToEarliestCreated(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	// Doc records with the same name: d3 was created first; d1 and d2 tie
	// on creation time and d1 < d2 by id. The psa duplicates are taken in
	// the same order: p2 (created first) gets d3, p1 gets d1.
	stageRows(t, r, o, PSA, rec("p1", 5, "name", "Acme"), rec("p2", 1, "name", "Acme"))
	stageRows(t, r, o, Doc, rec("d2", 7, "name", "Acme"), rec("d1", 7, "name", "Acme"), rec("d3", 2, "name", "Acme"))
	mustMatch(t, r, o, Listing{})
	if got, want := pairs(t, r, "organization"), []string{"p1=d1", "p2=d3"}; !slices.Equal(got, want) {
		t.Errorf("links = %v, want %v", got, want)
	}
	// The second source's decision says why it did not get d3.
	var po, reason string
	err := r.DB().QueryRow(`SELECT CAST(passed_over AS VARCHAR), reason FROM match_decisions WHERE psa_id = 'p1' AND outcome = 'matched'`).Scan(&po, &reason)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(po, `"id":"d3"`) || !strings.Contains(po, `"claimed_by":"p2"`) {
		t.Errorf("passed_over = %s, want d3 claimed by p2", po)
	}
	if !strings.Contains(reason, "source 2 of 2") {
		t.Errorf("reason = %q", reason)
	}
}

// A target is claimed by at most one source, and no duplicate source is
// left unmatched while a candidate with its key is free: the k-th source
// takes the k-th candidate (the double-QUALIFY shape gets this wrong: the
// losing source never gets its next choice).
func TestNoTargetClaimedTwiceNoDuplicateLeftBehind(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	var psa, doc []Row
	for i := range 5 {
		psa = append(psa, rec(fmt.Sprintf("p%d", i), i, "name", "Same"))
	}
	for i := range 3 {
		doc = append(doc, rec(fmt.Sprintf("d%d", i), 10-i, "name", "Same"))
	}
	stageRows(t, r, o, PSA, psa...)
	stageRows(t, r, o, Doc, doc...)
	st := mustMatch(t, r, o, Listing{})
	// Sources p0..p4 by created; targets by created: d2, d1, d0.
	if got, want := pairs(t, r, "organization"), []string{"p0=d2", "p1=d1", "p2=d0"}; !slices.Equal(got, want) {
		t.Errorf("links = %v, want %v", got, want)
	}
	if st.Lost != 2 {
		t.Errorf("lost = %d, want 2", st.Lost)
	}
	var n int
	var po string
	if err := r.DB().QueryRow(`SELECT candidates, CAST(passed_over AS VARCHAR) FROM match_decisions WHERE psa_id = 'p4' AND outcome = 'lost'`).Scan(&n, &po); err != nil {
		t.Fatal(err)
	}
	if n != 3 || !strings.Contains(po, `"claimed_by":"p0"`) {
		t.Errorf("lost decision: candidates %d, passed_over %s", n, po)
	}
	um := unmatchedRows(t, r, "organization")
	if !strings.Contains(um["psa:p3"], "all 3 candidates with the same name were claimed") {
		t.Errorf("unmatched p3: %q", um["psa:p3"])
	}
	assertOneToOne(t, r, "organization")
}

func TestDifferentCompaniesNeverMatch(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	linkOrgs(t, r, 1, 2)
	o := object(t, "configuration")
	stageRows(t, r, o, PSA, rec("p1", 1, "organization", "pc1", "configuration_type", "Server", "name", "srv", "serial_number", "S1"))
	stageRows(t, r, o, Doc, rec("d1", 1, "organization", "dc2", "configuration_type", "Server", "name", "srv", "serial_number", "S1"))
	mustMatch(t, r, o, Listing{})
	if got := pairs(t, r, "configuration"); len(got) != 0 {
		t.Errorf("links across companies: %v", got)
	}
}

func TestOutOfScopeExcludedWithReason(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	p := rec("p1", 1, "name", "Acme")
	p.ScopeReason = "type Vendor is not synced"
	stageRows(t, r, o, PSA, p, rec("p2", 2, "name", "Acme"))
	stageRows(t, r, o, Doc, rec("d1", 1, "name", "Acme"))
	mustMatch(t, r, o, Listing{})
	if got, want := pairs(t, r, "organization"), []string{"p2=d1"}; !slices.Equal(got, want) {
		t.Errorf("links = %v, want %v", got, want)
	}
	if got := unmatchedRows(t, r, "organization")["psa:p1"]; got != "excluded: out of scope: type Vendor is not synced" {
		t.Errorf("unmatched p1 = %q", got)
	}
}

func TestEmptyKeysNeverMatch(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	stageRows(t, r, o, PSA, rec("p1", 1, "name", ""), rec("p2", 2), rec("p3", 3, "name", "  "))
	stageRows(t, r, o, Doc, rec("d1", 1, "name", ""), rec("d2", 2), rec("d3", 3, "name", "  "))
	mustMatch(t, r, o, Listing{})
	if got := pairs(t, r, "organization"); len(got) != 0 {
		t.Errorf("blank keys matched: %v", got)
	}
	if got := unmatchedRows(t, r, "organization")["psa:p3"]; !strings.Contains(got, "no usable key: name: all blank") {
		t.Errorf("unmatched p3 = %q", got)
	}
}

func TestMatchWithoutStagingFails(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	stageRows(t, r, o, PSA, rec("p1", 1, "name", "Acme"))
	if _, err := r.Match(context.Background(), o, Listing{PSAComplete: true, DocComplete: true}); err == nil ||
		!strings.Contains(err.Error(), "doc side was not staged") {
		t.Fatalf("Match with an unstaged side: %v", err)
	}
}

// Existing links are honoured first: a renamed record stays linked, and
// its records leave the pools (a new look-alike does not steal them).
func TestExistingLinksHonoured(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	o := object(t, "organization")
	r1 := openTestRun(t, dir, "r1")
	stageRows(t, r1, o, PSA, rec("p1", 1, "name", "Acme"))
	stageRows(t, r1, o, Doc, rec("d1", 1, "name", "Acme"))
	mustMatch(t, r1, o, Listing{})
	if _, err := r1.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	r1.Close()

	r2 := openTestRun(t, dir, "r2")
	// p1 was renamed; p0 (created earlier) now has the old name.
	stageRows(t, r2, o, PSA, rec("p1", 1, "name", "Acme Renamed"), rec("p0", 0, "name", "Acme"))
	stageRows(t, r2, o, Doc, rec("d1", 1, "name", "Acme"))
	st := mustMatch(t, r2, o, Listing{PSAComplete: true, DocComplete: true})
	if got, want := pairs(t, r2, "organization"), []string{"p1=d1"}; !slices.Equal(got, want) {
		t.Errorf("links = %v, want %v", got, want)
	}
	if st.Linked != 1 || st.Matched != 0 {
		t.Errorf("stats %+v: want 1 linked, 0 matched", st)
	}
	var outcome, phase string
	if err := r2.DB().QueryRow(`SELECT outcome, phase FROM match_decisions WHERE run = 'r2' AND psa_id = 'p1'`).Scan(&outcome, &phase); err != nil {
		t.Fatal(err)
	}
	if outcome != "linked" || phase != "link" {
		t.Errorf("decision %s/%s, want linked/link", outcome, phase)
	}
}

// Match may be repeated in a run (a retried activity) with the same result.
func TestMatchIsRepeatable(t *testing.T) {
	r := openTestRun(t, t.TempDir(), "r1")
	o := object(t, "organization")
	stageRows(t, r, o, PSA, rec("p1", 1, "name", "A"), rec("p2", 2, "name", "B"))
	stageRows(t, r, o, Doc, rec("d1", 1, "name", "A"), rec("d3", 3, "name", "C"))
	mustMatch(t, r, o, Listing{})
	first := pairs(t, r, "organization")
	mustMatch(t, r, o, Listing{})
	if got := pairs(t, r, "organization"); !slices.Equal(got, first) {
		t.Errorf("second Match: %v, first: %v", got, first)
	}
	n, err := queryInt(context.Background(), r.DB(), "count", `SELECT count(*) FROM unmatched WHERE run = 'r1'`)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d unmatched rows after a repeat, want 2", n)
	}
}

func TestNewObjectRejectsBadPlans(t *testing.T) {
	base := objectSyncs["configuration"]
	tests := []struct {
		name string
		edit func(*plan.ObjectSync)
		want string
	}{
		{"unknown key", func(s *plan.ObjectSync) { s.Match.Rules = []plan.MatchRule{{Name: "x", Keys: []string{"nope"}}} }, `unknown field "nope"`},
		{"scope not a ref", func(s *plan.ObjectSync) { s.Match.ScopeBy = "name" }, "not a ref"},
		{"bad normalizer", func(s *plan.ObjectSync) { s.Match.Normalize = map[string]string{"name": "soundex"} }, `normalizer "soundex" is not one of "mac", "lower"`},
		{"bad tie", func(s *plan.ObjectSync) { s.Match.Tie = "newest" }, `tie "newest" is not one of "oldest"`},
		{"no rules", func(s *plan.ObjectSync) { s.Match.Rules = nil }, "no match rule"},
		{"bad direction", func(s *plan.ObjectSync) { s.Direction = "sideways" }, `direction "sideways" is not one of "two_way"`},
		{"bad field direction", func(s *plan.ObjectSync) {
			s.Fields = slices.Clone(s.Fields)
			s.Fields[0].Direction = "up"
		}, `direction "up" is not one of`},
		{"list key", func(s *plan.ObjectSync) { s.Match.Narrow = []string{"tags"} }, "cannot be a match key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := base
			spec.Match.Rules = slices.Clone(base.Match.Rules)
			tt.edit(&spec)
			_, err := NewObject(spec, canonical["configuration"])
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewObject: %v, want error containing %q", err, tt.want)
			}
		})
	}
}
