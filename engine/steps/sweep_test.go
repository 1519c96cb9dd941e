package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
	"mapsync/engine/plan"
)

func TestSweepStep(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		n       int
		elapsed time.Duration
		bound   time.Duration
		first   bool
		want    int
		wantAt  time.Duration // the sweep's new clock, from t0
	}{
		{"no parents", 0, time.Hour, day, false, 0, time.Hour},
		{"never swept: all", 5000, time.Second, day, true, 5000, time.Second},
		{"no time passed: none", 5000, 0, day, false, 0, 0},
		{"clock ahead of the run: none", 5000, -time.Minute, day, false, 0, 0},
		// 52.08 up to 53; the clock moves by 53 parents' share of a day.
		{"a 15-minute schedule", 5000, 15 * time.Minute, day, false, 53, 53 * day / 5000},
		// One parent read in advance: the clock moves 17.28 s, ahead of the run.
		{"runs seconds apart: one", 5000, 3 * time.Second, day, false, 1, day / 5000},
		{"exact share", 100, 6 * time.Hour, day, false, 25, 6 * time.Hour},
		{"a bound passed: all, clock to now", 100, day, day, false, 100, day},
		{"more than a bound: all, clock to now", 100, 3 * day, day, false, 100, 3 * day},
		{"small bound", 10, 10 * time.Minute, time.Hour, false, 2, 12 * time.Minute}, // 1.67 up
		{"years do not overflow", 50000, 50 * 365 * day, day, false, 50000, 50 * 365 * day},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, at := sweepStep(tc.n, t0, t0.Add(tc.elapsed), tc.bound, tc.first)
			if k != tc.want || !at.Equal(t0.Add(tc.wantAt)) {
				t.Errorf("sweepStep(%d, %s, %s, %v) = %d, clock +%s; want %d, +%s", tc.n, tc.elapsed, tc.bound, tc.first, k, at.Sub(t0), tc.want, tc.wantAt)
			}
		})
	}
}

// Over many runs at uneven intervals no parent goes unread for more than
// the bound, and the sweep reads about n parents per bound, not one per
// run more.
func TestSweepStaysWithinBound(t *testing.T) {
	bound := time.Hour
	for _, tc := range []struct {
		n         int
		intervals []time.Duration // repeated
	}{
		{7, []time.Duration{13 * time.Minute}},
		{50, []time.Duration{3 * time.Second, 40 * time.Second, 15 * time.Minute}},
		{5000, []time.Duration{15 * time.Minute}},
		{3, []time.Duration{time.Second}},
	} {
		t.Run(fmt.Sprintf("n=%d", tc.n), func(t *testing.T) {
			ids := make([]string, tc.n)
			for i := range ids {
				ids[i] = fmt.Sprintf("p%05d", i)
			}
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			start := now
			read := map[string]time.Time{}
			for _, id := range ids { // the full run
				read[id] = now
			}
			sw := Sweep{At: now}
			reads := 0
			for run := 0; now.Sub(start) < 10*bound; run++ {
				now = now.Add(tc.intervals[run%len(tc.intervals)])
				k, at := sweepStep(tc.n, sw.At, now, bound, false)
				slice, last := rotate(ids, sw.After, k)
				sw = Sweep{At: at, After: last}
				reads += len(slice)
				for _, id := range slice {
					read[id] = now
				}
				for _, id := range ids {
					if now.Sub(read[id]) > bound {
						t.Fatalf("run %d at +%s: parent %s last read at +%s, more than %s ago", run, now.Sub(start), id, read[id].Sub(start), bound)
					}
				}
			}
			perBound := float64(reads) / (float64(now.Sub(start)) / float64(bound))
			t.Logf("%d reads over %s: %.1f per bound for %d parents", reads, now.Sub(start), perBound, tc.n)
			if perBound > float64(tc.n)*1.1+1 {
				t.Errorf("%.1f reads per bound for %d parents: the sweep reads more than it needs", perBound, tc.n)
			}
		})
	}
}

