package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"text/tabwriter"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/engine"
	"mapsync/engine/plan"
)

// withBudget returns a copy of p whose systems with a request budget per
// window have n requests per window instead, re-hashed (bench --budget:
// the sandbox gets the same budget).
func withBudget(p *plan.Plan, n int, window time.Duration) (*plan.Plan, error) {
	c := *p
	c.Systems = append([]plan.System(nil), p.Systems...)
	for i := range c.Systems {
		if rl := &c.Systems[i].RateLimit; rl.WindowRequests > 0 {
			rl.WindowRequests, rl.WindowSeconds = n, max(1, int(window/time.Second))
		}
	}
	h, err := engine.Hash(&c)
	if err != nil {
		return nil, err
	}
	c.Hash = h
	return &c, nil
}

// docAllowedRate is the request rate (per second) the budgeted system's
// window allows, 0 when no system has a budget. The bench's sandboxes
// serve one budgeted system, the documentation one.
func docAllowedRate(p *plan.Plan) float64 {
	for _, s := range p.Systems {
		if rl := s.RateLimit; rl.WindowRequests > 0 && rl.WindowSeconds > 0 {
			return float64(rl.WindowRequests) / float64(rl.WindowSeconds)
		}
	}
	return 0
}

// budgetUse is what a run did with the documentation system's budget.
type budgetUse struct {
	docRequests int           // requests the documentation sandbox received
	docSpan     time.Duration // from its first request to its last
	took        time.Duration // the whole run
	tooMany     int           // 429 answers, every sandbox
	requests    int           // requests, every sandbox
	docRoutes   map[string]int
}

// measureBudgetUse reads the logs (PSA first, then the documentation
// system) of a run that took took.
func measureBudgetUse(logs []core.LogSnapshot, took time.Duration, allowed float64) budgetUse {
	u := budgetUse{took: took}
	if len(logs) < 2 {
		return u
	}
	for _, l := range logs {
		u.requests += l.Total
		u.tooMany += l.ByStatus[429]
	}
	doc := logs[len(logs)-1]
	u.docRequests, u.docRoutes = doc.Total, doc.ByRoute
	if doc.Total > 1 {
		u.docSpan = doc.Last.Sub(doc.First)
	}
	return u
}

// printBudgetUse prints, per run, the documentation system's achieved
// request rate against the allowed one: over the whole run and over the
// span in which it received requests; and the share of 429 answers.
func printBudgetUse(out io.Writer, rows []benchRow, allowed float64) {
	if len(rows) > 0 && len(rows[0].rate.docRoutes) > 0 {
		// What a projection at the real budget starts from.
		fmt.Fprintf(out, "\n%s: documentation system requests by route\n", rows[0].step)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, route := range slices.Sorted(maps.Keys(rows[0].rate.docRoutes)) {
			fmt.Fprintf(tw, "%s\t%d\t\n", route, rows[0].rate.docRoutes[route])
		}
		tw.Flush()
	}
	if allowed <= 0 {
		return
	}
	fmt.Fprintf(out, "\ndocumentation system budget: %.2f requests/s allowed\n", allowed)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tdoc requests\trate over run\tshare\tdoc span\trate over span\tshare\t429s\t429 share\t")
	for _, r := range rows {
		u := r.rate
		rate := func(d time.Duration) (string, string) {
			if d <= 0 {
				return "-", "-"
			}
			v := float64(u.docRequests) / d.Seconds()
			return fmt.Sprintf("%.2f/s", v), fmt.Sprintf("%.1f%%", 100*v/allowed)
		}
		runRate, runShare := rate(u.took)
		spanRate, spanShare := rate(u.docSpan)
		share := "-"
		if u.requests > 0 {
			share = fmt.Sprintf("%.2f%%", 100*float64(u.tooMany)/float64(u.requests))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.1fs\t%s\t%s\t%d\t%s\t\n", r.step, u.docRequests, runRate, runShare,
			u.docSpan.Seconds(), spanRate, spanShare, u.tooMany, share)
	}
	tw.Flush()
}

// watchMemory samples this process's Go memory (everything the Go runtime
// maps: heap, stacks, its own metadata; not what C code such as DuckDB
// allocates) every 200 ms until stop, which returns the largest sample.
// When file is set it also takes a heap profile each time the live heap
// grows 10% past the largest profiled so far, and stop writes the last
// one (taken at the largest heap) to file.
func watchMemory(file string) (stop func() (uint64, error)) {
	done, finished := make(chan struct{}), make(chan struct{})
	var best bytes.Buffer
	var peak uint64
	go func() {
		defer close(finished)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
		var top uint64
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			peak = max(peak, sample[1].Value.Uint64())
			if v := sample[0].Value.Uint64(); file != "" && v > top+top/10 {
				top = v
				best.Reset()
				_ = pprof.Lookup("heap").WriteTo(&best, 0)
			}
		}
	}()
	return func() (uint64, error) {
		close(done)
		<-finished
		if file == "" {
			return peak, nil
		}
		if err := os.WriteFile(file, best.Bytes(), 0o644); err != nil {
			return peak, &exitError{code: exitInternal, err: err}
		}
		return peak, nil
	}
}

// printStepBudget prints one run's use of the budget as soon as it ends.
func printStepBudget(out io.Writer, r benchRow, allowed float64) {
	u := r.rate
	if allowed <= 0 || u.docRequests == 0 {
		return
	}
	line := fmt.Sprintf("%-13s documentation system: %d requests, %.2f/s over the run (%.1f%% of %.2f/s allowed)",
		r.step, u.docRequests, float64(u.docRequests)/u.took.Seconds(), 100*float64(u.docRequests)/u.took.Seconds()/allowed, allowed)
	if u.docSpan > 0 {
		line += fmt.Sprintf(", %.2f/s over its %.1f s span (%.1f%%)", float64(u.docRequests)/u.docSpan.Seconds(),
			u.docSpan.Seconds(), 100*float64(u.docRequests)/u.docSpan.Seconds()/allowed)
	}
	if u.requests > 0 {
		line += fmt.Sprintf("; 429s %d of %d requests (%.2f%%)", u.tooMany, u.requests, 100*float64(u.tooMany)/float64(u.requests))
	}
	fmt.Fprintln(out, line)
}
