package match

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/engine/match/internal/baseline"
	"mapsync/engine/match/internal/synth"
)

// synthRow turns a synthetic configuration into a staged row.
func synthRow(s synth.Record) Row {
	v := map[string]any{"organization": s.Org, "configuration_type": s.Type, "name": s.Name}
	if s.Serial != "" {
		v["serial_number"] = s.Serial
	}
	if s.MAC != "" {
		v["primary_mac"] = s.MAC
	}
	return Row{ID: s.ID, Created: s.Created, Values: v, ScopeReason: s.ScopeReason}
}

func synthConfig(s synth.Record) baseline.Config {
	return baseline.Config{ID: s.ID, Org: s.Org, Type: s.Type, Name: s.Name, Serial: s.Serial, MAC: s.MAC,
		Created: s.Created, OutOfScope: s.ScopeReason != ""}
}

// The DuckDB matcher and the Go baseline give the same link set on 10k
// synthetic configurations per side (duplicates, narrowing by serial and
// by differently written MACs, unlinked companies, one-sided records).
func TestDuckDBAgreesWithBaseline(t *testing.T) {
	stats := agreeWithBaseline(t, 10000, 0)
	if stats.Fallbacks != 0 {
		t.Errorf("hash collision fallbacks: %d", stats.Fallbacks)
	}
}

// With a hash reduced to a few values, key groups collide all the time:
// the pairs are checked, the phases rerun on the key values, and the
// result is still the baseline's.
func TestHashCollisionFallsBackToExactKeys(t *testing.T) {
	stats := agreeWithBaseline(t, 3000, 5)
	if stats.Fallbacks != 1 {
		t.Errorf("fallbacks = %d, want 1", stats.Fallbacks)
	}
}

