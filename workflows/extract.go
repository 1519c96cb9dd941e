package workflows

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/steps"
)

// extractChunk is how many pages one steps.Extract call reads before the
// activity heartbeats the cursor.
const extractChunk = 50

// extractProgress is the heartbeat of an extraction: where the next page
// is. A retried attempt resumes from it instead of listing from the start.
type extractProgress struct {
	Started  time.Time          `json:"started"` // when the first attempt began listing
	Next     *connectors.Cursor `json:"next,omitempty"`
	Pages    int64              `json:"pages"`
	Records  int64              `json:"records"`
	Done     bool               `json:"done"`     // the listing reached its end
	Complete bool               `json:"complete"` // ... and listed everything
}

// Extract lists one side of one object into its staging table (package
// stages), a few pages at a time, heartbeating the cursor after each
// chunk. The listing is complete (may orphan links) only when it lists
// everything and reaches the end; an error part-way fails the attempt, and
// the retry resumes from the last heartbeat (stages de-duplicates pages
// read twice).
func (a *Activities) Extract(ctx context.Context, in ExtractInput) (res ExtractResult, err error) {
	defer a.timeStep("extract", time.Now())
	ctx, counter := steps.CountRequests(ctx)
	res = ExtractResult{Side: in.Side}
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return res, err
	}
	defer a.release(env)
	defer tally(ctx, env, fmt.Sprintf("extract %s %s", in.Side, in.Object), counter, &res.Requests, &err)
	var prog extractProgress
	if activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &prog) == nil && !prog.Started.IsZero() {
		activity.GetLogger(ctx).Info("resuming extraction", "object", in.Object, "side", in.Side, "pages", prog.Pages)
	} else {
		prog = extractProgress{Started: a.cfg.Now().UTC()}
	}
	hb := startHeartbeat(ctx, prog)
	defer hb.close()
	for !prog.Done {
		r, err := env.steps.Extract(ctx, steps.ExtractInput{
			Object: in.Object, Side: match.Side(in.Side), Since: in.Since, Cursor: prog.Next, MaxPages: extractChunk, Records: in.Records,
			RunStart: in.RunStart,
		})
		if err != nil {
			return res, retryable(fmt.Sprintf("extract %s %s", in.Side, in.Object), err)
		}
		if r.Disabled != "" {
			break
		}
		prog.Pages += int64(r.Pages)
		prog.Records += int64(r.Staged)
		prog.Next, prog.Done, prog.Complete = r.Next, r.Done, r.Complete
		res.Sweep = r.Sweep
		hb.set(prog)
	}
	res.Records, res.Pages, res.Complete = prog.Records, prog.Pages, prog.Complete
	res.Cursor = prog.Started.Add(-a.cfg.Lookback)
	return res, nil
}
