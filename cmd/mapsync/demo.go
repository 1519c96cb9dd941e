package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

func init() { commands = append(commands, newDemoCmd) }

type demoOptions struct {
	dataDir   string
	port      int
	uiPort    int
	mappings  string
	companies int
	exit      bool
	psa       string
}

func newDemoCmd() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole thing on this machine: Temporal, a worker, sandboxes, two syncs",
		Long: `demo needs nothing installed. It starts the embedded Temporal server (with
its Web UI), a mapsync worker and sandbox PSA and documentation systems
seeded with a realistic MSP (200 companies, 5,000 configurations, contacts,
sites, tickets and the seed's edge cases), then:

  1. runs a first full sync;
  2. edits both systems through their HTTP APIs, as a user would;
  3. runs an incremental sync while a fault makes the documentation system
     refuse one of the new records, which lands in ` + "`mapsync errors`" + `;
  4. lifts the fault and prints where to look: the UI, the results file,
     ` + "`mapsync errors`, `mapsync retry`, `mapsync status`" + ` and SQL examples.

It keeps serving (UI, worker, sandboxes) until Ctrl+C, so the commands above
work from another terminal; with --exit it runs the retry itself and stops.
The demo's sync results start fresh each time (<data-dir>/syncs/ is reset).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := runDemo(ctx, o, cmd); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", devserver.DefaultDataDir, "mapsync's data directory")
	f.IntVar(&o.port, "port", devserver.DefaultPort, "gRPC port of the embedded Temporal server")
	f.IntVar(&o.uiPort, "ui-port", devserver.DefaultUIPort, "port of the Temporal Web UI")
	f.StringVar(&o.mappings, "mappings", "mappings", "directory of the mapping files")
	f.IntVar(&o.companies, "companies", 200, "companies in the generated MSP (25 configurations each on average)")
	f.BoolVar(&o.exit, "exit", false, "retry the failed record and stop instead of serving until Ctrl+C")
	f.StringVar(&o.psa, "psa", local.DefaultPSA, "the PSA sandbox to sync with the documentation system: "+strings.Join(local.PSANames(), ", ")+
		" (the sync of the mapping set whose psa is that system runs)")
	return cmd
}

func runDemo(ctx context.Context, o demoOptions, cmd *cobra.Command) error {
	out := cmd.OutOrStdout()
	p, err := compileForRun(cmd, o.mappings)
	if err != nil {
		return err
	}
	name, err := syncOfPSA(p, o.psa)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelError}))
	step := func(format string, a ...any) { fmt.Fprintf(out, "\n== "+format+"\n", a...) }

	step("starting Temporal (embedded, SQLite in %s)", o.dataDir)
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: o.dataDir, Port: o.port, UIPort: o.uiPort,
		SearchAttributes: mapsyncSearchAttributes(), Logger: logger})
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("%w (is mapsync dev or another demo running? stop it, or pass --port/--ui-port)", err)}
	}
	defer srv.Stop()
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(), Logger: sdkLogger(logger)})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer c.Close()

	step("starting the sandboxes (%s and the documentation system, %d companies)", o.psa, o.companies)
	sb, err := local.Start(local.Options{PSA: o.psa, Data: msp.Options{Companies: o.companies}})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer sb.Close()
	fmt.Fprintf(out, "seeded: %d companies in the PSA, %d already in the documentation system\n", len(sb.Data.PSA.Companies), len(sb.Data.Doc.Companies))

	if err := os.RemoveAll(filepath.Join(o.dataDir, "syncs")); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	if _, err := workflows.NewPlanStore(workflows.PlanDir(o.dataDir)).Save(p); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	acts := workflows.NewActivities(workflows.Config{DataDir: o.dataDir, Env: sb.LookupEnv(os.LookupEnv), Logger: zerolog.Nop()})
	w := workflows.NewWorker(c, acts)
	if err := w.Start(); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer w.Stop()
	fmt.Fprintf(out, "Temporal UI: %s   worker queue: %s\n", srv.UIURL(), acts.TaskQueue())

	step("first sync: full")
	res, err := runSync(ctx, c, workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: workflows.ModeFull}, out, cmd.ErrOrStderr())
	printSummary(out, res)
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("the first sync failed: %w", err)}
	}

	step("editing both systems through their APIs")
	changes, err := sb.DemoChanges(ctx)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	var faultRoute string
	for _, ch := range changes {
		fmt.Fprintf(out, "  %-12s %s\n", ch.System+":", ch.What)
		if ch.Route != "" {
			faultRoute = ch.Route
		}
	}
	fault := ""
	if faultRoute != "" {
		fault = faultRoute + ":503=1,retry_after=1"
		fmt.Fprintf(out, "  fault:       the documentation system answers 503 to %s\n", faultRoute)
	}
	if err := setDocFaults(sb, fault); err != nil {
		return &exitError{code: exitInternal, err: err}
	}

	step("second sync: incremental (what changed since the first)")
	in := workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: workflows.ModeIncremental,
		Tuning: workflows.Tuning{MaxAttempts: 2, RetryMax: 2 * time.Second}}
	res, err = runSync(ctx, c, in, out, cmd.ErrOrStderr())
	printSummary(out, res)
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("the incremental sync failed: %w", err)}
	}
	if err := setDocFaults(sb, ""); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	fmt.Fprintln(out, "the fault is lifted now.")
	printWhereToLook(out, o, srv.UIURL(), name, workflows.SyncDir(o.dataDir, name))

	if o.exit {
		step("retrying the failed records (mapsync retry)")
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "mapsync-retry-" + name, TaskQueue: workflows.TaskQueue,
			TypedSearchAttributes: workflows.StartAttributes(workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: "retry"})},
			workflows.RetryOpsName, workflows.RetryInput{Sync: name, PlanHash: p.Hash})
		if err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		res, err := waitRun(ctx, c, run, out, cmd.ErrOrStderr())
		printSummary(out, res)
		if err != nil {
			return &exitError{code: exitFailure, err: fmt.Errorf("the retry failed: %w", err)}
		}
		list, err := readFailures(o.dataDir, name)
		if err != nil {
			return &exitError{code: exitInternal, err: err}
		}
		fmt.Fprintf(out, "open record errors after the retry: %d\n", len(list))
		return nil
	}
	fmt.Fprintln(out, "\nServing the UI, the worker and the sandboxes; press Ctrl+C to stop.")
	<-ctx.Done()
	fmt.Fprintln(out, "mapsync demo: stopping")
	return nil
}

// syncOfPSA is the one sync of the plan whose PSA system is named psa (a
// sandbox name is the name of the system it stands in for).
func syncOfPSA(p *plan.Plan, psa string) (string, error) {
	if !slices.Contains(local.PSANames(), psa) {
		return "", usageErr("--psa %q: there is no such PSA sandbox (there are: %s)", psa, strings.Join(local.PSANames(), ", "))
	}
	var names []string
	for _, s := range p.Syncs {
		if s.PSA == psa {
			names = append(names, s.Name)
		}
	}
	switch len(names) {
	case 0:
		return "", usageErr("--psa %q: no sync of the mapping set has psa = system.%s", psa, psa)
	case 1:
		return names[0], nil
	}
	return "", usageErr("--psa %q: several syncs have psa = system.%s (%s); the demo runs one", psa, psa, strings.Join(names, ", "))
}

func setDocFaults(sb *local.Systems, spec string) error {
	f, err := core.ParseFaults(spec)
	if err != nil {
		return err
	}
	sb.SetDocFaults(f)
	return nil
}

func printWhereToLook(out io.Writer, o demoOptions, uiURL, syncName, syncDir string) {
	sql := "mapsync sql --results " + filepath.Join(o.dataDir, "syncs")
	fmt.Fprintf(out, `
Where to look:
  Temporal UI      %s  (filter: MapsyncSync = %q)
  results          %s  (DuckDB, read-only while runs publish)
  per-run Parquet  %s
  record errors    mapsync errors
  apply them again mapsync retry            (or --op ID)
  runs and links   mapsync status
  SQL examples     %s "SELECT object, state, count(*) FROM links GROUP BY ALL ORDER BY 1, 2"
                   %s "SELECT object, op, status, count(*) FROM ops GROUP BY ALL ORDER BY 1, 2, 3"
                   %s "SELECT object, rule, count(*) FROM match_decisions WHERE outcome = 'matched' GROUP BY ALL"
`, uiURL, syncName, filepath.Join(syncDir, "results.duckdb"), filepath.Join(syncDir, "runs"), sql, sql, sql)
}
