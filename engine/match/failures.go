package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrorsFile is the file, in a sync's directory, holding the open
// record-level failures: ops a system rejected (validation) or that never
// got a confirmed answer. Each row keeps the op (fields, values, key) so
// `mapsync retry` can apply it again; a row disappears once a later run or
// retry applies the same write, or links the record. Like the results file
// it is never open for writing: each commit builds errors.tmp.duckdb and
// renames it over, so readers need no lock.
const ErrorsFile = "errors.duckdb"

const errorsTmpFile = "errors.tmp.duckdb"

const errorsDDL = `CREATE TABLE IF NOT EXISTS %s.errors (
	id          BIGINT NOT NULL,  -- stable: mapsync retry --op ID
	run         VARCHAR NOT NULL, -- the run that last failed it
	sync        VARCHAR NOT NULL,
	object      VARCHAR NOT NULL,
	seq         BIGINT NOT NULL,  -- the op's seq in that run
	op          VARCHAR NOT NULL, -- create | update
	target_side VARCHAR NOT NULL,
	target_id   VARCHAR,
	source_side VARCHAR NOT NULL,
	source_id   VARCHAR,
	fields      JSON,
	after       JSON,
	key         VARCHAR,
	status      VARCHAR NOT NULL, -- rejected | failed
	message     VARCHAR,          -- the system's message
	first_seen  TIMESTAMP,
	last_seen   TIMESTAMP,
	attempts    INTEGER
)`

// RecordFailures rebuilds the sync's errors file from the previous one and
// the run's ops: failures of this run are added (or replace the row of the
// same write), rows this run resolved are dropped.
func (r *Run) RecordFailures(ctx context.Context, now time.Time) (err error) {
	return r.rebuildFile(ctx, "errors file", ErrorsFile, errorsTmpFile, "_err", errorsDDL, "errors", func(conn *sql.Conn, newTable, prev string) error {
		same := `p.object = o.object AND p.op = o.op AND p.source_side = o.source_side AND p.source_id IS NOT DISTINCT FROM o.source_id
			AND p.target_side = o.target_side AND p.target_id IS NOT DISTINCT FROM o.target_id`
		cur := `(SELECT * FROM ops WHERE run = $1 AND op IN ('create', 'update') AND status IN ('rejected', 'failed'))`
		q := `INSERT INTO ` + newTable + ` BY NAME
			WITH prev AS (SELECT * FROM ` + prev + `),
			cur AS ` + cur + `,
			kept AS (
				SELECT p.* FROM prev p
				WHERE NOT EXISTS (SELECT 1 FROM ops o WHERE o.run = $1 AND o.status IN ('applied', 'rejected', 'failed') AND ` + same + `)
				  AND NOT (p.op = 'create' AND EXISTS (SELECT 1 FROM links l WHERE l.object = p.object AND l.psa_id IS NOT NULL AND l.doc_id IS NOT NULL
					AND (CASE WHEN p.source_side = 'psa' THEN l.psa_id ELSE l.doc_id END) = p.source_id))),
			base AS (SELECT coalesce(max(id), 0) AS m FROM prev)
			SELECT * FROM kept
			UNION ALL BY NAME
			SELECT coalesce(p.id, (SELECT m FROM base) + row_number() OVER (ORDER BY o.seq)) AS id,
				o.run, o.sync, o.object, o.seq, o.op, o.target_side, o.target_id, o.source_side, o.source_id,
				o.fields, o.after, o.key, o.status, o.message,
				coalesce(p.first_seen, $2) AS first_seen, $2 AS last_seen, coalesce(p.attempts, 0) + 1 AS attempts
			FROM cur o LEFT JOIN prev p ON ` + same
		if _, err := exec(ctx, conn, "collect failures", q, r.cfg.RunID, now.UTC()); err != nil {
			return err
		}
		return nil
	})
}

// FailureFilter chooses the rows of the errors file a retry applies
// again: all of the sync's, those of one run, or the ones named.
type FailureFilter struct {
	FromRun string
	IDs     []int64
}

