package workflows

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mapsync/engine/match"
)

// The ops table of the run's scratch database (package match) is the
// ledger: Plan writes every intended op there, status "planned", with its
// idempotency key, before anything is sent. Apply adds one status of its
// own, "sending": set (and committed) before a request goes out, it marks
// an op whose outcome is unknown until its result is recorded. A retried
// batch skips applied and rejected ops and looks up a "sending" create on
// the target before creating it again.
const statusSending = "sending"

// sendsDDL records when each op was first sent, so the lookup of a lost
// create knows from when to list.
const sendsDDL = `CREATE TABLE IF NOT EXISTS ledger_sends (
	run        VARCHAR NOT NULL,
	key        VARCHAR NOT NULL,
	first_sent TIMESTAMP NOT NULL,
	attempts   INTEGER NOT NULL,
	PRIMARY KEY (run, key)
)`

func ensureLedger(ctx context.Context, run *match.Run) error {
	_, err := run.DB().ExecContext(ctx, sendsDDL)
	return err
}

// planBatches cuts the run's planned writes of one object into ranges of
// at most size ops (orphans included: they are recorded, not sent).
func planBatches(ctx context.Context, run *match.Run, object string, size int) ([]SeqRange, error) {
	rows, err := run.DB().QueryContext(ctx, `SELECT min(seq), max(seq) FROM (
			SELECT seq, (row_number() OVER (ORDER BY seq) - 1) // ? AS b FROM ops
			WHERE run = ? AND object = ? AND op IN ('create', 'update', 'orphan') AND status <> 'noted')
		GROUP BY b ORDER BY b`, size, run.ID(), object)
	if err != nil {
		return nil, fmt.Errorf("batches: %w", err)
	}
	defer rows.Close()
	var out []SeqRange
	for rows.Next() {
		var r SeqRange
		if err := rows.Scan(&r.From, &r.To); err != nil {
			return nil, fmt.Errorf("batches: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// opsInRange reads the ops of one object in a seq range.
func opsInRange(ctx context.Context, run *match.Run, object string, r SeqRange) ([]match.Op, error) {
	ops, err := run.Ops(ctx, match.OpFilter{Object: object, After: r.From - 1, Limit: int(r.To - r.From + 1)})
	if err != nil {
		return nil, err
	}
	out := ops[:0]
	for _, o := range ops {
		if o.Seq <= r.To {
			out = append(out, o)
		}
	}
	return out, nil
}

// markSending commits "sending" for ops about to be sent and notes the
// time of the first send.
func markSending(ctx context.Context, run *match.Run, object string, keys []string, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	conn, err := run.DB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	list := sqlList(keys)
	_, err = conn.ExecContext(ctx, `UPDATE ops SET status = 'sending' WHERE run = ? AND object = ? AND key IN (`+list+`)`, run.ID(), object)
	if err == nil {
		_, err = conn.ExecContext(ctx, `INSERT INTO ledger_sends
			SELECT ?, k, ?, 1 FROM unnest([`+list+`]) t(k)
			ON CONFLICT (run, key) DO UPDATE SET attempts = attempts + 1`, run.ID(), now.UTC())
	}
	if err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("mark sending: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("mark sending: %w", err)
	}
	return nil
}

// firstSent returns the earliest first-send time of the given ops.
func firstSent(ctx context.Context, run *match.Run, keys []string) (time.Time, error) {
	var t sql.NullTime
	err := run.DB().QueryRowContext(ctx, `SELECT min(first_sent) FROM ledger_sends WHERE run = ? AND key IN (`+sqlList(keys)+`)`, run.ID()).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("first send: %w", err)
	}
	return t.Time, nil
}

// setNoted records ops that were planned but are not to be sent (the
// writer skipped them on purpose), with the reason.
func setNoted(ctx context.Context, run *match.Run, object string, reasons map[string]string) error {
	for key, why := range reasons {
		if _, err := run.DB().ExecContext(ctx, `UPDATE ops SET status = 'noted', reason = ? WHERE run = ? AND object = ? AND key = ?`,
			why, run.ID(), object, key); err != nil {
			return fmt.Errorf("note op: %w", err)
		}
	}
	return nil
}

// markUnconfirmed turns ops left "sending" by a run that failed into
// failures: their outcome was never confirmed. (A create among them that
// did reach the system is matched, not created again, by the next run.)
func markUnconfirmed(ctx context.Context, run *match.Run) error {
	_, err := run.DB().ExecContext(ctx, `UPDATE ops SET status = 'failed',
		message = coalesce(message, 'not confirmed: the run ended before the system answered') WHERE run = ? AND status = 'sending'`, run.ID())
	return err
}

// alreadyCommitted reports whether a run's scratch database is gone and
// its results are published: a Commit retried after it succeeded.
func alreadyCommitted(ctx context.Context, syncDir, runID string) (bool, error) {
	if _, err := os.Stat(scratchPath(syncDir, runID)); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if _, err := os.Stat(filepath.Join(syncDir, "results.duckdb")); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	db, err := match.OpenResults(ctx, syncDir)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE run = ? AND published_at IS NOT NULL`, runID).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// sqlList renders strings as a SQL list of literals.
func sqlList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}
