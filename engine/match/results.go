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
	// After is what each side remembers once the op is applied
	// ({psa: {field: value}, doc: {...}}); see StoredAfter.
	After  json.RawMessage
	Reason string
	Key    string // idempotency key
	Status string
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
			coalesce(CAST(fields AS VARCHAR), ''), coalesce(reason, ''), coalesce(key, ''), status,
			coalesce(CAST(after AS VARCHAR), '')
		FROM ops WHERE run = ? AND (? = '' OR object = ?) AND (? = '' OR op = ?) AND (? = '' OR status = ?) AND seq > ?
		ORDER BY seq LIMIT ?`, r.cfg.RunID, f.Object, f.Object, f.Op, f.Op, f.Status, f.Status, f.After, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	defer rows.Close()
	var out []Op
	for rows.Next() {
		var o Op
		var fields, ts, ss, after string
		if err := rows.Scan(&o.Seq, &o.Object, &o.Op, &ts, &o.TargetID, &ss, &o.SourceID, &fields, &o.Reason, &o.Key, &o.Status, &after); err != nil {
			return nil, fmt.Errorf("ops: %w", err)
		}
		o.TargetSide, o.SourceSide = Side(ts), Side(ss)
		if fields != "" {
			o.Fields = json.RawMessage(fields)
		}
		if after != "" {
			o.After = json.RawMessage(after)
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
	// After, when set, replaces the op's after (what each side remembers)
	// for an applied op: the target's memory of the fields it did not
	// store is what it really holds (see StoredAfter).
	After json.RawMessage
}

// RecordResults stores the outcome of sent ops of one object: the op
// status, and in links: an applied create links the new record (so the
// next stage can resolve references to it), an applied op makes its after
// (OpResult.After when set: what the target really holds) the last synced
// values, a failed or rejected update puts the link in the error state
// with the message.
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
		`CREATE OR REPLACE TEMP TABLE op_results (key VARCHAR, status VARCHAR, target_id VARCHAR, message VARCHAR, after VARCHAR)`); err != nil {
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
			var tid, msg, after driver.Value
			if res.TargetID != "" {
				tid = res.TargetID
			}
			if res.Message != "" {
				msg = res.Message
			}
			if len(res.After) > 0 {
				if !json.Valid(res.After) {
					a.Close()
					return fmt.Errorf("op %s: after is not JSON", res.Key)
				}
				after = string(res.After)
			}
			if err := a.AppendRow(res.Key, res.Status, tid, msg, after); err != nil {
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
	merge := mergeMemory
	return execAll(ctx, conn, "apply results",
		`UPDATE ops SET status = x.status, message = x.message, target_id = coalesce(ops.target_id, x.target_id),
				after = CASE WHEN x.status = 'applied' AND x.after IS NOT NULL THEN CAST(x.after AS JSON) ELSE ops.after END
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
		// A pushed doc record no longer waits; nor does a waiting doc
		// record a create toward the doc side found there and linked.
		`DELETE FROM links WHERE object = `+lit(o)+` AND state = 'not_yet_pushed' AND doc_id IN (
			SELECT CASE WHEN k.target_side = 'psa' THEN k.source_id ELSE x.target_id END FROM op_results x JOIN ops k ON k.key = x.key
			WHERE k.run = `+lit(run)+` AND k.object = `+lit(o)+` AND k.op = 'create' AND x.status = 'applied')`,
		`UPDATE links SET psa_synced = `+merge("links.psa_synced", "json_extract(u.after, '/psa')")+`,
				doc_synced = `+merge("links.doc_synced", "json_extract(u.after, '/doc')")+`,
				state = CASE WHEN links.state = 'error' THEN 'syncing' ELSE links.state END,
				reason = CASE WHEN links.state = 'error' THEN NULL ELSE links.reason END,
				state_run = CASE WHEN links.state = 'error' THEN `+lit(run)+` ELSE links.state_run END
			FROM (SELECT k.* FROM op_results x JOIN ops k ON k.key = x.key
				WHERE k.run = `+lit(run)+` AND k.object = `+lit(o)+` AND k.op = 'update' AND x.status = 'applied') u
			WHERE links.object = u.object AND links.psa_id = (CASE WHEN u.target_side = 'psa' THEN u.target_id ELSE u.source_id END)
				AND links.doc_id = (CASE WHEN u.target_side = 'doc' THEN u.target_id ELSE u.source_id END)`,
		// A disconnected link stays disconnected (its clearing update
		// failed: the errors file keeps it for a retry).
		`UPDATE links SET state = 'error', reason = u.message, state_run = `+lit(run)+`
			FROM (SELECT k.*, x.message FROM op_results x JOIN ops k ON k.key = x.key
				WHERE k.run = `+lit(run)+` AND k.object = `+lit(o)+` AND k.op = 'update' AND x.status IN ('failed', 'rejected')) u
			WHERE links.state <> 'disconnected' AND links.object = u.object AND links.psa_id = (CASE WHEN u.target_side = 'psa' THEN u.target_id ELSE u.source_id END)
				AND links.doc_id = (CASE WHEN u.target_side = 'doc' THEN u.target_id ELSE u.source_id END)`,
	)
}

