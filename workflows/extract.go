package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"mapsync/connectors"
	"mapsync/match"
	"mapsync/records"
)

// extractProgress is the heartbeat of an extraction: where the next page
// is. A retried attempt resumes from it instead of listing from the start.
type extractProgress struct {
	Started time.Time          `json:"started"` // when the first attempt began listing
	Next    *connectors.Cursor `json:"next,omitempty"`
	Pages   int64              `json:"pages"`
	Records int64              `json:"records"`
	Skipped int64              `json:"skipped"` // records that could not be mapped at all
	Done    bool               `json:"done"`    // the listing reached its end
}

// Extract lists one side of one object into its staging table, page by
// page, heartbeating the cursor after each staged page. The listing is
// complete (may orphan links) only when it lists everything and reaches
// the end; an error part-way fails the attempt, and the retry resumes from
// the last heartbeat. Pages a crashed attempt staged after its last
// heartbeat are read again, so the staging table is de-duplicated by id at
// the end.
func (a *Activities) Extract(ctx context.Context, in ExtractInput) (ExtractResult, error) {
	ctx, counter := withCounter(ctx)
	res := ExtractResult{Side: in.Side}
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return res, err
	}
	obj, err := env.matchObject(in.Object)
	if err != nil {
		return res, err
	}
	m, err := env.mapper(in.Side, in.Object)
	if err != nil {
		return res, err
	}
	if strings.Contains(m.Object().ListPath, "{ref:") || len(m.FetchFields()) > 0 || len(m.FlagFields()) > 0 {
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"%s %s: nested lists, fetched and flag fields are not extracted yet", env.systemName(in.Side), in.Object), errConfig, nil)
	}
	client, err := a.client(env, in.Side)
	if err != nil {
		return res, err
	}

	var prog extractProgress
	if activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &prog) == nil && !prog.Started.IsZero() {
		activity.GetLogger(ctx).Info("resuming extraction", "object", in.Object, "side", in.Side, "pages", prog.Pages)
	} else {
		prog = extractProgress{Started: a.cfg.Now().UTC()}
		if err := env.run.ResetStage(ctx, obj, match.Side(in.Side)); err != nil {
			return res, ledgerError("reset stage", err)
		}
	}
	st, err := env.run.Stager(ctx, obj, match.Side(in.Side))
	if err != nil {
		return res, ledgerError("stager", err)
	}
	table := st.Table()
	if !prog.Done {
		err = a.list(ctx, client, m, st, in, &prog)
	}
	if cerr := st.Close(); err == nil && cerr != nil {
		err = ledgerError("stage", cerr)
	}
	res.Requests = counter.n.Load()
	if err != nil {
		return res, err
	}
	n, err := dedupeStage(ctx, env.run, table)
	if err != nil {
		return res, ledgerError("dedupe stage", err)
	}
	res.Records, res.Pages = n, prog.Pages
	res.Complete = in.Since.IsZero()
	res.Cursor = prog.Started.Add(-a.cfg.Lookback)
	return res, nil
}

// list reads pages from prog.Next on, stages them and heartbeats.
func (a *Activities) list(ctx context.Context, client *connectors.Client, m *records.Mapper, st *match.Stager, in ExtractInput, prog *extractProgress) error {
	q := connectors.ListQuery{Since: in.Since, Resume: prog.Next}
	rows := make([]match.Row, 0, 1000)
	for page, err := range client.List(ctx, in.Object, q) {
		if err != nil {
			return retryable(fmt.Sprintf("list %s %s", in.Side, in.Object), err)
		}
		rows = rows[:0]
		for _, raw := range page.Records {
			row, err := m.Map(raw, nil)
			var re *records.RecordError
			if errors.As(err, &re) {
				prog.Skipped++
				continue
			}
			if err != nil {
				return temporal.NewNonRetryableApplicationError(err.Error(), errConfig, nil)
			}
			rows = append(rows, match.Row(row))
		}
		if err := st.Append(ctx, rows); err != nil {
			return ledgerError("stage page", err)
		}
		prog.Pages++
		prog.Records += int64(len(rows))
		prog.Next = page.Next
		prog.Done = page.Next == nil
		activity.RecordHeartbeat(ctx, *prog)
	}
	prog.Done = true
	activity.RecordHeartbeat(ctx, *prog)
	return nil
}

// dedupeStage keeps one row per id (the last one read) in a staging
// table: a resumed listing may read again pages staged after the last
// heartbeat.
func dedupeStage(ctx context.Context, run *match.Run, table string) (int64, error) {
	if _, err := run.DB().ExecContext(ctx, `DELETE FROM `+table+` WHERE rowid NOT IN (SELECT max(rowid) FROM `+table+` GROUP BY _id)`); err != nil {
		return 0, err
	}
	var n int64
	err := run.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n)
	return n, err
}