func agreeWithBaseline(t *testing.T, n int, hashMod uint64) MatchStats {
	ctx := context.Background()
	r := openTestRun(t, t.TempDir(), "r1")
	r.hashMod = hashMod

	orgs := object(t, "organization")
	var po, do []Row
	var bpo, bdo []baseline.Org
	for c := range synth.Companies(n) {
		p, d := synth.PSAOrg(c), synth.DocOrg(c)
		po = append(po, rec(p.ID, c, "name", p.Name))
		do = append(do, rec(d.ID, c, "name", d.Name))
		created := t0.Add(time.Duration(c) * time.Minute) // as rec does
		bpo = append(bpo, baseline.Org{ID: p.ID, Name: p.Name, Created: created})
		bdo = append(bdo, baseline.Org{ID: d.ID, Name: d.Name, Created: created})
	}
	stageRows(t, r, orgs, PSA, po...)
	stageRows(t, r, orgs, Doc, do...)
	mustMatch(t, r, orgs, Listing{})

	o := object(t, "configuration")
	var bp, bd []baseline.Config
	for _, side := range []Side{PSA, Doc} {
		st, err := r.Stager(ctx, o, side)
		if err != nil {
			t.Fatal(err)
		}
		page := make([]Row, 0, 1000)
		for i := range n {
			s := synth.PSA(i, n)
			if side == Doc {
				s = synth.Doc(i, n)
				bd = append(bd, synthConfig(s))
			} else {
				bp = append(bp, synthConfig(s))
			}
			page = append(page, synthRow(s))
			if len(page) == cap(page) {
				if err := st.Append(ctx, page); err != nil {
					t.Fatal(err)
				}
				page = page[:0]
			}
		}
		if err := st.Append(ctx, page); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	stats := mustMatch(t, r, o, Listing{})
	t.Logf("match stats: %+v", stats)

	orgRes := baseline.MatchOrgs(bpo, bdo)
	compareAnalystRows(t, r, "organization", orgRes)
	res := baseline.MatchAll(bp, bd, baseline.LinkOrgs(bpo, bdo))
	compareAnalystRows(t, r, "configuration", res)
	var want []string
	for _, p := range res.Pairs {
		want = append(want, p.PSA+"="+p.Doc)
	}
	slices.Sort(want)
	got := pairs(t, r, "configuration")
	if len(got) != len(want) {
		t.Errorf("DuckDB linked %d pairs, baseline %d", len(got), len(want))
	}
	if !slices.Equal(got, want) {
		gs, ws := map[string]bool{}, map[string]bool{}
		for _, g := range got {
			gs[g] = true
		}
		for _, w := range want {
			ws[w] = true
		}
		shown := 0
		for _, g := range got {
			if !ws[g] && shown < 10 {
				t.Errorf("only DuckDB: %s", g)
				shown++
			}
		}
		for _, w := range want {
			if !gs[w] && shown < 20 {
				t.Errorf("only baseline: %s", w)
				shown++
			}
		}
	}
	// The data set must exercise every phase, lost duplicates and both
	// kinds of unmatched record, or the comparison proves little.
	for _, ph := range []string{"name+serial_number", "name+primary_mac", "name"} {
		if stats.ByPhase[ph] == 0 {
			t.Errorf("no pair in phase %s", ph)
		}
	}
	if stats.Lost == 0 || stats.UnmatchedPSA == 0 || stats.UnmatchedDoc == 0 {
		t.Errorf("data set too easy: %+v", stats)
	}
	assertOneToOne(t, r, "configuration")
	return stats
}

// compareAnalystRows checks that the DuckDB matcher wrote the baseline's
// analyst rows for obj: every matched and lost decision with the same
// phase, rank, candidates, sources and passed_over (matched reasons word
// for word; lost reasons up to the create policy's note), and unmatched
// rows for the same records.
func compareAnalystRows(t *testing.T, r *Run, obj string, want baseline.Result) {
	t.Helper()
	rows, err := r.DB().Query(`SELECT outcome, coalesce(psa_id, ''), coalesce(doc_id, ''), coalesce(phase, ''), coalesce(rank, 0),
		coalesce(candidates, 0), coalesce(sources, 0), coalesce(CAST(passed_over AS VARCHAR), ''), coalesce(reason, '')
		FROM match_decisions WHERE object = ? AND outcome IN ('matched', 'lost')`, obj)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]baseline.Decision{}
	for rows.Next() {
		var d baseline.Decision
		var po string
		if err := rows.Scan(&d.Outcome, &d.PSA, &d.Doc, &d.Phase, &d.Rank, &d.Candidates, &d.Sources, &po, &d.Reason); err != nil {
			t.Fatal(err)
		}
		if po != "" {
			if err := json.Unmarshal([]byte(po), &d.PassedOver); err != nil {
				t.Fatalf("passed_over %s: %v", po, err)
			}
		}
		got[d.Outcome+" "+d.PSA] = d
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	bad := 0
	for _, w := range want.Decisions {
		counts[w.Outcome]++
		g, ok := got[w.Outcome+" "+w.PSA]
		if w.Outcome == "lost" && ok && strings.HasPrefix(g.Reason, w.Reason) {
			g.Reason = w.Reason
		}
		if !ok || !reflect.DeepEqual(g, w) {
			if bad++; bad <= 5 {
				t.Errorf("%s decision of %s:\n DuckDB   %s\n baseline %s", obj, w.PSA, show(g), show(w))
			}
		}
	}
	if len(got) != len(want.Decisions) {
		t.Errorf("%s: DuckDB wrote %d matched and lost decisions, the baseline %d", obj, len(got), len(want.Decisions))
	}
	if counts["matched"] == 0 || (obj == "configuration" && counts["lost"] == 0) {
		t.Errorf("%s: decisions %v: nothing to compare", obj, counts)
	}
	var gotU []string
	urows, err := r.DB().Query(`SELECT side || ' ' || id FROM unmatched WHERE object = ?`, obj)
	if err != nil {
		t.Fatal(err)
	}
	defer urows.Close()
	for urows.Next() {
		var u string
		if err := urows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		gotU = append(gotU, u)
	}
	var wantU []string
	for _, u := range want.Unmatched {
		wantU = append(wantU, u.Side+" "+u.ID)
	}
	slices.Sort(gotU)
	slices.Sort(wantU)
	if !slices.Equal(gotU, wantU) {
		t.Errorf("%s: DuckDB wrote %d unmatched rows, the baseline %d (or other records)", obj, len(gotU), len(wantU))
	}
}

func show(d baseline.Decision) string {
	b, _ := json.Marshal(d.PassedOver)
	return fmt.Sprintf("%s %s=%s phase %q rank %d cand %d src %d po %s reason %q", d.Outcome, d.PSA, d.Doc, d.Phase, d.Rank, d.Candidates, d.Sources, b, d.Reason)
}
