package workflows

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // DuckDB driver for the errors file

	"mapsync/engine/match"
)

// ErrorsFile is the file, in a sync's directory, holding the open
// record-level failures: ops a system rejected (validation) or that never
// got a confirmed answer. Each row keeps the op (fields, values, key) so
// `mapsync retry` can apply it again; a row disappears once a later run or
// retry applies the same write, or links the record. Like the results file
// it is never open for writing: each commit builds errors.tmp.duckdb and
// renames it over, so readers need no lock.
const ErrorsFile = "errors.duckdb"

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

// recordFailures rebuilds the errors file from the previous one and the
// run's ops: failures of this run are added (or replace the row of the
// same write), rows this run resolved are dropped.
func recordFailures(ctx context.Context, run *match.Run, syncDir string, now time.Time) (err error) {
	final := filepath.Join(syncDir, ErrorsFile)
	tmp := filepath.Join(syncDir, "errors.tmp.duckdb")
	for _, p := range []string{tmp, tmp + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	conn, err := run.DB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	attached := []string{}
	defer func() {
		for _, a := range attached {
			if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DETACH "+a); derr != nil && err == nil {
				err = derr
			}
		}
	}()
	exec := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	if err := exec(`ATTACH '` + sqlEscape(tmp) + `' AS _err_new`); err != nil {
		return err
	}
	attached = append(attached, "_err_new")
	if err := exec(fmt.Sprintf(errorsDDL, "_err_new")); err != nil {
		return err
	}
	prev := "(SELECT * FROM _err_new.errors WHERE false)"
	if _, statErr := os.Stat(final); statErr == nil {
		if err := exec(`ATTACH '` + sqlEscape(final) + `' AS _err_old (READ_ONLY)`); err != nil {
			return err
		}
		attached = append(attached, "_err_old")
		prev = "_err_old.errors"
	}
	same := `p.object = o.object AND p.op = o.op AND p.source_side = o.source_side AND p.source_id IS NOT DISTINCT FROM o.source_id
		AND p.target_side = o.target_side AND p.target_id IS NOT DISTINCT FROM o.target_id`
	cur := `(SELECT * FROM ops WHERE run = $1 AND op IN ('create', 'update') AND status IN ('rejected', 'failed'))`
	q := `INSERT INTO _err_new.errors BY NAME
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
	if err := exec(q, run.ID(), now.UTC()); err != nil {
		return fmt.Errorf("collect failures: %w", err)
	}
	if err := exec("DETACH _err_new"); err != nil {
		return err
	}
	attached = attached[1:]
	return os.Rename(tmp, final)
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

func sqlEscape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}
