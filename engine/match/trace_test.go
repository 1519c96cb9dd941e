package match

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

// TestTraceIncrementalRun is a tuning aid, not a test: with
// MAPSYNC_TRACE_N=50000 it links N configurations of N/10 organizations
// in a full run, then runs an incremental run in which 1% changed and
// prints how long each SQL step of Match, Plan and Publish took. Nothing
// is asserted on times.
func TestTraceIncrementalRun(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MAPSYNC_TRACE_N"))
	if n == 0 {
		t.Skip("set MAPSYNC_TRACE_N")
	}
	ctx := context.Background()
	dir := t.TempDir()
	org, cfg := object(t, "organization"), object(t, "configuration")
	orgs := n / 10
	rows := func(side Side, changed int) (o, c []Row) {
		for i := range orgs {
			o = append(o, rec(fmt.Sprintf("%so%d", side, i), i, "name", fmt.Sprintf("Org %d", i)))
		}
		for i := range n {
			name := fmt.Sprintf("cfg %d", i)
			if i < changed && side == PSA {
				name += " edited"
			}
			c = append(c, rec(fmt.Sprintf("%sc%d", side, i), i, "organization", fmt.Sprintf("%so%d", side, i%orgs),
				"configuration_type", "server", "name", name, "serial_number", fmt.Sprintf("SN%d", i)))
		}
		return o, c
	}
	var steps map[string]time.Duration
	cycle := func(run string, l Listing, changed int, incremental bool) {
		steps = map[string]time.Duration{}
		opened := time.Now()
		r, err := OpenRun(ctx, Config{Dir: dir, Sync: "s", RunID: run, Threads: 2,
			Trace: func(step string, d time.Duration) { steps[step] += d }})
		if err != nil {
			t.Fatal(err)
		}
		steps["open run (links imported)"] = time.Since(opened)
		start := time.Now()
		po, pc := rows(PSA, changed)
		do, dc := rows(Doc, 0)
		if incremental {
			po, do, dc = nil, nil, nil
			pc = pc[:changed]
		}
		for _, x := range []struct {
			o    *Object
			p, d []Row
		}{{org, po, do}, {cfg, pc, dc}} {
			stageRows(t, r, x.o, PSA, x.p...)
			stageRows(t, r, x.o, Doc, x.d...)
			t0 := time.Now()
			mustMatch(t, r, x.o, l)
			steps["= match "+x.o.Name()] = time.Since(t0)
			t0 = time.Now()
			if _, err := r.Plan(ctx, x.o); err != nil {
				t.Fatal(err)
			}
			steps["= plan "+x.o.Name()] = time.Since(t0)
		}
		t0 := time.Now()
		if _, err := r.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		steps["= publish"] = time.Since(t0)
		steps["= total"] = time.Since(start)
		if err := r.Remove(); err != nil {
			t.Fatal(err)
		}
	}
	cycle("r1", Listing{PSAComplete: true, DocComplete: true}, 0, false)
	cycle("r2", Listing{}, n/100, true)
	var keys []string
	for k := range steps {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return steps[keys[i]] > steps[keys[j]] })
	for _, k := range keys {
		if steps[k] >= time.Millisecond {
			t.Logf("%8.1f ms  %s", float64(steps[k].Microseconds())/1000, k)
		}
	}
}
