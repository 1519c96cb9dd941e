package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
//  1. results.tmp.duckdb is built from the scratch database (links as they
//     are now; history tables = the published history, minus this run and
//     runs beyond KeepRuns, plus this run's rows), checkpointed and closed;
//  2. it is renamed over results.duckdb (atomic: readers see the old or
//     the new file, and one that has the old file open keeps reading it);
//  3. this run's match_decisions, unmatched and ops, and the links, are
//     written as Parquet under runs/<run-id>/ (built in a temporary
//     directory, then renamed).
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
	if err := r.writeResultsFile(ctx, conn); err != nil {
		return out, fmt.Errorf("publish: %w", err)
	}
	if err := r.writeParquet(ctx, conn, out.Parquet); err != nil {
		return out, fmt.Errorf("publish: %w", err)
	}
	return out, nil
}

func (r *Run) writeResultsFile(ctx context.Context, conn *sql.Conn) (err error) {
	final := filepath.Join(r.cfg.Dir, resultsFile)
	tmp := filepath.Join(r.cfg.Dir, resultsTmpFile)
	for _, p := range []string{tmp, tmp + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", p, err)
		}
	}
	var scratch string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&scratch); err != nil {
		return fmt.Errorf("scratch database name: %w", err)
	}
	_, statErr := os.Stat(final)
	havePrev := statErr == nil
	if statErr != nil && !errors.Is(statErr, os.ErrNotExist) {
		return fmt.Errorf("published results: %w", statErr)
	}
	// The published file is compressed; the scratch database is not.
	if err := execAll(ctx, conn, "compress", `SET GLOBAL force_compression = 'auto'`); err != nil {
		return err
	}
	defer func() {
		if cerr := execAll(context.WithoutCancel(ctx), conn, "uncompress", `SET GLOBAL force_compression = 'uncompressed'`); err == nil {
			err = cerr
		}
	}()
	if err := execAll(ctx, conn, "attach new results", `ATTACH `+lit(tmp)+` AS _pub`); err != nil {
		return err
	}
	attached := []string{"_pub"}
	if havePrev {
		if err := execAll(ctx, conn, "attach published results", `ATTACH `+lit(final)+` AS _prev (READ_ONLY)`); err != nil {
			_ = execAll(context.WithoutCancel(ctx), conn, "detach", "DETACH _pub")
			return damagedResults(final, err)
		}
		attached = append(attached, "_prev")
	}
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
	if err := r.fillResults(ctx, conn, scratch, havePrev); err != nil {
		return err
	}
	if err := execAll(ctx, conn, "checkpoint new results", "CHECKPOINT _pub", "DETACH _pub"); err != nil {
		return err
	}
	attached = attached[1:]
	if _, err := os.Stat(tmp + ".wal"); err == nil {
		return fmt.Errorf("%s.wal remains after detach", tmp)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("publish results: %w", err)
	}
	return syncFile(r.cfg.Dir)
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

func (r *Run) writeParquet(ctx context.Context, conn *sql.Conn, dir string) error {
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	tables := map[string]string{
		"links":           "SELECT * FROM links",
		"object_starts":   "SELECT * FROM object_starts",
		"match_decisions": "SELECT * FROM match_decisions WHERE run = " + lit(r.cfg.RunID),
		"unmatched":       "SELECT * FROM unmatched WHERE run = " + lit(r.cfg.RunID),
		"ops":             "SELECT * FROM ops WHERE run = " + lit(r.cfg.RunID),
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
