package match

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Op is one row of the ops ledger.
type Op struct {
	Seq        int64
	Object     string
	Op         string // create | update | orphan | skip | invalid
	TargetSide Side
	TargetID   string // "" for a create
	SourceSide Side
	SourceID   string
	Fields     json.RawMessage // update: {field: {old, new}}; create: {field: {new}}
	Reason     string
	Key        string // idempotency key
	Status     string
}

// OpFilter selects ops of the run. Empty fields match anything.
type OpFilter struct {
	Object string
	Op     string // create | update | orphan | skip | invalid
	Status string // planned | applied | failed | rejected | noted
	After  int64  // only ops with a higher sequence number (paging)
	Limit  int    // 0 = 1000
}

// Ops returns the run's ops matching f, in sequence order. The apply
// stage pages through the planned writes with it:
//
//	for after := int64(0); ; {
//		ops, err := run.Ops(ctx, OpFilter{Object: "configuration", Status: StatusPlanned, After: after, Limit: 500})
//		...
//		after = ops[len(ops)-1].Seq
//	}
func (r *Run) Ops(ctx context.Context, f OpFilter) ([]Op, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := r.db.QueryContext(ctx, `SELECT seq, object, op, target_side, coalesce(target_id, ''), source_side, coalesce(source_id, ''),
			coalesce(CAST(fields AS VARCHAR), ''), coalesce(reason, ''), coalesce(key, ''), status
		FROM ops WHERE run = ? AND (? = '' OR object = ?) AND (? = '' OR op = ?) AND (? = '' OR status = ?) AND seq > ?
		ORDER BY seq LIMIT ?`, r.cfg.RunID, f.Object, f.Object, f.Op, f.Op, f.Status, f.Status, f.After, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	defer rows.Close()
	var out []Op
	for rows.Next() {
		var o Op
		var fields, ts, ss string
		if err := rows.Scan(&o.Seq, &o.Object, &o.Op, &ts, &o.TargetID, &ss, &o.SourceID, &fields, &o.Reason, &o.Key, &o.Status); err != nil {
			return nil, fmt.Errorf("ops: %w", err)
		}
		o.TargetSide, o.SourceSide = Side(ts), Side(ss)
		if fields != "" {
			o.Fields = json.RawMessage(fields)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	return out, nil
}

// OpResult is the outcome of sending one op.
type OpResult struct {
	Key      string // the op's idempotency key
	Status   string // applied | failed | rejected
	TargetID string // for an applied create: the id the target system gave the record
	Message  string // the system's message for failed/rejected
}

// RecordResults stores the outcome of sent ops of one object: the op
// status, and in links: an applied create links the new record (so the
// next stage can resolve references to it), an applied update makes the
// written values the last synced ones, a failed or rejected update puts
// the link in the error state with the message.
func (r *Run) RecordResults(ctx context.Context, obj *Object, results []OpResult) error {
	if len(results) == 0 {
		return nil
	}
	for _, res := range results {
		switch res.Status {
		case StatusApplied, StatusFailed, StatusRejected:
		default:
			return fmt.Errorf("record results: op %s: unknown status %q", res.Key, res.Status)
		}
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("record results: %w", err)
	}
	defer conn.Close()
	err = withTx(ctx, conn, func() error { return r.recordResults(ctx, conn, obj, results) })
	_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp.op_results")
	if err != nil {
		return fmt.Errorf("record results %s: %w", obj.Name(), err)
	}
	return nil
}

func (r *Run) recordResults(ctx context.Context, conn *sql.Conn, obj *Object, results []OpResult) error {
	if err := execAll(ctx, conn, "results table",
		`CREATE OR REPLACE TEMP TABLE op_results (key VARCHAR, status VARCHAR, target_id VARCHAR, message VARCHAR)`); err != nil {
		return err
	}
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		a, err := duckdb.NewAppender(c, "temp", "main", "op_results")
		if err != nil {
			return err
		}
		for _, res := range results {
			var tid, msg driver.Value
			if res.TargetID != "" {
				tid = res.TargetID
			}
			if res.Message != "" {
				msg = res.Message
			}
			if err := a.AppendRow(res.Key, res.Status, tid, msg); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
	if err != nil {
		return fmt.Errorf("load results: %w", err)
	}
	run, o := r.cfg.RunID, obj.Name()
	missing, err := queryInt(ctx, conn, "check keys", `SELECT count(*) FROM op_results x
		ANTI JOIN (SELECT key FROM ops WHERE run = ? AND object = ? AND op IN ('create', 'update', 'orphan')) k ON k.key = x.key`, run, o)
	if err != nil {
		return err
	}
	if missing > 0 {
		return fmt.Errorf("%d results name no create, update or orphan op of this run", missing)
	}
	bad, err := queryInt(ctx, conn, "check creates", `SELECT count(*) FROM op_results x JOIN ops k ON k.key = x.key
		WHERE k.run = ? AND k.object = ? AND k.op = 'create' AND x.status = 'applied' AND x.target_id IS NULL`, run, o)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d applied creates carry no target id", bad)
	}
	merge := func(old, add string) string {
		return "CAST(to_json(map_concat(coalesce(CAST(" + old + " AS MAP(VARCHAR, JSON)), MAP {}::MAP(VARCHAR, JSON)), " +
			"coalesce(CAST(" + add + " AS MAP(VARCHAR, JSON)), MAP {}::MAP(VARCHAR, JSON)))) AS JSON)"
	}
	return execAll(ctx, conn, "apply results",
		`UPDATE ops SET status = x.status, message = x.message, target_id = coalesce(ops.target_id, x.target_id)
			FROM op_results x WHERE ops.run = `+lit(run)+` AND ops.object = `+lit(o)+` AND ops.key = x.key`,
		// A created record is linked, its written values are the synced ones.
		`INSERT INTO links BY NAME
			SELECT k.sync, k.object,
				CASE WHEN k.target_side = 'psa' THEN x.target_id ELSE k.source_id END AS psa_id,
				CASE WHEN k.target_side = 'doc' THEN x.target_id ELSE k.source_id END AS doc_id,
				'syncing' AS state, 'created' AS rule, k.run AS first_linked_run, k.run AS last_run, k.run AS state_run,
				CAST(json_extract(k.after, '/psa') AS JSON) AS psa_synced, CAST(json_extract(k.after, '/doc') AS JSON) AS doc_synced
			FROM op_results x JOIN ops k ON k.key = x.key
			WHERE k.run = `+lit(run)+` AND k.object = `+lit(o)+` AND k.op = 'create' AND x.status = 'applied'
				AND NOT EXISTS (SELECT 1 FROM links l WHERE l.object = k.object AND
					(CASE WHEN k.target_side = 'psa' THEN l.doc_id ELSE l.psa_id END) = k.source_id AND l.state <> 'not_yet_pushed')`,
		// A pushed doc record no longer waits.
		`DELETE FROM links WHERE object = `+lit(o)+` AND state = 'not_yet_pushed' AND doc_id IN (
			SELECT k.source_id FROM op_results x JOIN ops k ON k.key = x.key
			WHERE k.run = `+lit(run)+` AND k.object = `+lit(o)+` AND k.op = 'create' AND k.target_side = 'psa' AND x.status = 'applied')`,
		`UPDATE links SET psa_synced = `+merge("links.psa_synced", "json_extract(u.after, '/psa')")+`,
				doc_synced = `+merge("links.doc_synced", "json_extract(u.after, '/doc')")+`,
				state = CASE WHEN links.state = 'error' THEN 'syncing' ELSE links.state END,
				reason = CASE WHEN links.state = 'error' THEN NULL ELSE links.reason END,
				state_run = CASE WHEN links.state = 'error' THEN `+lit(run)+` ELSE links.state_run END
			FROM (SELECT k.* FROM op_results x JOIN ops k ON k.key = x.key
				WHERE k.run = `+lit(run)+` AND k.object = `+lit(o)+` AND k.op = 'update' AND x.status = 'applied') u
			WHERE links.object = u.object AND links.psa_id = (CASE WHEN u.target_side = 'psa' THEN u.target_id ELSE u.source_id END)
				AND links.doc_id = (CASE WHEN u.target_side = 'doc' THEN u.target_id ELSE u.source_id END)`,
		`UPDATE links SET state = 'error', reason = u.message, state_run = `+lit(run)+`
			FROM (SELECT k.*, x.message FROM op_results x JOIN ops k ON k.key = x.key
				WHERE k.run = `+lit(run)+` AND k.object = `+lit(o)+` AND k.op = 'update' AND x.status IN ('failed', 'rejected')) u
			WHERE links.object = u.object AND links.psa_id = (CASE WHEN u.target_side = 'psa' THEN u.target_id ELSE u.source_id END)
				AND links.doc_id = (CASE WHEN u.target_side = 'doc' THEN u.target_id ELSE u.source_id END)`,
	)
}
