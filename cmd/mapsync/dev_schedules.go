package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"mapsync/connectors"
	"mapsync/engine"
	"mapsync/workflows"
)

// Default schedules of mapsync dev.
const (
	defaultIncrementalEvery = 15 * time.Minute
	defaultFullEvery        = 24 * time.Hour
)

// promptConfig is what mapsync dev schedules and watches.
type promptConfig struct {
	mappings        string
	mappingsChanged bool // --mappings was given: a missing directory is an error
	incremental     time.Duration
	full            time.Duration
	watchInterval   time.Duration // 0 = from the request budget
	noSchedules     bool
	noWatch         bool
	// lookup reads the mapping variables as the worker does; syncs whose
	// systems' variables do not all resolve get no schedule and no watcher
	// (nil: every sync is set up).
	lookup func(string) (string, bool)
}

// setupPrompt creates, for each sync of the mapping files, an incremental
// and a full schedule and starts the watcher of syncs with objects flowing
// to the PSA, as pc says. It reports what it did on w.
func setupPrompt(ctx context.Context, c client.Client, dataDir string, pc promptConfig, w io.Writer) error {
	if pc.noSchedules && pc.noWatch {
		return nil
	}
	if _, err := os.Stat(pc.mappings); err != nil {
		if pc.mappingsChanged {
			return fmt.Errorf("--mappings: %w", err)
		}
		fmt.Fprintf(w, "Schedules:     none (no mapping directory %q; give --mappings)\n", pc.mappings)
		return nil
	}
	l := engine.LoadDir(pc.mappings)
	if l.Diags.HasErrors() || l.Plan == nil {
		fmt.Fprintf(w, "Schedules:     none (the mapping files in %s have errors: mapsync validate)\n", pc.mappings)
		return nil
	}
	p := l.Plan
	if _, err := workflows.NewPlanStore(workflows.PlanDir(dataDir)).Save(p); err != nil {
		return fmt.Errorf("storing the plan: %w", err)
	}
	var ready map[string]bool
	if pc.lookup != nil {
		ready = map[string]bool{}
		for _, name := range configuredSyncs(p, pc.lookup) {
			ready[name] = true
		}
	}
	for _, s := range p.Syncs {
		if ready != nil && !ready[s.Name] {
			err := checkVariables(p, s.Name, connectors.NewResolver(p.Variables, pc.lookup))
			fmt.Fprintf(w, "Not set up:    %s: %v\n", s.Name, err)
			continue
		}
		if !pc.noSchedules {
			for _, sc := range []struct {
				id    string
				mode  string
				every time.Duration
			}{{scheduleID(s.Name), workflows.ModeIncremental, pc.incremental}, {fullScheduleID(s.Name), workflows.ModeFull, pc.full}} {
				if sc.every <= 0 {
					continue
				}
				in := workflows.SyncInput{Sync: s.Name, PlanHash: p.Hash, Mode: sc.mode}
				if err := createSchedule(ctx, c, sc.id, in, sc.every); err != nil {
					return err
				}
				fmt.Fprintf(w, "Schedule:      %s: %s run every %s\n", sc.id, sc.mode, sc.every)
			}
		}
		if pc.noWatch {
			continue
		}
		in, err := watchInput(p, s.Name, pc.watchInterval)
		if err != nil {
			return err
		}
		if in == nil {
			continue
		}
		if err := startWatcher(ctx, c, *in); err != nil {
			return err
		}
		fmt.Fprintf(w, "Watcher:       %s: polls every %s\n", workflows.WatchWorkflowID(s.Name), in.Interval)
	}
	return nil
}
