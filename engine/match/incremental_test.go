package match

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// world is the records of both systems in a randomized sequence of runs:
// values by id, and the run in which each record last changed (the
// changed-since listing of an incremental run).
type world struct {
	recs    map[Side]map[string]map[string]any
	created map[Side]map[string]int
	changed map[Side]map[string]int
	next    int
}

func newWorld() *world {
	w := &world{recs: map[Side]map[string]map[string]any{}, created: map[Side]map[string]int{}, changed: map[Side]map[string]int{}}
	for _, s := range bothSides() {
		w.recs[s], w.created[s], w.changed[s] = map[string]map[string]any{}, map[string]int{}, map[string]int{}
	}
	return w
}

// bothSides lists both sides.
func bothSides() []Side { return []Side{PSA, Doc} }

func (w *world) add(s Side, run int, vals map[string]any) string {
	w.next++
	id := fmt.Sprintf("%s%03d", s, w.next)
	w.recs[s][id], w.created[s][id], w.changed[s][id] = vals, w.next, run
	return id
}

// listing is what a run lists of side s: everything, or what changed
// since the previous run.
func (w *world) listing(s Side, run int, full bool) []Row {
	var out []Row
	ids := make([]string, 0, len(w.recs[s]))
	for id := range w.recs[s] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if !full && w.changed[s][id] < run-1 {
			continue
		}
		r := Row{ID: id, Created: t0.Add(time.Duration(w.created[s][id]) * time.Minute),
			Updated: t0.Add(time.Duration(w.changed[s][id]) * time.Hour), Values: map[string]any{}}
		for k, v := range w.recs[s][id] {
			r.Values[k] = v
		}
		out = append(out, r)
	}
	return out
}

var orgNames = []string{"Acme", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa", "Lambda", "Mu"}

func (w *world) edit(rng *rand.Rand, run int) {
	for _, s := range bothSides() {
		ids := make([]string, 0, len(w.recs[s]))
		for id := range w.recs[s] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			switch x := rng.IntN(20); {
			case x == 0:
				delete(w.recs[s], id)
			case x < 3:
				w.recs[s][id]["status"] = fmt.Sprintf("s%d", rng.IntN(4))
				w.changed[s][id] = run
			case x < 4:
				w.recs[s][id]["short_name"] = fmt.Sprintf("sn%d", rng.IntN(50))
				w.changed[s][id] = run
			}
		}
		for range rng.IntN(3) {
			w.add(s, run, map[string]any{"name": orgNames[rng.IntN(len(orgNames))], "status": "s0"})
		}
	}
}

// apply applies the run's planned ops to the world and returns the
// results to record (both runs of a step get the same new ids).
func (w *world) apply(t *testing.T, run int, ops []Op) []OpResult {
	t.Helper()
	var out []OpResult
	for _, op := range ops {
		if op.Status != StatusPlanned || op.Op == OpOrphan {
			continue
		}
		var fields map[string]struct{ New any }
		if err := json.Unmarshal(op.Fields, &fields); err != nil {
			t.Fatalf("op fields %s: %v", op.Fields, err)
		}
		vals := map[string]any{}
		for k, v := range fields {
			vals[k] = v.New
		}
		res := OpResult{Key: op.Key, Status: StatusApplied}
		switch op.Op {
		case OpCreate:
			res.TargetID = w.add(op.TargetSide, run, vals)
		case OpUpdate:
			rec, ok := w.recs[op.TargetSide][op.TargetID]
			if !ok {
				res.Status, res.Message = StatusFailed, "gone"
				break
			}
			for k, v := range vals {
				rec[k] = v
			}
			w.changed[op.TargetSide][op.TargetID] = run
		}
		out = append(out, res)
	}
	return out
}

