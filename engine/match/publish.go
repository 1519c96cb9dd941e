package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Published says where a run's results went.
type Published struct {
	Results string // results.duckdb: links now, plus the kept history
	Parquet string // runs/<run-id>/: this run's tables as Parquet
}

// Publish writes the run's results where analysts read them, without ever
// holding the published file open for writing:
//
//  1. results.tmp.duckdb is made: after a run that listed an object in
//     full (or when there is no published file yet, or its tables have
//     another shape), built from the scratch database (links as they are
//     now; history tables = the published history, minus this run and
//     runs beyond KeepRuns, plus this run's rows): a compaction. After
//     an incremental run it is a copy of results.duckdb to which only the
//     run's changes are applied: the link rows that changed (found by
//     comparing this sync's links, a hash join), this run's history rows
//     (replacing those of an earlier publish of the same run) and the
//     pruning of runs beyond KeepRuns. Either way it is checkpointed and
//     closed;
//  2. it is renamed over results.duckdb (atomic: readers see the old or
//     the new file, and one that has the old file open keeps reading it);
//  3. this run's match_decisions, unmatched and ops, its runs row, and the
//     links are written as Parquet under runs/<run-id>/ (built in a
//     temporary directory, then renamed): links.parquet, every link of
//     the sync, after a compaction; links_added.parquet and
//     links_removed.parquet, the rows the run added and removed (a
//     changed link is both), after an incremental publish.
//
// Publish can be repeated; the run's rows replace those of an earlier
// publish of the same run. Only one Publish per sync may run at a time.
func (r *Run) Publish(ctx context.Context) (Published, error) {
	out := Published{
		Results: filepath.Join(r.cfg.Dir, resultsFile),
		Parquet: filepath.Join(r.cfg.Dir, "runs", r.cfg.RunID),
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return out, fmt.Errorf("publish: %w", err)
	}
	defer conn.Close()
	if _, err := exec(ctx, conn, "mark published", `UPDATE runs SET published_at = ? WHERE run = ?`, time.Now().UTC(), r.cfg.RunID); err != nil {
		return out, fmt.Errorf("publish: %w", err)
	}
	start := time.Now()
	delta, err := r.writeResultsFile(ctx, conn)
	r.trace("publish: results file", start)
	if err != nil {
		return out, fmt.Errorf("publish: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp."+tLinksAdded)
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp."+tLinksRemoved)
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp."+tLinksDiff)
	}()
	start = time.Now()
	if err := r.writeParquet(ctx, conn, out.Parquet, delta); err != nil {
		return out, fmt.Errorf("publish: %w", err)
	}
	r.trace("publish: parquet", start)
	return out, nil
}

// The link rows an incremental publish added and removed (temp tables of
// the publishing connection).
const (
	tLinksAdded   = "pub_links_added"
	tLinksRemoved = "pub_links_removed"
	tLinksDiff    = "pub_links_diff"
)

// linkColumns are the columns of links, compared to find changed rows.
var linkColumns = []string{"sync", "object", "psa_id", "doc_id", "state", "rule", "reason", "first_linked_run",
	"last_run", "state_run", "psa_synced", "doc_synced", "seen_updated", "seen_values"}

// sameLink is the condition for rows a and b of links to be equal.
func sameLink(a, b string) string {
	conds := make([]string, len(linkColumns))
	for i, c := range linkColumns {
		conds[i] = a + "." + c + " IS NOT DISTINCT FROM " + b + "." + c
	}
	return strings.Join(conds, " AND ")
}

