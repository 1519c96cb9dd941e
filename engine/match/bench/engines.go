package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"mapsync/engine/match"
	"mapsync/engine/match/internal/baseline"
	"mapsync/engine/match/internal/synth"
	"mapsync/engine/plan"
)

var (
	orgType = plan.CanonicalType{Name: "organization", Fields: []plan.CanonicalField{{Name: "name", Type: plan.TypeString}}}
	cfgType = plan.CanonicalType{Name: "configuration", Fields: []plan.CanonicalField{
		{Name: "organization", Type: plan.TypeRef, Ref: "organization"},
		{Name: "configuration_type", Type: plan.TypeString},
		{Name: "name", Type: plan.TypeString},
		{Name: "serial_number", Type: plan.TypeString},
		{Name: "primary_mac", Type: plan.TypeString},
	}}
)

func fieldSyncs(t plan.CanonicalType) []plan.FieldSync {
	var out []plan.FieldSync
	for _, f := range t.Fields {
		out = append(out, plan.FieldSync{Name: f.Name, Type: f.Type, Direction: plan.DirTwoWay, Winner: "psa"})
	}
	return out
}

func objects() (*match.Object, *match.Object, error) {
	org, err := match.NewObject(plan.ObjectSync{
		Object: "organization", Direction: plan.DirTwoWay, CreateInDoc: true, CreateInPSA: plan.CreateNever,
		Fields: fieldSyncs(orgType),
		Match:  plan.Match{Rules: []plan.MatchRule{{Name: "name", Keys: []string{"name"}}}, Tie: "oldest"},
	}, orgType)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := match.NewObject(plan.ObjectSync{
		Object: "configuration", Direction: plan.DirTwoWay, CreateInDoc: true, CreateInPSA: plan.CreateNever,
		Fields: fieldSyncs(cfgType),
		Match: plan.Match{ScopeBy: "organization", Tie: "oldest",
			Rules:     []plan.MatchRule{{Name: "name", Keys: []string{"configuration_type", "name"}}},
			Narrow:    []string{"serial_number", "primary_mac"},
			Normalize: map[string]string{"primary_mac": "mac"}},
	}, cfgType)
	return org, cfg, err
}

// isOutputStep says whether a Match step writes analyst output (decisions,
// unmatched rows with reasons, links) rather than finding the pairs.
func isOutputStep(step string) bool {
	for _, s := range []string{"decisions", "unmatched", "links", "waiting"} {
		if strings.Contains(step, s) {
			return !strings.Contains(step, "existing links") && !strings.Contains(step, "count links")
		}
	}
	return false
}