// incRun runs one cycle in dir with the run's staged rows and returns
// its ops; everyLink runs it the way every run used to (the reference).
func incRun(t *testing.T, dir, runID string, o *Object, l Listing, psa, doc []Row, ctl []Control, everyLink bool) (*Run, MatchStats, []Op) {
	t.Helper()
	ctx := context.Background()
	r, err := OpenRun(ctx, Config{Dir: dir, Sync: "test_sync", RunID: runID, Threads: 2, MemoryLimit: "1GB", KeepRuns: 3})
	if err != nil {
		t.Fatalf("OpenRun: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	r.everyLink = everyLink
	if err := r.SetControls(ctx, o, ctl); err != nil {
		t.Fatal(err)
	}
	stageRows(t, r, o, PSA, psa...)
	stageRows(t, r, o, Doc, doc...)
	ms := mustMatch(t, r, o, l)
	if _, err := r.Plan(ctx, o); err != nil {
		t.Fatalf("Plan: %v", err)
	}
	ops, err := r.Ops(ctx, OpFilter{Object: o.Name(), Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return r, ms, ops
}

// linkRows lists a run's links as comparable text: every column but
// last_run (a run that looks at fewer links leaves the others' last_run
// as it was), the memories as parsed JSON.
func linkRows(t *testing.T, db querier) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT object, coalesce(psa_id, '-'), coalesce(doc_id, '-'), state, coalesce(rule, '-'),
		coalesce(reason, '-'), coalesce(first_linked_run, '-'), coalesce(state_run, '-'),
		coalesce(CAST(psa_synced AS VARCHAR), '{}'), coalesce(CAST(doc_synced AS VARCHAR), '{}'), coalesce(CAST(seen_updated AS VARCHAR), '-')
		FROM links`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		v := make([]string, 11)
		ptrs := make([]any, len(v))
		for i := range v {
			ptrs[i] = &v[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{8, 9} {
			var m map[string]any
			if err := json.Unmarshal([]byte(v[i]), &m); err != nil {
				t.Fatalf("memory %s: %v", v[i], err)
			}
			b, _ := json.Marshal(m) // sorted keys
			v[i] = string(b)
		}
		out = append(out, strings.Join(v, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func opRows(ops []Op) []string {
	var out []string
	for _, op := range ops {
		out = append(out, fmt.Sprintf("%d %s %s:%s<-%s:%s %s %s %s %s", op.Seq, op.Op, op.TargetSide, op.TargetID, op.SourceSide, op.SourceID, op.Fields, op.After, op.Reason, op.Status))
	}
	return out
}

func queryRows(t *testing.T, db querier, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestIncrementalRunsEqualEveryLinkRuns drives two sync directories
// through the same random sequence of edits, incremental and full
// listings, applied ops and controls: one as runs are now (looking only
// at the links whose records were listed), one looking at every link as
// before. After every run their links (but last_run), ops, unmatched
// rows and match decisions of new pairs must be equal, and the
// incremental run's phase 0 must have looked at no more links than it
// listed records plus the controlled ones.
func TestIncrementalRunsEqualEveryLinkRuns(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 11))
			o := object(t, "organization")
			inc, ref := t.TempDir(), t.TempDir()
			w := newWorld()
			for i := range 12 {
				w.add(PSA, 0, map[string]any{"name": orgNames[i%len(orgNames)], "status": "s0"})
				w.add(Doc, 0, map[string]any{"name": orgNames[(i+3)%len(orgNames)], "status": "s1"})
			}
			var ctl []Control
			for run := 1; run <= 10; run++ {
				if run > 1 {
					w.edit(rng, run)
				}
				// The last runs are incremental, so the Parquet rebuild below
				// replays link changes after the newest snapshot.
				last := run > 8
				fullRun := run == 1 || (!last && rng.IntN(4) == 0)
				// Controls: sometimes disable or disconnect a link, and lift
				// them again (a lifted control makes the next run list in
				// full, as the workflow does: match.Lifted).
				if run > 2 && !last && rng.IntN(3) == 0 {
					if len(ctl) > 0 {
						ctl, fullRun = nil, true
					} else {
						ids := slices.Sorted(func(yield func(string) bool) {
							for id := range w.recs[PSA] {
								if !yield(id) {
									return
								}
							}
						})
						if len(ids) > 0 {
							kind := []string{ControlDisable, ControlDisconnect, ControlPause}[rng.IntN(3)]
							c := Control{Kind: kind, Object: o.Name(), Side: string(PSA), ID: ids[rng.IntN(len(ids))], At: t0}
							if kind == ControlPause {
								c.Side, c.ID = "", ""
							}
							ctl = []Control{c}
						}
					}
				}
				l := Listing{}
				if fullRun {
					l = full
				}
				psa, doc := w.listing(PSA, run, fullRun), w.listing(Doc, run, fullRun)
				id := fmt.Sprintf("r%02d", run)
				ri, msi, opsI := incRun(t, inc, id, o, l, psa, doc, ctl, false)
				rr, msr, opsR := incRun(t, ref, id, o, l, psa, doc, ctl, true)
				if a, b := opRows(opsI), opRows(opsR); !slices.Equal(a, b) {
					t.Fatalf("run %d: ops differ:\nincremental %q\nevery link  %q", run, a, b)
				}
				if msi.Linked != msr.Linked || msi.Matched != msr.Matched || msi.Orphaned != msr.Orphaned || msi.Dropped != msr.Dropped {
					t.Fatalf("run %d: match stats differ: %+v vs %+v", run, msi, msr)
				}
				// Phase 0 of an incremental run looks at the listed records'
				// links and the controlled ones only.
				if !fullRun {
					looked := queryRows(t, ri.DB(), `SELECT psa_id || '=' || doc_id FROM match_decisions WHERE run = ? AND phase_no = 0`, id)
					if len(looked) > len(psa)+len(doc)+len(ctl)*len(w.recs[PSA]) {
						t.Fatalf("run %d: phase 0 looked at %d links for %d listed records", run, len(looked), len(psa)+len(doc))
					}
					if len(ctl) == 0 {
						listed := map[string]bool{}
						for _, x := range append(slices.Clone(psa), doc...) {
							listed[x.ID] = true
						}
						for _, p := range looked {
							a, b, _ := strings.Cut(p, "=")
							if listed[a] || listed[b] {
								continue
							}
							// Else a state a control gave it in an earlier run.
							st := queryRows(t, ri.DB(), `SELECT state FROM links_start WHERE psa_id = ? AND doc_id = ?`, a, b)
							if len(st) != 1 || (st[0] != StateDisconnected && st[0] != StateSyncDisabled && st[0] != StatePaused) {
								t.Fatalf("run %d: phase 0 looked at %s, neither record listed (state %v)", run, p, st)
							}
						}
					}
				}
				for _, q := range []string{
					`SELECT side || ':' || id || ':' || action || ':' || reason FROM unmatched WHERE run = $1`,
					`SELECT outcome || ':' || coalesce(psa_id, '') || '=' || coalesce(doc_id, '') || ':' || coalesce(reason, '') FROM match_decisions WHERE run = $1 AND phase_no > 0`,
				} {
					if a, b := queryRows(t, ri.DB(), q, id), queryRows(t, rr.DB(), q, id); !slices.Equal(a, b) {
						t.Fatalf("run %d: %s differ:\nincremental %q\nevery link  %q", run, q, a, b)
					}
				}
				// The links every link run looked at and the incremental one did
				// not are the ones left as they were: all decisions of the
				// incremental run are among the reference's.
				d0 := `SELECT outcome || ':' || psa_id || '=' || doc_id || ':' || reason FROM match_decisions WHERE run = $1 AND phase_no = 0`
				refD0 := queryRows(t, rr.DB(), d0, id)
				for _, d := range queryRows(t, ri.DB(), d0, id) {
					if _, found := slices.BinarySearch(refD0, d); !found {
						t.Fatalf("run %d: phase 0 decision %q is not the reference's", run, d)
					}
				}
				res := w.apply(t, run, opsI)
				for _, r := range []*Run{ri, rr} {
					if err := r.RecordResults(context.Background(), o, res); err != nil {
						t.Fatal(err)
					}
				}
				if a, b := linkRows(t, ri.db), linkRows(t, rr.db); !slices.Equal(a, b) {
					t.Fatalf("run %d (full %v): links differ:\nincremental %q\nevery link  %q", run, fullRun, a, b)
				}
				// The incremental publish equals a compaction of the same run
				// (a repeated publish compacts), and replaces its rows.
				if _, err := ri.Publish(context.Background()); err != nil {
					t.Fatal(err)
				}
				if !fullRun && !hasFile(inc, "runs", id, "links_added.parquet") {
					t.Fatalf("run %d: an incremental run's publish wrote no links_added.parquet", run)
				}
				if !last && rng.IntN(2) == 0 {
					before := published(t, inc)
					if _, err := ri.Publish(context.Background()); err != nil {
						t.Fatal(err)
					}
					after := published(t, inc)
					for name := range before {
						if d := firstDiff(before[name], after[name]); d != "" {
							t.Fatalf("run %d: %s: incremental publish and compaction differ: %s", run, name, d)
						}
					}
				}
				if _, err := rr.Publish(context.Background()); err != nil {
					t.Fatal(err)
				}
				for _, r := range []*Run{ri, rr} {
					if err := r.Remove(); err != nil {
						t.Fatal(err)
					}
				}
				// Both keep the same runs (KeepRuns).
				q := `SELECT run FROM runs UNION ALL SELECT DISTINCT 'ops ' || run FROM ops UNION ALL SELECT DISTINCT 'decisions ' || run FROM match_decisions`
				if a, b := publishedRows(t, inc, q), publishedRows(t, ref, q); !slices.Equal(a, b) {
					t.Fatalf("run %d: history kept differs: %q vs %q", run, a, b)
				}
			}
			// The links rebuilt from the Parquet files (the newest full
			// snapshot plus the incremental runs' changes) are the
			// published ones.
			want := published(t, inc)["links"]
			if _, err := RebuildResults(context.Background(), inc); err != nil {
				t.Fatal(err)
			}
			if d := firstDiff(published(t, inc)["links"], want); d != "" {
				t.Fatalf("links rebuilt from Parquet differ from the published: %s", d)
			}
		})
	}
}

// firstDiff describes the first difference of two sorted lists ("" =
// equal).
func firstDiff(a, b []string) string {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return fmt.Sprintf("%d rows vs %d; extra %q", len(a), len(b), b[i])
		case i >= len(b):
			return fmt.Sprintf("%d rows vs %d; extra %q", len(a), len(b), a[i])
		case a[i] != b[i]:
			return fmt.Sprintf("row %d: %q vs %q", i, a[i], b[i])
		}
	}
	return ""
}

// publishedRows runs q on dir's results.duckdb, closed at once (DuckDB
// shares an open database between the handles of one process: one left
// open would go on showing the file a later publish renamed away).
func publishedRows(t *testing.T, dir, q string) []string {
	t.Helper()
	db, err := OpenResults(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return queryRows(t, db, q)
}

func hasFile(parts ...string) bool { return fileExists(filepath.Join(parts...)) }

// published reads every result table of dir's results.duckdb as sorted
// row texts.
func published(t *testing.T, dir string) map[string][]string {
	t.Helper()
	db, err := OpenResults(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	for _, tb := range resultTables {
		q := `SELECT CAST(x AS VARCHAR) FROM ` + tb.name + ` x`
		if tb.name == "runs" {
			// A repeated publish stamps the run again.
			q = `SELECT CAST(x AS VARCHAR) FROM (SELECT * EXCLUDE (published_at) FROM runs) x`
		}
		out[tb.name] = queryRows(t, db, q)
	}
	return out
}