// writeResultsFile publishes results.duckdb; delta reports an
// incremental publish (the link changes are in tLinksAdded and
// tLinksRemoved).
func (r *Run) writeResultsFile(ctx context.Context, conn *sql.Conn) (delta bool, err error) {
	final := filepath.Join(r.cfg.Dir, resultsFile)
	tmp := filepath.Join(r.cfg.Dir, resultsTmpFile)
	for _, p := range []string{tmp, tmp + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("remove stale %s: %w", p, err)
		}
	}
	var scratch string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&scratch); err != nil {
		return false, fmt.Errorf("scratch database name: %w", err)
	}
	_, statErr := os.Stat(final)
	havePrev := statErr == nil
	if statErr != nil && !errors.Is(statErr, os.ErrNotExist) {
		return false, fmt.Errorf("published results: %w", statErr)
	}
	// The published file is compressed; the scratch database is not.
	if err := execAll(ctx, conn, "compress", `SET GLOBAL force_compression = 'auto'`); err != nil {
		return false, err
	}
	defer func() {
		if cerr := execAll(context.WithoutCancel(ctx), conn, "uncompress", `SET GLOBAL force_compression = 'uncompressed'`); err == nil {
			err = cerr
		}
	}()
	var attached []string
	defer func() {
		// Back to the scratch database, and never leave a file attached.
		cctx := context.WithoutCancel(ctx)
		_ = execAll(cctx, conn, "use scratch", "USE "+ident(scratch))
		for _, a := range attached {
			if derr := execAll(cctx, conn, "detach "+a, "DETACH "+a); derr != nil && err == nil {
				err = derr
			}
		}
	}()
	if havePrev {
		if err := execAll(ctx, conn, "attach published results", `ATTACH `+lit(final)+` AS _prev (READ_ONLY)`); err != nil {
			return false, damagedResults(final, err)
		}
		attached = append(attached, "_prev")
		if delta, err = r.canApplyDelta(ctx, conn, scratch); err != nil {
			return false, err
		}
	}
	if delta {
		// The published file is never written in place (it was renamed
		// there complete, checkpointed): its copy is the new file's start.
		start := time.Now()
		if err := copyFile(final, tmp); err != nil {
			return false, err
		}
		r.trace("publish: copy results file", start)
	}
	if err := execAll(ctx, conn, "attach new results", `ATTACH `+lit(tmp)+` AS _pub`); err != nil {
		return false, err
	}
	attached = append([]string{"_pub"}, attached...)
	start := time.Now()
	if delta {
		err = r.applyDelta(ctx, conn)
	} else {
		err = r.fillResults(ctx, conn, scratch, havePrev)
	}
	if err != nil {
		return false, err
	}
	r.trace(fmt.Sprintf("publish: fill (delta %v)", delta), start)
	start = time.Now()
	if err := execAll(ctx, conn, "checkpoint new results", "CHECKPOINT _pub", "DETACH _pub"); err != nil {
		return false, err
	}
	r.trace("publish: checkpoint", start)
	attached = attached[1:]
	if _, err := os.Stat(tmp + ".wal"); err == nil {
		return false, fmt.Errorf("%s.wal remains after detach", tmp)
	}
	if err := syncFile(tmp); err != nil {
		return false, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return false, fmt.Errorf("publish results: %w", err)
	}
	return delta, syncFile(r.cfg.Dir)
}

// canApplyDelta reports whether this run is published incrementally: it
// listed no object in full (a full run compacts the file), the published
// file (_prev) has every result table with the scratch database's
// columns (else it is from an older version), and does not hold this run
// yet (a repeated publish compacts too, so the Parquet files get every
// link).
func (r *Run) canApplyDelta(ctx context.Context, conn *sql.Conn, scratch string) (bool, error) {
	if r.everyLink {
		return false, nil
	}
	n, err := queryInt(ctx, conn, "full listings", `SELECT count(*) FROM _meta WHERE starts_with(key, 'listed_complete/') AND value = 'true'`)
	if err != nil || n > 0 {
		return false, err
	}
	for _, t := range resultTables {
		n, err := queryInt(ctx, conn, "compare "+t.name, `SELECT count(DISTINCT cols) FROM (
			SELECT database_name, list(column_name || ' ' || data_type ORDER BY column_name) AS cols FROM duckdb_columns()
			WHERE database_name IN ('_prev', $2) AND schema_name = 'main' AND table_name = $1 GROUP BY database_name)`, t.name, scratch)
		if err != nil {
			return false, err
		}
		have, err := queryInt(ctx, conn, "find "+t.name, `SELECT count(*) FROM duckdb_tables() WHERE database_name = '_prev' AND schema_name = 'main' AND table_name = ?`, t.name)
		if err != nil {
			return false, err
		}
		if n != 1 || have != 1 {
			return false, nil
		}
	}
	n, err = queryInt(ctx, conn, "published before", `SELECT count(*) FROM _prev.runs WHERE run = ?`, r.cfg.RunID)
	return n == 0, err
}

