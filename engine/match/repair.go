package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"
)

// ErrDamagedResults matches (errors.Is) the error of a published results
// file that exists but cannot be read (truncated, overwritten).
var ErrDamagedResults = errors.New("published results damaged")

// damagedResults wraps the error of reading the published file at path
// with what happened and the command that rebuilds it.
func damagedResults(path string, err error) error {
	return fmt.Errorf("%w: %s cannot be read (%v); rebuild it from the per-run Parquet files with: mapsync repair %s",
		ErrDamagedResults, path, err, filepath.Dir(path))
}

// Repaired says how a results file was rebuilt.
type Repaired struct {
	Results  string // the rebuilt results.duckdb
	Damaged  string // where the unreadable file was moved ("" if there was none)
	LinksRun string // the run whose links were taken (the newest published)
	Runs     int    // runs whose history was read back
}

// RebuildResults rebuilds dir/results.duckdb from the Parquet files every
// publish writes under dir/runs/<run>/: the links of the newest run (the
// links as they were after it), and the match_decisions, unmatched and ops
// of every run kept there. An existing results file is moved aside to
// results.duckdb.damaged-<time> first, never deleted. Link memories come
// back as they were published, so the next run goes on from them.
func RebuildResults(ctx context.Context, dir string) (Repaired, error) {
	out := Repaired{Results: filepath.Join(dir, resultsFile)}
	runsDir := filepath.Join(dir, "runs")
	entries, err := os.ReadDir(runsDir)
	if err != nil {
		return out, fmt.Errorf("rebuild results: no per-run Parquet files in %s: %w (run 'mapsync sync --full' instead: it relinks by matching, without the link memories)", runsDir, err)
	}
	var runs []runDir
	for _, e := range entries {
		if !e.IsDir() || filepath.Ext(e.Name()) == ".tmp" {
			continue
		}
		// A compacting publish writes every link (links.parquet), an
		// incremental one the rows it added and removed.
		for _, f := range []string{"links.parquet", "links_added.parquet"} {
			fi, err := os.Stat(filepath.Join(runsDir, e.Name(), f))
			if err != nil {
				continue
			}
			runs = append(runs, runDir{id: e.Name(), mod: fi.ModTime(), snapshot: f == "links.parquet"})
			break
		}
	}
	if !slices.ContainsFunc(runs, func(r runDir) bool { return r.snapshot }) {
		return out, fmt.Errorf("rebuild results: no run under %s has a links.parquet", runsDir)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].mod.Before(runs[j].mod) })
	for _, r := range runs {
		if r.snapshot {
			out.LinksRun = r.id
		}
	}
	out.Runs = len(runs)

	tmp := filepath.Join(dir, resultsTmpFile)
	for _, p := range []string{tmp, tmp + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return out, fmt.Errorf("rebuild results: %w", err)
		}
	}
	db, err := openDB(tmp, Config{}, false)
	if err != nil {
		return out, fmt.Errorf("rebuild results: %w", err)
	}
	if err := fillRebuilt(ctx, db, runsDir, out.LinksRun, runs); err != nil {
		db.Close()
		return out, fmt.Errorf("rebuild results: %w", err)
	}
	if err := db.Close(); err != nil {
		return out, fmt.Errorf("rebuild results: %w", err)
	}
	if _, err := os.Stat(out.Results); err == nil {
		out.Damaged = out.Results + ".damaged-" + time.Now().UTC().Format("20060102T150405")
		if err := os.Rename(out.Results, out.Damaged); err != nil {
			return out, fmt.Errorf("rebuild results: move the damaged file aside: %w", err)
		}
		_ = os.Rename(out.Results+".wal", out.Damaged+".wal")
	}
	if err := os.Rename(tmp, out.Results); err != nil {
		return out, fmt.Errorf("rebuild results: %w", err)
	}
	return out, syncFile(dir)
}

// runDir is one run's Parquet directory and when its links were written.
type runDir struct {
	id       string
	mod      time.Time
	snapshot bool // links.parquet: every link; else the links added and removed
}

func fillRebuilt(ctx context.Context, db *sql.DB, runsDir, linksRun string, runs []runDir) error {
	var stmts []string
	for _, t := range resultTables {
		stmts = append(stmts, t.ddl)
	}
	if err := execAll(ctx, db, "create tables", stmts...); err != nil {
		return err
	}
	if _, err := exec(ctx, db, "links", `INSERT INTO links BY NAME SELECT * FROM read_parquet(`+lit(filepath.Join(runsDir, linksRun, "links.parquet"))+`)`); err != nil {
		return err
	}
	// The link changes of the incremental runs published since, in order.
	after := false
	for _, r := range runs {
		if r.id == linksRun {
			after = true
			continue
		}
		if !after || r.snapshot {
			continue
		}
		dir := filepath.Join(runsDir, r.id)
		if _, err := exec(ctx, db, "links removed by "+r.id, `DELETE FROM links l USING read_parquet(`+lit(filepath.Join(dir, "links_removed.parquet"))+`) x WHERE `+sameLink("l", "x")); err != nil {
			return err
		}
		if _, err := exec(ctx, db, "links added by "+r.id, `INSERT INTO links BY NAME SELECT * FROM read_parquet(`+lit(filepath.Join(dir, "links_added.parquet"))+`)`); err != nil {
			return err
		}
	}
	// Object start times as the newest run published them (runs
	// published before they existed have no file: the next run records
	// its own start, a later one, so fewer records count as new).
	if p := filepath.Join(runsDir, linksRun, "object_starts.parquet"); fileExists(p) {
		if _, err := exec(ctx, db, "object starts", `INSERT INTO object_starts BY NAME SELECT * FROM read_parquet(`+lit(p)+`)`); err != nil {
			return err
		}
	}
	for _, r := range runs {
		for _, t := range []string{"match_decisions", "unmatched", "ops"} {
			p := filepath.Join(runsDir, r.id, t+".parquet")
			if _, err := os.Stat(p); err != nil {
				continue
			}
			if _, err := exec(ctx, db, t, `INSERT INTO `+t+` BY NAME SELECT * FROM read_parquet(`+lit(p)+`)`); err != nil {
				return err
			}
		}
		if p := filepath.Join(runsDir, r.id, "runs.parquet"); fileExists(p) {
			if _, err := exec(ctx, db, "runs", `INSERT INTO runs BY NAME SELECT * FROM read_parquet(`+lit(p)+`)`); err != nil {
				return err
			}
			continue
		}
		var sync sql.NullString
		_ = db.QueryRowContext(ctx, `SELECT any_value(sync) FROM read_parquet(`+lit(filepath.Join(runsDir, r.id, "links.parquet"))+`)`).Scan(&sync)
		if _, err := exec(ctx, db, "runs", `INSERT INTO runs (run, sync, published_at) VALUES (?, ?, ?)`, r.id, sync.String, r.mod.UTC()); err != nil {
			return err
		}
	}
	return execAll(ctx, db, "checkpoint", "CHECKPOINT")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
