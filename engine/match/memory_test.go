package match

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestFullDiffUnderSmallMemoryLimit runs a full diff of a few thousand
// configurations whose links carry memories, once under a DuckDB
// memory_limit far below what the diff held in one statement inside its
// transaction (it failed this way at 50,000 configurations in 768 MB) and
// once under 1GB, and wants the same ops and links. The pair values are
// chunked small here so every chunk path runs.
func TestFullDiffUnderSmallMemoryLimit(t *testing.T) {
	const n = 4000
	ctx := context.Background()
	orgs := make([]int, 20)
	for i := range orgs {
		orgs[i] = i + 1
	}
	note := strings.Repeat("a note long enough to weigh in the memories ", 6)
	cfgRow := func(s Side, i, run int) Row {
		org := fmt.Sprintf("pc%d", i%len(orgs)+1)
		if s == Doc {
			org = fmt.Sprintf("dc%d", i%len(orgs)+1)
		}
		status, notes := "active", note+fmt.Sprint(i)
		if run == 2 && s == PSA && i%3 == 0 {
			status = "retired"
		}
		if run == 2 && s == Doc && i%5 == 0 {
			notes = "edited in the doc " + fmt.Sprint(i)
		}
		return rec(fmt.Sprintf("%sf%05d", s, i), i, "organization", org, "configuration_type", "server",
			"name", fmt.Sprintf("host-%05d", i), "serial_number", fmt.Sprintf("SN%08d", i),
			"primary_mac", fmt.Sprintf("00:11:22:33:%02x:%02x", i/256%256, i%256), "asset_tag", fmt.Sprintf("AT-%d", i),
			"installed_at", "2024-02-03", "purchased_at", "2024-02-03T04:05:06Z",
			"notes", notes, "tags", []any{"b", "a"}, "status", status)
	}
	cycle := func(dir, runID, mem string, cells, run int) ([]string, []string) {
		r, err := OpenRun(ctx, Config{Dir: dir, Sync: "test_sync", RunID: runID, Threads: 2, MemoryLimit: mem})
		if err != nil {
			t.Fatalf("OpenRun: %v", err)
		}
		t.Cleanup(func() { r.Close() })
		r.pairCells = cells
		linkOrgs(t, r, orgs...)
		o := object(t, "configuration")
		var p, d []Row
		for i := range n {
			p, d = append(p, cfgRow(PSA, i, run)), append(d, cfgRow(Doc, i, run))
		}
		stageRows(t, r, o, PSA, p...)
		stageRows(t, r, o, Doc, d...)
		mustMatch(t, r, o, full)
		if _, err := r.Plan(ctx, o); err != nil {
			t.Fatalf("run %d under %s: Plan: %v", run, mem, err)
		}
		ops, err := r.Ops(ctx, OpFilter{Object: o.Name(), Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		links := linkRows(t, r.db)
		if _, err := r.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.Remove(); err != nil {
			t.Fatal(err)
		}
		return opRows(ops), links
	}
	small, large := t.TempDir(), t.TempDir()
	for run := 1; run <= 2; run++ {
		id := fmt.Sprintf("r%d", run)
		// The first run links the pairs and remembers their values under
		// 1GB; the second diffs all of them against those memories.
		mem, cells := "1GB", 0
		if run == 2 {
			mem, cells = smallDiffLimit, 20_000
		}
		opsS, linksS := cycle(small, id, mem, cells, run)
		opsL, linksL := cycle(large, id, "1GB", 0, run)
		if !slices.Equal(opsS, opsL) {
			t.Fatalf("run %d: ops differ under %s:\n%q\nunder 1GB:\n%q", run, mem, firstN(opsS, 5), firstN(opsL, 5))
		}
		if !slices.Equal(linksS, linksL) {
			t.Fatalf("run %d: links differ under %s:\n%q\nunder 1GB:\n%q", run, mem, firstN(linksS, 5), firstN(linksL, 5))
		}
		if run == 2 && len(opsS) < n/3 {
			t.Fatalf("run 2 planned %d ops, want at least one per edited pair (%d)", len(opsS), n/3)
		}
	}
}

// smallDiffLimit is below what the diff of TestFullDiffUnderSmallMemoryLimit
// held before it was chunked and taken out of its transaction.
const smallDiffLimit = "80MB"

func firstN(s []string, k int) []string { return s[:min(k, len(s))] }
