package main

import (
	"context"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"mapsync/workflows"
)

func init() { commands = append(commands, newScheduleCmd) }

func scheduleID(sync string) string { return "mapsync-schedule-" + sync }

func newScheduleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Create, list or delete the Temporal schedule of a sync",
		Long: `schedule manages Temporal schedules that start sync runs: one per sync
(mapsync-schedule-<sync>). A schedule runs the mapping version it was created
with (the plan hash is pinned): create it again after changing the mappings.
Runs never overlap: a run due while the previous one still runs is skipped.
A worker (mapsync dev) must be running for the runs to happen.`,
	}
	cmd.AddCommand(newScheduleCreateCmd(), newScheduleListCmd(), newScheduleDeleteCmd())
	return cmd
}

func newScheduleCreateCmd() *cobra.Command {
	var o temporalOptions
	var mappings, sync string
	var every time.Duration
	var full bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Run a sync every --every (replaces the sync's schedule)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if every < time.Minute {
				return usageErr("--every must be at least 1m")
			}
			p, err := compileForRun(cmd, mappings)
			if err != nil {
				return err
			}
			name, err := chooseSync(p, sync)
			if err != nil {
				return err
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			sess, err := openTemporal(cmd.Context(), o, logger, sessionNeeds{})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer sess.Close()
			if _, err := workflows.NewPlanStore(workflows.PlanDir(o.dataDir)).Save(p); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			mode := workflows.ModeIncremental
			if full {
				mode = workflows.ModeFull
			}
			in := workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: mode}
			if err := createSchedule(cmd.Context(), sess.client, scheduleID(name), in, every); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "schedule %s: %s run of %s every %s (plan %s)\n", scheduleID(name), mode, name, every, p.Hash[:12])
			return nil
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	f.StringVar(&mappings, "mappings", "mappings", "directory of the mapping files")
	f.StringVar(&sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.DurationVar(&every, "every", time.Hour, "interval between runs")
	f.BoolVar(&full, "full", false, "full runs instead of incremental ones")
	return cmd
}

func newScheduleListCmd() *cobra.Command {
	var o temporalOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List mapsync's schedules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			sess, err := openTemporal(cmd.Context(), o, logger, sessionNeeds{})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer sess.Close()
			it, err := sess.client.ScheduleClient().List(cmd.Context(), client.ScheduleListOptions{PageSize: 100})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SCHEDULE\tEVERY\tNEXT RUN\tPAUSED")
			for it.HasNext() {
				e, err := it.Next()
				if err != nil {
					return &exitError{code: exitFailure, err: err}
				}
				every, next := "-", "-"
				if e.Spec != nil && len(e.Spec.Intervals) > 0 {
					every = e.Spec.Intervals[0].Every.String()
				}
				if len(e.NextActionTimes) > 0 {
					next = e.NextActionTimes[0].Local().Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", e.ID, every, next, e.Paused)
			}
			return tw.Flush()
		},
	}
	o.addFlags(cmd.Flags())
	return cmd
}

func newScheduleDeleteCmd() *cobra.Command {
	var o temporalOptions
	var sync, mappings string
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete the schedule of a sync",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name := sync
			if name == "" {
				p, err := compileForRun(cmd, mappings)
				if err != nil {
					return err
				}
				if name, err = chooseSync(p, ""); err != nil {
					return err
				}
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			sess, err := openTemporal(cmd.Context(), o, logger, sessionNeeds{})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer sess.Close()
			if err := sess.client.ScheduleClient().GetHandle(cmd.Context(), scheduleID(name)).Delete(cmd.Context()); err != nil {
				return &exitError{code: exitFailure, err: fmt.Errorf("deleting schedule %s: %w", scheduleID(name), err)}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted schedule %s\n", scheduleID(name))
			return nil
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	f.StringVar(&sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.StringVar(&mappings, "mappings", "mappings", "directory of the mapping files")
	return cmd
}

// fullScheduleID is the id of the full-run schedule mapsync dev creates
// beside the incremental one (scheduleID).
func fullScheduleID(sync string) string { return scheduleID(sync) + "-full" }

// createSchedule creates (or replaces) schedule id: a run of in every
// every, skipped while the previous run of the sync still runs.
func createSchedule(ctx context.Context, c client.Client, id string, in workflows.SyncInput, every time.Duration) error {
	sc := c.ScheduleClient()
	_ = sc.GetHandle(ctx, id).Delete(ctx) // replace
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID:      id,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{
			ID: syncWorkflowID(in.Sync), Workflow: workflows.SyncRunName, Args: []any{in},
			TaskQueue: workflows.TaskQueue, TypedSearchAttributes: workflows.StartAttributes(in),
		},
	})
	if err != nil {
		return fmt.Errorf("creating schedule %s: %w", id, err)
	}
	return nil
}
