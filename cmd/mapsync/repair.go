package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"mapsync/engine/match"
)

func init() { commands = append(commands, newRepairCmd) }

func newRepairCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "repair DIR",
		Short: "Rebuild a sync's damaged results.duckdb from its per-run Parquet files",
		Long: `repair rebuilds DIR/results.duckdb (DIR is a sync's results directory,
<data-dir>/syncs/<sync> for runs, <results>/<sync> for 'mapsync plan') from the
Parquet files every publish writes under DIR/runs/<run>/: the links (with what
each side was last synced to) of the newest run, and the match_decisions,
unmatched and ops of every run kept there. The unreadable file is moved aside
to results.duckdb.damaged-<time>, never deleted.

Use it when a sync or 'mapsync status' says the published results cannot be
read. Stop runs of that sync first. Without Parquet files, move the file aside
and run 'mapsync sync --full': links are then made again by matching, and the
first run treats every pair as new (no memories).

Exit status: 0 rebuilt, 1 it could not be rebuilt (the reason is printed).`,
		Example: `  mapsync repair .mapsync/syncs/psa_to_doc`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("repair takes one argument, the sync's results directory; got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := match.RebuildResults(cmd.Context(), args[0])
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			out := cmd.OutOrStdout()
			if rep.Damaged != "" {
				fmt.Fprintf(out, "moved the unreadable file to %s\n", rep.Damaged)
			}
			fmt.Fprintf(out, "rebuilt %s: links of run %s, history of %d run(s)\n", rep.Results, rep.LinksRun, rep.Runs)
			return nil
		},
	}
}
