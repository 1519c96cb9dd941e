package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"mapsync/workflows"
)

func init() { commands = append(commands, newRetryCmd) }

func newRetryCmd() *cobra.Command {
	var o temporalOptions
	var mappings, sync, fromRun string
	var ops []int64
	cmd := &cobra.Command{
		Use:   "retry",
		Short: "Apply failed records again (all, --op ID, or --run ID)",
		Long: `retry applies again the record-level failures that ` + "`mapsync errors`" + ` lists:
every one of the sync, the ones given with --op (repeatable), or those of one
run (--run). It runs as a workflow of its own on Temporal, through the same
ledger as a sync run: a failed create is looked up on the target before it
is sent again. Records that succeed leave the errors list.

The writes are prepared with the current mapping files (fix a mapping, then
retry). Exit status 1 if the retry run failed or records failed again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			p, err := compileForRun(cmd, mappings)
			if err != nil {
				return err
			}
			name, err := chooseSync(p, sync)
			if err != nil {
				return err
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			sess, err := openTemporal(ctx, o, logger, sessionNeeds{worker: true})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer sess.Close()
			if _, err := workflows.NewPlanStore(workflows.PlanDir(o.dataDir)).Save(p); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			in := workflows.RetryInput{Sync: name, PlanHash: p.Hash, FromRun: fromRun, IDs: ops}
			run, err := sess.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: "mapsync-retry-" + name, TaskQueue: workflows.TaskQueue,
				TypedSearchAttributes: workflows.StartAttributes(workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: "retry"}),
			}, workflows.RetryOpsName, in)
			if err != nil {
				return &exitError{code: exitFailure, err: fmt.Errorf("starting the retry: %w", err)}
			}
			res, err := waitRun(ctx, sess.client, run, cmd.OutOrStdout(), cmd.ErrOrStderr())
			printSummary(cmd.OutOrStdout(), res)
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "mapsync: the retry failed: %v\n", err)
				return failed()
			}
			var again int64
			for _, obj := range res.Objects {
				again += obj.Errors
			}
			if len(res.Objects) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing to retry")
			}
			if again > 0 {
				return failed()
			}
			return nil
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	f.StringVar(&mappings, "mappings", "mappings", "directory of the mapping files")
	f.StringVar(&sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.Int64SliceVar(&ops, "op", nil, "retry the error with this `ID` (see mapsync errors; repeatable)")
	f.StringVar(&fromRun, "run", "", "retry the errors of this run `ID`")
	return cmd
}
