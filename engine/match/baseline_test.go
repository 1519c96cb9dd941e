package match

import (
	"context"
	"slices"
	"testing"

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
		bpo = append(bpo, baseline.Org{ID: p.ID, Name: p.Name})
		bdo = append(bdo, baseline.Org{ID: d.ID, Name: d.Name})
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

	var want []string
	for _, p := range baseline.Match(bp, bd, baseline.LinkOrgs(bpo, bdo)) {
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