func TestSweepRotate(t *testing.T) {
	ids := []string{"10", "11", "12", "7", "8", "9"} // id order is string order
	for _, tc := range []struct {
		name     string
		after    string
		k        int
		want     []string
		wantLast string
	}{
		{"from the start", "", 2, []string{"10", "11"}, "11"},
		{"goes on after the last", "11", 3, []string{"12", "7", "8"}, "8"},
		{"wraps around", "8", 3, []string{"9", "10", "11"}, "11"},
		{"after the end: from the start", "99", 1, []string{"10"}, "10"},
		{"a parent gone: goes on after its place", "115", 2, []string{"12", "7"}, "7"},
		{"all", "8", 6, ids, "9"},
		{"more than all", "", 9, ids, "9"},
		{"none keeps the position", "8", 0, nil, "8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, last := rotate(ids, tc.after, tc.k)
			if !slices.Equal(got, tc.want) || last != tc.wantLast {
				t.Errorf("rotate(after %q, %d) = %v, %q; want %v, %q", tc.after, tc.k, got, last, tc.want, tc.wantLast)
			}
		})
	}
	// Over consecutive slices every id comes once before any comes twice.
	seen := map[string]int{}
	after := ""
	for range 3 {
		var s []string
		s, after = rotate(ids, after, 4)
		for _, id := range s {
			seen[id]++
		}
	}
	for _, id := range ids {
		if seen[id] != 2 {
			t.Errorf("after 12 picks of 6 ids, %s was picked %d times, want 2", id, seen[id])
		}
	}
}