func (r *Run) fillResults(ctx context.Context, conn *sql.Conn, scratch string, havePrev bool) error {
	stmts := []string{"USE _pub"}
	for _, t := range resultTables {
		stmts = append(stmts, t.ddl)
	}
	stmts = append(stmts, "USE "+ident(scratch))
	if err := execAll(ctx, conn, "create published tables", stmts...); err != nil {
		return err
	}
	prevHas := func(table string) (bool, error) {
		if !havePrev {
			return false, nil
		}
		n, err := queryInt(ctx, conn, "published tables", `SELECT count(*) FROM duckdb_tables() WHERE database_name = '_prev' AND table_name = ?`, table)
		return n > 0, err
	}
	run, sync := r.cfg.RunID, r.cfg.Sync
	// Links and controls: this sync's are the scratch's; another sync's
	// (a shared directory) are carried over untouched.
	for _, t := range currentTables {
		if ok, err := prevHas(t); err != nil {
			return err
		} else if ok {
			if _, err := exec(ctx, conn, "carry other "+t, `INSERT INTO _pub.`+t+` BY NAME SELECT * FROM _prev.`+t+` WHERE sync <> ?`, sync); err != nil {
				return err
			}
		}
		if _, err := exec(ctx, conn, "publish "+t, `INSERT INTO _pub.`+t+` BY NAME SELECT * FROM `+t); err != nil {
			return err
		}
	}
	keep := "true"
	if r.cfg.KeepRuns > 0 {
		keep = fmt.Sprintf(`run IN (SELECT run FROM _prev.runs WHERE run <> %s ORDER BY started_at DESC NULLS LAST, run DESC LIMIT %d)`, lit(run), r.cfg.KeepRuns-1)
	}
	for _, t := range historyTables {
		ok, err := prevHas(t)
		if err != nil {
			return err
		}
		if ok {
			if _, err := exec(ctx, conn, "carry history of "+t,
				`INSERT INTO _pub.`+t+` BY NAME SELECT * FROM _prev.`+t+` WHERE run <> ? AND `+keep, run); err != nil {
				return err
			}
		}
		if _, err := exec(ctx, conn, "publish "+t, `INSERT INTO _pub.`+t+` BY NAME SELECT * FROM `+t+` WHERE run = ?`, run); err != nil {
			return err
		}
	}
	return nil
}

// applyDelta applies this run to the copy of the published results
// (_pub): the sync's link rows that differ from the scratch database's
// are replaced, its controls and object starts replaced (a few rows),
// this run's history rows replace those of an earlier publish of it, and
// runs beyond KeepRuns are pruned. One transaction.
func (r *Run) applyDelta(ctx context.Context, conn *sql.Conn) error {
	sync := r.cfg.Sync
	defer r.trace("publish: link delta and history", time.Now())
	// The link changes, kept for the Parquet files: one full outer hash
	// join of the published rows with the scratch database's; a row found
	// on one side only was removed (published) or added (scratch).
	var sel, oldCols, newCols []string
	for _, c := range linkColumns {
		sel = append(sel, "p."+c+" AS o_"+c, "s."+c+" AS n_"+c)
		oldCols = append(oldCols, "o_"+c+" AS "+c)
		newCols = append(newCols, "n_"+c+" AS "+c)
	}
	if _, err := r.texec(ctx, conn, "link changes", `CREATE OR REPLACE TEMP TABLE `+tLinksDiff+` AS
		SELECT `+strings.Join(sel, ", ")+`, p._in AS o_in, s._in AS n_in
		FROM (SELECT *, true AS _in FROM _pub.links WHERE sync = $1) p
		FULL OUTER JOIN (SELECT *, true AS _in FROM links) s ON `+sameLink("p", "s")+`
		WHERE p._in IS NULL OR s._in IS NULL`, sync); err != nil {
		return err
	}
	if _, err := r.texec(ctx, conn, "links removed", `CREATE OR REPLACE TEMP TABLE `+tLinksRemoved+` AS
		SELECT `+strings.Join(oldCols, ", ")+` FROM `+tLinksDiff+` WHERE n_in IS NULL`); err != nil {
		return err
	}
	if _, err := r.texec(ctx, conn, "links added", `CREATE OR REPLACE TEMP TABLE `+tLinksAdded+` AS
		SELECT `+strings.Join(newCols, ", ")+` FROM `+tLinksDiff+` WHERE o_in IS NULL`); err != nil {
		return err
	}
	return withTx(ctx, conn, func() error {
		if _, err := r.texec(ctx, conn, "remove changed links", `DELETE FROM _pub.links p USING `+tLinksRemoved+` x WHERE `+sameLink("p", "x")); err != nil {
			return err
		}
		if _, err := r.texec(ctx, conn, "add changed links", `INSERT INTO _pub.links BY NAME SELECT * FROM `+tLinksAdded); err != nil {
			return err
		}
		for _, t := range currentTables {
			if t == "links" {
				continue
			}
			if _, err := r.texec(ctx, conn, "replace "+t, `DELETE FROM _pub.`+t+` WHERE sync = ?`, sync); err != nil {
				return err
			}
			if _, err := r.texec(ctx, conn, "publish "+t, `INSERT INTO _pub.`+t+` BY NAME SELECT * FROM `+t); err != nil {
				return err
			}
		}
		// runs last: the pruning of the others reads it.
		for _, t := range historyTables {
			if t == "runs" {
				continue
			}
			if err := r.appendHistory(ctx, conn, t); err != nil {
				return err
			}
		}
		return r.appendHistory(ctx, conn, "runs")
	})
}

