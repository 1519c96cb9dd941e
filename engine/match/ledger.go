package match

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The ops table is the ledger of a run's writes: Plan writes every
// intended op there (status planned, with its idempotency key) before
// anything is sent; the apply step marks the ops it is about to send
// "sending" (MarkSending, committed before the request goes out), then
// records each outcome (RecordResults). The methods below are the ledger's
// queries; the orchestration is package steps'.

// SeqRange is an inclusive range of op sequence numbers of one run.
type SeqRange struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// Batches cuts the run's planned writes of one object into ranges of at
// most size ops (orphans included: they are recorded, not sent; noted ops
// left out).
func (r *Run) Batches(ctx context.Context, object string, size int) ([]SeqRange, error) {
	return r.batches(ctx, object, size, false)
}

// DeferredBatches cuts only the ops of the object's deferred pass (their
// reason starts with DeferredReason) into ranges: the ranges of the
// object's own stage were applied already, and an Apply of the same range
// again would be the same step (its request tally counted twice).
func (r *Run) DeferredBatches(ctx context.Context, object string, size int) ([]SeqRange, error) {
	return r.batches(ctx, object, size, true)
}

func (r *Run) batches(ctx context.Context, object string, size int, deferred bool) ([]SeqRange, error) {
	if size <= 0 {
		return nil, fmt.Errorf("batches %s: size %d", object, size)
	}
	only := "true"
	if deferred {
		only = "starts_with(coalesce(reason, ''), " + lit(DeferredReason) + ")"
	}
	rows, err := r.db.QueryContext(ctx, `SELECT min(seq), max(seq) FROM (
			SELECT seq, (row_number() OVER (ORDER BY seq) - 1) // ? AS b FROM ops
			WHERE run = ? AND object = ? AND op IN ('create', 'update', 'orphan') AND status <> 'noted' AND `+only+`)
		GROUP BY b ORDER BY b`, size, r.cfg.RunID, object)
	if err != nil {
		return nil, fmt.Errorf("batches %s: %w", object, err)
	}
	defer rows.Close()
	var out []SeqRange
	for rows.Next() {
		var s SeqRange
		if err := rows.Scan(&s.From, &s.To); err != nil {
			return nil, fmt.Errorf("batches %s: %w", object, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("batches %s: %w", object, err)
	}
	return out, nil
}

// OpsInRange reads the ops of one object in a seq range, in order.
func (r *Run) OpsInRange(ctx context.Context, object string, s SeqRange) ([]Op, error) {
	if s.To < s.From {
		return nil, nil
	}
	ops, err := r.Ops(ctx, OpFilter{Object: object, After: s.From - 1, Limit: int(s.To - s.From + 1)})
	if err != nil {
		return nil, err
	}
	out := ops[:0]
	for _, o := range ops {
		if o.Seq <= s.To {
			out = append(out, o)
		}
	}
	return out, nil
}

// CountOps counts the run's ops (every object and status).
func (r *Run) CountOps(ctx context.Context) (int64, error) {
	n, err := queryInt(ctx, r.db, "count ops", `SELECT count(*) FROM ops WHERE run = ?`, r.cfg.RunID)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// MarkSending commits "sending" for the ops about to be sent and notes
// the time of their first send (a later send counts an attempt).
func (r *Run) MarkSending(ctx context.Context, object string, keys []string, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mark sending: %w", err)
	}
	defer conn.Close()
	list := textList(keys)
	err = withTx(ctx, conn, func() error {
		if _, err := conn.ExecContext(ctx, `UPDATE ops SET status = 'sending' WHERE run = ? AND object = ? AND key IN `+inList,
			r.cfg.RunID, object, list); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, `INSERT INTO ledger_sends
			SELECT ?, k, ?, 1 FROM (SELECT unnest(from_json(?, '["VARCHAR"]')) AS k)
			ON CONFLICT (run, key) DO UPDATE SET attempts = attempts + 1`, r.cfg.RunID, now.UTC(), list)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark sending: %w", err)
	}
	return nil
}

// Send is the ledger's memory of one op's sends.
type Send struct {
	FirstSent time.Time
	Attempts  int
}

// Sends returns what the ledger knows of the sends of the given ops (ops
// never sent are absent).
func (r *Run) Sends(ctx context.Context, keys []string) (map[string]Send, error) {
	out := map[string]Send{}
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := r.db.QueryContext(ctx, `SELECT key, first_sent, attempts FROM ledger_sends WHERE run = ? AND key IN `+inList, r.cfg.RunID, textList(keys))
	if err != nil {
		return nil, fmt.Errorf("sends: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var s Send
		if err := rows.Scan(&k, &s.FirstSent, &s.Attempts); err != nil {
			return nil, fmt.Errorf("sends: %w", err)
		}
		out[k] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sends: %w", err)
	}
	return out, nil
}

// FirstSent returns the earliest first-send time of the given ops (zero
// when none was sent).
func (r *Run) FirstSent(ctx context.Context, keys []string) (time.Time, error) {
	if len(keys) == 0 {
		return time.Time{}, nil
	}
	var t sql.NullTime
	err := r.db.QueryRowContext(ctx, `SELECT min(first_sent) FROM ledger_sends WHERE run = ? AND key IN `+inList, r.cfg.RunID, textList(keys)).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("first send: %w", err)
	}
	return t.Time, nil
}

// NoteOps records ops that were planned but are not to be sent (the
// writer skipped them on purpose), with the reason: op key -> reason.
func (r *Run) NoteOps(ctx context.Context, object string, reasons map[string]string) error {
	for key, why := range reasons {
		if _, err := r.db.ExecContext(ctx, `UPDATE ops SET status = 'noted', reason = ? WHERE run = ? AND object = ? AND key = ?`,
			why, r.cfg.RunID, object, key); err != nil {
			return fmt.Errorf("note op: %w", err)
		}
	}
	return nil
}

// MarkUnconfirmed turns the ops left "sending" by a run that failed into
// failures: their outcome was never confirmed. (A create among them that
// did reach the system is matched, not created again, by the next run.)
func (r *Run) MarkUnconfirmed(ctx context.Context) error {
	_, err := r.db.ExecContext(ctx, `UPDATE ops SET status = 'failed',
		message = coalesce(message, 'not confirmed: the run ended before the system answered') WHERE run = ? AND status = 'sending'`, r.cfg.RunID)
	if err != nil {
		return fmt.Errorf("mark unconfirmed: %w", err)
	}
	return nil
}

// RangeCounts is the outcome of the ops of a seq range, whichever
// attempt applied them.
type RangeCounts struct {
	Created  int64 // creates applied (adopted ones not included)
	Updated  int64
	Orphaned int64
	Adopted  int64 // applied creates whose message is the adopted one
	Rejected int64 // creates and updates rejected or failed
	Failed   int64 // of Rejected, those failed (given up after retryable errors)
}

// RangeOutcome counts the outcome of every op of one object in a range;
// adopted is the start of the messages that mark a create found on the
// target rather than created.
func (r *Run) RangeOutcome(ctx context.Context, object string, s SeqRange, adopted string) (RangeCounts, error) {
	var c RangeCounts
	err := r.db.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE op = 'create' AND status = 'applied' AND NOT starts_with(coalesce(message, ''), ?)),
			count(*) FILTER (WHERE op = 'update' AND status = 'applied'),
			count(*) FILTER (WHERE op = 'orphan' AND status = 'applied'),
			count(*) FILTER (WHERE op = 'create' AND status = 'applied' AND starts_with(coalesce(message, ''), ?)),
			count(*) FILTER (WHERE op IN ('create', 'update') AND status IN ('rejected', 'failed')),
			count(*) FILTER (WHERE op IN ('create', 'update') AND status = 'failed')
		FROM ops WHERE run = ? AND object = ? AND seq BETWEEN ? AND ?`,
		adopted, adopted, r.cfg.RunID, object, s.From, s.To).
		Scan(&c.Created, &c.Updated, &c.Orphaned, &c.Adopted, &c.Rejected, &c.Failed)
	if err != nil {
		return c, fmt.Errorf("range outcome %s: %w", object, err)
	}
	return c, nil
}

// PairedIDs returns which of ids are in a pair on side (a doc record
// waiting for a push is not).
func (r *Run) PairedIDs(ctx context.Context, object string, side Side, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	if !side.valid() {
		return nil, fmt.Errorf("paired ids: side %q", side)
	}
	col := string(side) + "_id"
	rows, err := r.db.QueryContext(ctx, `SELECT `+col+` FROM links WHERE object = ? AND psa_id IS NOT NULL AND doc_id IS NOT NULL AND `+col+` IN `+inList,
		object, textList(ids))
	if err != nil {
		return nil, fmt.Errorf("paired ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("paired ids: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("paired ids: %w", err)
	}
	return out, nil
}

// ListedComplete reports whether this run's Match of object was given a
// complete listing of side (Listing). false when Match did not run for it
// in this run (a retry run): the safe answer.
func (r *Run) ListedComplete(ctx context.Context, object string, side Side) (bool, error) {
	var v string
	err := r.db.QueryRowContext(ctx, `SELECT value FROM _meta WHERE key = ?`, listedKey(object, side)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("listing of %s %s: %w", object, side, err)
	}
	return v == "true", nil
}

func listedKey(object string, side Side) string {
	return "listed_complete/" + object + "/" + string(side)
}

// LinkedIDs returns which of ids are already linked on side.
func (r *Run) LinkedIDs(ctx context.Context, object string, side Side, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	if !side.valid() {
		return nil, fmt.Errorf("linked ids: side %q", side)
	}
	col := string(side) + "_id"
	rows, err := r.db.QueryContext(ctx, `SELECT `+col+` FROM links WHERE object = ? AND `+col+` IN `+inList, object, textList(ids))
	if err != nil {
		return nil, fmt.Errorf("linked ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("linked ids: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("linked ids: %w", err)
	}
	return out, nil
}

// SyncedValue is the value of field the link of a record (id on side)
// last synced on that side, as text ("" when there is none).
func (r *Run) SyncedValue(ctx context.Context, object string, side Side, id, field string) (string, error) {
	if !side.valid() {
		return "", fmt.Errorf("synced value: side %q", side)
	}
	s := string(side)
	var v sql.NullString
	err := r.db.QueryRowContext(ctx, `SELECT json_extract_string(`+s+`_synced, ?) FROM links
		WHERE object = ? AND `+s+`_id = ? LIMIT 1`, "$."+field, object, id).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("synced value %s.%s: %w", object, field, err)
	}
	return v.String, nil
}

// SyncedValues is SyncedValue for many records at once: the memory of
// field on side for each of ids that has a link ("" for an empty or
// missing memory, like SyncedValue).
func (r *Run) SyncedValues(ctx context.Context, object string, side Side, field string, ids []string) (map[string]string, error) {
	if !side.valid() {
		return nil, fmt.Errorf("synced values: side %q", side)
	}
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	s := string(side)
	rows, err := r.db.QueryContext(ctx, `SELECT `+s+`_id, arg_min(json_extract_string(`+s+`_synced, ?), rowid) FROM links
		WHERE object = ? AND list_contains(?::VARCHAR[], `+s+`_id) GROUP BY ALL`, "$."+field, object, ids)
	if err != nil {
		return nil, fmt.Errorf("synced values %s.%s: %w", object, field, err)
	}
	defer rows.Close()
	for _, id := range ids {
		out[id] = ""
	}
	for rows.Next() {
		var id string
		var v sql.NullString
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("synced values %s.%s: %w", object, field, err)
		}
		out[id] = v.String
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("synced values %s.%s: %w", object, field, err)
	}
	return out, nil
}

// Counterpart is the id of the record linked to id (on side from) on the
// other side, for a pair of object; ok is false when it has none.
func (r *Run) Counterpart(ctx context.Context, object string, from Side, id string) (string, bool, error) {
	if !from.valid() {
		return "", false, fmt.Errorf("counterpart: side %q", from)
	}
	to := from.other()
	var v sql.NullString
	err := r.db.QueryRowContext(ctx, `SELECT min(`+string(to)+`_id) FROM links
		WHERE object = ? AND `+string(from)+`_id = ? AND psa_id IS NOT NULL AND doc_id IS NOT NULL`, object, id).Scan(&v)
	if err != nil {
		return "", false, fmt.Errorf("counterpart of %s %s: %w", object, id, err)
	}
	return v.String, v.Valid, nil
}

// inList is an SQL IN list bound to one parameter: textList's JSON array.
const inList = `(SELECT unnest(from_json(?, '["VARCHAR"]')))`

// textList renders strings as a JSON array, to bind for inList.
func textList(vals []string) string {
	b, _ := json.Marshal(vals) // strings always marshal
	return string(b)
}
