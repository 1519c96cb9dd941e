package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"mapsync/engine/steps"
)

// Names of the watcher.
const (
	// WatchName is the registered workflow type of the watcher.
	WatchName = "Watch"
	// WatchStatusQuery returns the WatchStatus of a running watcher.
	WatchStatusQuery = "watch_status"
	// defaultWatchInterval is the pause between polls when the input gives
	// none (mapsync dev and mapsync watch start compute one from the
	// documentation system's request budget: WatchInterval).
	defaultWatchInterval = 5 * time.Second
	// defaultWatchTicks is how many polls a watcher run makes before it
	// continues as new (bounded history).
	defaultWatchTicks = 200
)

// WatchWorkflowID is the workflow id of a sync's watcher.
func WatchWorkflowID(sync string) string { return "mapsync-watch-" + sync }

// SyncWorkflowID is the workflow id every run of a sync uses (manual,
// scheduled and the watcher's record runs), so two never overlap.
func SyncWorkflowID(sync string) string { return "mapsync-sync-" + sync }

// WatchInput starts (or continues) a sync's watcher.
type WatchInput struct {
	Sync     string        `json:"sync"`
	PlanHash string        `json:"plan_hash"`
	Interval time.Duration `json:"interval,omitempty"` // between polls (default 5s)
	// Ticks is how many polls one workflow run makes before it continues
	// as new (default 200).
	Ticks int `json:"ticks,omitempty"`
	// State is what the last poll left (watermarks, records seen).
	State steps.PollInput `json:"state,omitzero"`
	// Pending are changed records not yet synced: a run held the sync's
	// workflow id, or the record run failed. They go into the next run.
	Pending []RecordRef `json:"pending,omitempty"`
	Tuning  Tuning      `json:"tuning,omitempty"`
	// Totals carried over continue-as-new.
	Totals WatchStatus `json:"totals,omitzero"`
}

// WatchStatus is what the watch_status query answers.
type WatchStatus struct {
	Polls    int64       `json:"polls"`
	Requests int64       `json:"requests"` // requests the polls made
	Runs     int64       `json:"runs"`     // record runs completed
	Busy     int64       `json:"busy"`     // ticks a run held the sync's workflow id
	Failed   int64       `json:"failed"`   // record runs (or polls) that failed
	Synced   int64       `json:"synced"`   // records handed to completed record runs
	Pending  []RecordRef `json:"pending,omitempty"`
	LastRun  string      `json:"last_run,omitempty"` // run id of the last record run
}

// PollRequest asks a worker to poll a sync's documentation system.
type PollRequest struct {
	Sync     string          `json:"sync"`
	PlanHash string          `json:"plan_hash"`
	State    steps.PollInput `json:"state,omitzero"`
}

// Watch is a sync's watcher: every Interval (at once after a record run)
// it polls the documentation
// system for changed records of the objects that flow to the PSA (activity
// Poll, any worker) and, when some changed, runs a record run for them as
// a child workflow with the sync's run id, so it never overlaps another
// run of the sync: when one holds the id, the records wait for the next
// tick. After Ticks polls it continues as new.
func Watch(ctx workflow.Context, in WatchInput) error {
	if in.Sync == "" || in.PlanHash == "" {
		return temporal.NewNonRetryableApplicationError("a sync name and a plan hash are required", errInput, nil)
	}
	interval, ticks := in.Interval, in.Ticks
	if interval <= 0 {
		interval = defaultWatchInterval
	}
	if ticks <= 0 {
		ticks = defaultWatchTicks
	}
	st := in.Totals
	st.Pending = in.Pending
	if err := workflow.SetQueryHandler(ctx, WatchStatusQuery, func() (WatchStatus, error) { return st, nil }); err != nil {
		return fmt.Errorf("watch status query: %w", err)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, saSync.ValueSet(in.Sync), saWatcher.ValueSet("true"), saPlanHash.ValueSet(in.PlanHash)); err != nil {
		return fmt.Errorf("search attributes: %w", err)
	}
	var a *Activities
	pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second,
			MaximumAttempts: 3, NonRetryableErrorTypes: []string{errInput, errPlanMissing, errConfig, errAccess}},
	})
	state := in.State
	log := workflow.GetLogger(ctx)
	// After a record run the watcher polls at once: edits made while it
	// ran have waited long enough.
	pollNow := false
	for range ticks {
		if !pollNow {
			if err := workflow.Sleep(ctx, interval); err != nil {
				return err
			}
		}
		pollNow = false
		var pr steps.PollResult
		if err := workflow.ExecuteActivity(pctx, a.Poll, PollRequest{Sync: in.Sync, PlanHash: in.PlanHash, State: state}).Get(ctx, &pr); err != nil {
			st.Failed++
			log.Warn("poll failed; polling again next tick", "error", err)
		} else {
			st.Polls++
			st.Requests += pr.Requests
			state = steps.PollInput{Watermarks: pr.Watermarks, Seen: pr.Seen}
			st.Pending = steps.MergeRecords(st.Pending, pr.Changed)
		}
		if len(st.Pending) == 0 {
			continue
		}
		recs := st.Pending
		res, err := recordRun(ctx, in, recs)
		switch {
		case err != nil && temporal.IsWorkflowExecutionAlreadyStartedError(err):
			st.Busy++
		case err != nil:
			st.Failed++
			log.Warn("record run failed; its records go into the next one", "records", len(recs), "error", err)
		default:
			st.Runs++
			st.Synced += int64(len(recs))
			st.LastRun = res.RunID
			st.Pending = nil
			pollNow = true
		}
	}
	in.State, in.Pending, in.Totals = state, st.Pending, st
	in.Totals.Pending = nil
	return workflow.NewContinueAsNewError(ctx, Watch, in)
}

// recordRun runs a record run of recs as a child workflow with the sync's
// run id; it is left running (abandoned) if the watcher is stopped.
func recordRun(ctx workflow.Context, in WatchInput, recs []RecordRef) (SyncResult, error) {
	sin := SyncInput{Sync: in.Sync, PlanHash: in.PlanHash, Mode: ModeIncremental, Records: recs, Tuning: in.Tuning}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            SyncWorkflowID(in.Sync),
		TaskQueue:             TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: StartAttributes(sin),
	})
	var res SyncResult
	err := workflow.ExecuteChildWorkflow(cctx, SyncRunName, sin).Get(ctx, &res)
	return res, err
}