// appendHistory replaces this run's rows of history table t in _pub and
// prunes the runs beyond KeepRuns.
func (r *Run) appendHistory(ctx context.Context, conn *sql.Conn, t string) error {
	run := r.cfg.RunID
	if _, err := r.texec(ctx, conn, "replace run in "+t, `DELETE FROM _pub.`+t+` WHERE run = ?`, run); err != nil {
		return err
	}
	if r.cfg.KeepRuns > 0 {
		if _, err := r.texec(ctx, conn, "prune "+t, fmt.Sprintf(`DELETE FROM _pub.%s WHERE run NOT IN (
			SELECT run FROM _pub.runs WHERE run <> $1 ORDER BY started_at DESC NULLS LAST, run DESC LIMIT %d)`, t, r.cfg.KeepRuns-1), run); err != nil {
			return err
		}
	}
	_, err := r.texec(ctx, conn, "append "+t, `INSERT INTO _pub.`+t+` BY NAME SELECT * FROM `+t+` WHERE run = ?`, run)
	return err
}

// copyFile copies the published file to the new one (the published file
// is never written in place: it was renamed there complete).
func copyFile(from, to string) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("copy results: %w", err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return fmt.Errorf("copy results: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy results: %w", cerr)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy results: %w", err)
	}
	return nil
}

func (r *Run) writeParquet(ctx context.Context, conn *sql.Conn, dir string, delta bool) error {
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	tables := map[string]string{
		"object_starts":   "SELECT * FROM object_starts",
		"match_decisions": "SELECT * FROM match_decisions WHERE run = " + lit(r.cfg.RunID),
		"unmatched":       "SELECT * FROM unmatched WHERE run = " + lit(r.cfg.RunID),
		"ops":             "SELECT * FROM ops WHERE run = " + lit(r.cfg.RunID),
		"runs":            "SELECT * FROM runs WHERE run = " + lit(r.cfg.RunID),
	}
	if delta {
		tables["links_added"] = "SELECT * FROM " + tLinksAdded
		tables["links_removed"] = "SELECT * FROM " + tLinksRemoved
	} else {
		tables["links"] = "SELECT * FROM links"
	}
	for name, q := range tables {
		path := filepath.Join(tmp, name+".parquet")
		if err := execAll(ctx, conn, "parquet "+name, "COPY ("+q+") TO "+lit(path)+" (FORMAT PARQUET)"); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	return nil
}

// texec is exec, traced as "publish: "+step.
func (r *Run) texec(ctx context.Context, conn *sql.Conn, step, stmt string, args ...any) (int64, error) {
	defer r.trace("publish: "+step, time.Now())
	return exec(ctx, conn, step, stmt, args...)
}

// trace tells Config.Trace how long a step took since start.
func (r *Run) trace(step string, start time.Time) {
	if r.cfg.Trace != nil {
		r.cfg.Trace(step, time.Since(start))
	}
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// OpenResultsLocked opens a sync's published results for queries of
// people: read-only, with DuckDB's external access disabled (no COPY TO,
// ATTACH, read_csv/read_parquet of other files, INSTALL/LOAD) and the
// configuration locked so a query cannot turn it back on.
func OpenResultsLocked(ctx context.Context, dir string) (*sql.DB, error) {
	return openResultsFile(ctx, dir, "enable_external_access=false", "lock_configuration=true", "autoinstall_known_extensions=false", "autoload_known_extensions=false")
}

// OpenResults opens a sync's published results read-only. DuckDB lets
// several read-only processes share the file; a publish renames a new file
// over it, which does not disturb an open reader.
func OpenResults(ctx context.Context, dir string) (*sql.DB, error) {
	return openResultsFile(ctx, dir)
}

func openResultsFile(ctx context.Context, dir string, extra ...string) (*sql.DB, error) {
	path := filepath.Join(dir, resultsFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open results: %w", err)
	}
	db, err := openDB(path, Config{}, true, extra...)
	if err != nil {
		return nil, damagedResults(path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, damagedResults(path, err)
	}
	return db, nil
}
