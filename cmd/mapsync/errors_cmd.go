package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/cmd/mapsync/internal/fieldwarn"
	"mapsync/workflows"
)

func init() { commands = append(commands, newErrorsCmd) }

// failure is one row of a sync's errors file.
type failure struct {
	ID         int64     `json:"id"`
	Sync       string    `json:"sync"`
	Run        string    `json:"run"`
	Object     string    `json:"object"`
	Op         string    `json:"op"`
	TargetSide string    `json:"target_side"`
	TargetID   string    `json:"target_id,omitempty"`
	SourceSide string    `json:"source_side"`
	SourceID   string    `json:"source_id,omitempty"`
	Status     string    `json:"status"`
	Message    string    `json:"message"`
	Attempts   int       `json:"attempts"`
	LastSeen   time.Time `json:"last_seen"`
}

func newErrorsCmd() *cobra.Command {
	var dataDir, sync string
	var asJSON, warnings bool
	cmd := &cobra.Command{
		Use:   "errors",
		Short: "List the records that failed (validation errors, writes that gave up), or the fields left out (--warnings)",
		Long: `errors lists the open record-level failures of each sync: writes a system
rejected (with its message) and writes that still failed when their retries
ran out. A failure stays listed until a later run or ` + "`mapsync retry`" + ` applies
the same write. Apply them again with ` + "`mapsync retry`" + ` (all), --op ID or --run ID.

With --warnings it lists instead every field a sync leaves out of its writes,
per record (with the record's name), and why: a value the mapping rejects
(several MAC addresses in one field), a value the target cannot take (an
operating system its list does not know), a read-only or create-only field.
A warning stays listed until a later run writes the field or sees a value
that is no longer left out.

It reads <data-dir>/syncs/<sync>/errors.duckdb (warnings.duckdb), which runs
replace atomically, so it works while a worker (mapsync dev, mapsync demo) is
running.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if warnings {
				list, err := readWarnings(dataDir, sync)
				if err != nil {
					return &exitError{code: exitInternal, err: err}
				}
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(list)
				}
				fieldwarn.Print(cmd.OutOrStdout(), list)
				return nil
			}
			list, err := readFailures(dataDir, sync)
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(out, "no record errors")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSYNC\tOBJECT\tWRITE\tRECORD\tSTATUS\tTRIES\tMESSAGE")
			for _, f := range list {
				rec := f.SourceSide + " " + f.SourceID
				if f.TargetID != "" {
					rec += " -> " + f.TargetSide + " " + f.TargetID
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s %s\t%s\t%s\t%d\t%s\n", f.ID, f.Sync, f.Object, f.Op, f.TargetSide, rec, f.Status, f.Attempts, f.Message)
			}
			tw.Flush()
			fmt.Fprintf(out, "\n%d failed records; apply them again with `mapsync retry` (or --op ID)\n", len(list))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", devserver.DefaultDataDir, "mapsync's data directory")
	f.StringVar(&sync, "sync", "", "only this sync (default: every sync with results)")
	f.BoolVar(&asJSON, "json", false, "print a JSON array")
	f.BoolVar(&warnings, "warnings", false, "list the fields left out of writes, per record, and why")
	return cmd
}

// readFailures reads the errors files of one sync, or of every sync.
func readFailures(dataDir, sync string) ([]failure, error) {
	syncs := []string{sync}
	if sync == "" {
		entries, err := os.ReadDir(filepath.Join(dataDir, "syncs"))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		syncs = nil
		for _, e := range entries {
			if e.IsDir() {
				syncs = append(syncs, e.Name())
			}
		}
	}
	var out []failure
	for _, s := range syncs {
		db, ok, err := workflows.OpenErrors(workflows.SyncDir(dataDir, s))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		rows, err := db.Query(`SELECT id, sync, run, object, op, target_side, coalesce(target_id, ''), source_side, coalesce(source_id, ''),
			status, coalesce(message, ''), attempts, last_seen FROM errors ORDER BY id`)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("errors of %s: %w", s, err)
		}
		for rows.Next() {
			var f failure
			if err := rows.Scan(&f.ID, &f.Sync, &f.Run, &f.Object, &f.Op, &f.TargetSide, &f.TargetID, &f.SourceSide, &f.SourceID,
				&f.Status, &f.Message, &f.Attempts, &f.LastSeen); err != nil {
				rows.Close()
				db.Close()
				return nil, fmt.Errorf("errors of %s: %w", s, err)
			}
			out = append(out, f)
		}
		err = rows.Err()
		rows.Close()
		db.Close()
		if err != nil {
			return nil, fmt.Errorf("errors of %s: %w", s, err)
		}
	}
	return out, nil
}
