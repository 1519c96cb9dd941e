package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"mapsync/connectors/sandbox/msp"
	"mapsync/workflows"
)

type benchWorkersOptions struct {
	workers    int
	syncs      int
	orgs       int
	configs    int // per organization
	mappings   string
	rateLimits string
}

func newBenchWorkersCmd() *cobra.Command {
	var o benchWorkersOptions
	cmd := &cobra.Command{
		Use:   "workers",
		Short: "Measure syncs per hour of N `mapsync worker` processes on one Temporal server",
		Long: `bench workers runs the embedded Temporal server in this process and
--workers worker processes (this binary's "mapsync worker", sharing one data
directory, each tenant's credentials in a secrets directory), and --syncs
tenants: each a sync of its own (the mapping set's sync renamed) against its
own pair of sandboxes, seeded with --orgs companies of --configs
configurations each (plus their contacts and sites). It starts every
tenant's first (full) sync at once, waits for all of them and prints the wall
time and the syncs per hour. Every run must succeed.

--rate-limits off (default) lifts the plan's client-side rate limits and the
documentation sandbox's request budget, so the figure is the machine's;
--rate-limits plan keeps them (each tenant has its own systems, so its own
budget), so the figure is what the systems' limits allow.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.workers < 1 || o.syncs < 1 || o.orgs < 1 || o.configs < 1 {
				return usageErr("--workers, --syncs, --orgs and --configs must be at least 1")
			}
			if o.rateLimits != "off" && o.rateLimits != "plan" {
				return usageErr("--rate-limits is off or plan")
			}
			_, p, diags, err := loadPlan(o.mappings)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				writeDiagnostics(cmd.ErrOrStderr(), diags, o.mappings)
				return failed()
			}
			exe, err := os.Executable()
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelError}))
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Hour)
			defer cancel()
			cl, err := startCluster(ctx, clusterOptions{exe: exe, workers: o.workers, tenants: o.syncs, plan: p,
				data: benchWorkersData(o.orgs, o.configs), unthrottled: o.rateLimits == "off", logger: logger})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer cl.Close()
			start := time.Now()
			runs, err := cl.start(ctx, workflows.ModeFull, workflows.Tuning{})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			res, errs := wait(ctx, runs)
			wall := time.Since(start)
			var writes int64
			for _, r := range res {
				writes += writes64(r)
			}
			if err := errors.Join(errs...); err != nil {
				return &exitError{code: exitFailure, err: fmt.Errorf("runs failed: %w", err)}
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "workers %d, syncs %d (%d companies × %d configurations each), rate limits %s, writes %d\n", o.workers, o.syncs, o.orgs, o.configs, o.rateLimits, writes)
			fmt.Fprintf(w, "wall %.1fs, %.0f syncs/hour\n", wall.Seconds(), float64(o.syncs)/wall.Hours())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.workers, "workers", 3, "worker processes")
	f.IntVar(&o.syncs, "syncs", 20, "tenants, each one sync with its own sandboxes")
	f.IntVar(&o.orgs, "orgs", 5, "PSA companies per tenant")
	f.IntVar(&o.configs, "configs", 4, "configurations per company")
	f.StringVar(&o.mappings, "mappings", "mappings", "directory of the mapping files (one sync)")
	f.StringVar(&o.rateLimits, "rate-limits", "off", "off: lift client rate limits and the sandbox budget; plan: keep them")
	return cmd
}

// benchWorkersData is one tenant's data set: orgs companies of configs
// configurations, two contacts and one site each.
func benchWorkersData(orgs, configs int) msp.Options {
	return msp.Options{Seed: 11, Companies: orgs, ConfigsPerCo: configs, ContactsPerCo: 2, SitesPerCo: 1, TicketsPerCo: 1}
}

// writes64 counts a run's writes (creates, updates, adoptions, deferred
// updates).
func writes64(r workflows.SyncResult) (n int64) {
	for _, o := range r.Objects {
		n += o.Created + o.Updated + o.Adopted
		if o.Deferred != nil {
			n += o.Deferred.Updated
		}
	}
	return n
}
