package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/workflowservice/v1"

	"mapsync/cmd/mapsync/internal/fieldwarn"
	"mapsync/engine/match"
	"mapsync/workflows"
)

func init() { commands = append(commands, newStatusCmd) }

func newStatusCmd() *cobra.Command {
	var o temporalOptions
	var sync string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show recent runs and the state of the links",
		Long: `status lists the recent runs of each sync (from Temporal, when it can be
reached: the embedded server of mapsync dev / mapsync demo, or --temporal),
the running watchers with their counts (polls, record runs, pending records)
and, from the published results, the links per object and state (syncing,
orphaned, error, paused, sync_disabled, disconnected, not_yet_pushed), the
active user controls (pauses, disabled and disconnected links: mapsync
pause, mapsync link), and per object the open record errors (mapsync errors)
and the fields left out of writes (mapsync errors --warnings).

Exit status: 0 when the state could be read (Temporal unreachable is only
noted), 1 when a sync's published results, errors or warnings file exists but cannot
be read (the reason and the repair command are printed).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			ctx, cancel := context.WithTimeout(cmd.Context(), 20*time.Second)
			defer cancel()
			printRuns(ctx, out, o, sync, cmd.ErrOrStderr())
			syncs := []string{sync}
			if sync == "" {
				entries, _ := os.ReadDir(filepath.Join(o.dataDir, "syncs"))
				syncs = nil
				for _, e := range entries {
					if e.IsDir() {
						syncs = append(syncs, e.Name())
					}
				}
			}
			var unreadable []error
			for _, s := range syncs {
				if err := printLinks(ctx, out, o.dataDir, s); err != nil {
					if errors.Is(err, fs.ErrNotExist) {
						fmt.Fprintf(out, "\nsync %s: no published results yet\n", s)
						continue
					}
					fmt.Fprintf(out, "\nsync %s: cannot read the results\n", s)
					unreadable = append(unreadable, fmt.Errorf("sync %s: %w", s, err))
				}
				if err := printControls(out, o.dataDir, s); err != nil {
					unreadable = append(unreadable, fmt.Errorf("sync %s: %w", s, err))
				}
			}
			list, err := readFailures(o.dataDir, sync)
			if err != nil {
				unreadable = append(unreadable, fmt.Errorf("errors file: %w", err))
			}
			warns, werr := readWarnings(o.dataDir, sync)
			if werr != nil {
				unreadable = append(unreadable, fmt.Errorf("warnings file: %w", werr))
			}
			if err == nil && werr == nil {
				fieldwarn.PrintCounts(out, problemsOf(list), fieldwarn.Problems(warns))
			}
			if len(unreadable) > 0 {
				return &exitError{code: exitFailure, err: errors.Join(unreadable...)}
			}
			return nil
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&sync, "sync", "", "only this sync")
	return cmd
}

// printRuns lists recent runs from Temporal's visibility, when reachable.
func printRuns(ctx context.Context, out io.Writer, o temporalOptions, sync string, stderr io.Writer) {
	hostPort := o.hostPort
	if hostPort == "" {
		hostPort = "127.0.0.1:7233"
		if !listening(hostPort) {
			fmt.Fprintln(out, "recent runs: no Temporal server on 127.0.0.1:7233 (start mapsync dev, or pass --temporal)")
			return
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	c, err := connect(ctx, devConfig{temporal: o.hostPort, namespace: o.namespace}, hostPort, logger)
	if err != nil {
		fmt.Fprintf(out, "recent runs: %v\n", err)
		return
	}
	defer c.Close()
	q := "MapsyncSync IS NOT NULL"
	if sync != "" {
		q = fmt.Sprintf("MapsyncSync = '%s'", strings.ReplaceAll(sync, "'", ""))
	}
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: o.namespace, Query: q, PageSize: 10})
	if err != nil {
		fmt.Fprintf(out, "recent runs: %v\n", err)
		return
	}
	fmt.Fprintln(out, "recent runs:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  STARTED\tWORKFLOW\tRUN\tSTATUS\tTOOK")
	for _, e := range resp.GetExecutions() {
		took := "-"
		if e.GetCloseTime() != nil {
			took = e.GetCloseTime().AsTime().Sub(e.GetStartTime().AsTime()).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", e.GetStartTime().AsTime().Local().Format("2006-01-02 15:04:05"),
			e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), e.GetStatus(), took)
	}
	tw.Flush()
	printWatchers(ctx, out, c, o.namespace, sync)
}

// printLinks prints the link states per object of a sync's published results.
func printLinks(ctx context.Context, out io.Writer, dataDir, sync string) error {
	db, err := match.OpenResults(ctx, workflows.SyncDir(dataDir, sync))
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(out, "\nsync %s, results %s\n", sync, filepath.Join(workflows.SyncDir(dataDir, sync), "results.duckdb"))
	rows, err := db.QueryContext(ctx, `SELECT object, state, count(*) FROM links WHERE sync = ? GROUP BY ALL ORDER BY object, state`, sync)
	if err != nil {
		return err
	}
	defer rows.Close()
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "object\tstate\tlinks\t")
	for rows.Next() {
		var object, state string
		var n int64
		if err := rows.Scan(&object, &state, &n); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t\n", object, state, n)
	}
	tw.Flush()
	return rows.Err()
}