func runDuckDB(ctx context.Context, n, threads int, mem string, appender, withPlan bool, dir string) (result, error) {
	var res result
	org, cfg, err := objects()
	if err != nil {
		return res, err
	}
	if dir == "" {
		dir, err = os.MkdirTemp("", "mapsync-bench-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
	} else {
		dir, err = os.MkdirTemp(dir, "mapsync-bench-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
	}
	cfgRun := match.Config{Dir: dir, Sync: "bench", RunID: "bench", Threads: threads, MemoryLimit: mem}
	show := os.Getenv("MAPSYNC_BENCH_TRACE") != ""
	last := cpuSeconds()
	var pairing, outputs time.Duration
	cfgRun.Trace = func(step string, d time.Duration) {
		now := cpuSeconds()
		if show {
			fmt.Fprintf(os.Stderr, "%8.3fs wall %8.3fs cpu  %s\n", d.Seconds(), now-last, step)
		}
		last = now
		switch {
		case strings.HasSuffix(step, "match total (with commit)"):
		case isOutputStep(step):
			outputs += d
		default:
			pairing += d
		}
	}
	r, err := match.OpenRun(ctx, cfgRun)
	if err != nil {
		return res, err
	}
	defer r.Remove()

	start, cpu := time.Now(), cpuSeconds()
	var appendTime time.Duration
	var appended int
	for _, s := range []match.Side{match.PSA, match.Doc} {
		if appender {
			d, k, err := appendSide(ctx, r, org, cfg, s, n)
			if err != nil {
				return res, err
			}
			appendTime += d
			appended += k
		} else if err := sqlSide(ctx, r, org, cfg, s, n); err != nil {
			return res, err
		}
	}
	res.LoadS, res.LoadCPU = seconds(time.Since(start)), cpuSeconds()-cpu
	if appender {
		res.AppendRate = float64(appended) / appendTime.Seconds()
	}

	start, cpu = time.Now(), cpuSeconds()
	if _, err := r.Match(ctx, org, match.Listing{PSAComplete: true, DocComplete: true}); err != nil {
		return res, err
	}
	if _, err := r.Match(ctx, cfg, match.Listing{PSAComplete: true, DocComplete: true}); err != nil {
		return res, err
	}
	res.MatchS, res.MatchCPU = seconds(time.Since(start)), cpuSeconds()-cpu
	res.PairS, res.OutputS = pairing.Seconds(), res.MatchS-pairing.Seconds()
	if err := r.DB().QueryRowContext(ctx, `SELECT count(*) FROM links WHERE object = 'configuration' AND psa_id IS NOT NULL AND doc_id IS NOT NULL`).Scan(&res.Pairs); err != nil {
		return res, err
	}
	if err := r.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM match_decisions WHERE outcome IN ('matched', 'lost')),
		(SELECT count(*) FROM unmatched)`).Scan(&res.Decisions, &res.Unmatched); err != nil {
		return res, err
	}
	if withPlan {
		start = time.Now()
		if _, err := r.Plan(ctx, cfg); err != nil {
			return res, err
		}
		res.PlanS = seconds(time.Since(start))
	}
	return res, nil
}

// sqlSide fills one side's staging tables with DuckDB's SQL generator.
func sqlSide(ctx context.Context, r *match.Run, org, cfg *match.Object, s match.Side, n int) error {
	for _, x := range []struct {
		obj *match.Object
		sql string
	}{{org, synth.OrgSQL(string(s), n)}, {cfg, map[match.Side]string{match.PSA: synth.PSASQL(n), match.Doc: synth.DocSQL(n)}[s]}} {
		st, err := r.Stager(ctx, x.obj, s)
		if err != nil {
			return err
		}
		table := st.Table()
		if err := st.Close(); err != nil {
			return err
		}
		if _, err := r.DB().ExecContext(ctx, "INSERT INTO "+table+" BY NAME "+x.sql); err != nil {
			return fmt.Errorf("load %s: %w", table, err)
		}
	}
	return nil
}

// pagesPerStager is how many pages the production path stages through one
// Stager: steps.Extract reads 50 pages per call (workflows extractChunk)
// and closes its Stager, one INSERT per call.
const pagesPerStager = 50

// appendSide streams one side through Stager.Append, 1000 records a page,
// generating each page just before it is appended (the production path:
// records mapped into canonical rows, a Stager per 50 pages).
func appendSide(ctx context.Context, r *match.Run, org, cfg *match.Object, s match.Side, n int) (time.Duration, int, error) {
	var spent time.Duration
	rows := 0
	st, err := r.Stager(ctx, org, s)
	if err != nil {
		return 0, 0, err
	}
	var page []match.Row
	for c := range synth.Companies(n) {
		o := synth.PSAOrg(c)
		if s == match.Doc {
			o = synth.DocOrg(c)
		}
		page = append(page, match.Row{ID: o.ID, Created: synth.Epoch.Add(time.Duration(c) * time.Second), Values: map[string]any{"name": o.Name}})
	}
	start := time.Now()
	if err := st.Append(ctx, page); err != nil {
		return 0, 0, err
	}
	if err := st.Close(); err != nil {
		return 0, 0, err
	}
	spent += time.Since(start)
	rows += len(page)

	st = nil
	pages := 0
	page = make([]match.Row, 0, 1000)
	flush := func() error {
		start := time.Now()
		defer func() { spent += time.Since(start) }()
		if st == nil {
			var err error
			if st, err = r.Stager(ctx, cfg, s); err != nil {
				return err
			}
		}
		if err := st.Append(ctx, page); err != nil {
			return err
		}
		rows += len(page)
		page = page[:0]
		if pages++; pages%pagesPerStager == 0 {
			err := st.Close()
			st = nil
			return err
		}
		return nil
	}
	for i := range n {
		rec := synth.PSA(i, n)
		if s == match.Doc {
			rec = synth.Doc(i, n)
		}
		v := map[string]any{"organization": rec.Org, "configuration_type": rec.Type, "name": rec.Name}
		if rec.Serial != "" {
			v["serial_number"] = rec.Serial
		}
		if rec.MAC != "" {
			v["primary_mac"] = rec.MAC
		}
		page = append(page, match.Row{ID: rec.ID, Created: rec.Created, Values: v, ScopeReason: rec.ScopeReason})
		if len(page) == cap(page) {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
	}
	if len(page) > 0 {
		if err := flush(); err != nil {
			return 0, 0, err
		}
	}
	if st != nil {
		start = time.Now()
		err = st.Close()
		spent += time.Since(start)
	}
	return spent, rows, err
}

func runGo(n int) (result, error) {
	var res result
	start, cpu := time.Now(), cpuSeconds()
	psa := make([]baseline.Config, n)
	doc := make([]baseline.Config, n)
	for i := range n {
		p, d := synth.PSA(i, n), synth.Doc(i, n)
		psa[i] = baseline.Config{ID: p.ID, Org: p.Org, Type: p.Type, Name: p.Name, Serial: p.Serial, MAC: p.MAC, Created: p.Created, OutOfScope: p.ScopeReason != ""}
		doc[i] = baseline.Config{ID: d.ID, Org: d.Org, Type: d.Type, Name: d.Name, Serial: d.Serial, MAC: d.MAC, Created: d.Created, OutOfScope: d.ScopeReason != ""}
	}
	var po, do []baseline.Org
	for c := range synth.Companies(n) {
		p, d := synth.PSAOrg(c), synth.DocOrg(c)
		created := synth.Epoch.Add(time.Duration(c) * time.Second)
		po = append(po, baseline.Org{ID: p.ID, Name: p.Name, Created: created})
		do = append(do, baseline.Org{ID: d.ID, Name: d.Name, Created: created})
	}
	res.LoadS, res.LoadCPU = seconds(time.Since(start)), cpuSeconds()-cpu
	// Like for like: organizations then configurations, each with the
	// rows the DuckDB matcher writes (links, matched and lost decisions,
	// unmatched rows), kept in Go slices.
	start, cpu = time.Now(), cpuSeconds()
	orgs := baseline.MatchOrgs(po, do)
	links := make(map[string]string, len(orgs.Pairs))
	for _, p := range orgs.Pairs {
		links[p.PSA] = p.Doc
	}
	cfgs := baseline.MatchAll(psa, doc, links)
	res.MatchS, res.MatchCPU = seconds(time.Since(start)), cpuSeconds()-cpu
	res.PairS = res.MatchS
	res.Pairs = int64(len(cfgs.Pairs))
	res.Decisions = int64(len(orgs.Decisions) + len(cfgs.Decisions))
	res.Unmatched = int64(len(orgs.Unmatched) + len(cfgs.Unmatched))
	return res, nil
}