// StoredAfter is the op's after with the target's memory of the fields it
// did not store (a lookup miss with missing = "empty", a field the writer
// left out) set to what the target really holds: for an update its value
// before the write (the op's old value), for a create empty. The source's
// memory is kept. So a value the target could not store is never read
// back as a deliberate blanking, and is sent again only when its source
// changes again. held, when the target returned the written record, is
// what it holds of the op's fields (canonical JSON): it overrides both, so
// a value the target stored in its own form (a label, a list it
// normalised) is not read back as a change either. It returns op.After
// unchanged when nothing was left out or read back.
func StoredAfter(op Op, unstored []string, held map[string]json.RawMessage) (json.RawMessage, error) {
	if (len(unstored) == 0 && len(held) == 0) || len(op.After) == 0 {
		return op.After, nil
	}
	var after map[string]map[string]json.RawMessage
	if err := json.Unmarshal(op.After, &after); err != nil {
		return nil, fmt.Errorf("op %s: after: %w", op.Key, err)
	}
	var fields map[string]struct {
		Old json.RawMessage `json:"old"`
	}
	if len(op.Fields) > 0 {
		if err := json.Unmarshal(op.Fields, &fields); err != nil {
			return nil, fmt.Errorf("op %s: fields: %w", op.Key, err)
		}
	}
	tgt := after[string(op.TargetSide)]
	if tgt == nil {
		tgt = map[string]json.RawMessage{}
		after[string(op.TargetSide)] = tgt
	}
	for _, name := range unstored {
		old := json.RawMessage("null")
		if op.Op == OpUpdate {
			if f, ok := fields[name]; ok && len(f.Old) > 0 {
				old = f.Old
			}
		}
		tgt[name] = old
	}
	for name, v := range held {
		if _, ok := tgt[name]; ok && json.Valid(v) {
			tgt[name] = v
		}
	}
	b, err := json.Marshal(after)
	if err != nil {
		return nil, fmt.Errorf("op %s: after: %w", op.Key, err)
	}
	return b, nil
}

// mergeMemory is SQL for a link memory (JSON object) with the members of
// add set over old.
func mergeMemory(old, add string) string {
	return "CAST(to_json(map_concat(coalesce(CAST(" + old + " AS MAP(VARCHAR, JSON)), MAP {}::MAP(VARCHAR, JSON)), " +
		"coalesce(CAST(" + add + " AS MAP(VARCHAR, JSON)), MAP {}::MAP(VARCHAR, JSON)))) AS JSON)"
}

// RememberHeld makes the after of the run's update ops with these
// sequence numbers the last synced values of their links, without sending
// them: for an update none of whose fields the target can store (Diff's
// review turns it into a skip), the source's value is remembered and the
// target keeps what it holds (value rule 3), so the update is not planned
// again until its source changes again.
func (r *Run) RememberHeld(ctx context.Context, object string, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	b, err := json.Marshal(seqs)
	if err != nil {
		return fmt.Errorf("remember held values: %w", err)
	}
	_, err = r.db.ExecContext(ctx, `UPDATE links SET psa_synced = `+mergeMemory("links.psa_synced", "json_extract(u.after, '/psa')")+`,
			doc_synced = `+mergeMemory("links.doc_synced", "json_extract(u.after, '/doc')")+`
		FROM (SELECT * FROM ops WHERE run = ? AND object = ? AND after IS NOT NULL
			AND list_contains(CAST(from_json(?, '["BIGINT"]') AS BIGINT[]), seq)) u
		WHERE links.object = u.object AND links.psa_id = (CASE WHEN u.target_side = 'psa' THEN u.target_id ELSE u.source_id END)
			AND links.doc_id = (CASE WHEN u.target_side = 'doc' THEN u.target_id ELSE u.source_id END)`,
		r.cfg.RunID, object, string(b))
	if err != nil {
		return fmt.Errorf("remember held values: %w", err)
	}
	return nil
}