// sweepRun runs the whole sync once the way the workflow does, with the
// sweep's clock at start: every object listed from since (zero: a full
// run), matched, diffed and applied, then committed with the sweeps the
// listings returned. It returns the site listing requests the PSA sandbox
// received and the run's links.
func sweepRun(t *testing.T, p *plan.Plan, sys *local.Systems, dir, runID string, since, start time.Time) (siteLists int, links map[string][][2]string) {
	t.Helper()
	ctx := context.Background()
	sys.ResetLogs()
	r, err := Open(ctx, Config{
		Plan: p, Dir: dir, RunID: runID, Threads: 1,
		Vars:             connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
		ConnectorOptions: []connectors.Option{connectors.WithClock(fastClock{}), connectors.WithRequestTimeout(10 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sweeps := map[string]Sweep{}
	for _, name := range r.Objects() {
		var listing match.Listing
		for _, side := range Sides {
			res, err := r.Extract(ctx, ExtractInput{Object: name, Side: side, Since: since, RunStart: start})
			if err != nil {
				t.Fatalf("%s: extract %s: %v", runID, name, err)
			}
			if res.Sweep != nil {
				sweeps[sweepKey(name, side)] = *res.Sweep
			}
			if side == match.PSA {
				listing.PSAComplete = res.Complete
			} else {
				listing.DocComplete = res.Complete
			}
		}
		if _, err := r.Match(ctx, name, listing); err != nil {
			t.Fatalf("%s: match %s: %v", runID, name, err)
		}
		if _, err := r.Diff(ctx, name); err != nil {
			t.Fatalf("%s: diff %s: %v", runID, name, err)
		}
		batches, err := r.Batches(ctx, name, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range batches {
			if _, err := r.Apply(ctx, ApplyInput{Object: name, Range: b, LastAttempt: true}); err != nil {
				t.Fatalf("%s: apply %s: %v", runID, name, err)
			}
		}
	}
	links = map[string][][2]string{}
	for _, row := range query(t, r, `SELECT object || ' ' || state || ' ' || coalesce(psa_id, '-') || ' ' || coalesce(doc_id, '-') FROM links`) {
		f := strings.Fields(row)
		links[f[0]+" "+f[1]] = append(links[f[0]+" "+f[1]], [2]string{f[2], f[3]})
	}
	if _, err := r.Commit(ctx, CommitInput{Sweeps: sweeps}); err != nil {
		t.Fatalf("%s: commit: %v", runID, err)
	}
	for _, l := range sys.Logs() {
		for route, n := range l.ByRoute {
			if strings.HasPrefix(route, "GET ") && strings.HasSuffix(route, "/sites") {
				siteLists += n
			}
		}
	}
	return siteLists, links
}

// The shipped mapping sweeps ConnectWise sites (sweep = "24h"); here the
// bound is an hour and runs are 10 minutes apart on the sweep's clock, so
// an incremental run lists the sites of ceil(N/6) companies, and a site
// edited under a company that did not change is synced within 6 runs.
func TestSweepNestedListing(t *testing.T) {
	ctx := context.Background()
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 14}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	p := shippedWith(t, nil)
	found := false
	for i := range p.Systems {
		for j := range p.Systems[i].Objects {
			if o := &p.Systems[i].Objects[j]; o.Sweep > 0 {
				if o.Sweep != 86400 {
					t.Errorf("%s.%s: sweep %ds, want the shipped 24h", p.Systems[i].Name, o.Name, o.Sweep)
				}
				p.Systems[i].Objects = slices.Clone(p.Systems[i].Objects)
				p.Systems[i].Objects[j].Sweep = 3600
				found = true
			}
		}
	}
	if !found {
		t.Fatal("no object of the shipped mappings declares a sweep")
	}
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 10 * time.Minute
	runs := 0
	run := func(full bool) (int, map[string][][2]string) {
		runs++
		since := time.Now().Add(-time.Second)
		if full {
			since = time.Time{}
		}
		time.Sleep(1100 * time.Millisecond) // the PSA's dates have whole seconds
		return sweepRun(t, p, sys, dir, fmt.Sprintf("run%d", runs), since, t0.Add(time.Duration(runs)*step))
	}

	full, links := run(true)
	orgs := links["organization syncing"]
	n := len(orgs)
	if n < 6 {
		t.Fatalf("only %d linked organizations; the data set is too small for the test", n)
	}
	if full < n {
		t.Errorf("the full run listed the sites of %d companies, want every linked one (%d)", full, n)
	}
	run(false) // reads back the full run's own writes
	slice := (n + 5) / 6
	for i := range 2 {
		got, _ := run(false)
		if got < n/6 || got > slice {
			t.Errorf("unchanged incremental run %d listed the sites of %d companies, want a slice of %d/6: %d or %d", i+1, got, n, n/6, slice)
		}
	}

	// Edit a site of the company the sweep reads last.
	var psaSite, docSite, company string
	sites := links["location syncing"]
	slices.SortFunc(orgs, func(a, b [2]string) int { return strings.Compare(b[0], a[0]) })
	for _, o := range orgs {
		ids, err := sys.ListSites(ctx, o[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sites {
			if slices.Contains(ids, s[0]) {
				psaSite, docSite, company = s[0], s[1], o[0]
			}
		}
		if psaSite != "" {
			break
		}
	}
	if psaSite == "" {
		t.Fatal("no linked site under a linked company")
	}
	phone := "555-0199"
	patch := []map[string]any{{"op": "replace", "path": "phoneNumber", "value": phone}}
	if err := sys.PSARequest(ctx, "PATCH", "/company/companies/"+company+"/sites/"+psaSite, patch, nil); err != nil {
		t.Fatal(err)
	}
	docPhone := func() string {
		var doc struct {
			Data struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"data"`
		}
		if err := sys.DocRequest(ctx, "GET", "/locations/"+docSite, nil, &doc); err != nil {
			t.Fatal(err)
		}
		s, _ := doc.Data.Attributes["phone"].(string)
		return s
	}
	synced := 0
	for i := 1; i <= 6; i++ {
		run(false)
		if docPhone() == phone {
			synced = i
			break
		}
	}
	t.Logf("%d linked companies, slice %d, full run %d site lists; the site edited under company %s synced after %d runs", n, slice, full, company, synced)
	if synced == 0 {
		t.Errorf("site %s edited under unchanged company %s: not synced to doc location %s within ceil(1h/10m) = 6 incremental runs", psaSite, company, docSite)
	}

	again, links := run(true)
	if again != full {
		t.Errorf("a later full run listed the sites of %d companies, want all %d as the first", again, full)
	}
	if o := links["location orphaned"]; len(o) > 0 {
		t.Errorf("sites not listed by incremental runs were orphaned: %v", o)
	}
}

// withoutSweeps is p with no sweep bound on any object (the systems are
// copied; p is not changed).
func withoutSweeps(p *plan.Plan) *plan.Plan {
	cp := *p
	cp.Systems = slices.Clone(p.Systems)
	for i := range cp.Systems {
		cp.Systems[i].Objects = slices.Clone(cp.Systems[i].Objects)
		for j := range cp.Systems[i].Objects {
			cp.Systems[i].Objects[j].Sweep = 0
		}
	}
	return &cp
}