// CopyFailures copies the chosen rows of the sync's errors file into this
// run's ops ledger (creates whose source is linked by now are left out)
// and returns how many ops the ledger then holds. A failed create (its
// outcome never confirmed) comes in "sending", with a first send before
// its first failure, so it is looked up on the target before it is
// created again. No errors file: nothing is copied.
func (r *Run) CopyFailures(ctx context.Context, f FailureFilter) (n int64, err error) {
	path := filepath.Join(r.cfg.Dir, ErrorsFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return r.CountOps(ctx)
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("copy failures: %w", err)
	}
	defer conn.Close()
	if err := execAll(ctx, conn, "copy failures", `ATTACH `+lit(path)+` AS _err (READ_ONLY)`); err != nil {
		return 0, err
	}
	defer func() {
		if derr := execAll(context.WithoutCancel(ctx), conn, "copy failures", "DETACH _err"); derr != nil && err == nil {
			err = derr
		}
	}()
	where := []string{"sync = $1"}
	args := []any{r.cfg.Sync, r.cfg.RunID}
	if f.FromRun != "" {
		args = append(args, f.FromRun)
		where = append(where, "run = $"+strconv.Itoa(len(args)))
	}
	if len(f.IDs) > 0 {
		ids := make([]string, len(f.IDs))
		for i, id := range f.IDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		where = append(where, "id IN ("+strings.Join(ids, ", ")+")")
	}
	q := `INSERT INTO ops BY NAME
		SELECT $2 AS run, sync, object, row_number() OVER (ORDER BY id) AS seq, op, target_side, target_id,
			source_side, source_id, fields, after, 'retry of error ' || id AS reason, key,
			CASE WHEN op = 'create' AND status = 'failed' THEN 'sending' ELSE 'planned' END AS status
		FROM _err.errors e
		WHERE ` + strings.Join(where, " AND ") + `
		  AND NOT (op = 'create' AND EXISTS (SELECT 1 FROM links l WHERE l.object = e.object AND l.psa_id IS NOT NULL AND l.doc_id IS NOT NULL
			AND (CASE WHEN e.source_side = 'psa' THEN l.psa_id ELSE l.doc_id END) = e.source_id))`
	if _, err := exec(ctx, conn, "copy failures", q, args...); err != nil {
		return 0, err
	}
	if _, err := exec(ctx, conn, "copy failures", `INSERT INTO ledger_sends
		SELECT o.run, o.key, e.first_seen - INTERVAL 1 HOUR, 1 FROM ops o JOIN _err.errors e ON e.key = o.key
		WHERE o.run = ? AND o.status = 'sending' ON CONFLICT DO NOTHING`, r.cfg.RunID); err != nil {
		return 0, err
	}
	return r.CountOps(ctx)
}

// OpenErrors opens a sync's errors file read-only; ok is false when there
// is none yet (no run has failed a record).
func OpenErrors(syncDir string) (db *sql.DB, ok bool, err error) {
	path := filepath.Join(syncDir, ErrorsFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	db, err = sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return nil, false, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, false, fmt.Errorf("open %s: %w", path, err)
	}
	return db, true, nil
}

// ScratchPath is where a run's scratch database lives under a sync's
// directory.
func ScratchPath(syncDir, runID string) string {
	return filepath.Join(syncDir, "work", runID+".duckdb")
}

// RunPublished reports whether a run's scratch database is gone and its
// results are published (a commit retried after it succeeded).
func RunPublished(ctx context.Context, syncDir, runID string) (bool, error) {
	if _, err := os.Stat(ScratchPath(syncDir, runID)); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("run published: %w", err)
	}
	if _, err := os.Stat(filepath.Join(syncDir, resultsFile)); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	db, err := OpenResults(ctx, syncDir)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE run = ? AND published_at IS NOT NULL`, runID).Scan(&n); err != nil {
		return false, fmt.Errorf("run published: %w", err)
	}
	return n > 0, nil
}
