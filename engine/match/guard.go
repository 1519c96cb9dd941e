package match

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Change is what a run does to the links an object had when the run
// began: the mass-change guard's counts. Before counts the object's links
// joining two records (not the doc records waiting for a push), in any
// state; the other counts are links among those.
type Change struct {
	Object   string
	Before   int64 // links of the object before the run (both records known)
	Orphaned int64 // not orphaned before, orphaned now
	// Disconnected counts links gone from the links (dropped: the doc
	// record is gone from a complete listing). A user's disconnect (state
	// disconnected) is not the run's change and is not counted.
	Disconnected int64
	// Rewritten counts links with a planned update op that overwrites a
	// value an earlier run synced (a field with a memory on the target
	// side); first fills of never-synced fields are not rewrites.
	Rewritten int64
	Examples  []string // a few of each, "kind psa_id=doc_id: reason"
}

const guardExamples = 3

// rewrites is the query of this run's update ops of object $1, run $2,
// with the link's ids and the fields written.
const rewrites = `SELECT seq, target_side, json_keys(fields) AS keys,
		CASE WHEN target_side = 'psa' THEN target_id ELSE source_id END AS psa_id,
		CASE WHEN target_side = 'doc' THEN target_id ELSE source_id END AS doc_id
	FROM ops WHERE run = $2 AND object = $1 AND op = 'update'`

// Changes counts what this run did to obj's links so far (after Match and
// Plan, before anything is applied).
func (r *Run) Changes(ctx context.Context, obj *Object) (Change, error) {
	c := Change{Object: obj.Name()}
	o, run := obj.Name(), r.cfg.RunID
	err := r.db.QueryRowContext(ctx, `
		WITH s AS (SELECT * FROM links_start WHERE object = $1 AND psa_id IS NOT NULL AND doc_id IS NOT NULL),
		now AS (SELECT * FROM links WHERE object = $1),
		rw AS (`+rewrites+`)
		SELECT
			(SELECT count(*) FROM s),
			(SELECT count(*) FROM s JOIN now USING (psa_id, doc_id) WHERE s.state <> 'orphaned' AND now.state = 'orphaned'),
			(SELECT count(*) FROM s LEFT JOIN now USING (psa_id, doc_id)
				WHERE now.state IS NULL),
			(SELECT count(DISTINCT s.psa_id) FROM rw JOIN s USING (psa_id, doc_id)
				WHERE list_has_any(rw.keys, CASE WHEN rw.target_side = 'psa' THEN s.psa_keys ELSE s.doc_keys END))`, o, run).
		Scan(&c.Before, &c.Orphaned, &c.Disconnected, &c.Rewritten)
	if err != nil {
		return c, fmt.Errorf("changes of %s: %w", o, err)
	}
	rows, err := r.db.QueryContext(ctx, `
		WITH s AS (SELECT * FROM links_start WHERE object = $1 AND psa_id IS NOT NULL AND doc_id IS NOT NULL),
		now AS (SELECT * FROM links WHERE object = $1),
		rw AS (`+rewrites+`),
		ex AS (
			(SELECT 1 AS k, 'orphaned ' || s.psa_id || '=' || s.doc_id || ': ' || coalesce(now.reason, '') AS line
				FROM s JOIN now USING (psa_id, doc_id) WHERE s.state <> 'orphaned' AND now.state = 'orphaned'
				ORDER BY s.psa_id LIMIT $3)
			UNION ALL
			(SELECT 2, 'disconnected ' || s.psa_id || '=' || s.doc_id FROM s LEFT JOIN now USING (psa_id, doc_id)
				WHERE now.state IS NULL
				ORDER BY s.psa_id LIMIT $3)
			UNION ALL
			(SELECT 3, 'rewritten ' || rw.psa_id || '=' || rw.doc_id || ' (' || rw.target_side || '): ' || array_to_string(rw.keys, ', ')
				FROM rw JOIN s USING (psa_id, doc_id)
				WHERE list_has_any(rw.keys, CASE WHEN rw.target_side = 'psa' THEN s.psa_keys ELSE s.doc_keys END)
				ORDER BY rw.seq LIMIT $3))
		SELECT line FROM ex ORDER BY k, line`, o, run, guardExamples)
	if err != nil {
		return c, fmt.Errorf("changes of %s: examples: %w", o, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return c, fmt.Errorf("changes of %s: examples: %w", o, err)
		}
		c.Examples = append(c.Examples, s)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("changes of %s: examples: %w", o, err)
	}
	return c, nil
}

// RestoreLinks puts obj's links back as the published results hold them
// (as the run found them) and, unless keepOps, drops this run's ops of
// obj: what a run the mass-change guard stopped must not publish. Only
// for an object none of whose ops was sent.
func (r *Run) RestoreLinks(ctx context.Context, obj *Object, keepOps bool) (err error) {
	o := obj.Name()
	sent, err := queryInt(ctx, r.db, "sent ops", `SELECT count(*) FROM ops WHERE run = ? AND object = ? AND status NOT IN ('planned', 'noted')`, r.cfg.RunID, o)
	if err != nil {
		return fmt.Errorf("restore links of %s: %w", o, err)
	}
	if sent > 0 {
		return fmt.Errorf("restore links of %s: %d ops were sent already", o, sent)
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("restore links of %s: %w", o, err)
	}
	defer conn.Close()
	prev := filepath.Join(r.cfg.Dir, resultsFile)
	havePrev := false
	if _, serr := os.Stat(prev); serr == nil {
		if err := execAll(ctx, conn, "attach published results", `ATTACH `+lit(prev)+` AS _prev (READ_ONLY)`); err != nil {
			return fmt.Errorf("restore links of %s: %w", o, err)
		}
		havePrev = true
		defer func() {
			if derr := execAll(context.WithoutCancel(ctx), conn, "detach published results", `DETACH _prev`); err == nil && derr != nil {
				err = fmt.Errorf("restore links of %s: %w", o, derr)
			}
		}()
	} else if !errors.Is(serr, os.ErrNotExist) {
		return fmt.Errorf("restore links of %s: %w", o, serr)
	}
	err = withTx(ctx, conn, func() error {
		if _, err := exec(ctx, conn, "drop links", `DELETE FROM links WHERE object = ?`, o); err != nil {
			return err
		}
		if havePrev {
			if _, err := exec(ctx, conn, "restore links",
				`INSERT INTO links BY NAME SELECT * FROM _prev.links WHERE sync = ? AND object = ?`, r.cfg.Sync, o); err != nil {
				return err
			}
			// The controls the links' states came from, so a later run
			// still sees a control lifted since.
			if _, err := exec(ctx, conn, "drop controls", `DELETE FROM controls WHERE object = ?`, o); err != nil {
				return err
			}
			if err := importControls(ctx, conn, r.cfg.Sync, o); err != nil {
				return err
			}
		}
		if keepOps {
			return nil
		}
		_, err := exec(ctx, conn, "drop ops", `DELETE FROM ops WHERE run = ? AND object = ?`, r.cfg.RunID, o)
		return err
	})
	if err != nil {
		return fmt.Errorf("restore links of %s: %w", o, err)
	}
	return nil
}
