package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/workflows"
)

func init() { commands = append(commands, newDevCmd) }

// devConfig is what `mapsync dev` runs with.
type devConfig struct {
	dataDir   string
	port      int
	uiPort    int
	noUI      bool
	namespace string
	temporal  string // HOST:PORT of an existing cluster; "" starts the embedded server
	sandbox   bool
	psa       string // with sandbox: the PSA sandbox
	// unreachableFor: see workerConfig.
	unreachableFor time.Duration
	prompt         promptConfig // default schedules and watchers
	metrics        string       // HOST:PORT of the worker's /metrics; "" off
	// sdkMetrics receives the Temporal SDK's metrics (set by runDev from
	// metrics; nil: none).
	sdkMetrics client.MetricsHandler
}

func newDevCmd() *cobra.Command {
	var cfg devConfig
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run Temporal (embedded, with its Web UI) and a mapsync worker until Ctrl+C",
		Long: `dev runs everything mapsync needs on this machine, with nothing to install:

  - an embedded Temporal server: all four services in this process, state in
    one SQLite file (<data-dir>/temporal.db, kept across restarts), workflow
    retention of at least 7 days;
  - the Temporal Web UI (http://127.0.0.1:8233 by default);
  - a mapsync worker (workflows SyncRun, RetryOps and Watch, and their
    activities);
  - for each sync of the mapping files (--mappings, default ./mappings): an
    incremental schedule (every 15m, --schedule-incremental), a full one
    (daily, --schedule-full) and, when some object's documentation-side
    changes flow to the PSA, the sync's watcher, which applies such changes
    within seconds (--watch-interval); --no-schedules and --no-watch turn
    them off. They run the mapping version dev found at start;
  - with --sandbox, the sandbox systems seeded with realistic data (the
    documentation system and the PSA --sandbox-psa names); the worker's
    runs use them (their URLs and credentials are set for the mapping
    variables).

Syncs whose systems' variables are not all set (in the environment, or by
the sandboxes) get no schedule and no watcher; dev says which and why.

It prints the gRPC address, the UI URL and the namespace, then runs until
SIGINT (Ctrl+C) or SIGTERM and stops cleanly. A second Ctrl+C while stopping
exits at once.

The worker serves its Prometheus metrics at http://127.0.0.1:9464/metrics
(--metrics HOST:PORT; --metrics "" turns them off); see the Metrics section
of docs/durable-runs.md.

The internal Temporal services listen on the first free ports above --port
(7234-7236 by default). Everything binds to 127.0.0.1 and has no
authentication.

With --temporal HOST:PORT no server is started: the worker connects to that
cluster, whose namespace must exist. The flags of the embedded server
(--data-dir, --port, --ui-port, --no-ui) cannot be combined with it.

See docs/embedded-temporal.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.temporal != "" {
				for _, f := range []string{"data-dir", "port", "ui-port", "no-ui"} {
					if cmd.Flags().Changed(f) {
						return usageErr("--%s is for the embedded server and cannot be combined with --temporal", f)
					}
				}
			}
			cfg.prompt.mappingsChanged = cmd.Flags().Changed("mappings")
			if !slices.Contains(local.PSANames(), cfg.psa) {
				return usageErr("--sandbox-psa %q: there is no such PSA sandbox (there are: %s)", cfg.psa, strings.Join(local.PSANames(), ", "))
			}
			for _, f := range []string{"schedule-incremental", "schedule-full"} {
				if d, _ := cmd.Flags().GetDuration(f); cmd.Flags().Changed(f) && d != 0 && d < time.Minute {
					return usageErr("--%s must be at least 1m (0 turns it off)", f)
				}
			}
			if cmd.Flags().Changed("watch-interval") && cfg.prompt.watchInterval < 100*time.Millisecond {
				return usageErr("--watch-interval must be at least 100ms")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// After the first signal, restore the default handling so a
			// second Ctrl+C ends a shutdown that hangs.
			go func() { <-ctx.Done(); stop() }()
			if err := runDev(ctx, cfg, cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				if errors.Is(err, devserver.ErrPortInUse) {
					err = fmt.Errorf("%w\n(is another mapsync dev or Temporal server running? choose other ports with --port and --ui-port, or run without the UI with --no-ui)", err)
				}
				return &exitError{code: exitFailure, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.dataDir, "data-dir", devserver.DefaultDataDir, "directory for the embedded server's SQLite file")
	f.IntVar(&cfg.port, "port", devserver.DefaultPort, "gRPC port of the embedded Temporal frontend")
	f.IntVar(&cfg.uiPort, "ui-port", devserver.DefaultUIPort, "port of the Temporal Web UI")
	f.BoolVar(&cfg.noUI, "no-ui", false, "do not start the Web UI")
	f.StringVar(&cfg.namespace, "namespace", devserver.DefaultNamespace, "Temporal namespace (created in the embedded server)")
	f.StringVar(&cfg.temporal, "temporal", "", "use the existing Temporal cluster at `HOST:PORT` instead of the embedded server")
	f.BoolVar(&cfg.sandbox, "sandbox", false, "also run the sandbox systems, seeded with realistic data")
	f.StringVar(&cfg.psa, "sandbox-psa", local.DefaultPSA, "with --sandbox: the PSA sandbox to run ("+strings.Join(local.PSANames(), ", ")+")")
	f.StringVar(&cfg.prompt.mappings, "mappings", "mappings", "directory of the mapping files whose syncs get the default schedules and watchers")
	f.DurationVar(&cfg.prompt.incremental, "schedule-incremental", defaultIncrementalEvery, "interval of each sync's incremental schedule (0: none)")
	f.DurationVar(&cfg.prompt.full, "schedule-full", defaultFullEvery, "interval of each sync's full schedule (0: none)")
	f.DurationVar(&cfg.prompt.watchInterval, "watch-interval", 0, "pause between the watcher's polls (default: what keeps a quiet watcher within 20% of the documentation system's request budget, at least 1s)")
	f.BoolVar(&cfg.prompt.noSchedules, "no-schedules", false, "create no schedules")
	f.BoolVar(&cfg.prompt.noWatch, "no-watch", false, "start no watcher")
	f.StringVar(&cfg.metrics, "metrics", defaultMetricsAddr, "serve the worker's Prometheus metrics at `HOST:PORT`/metrics (\"\": off)")
	f.DurationVar(&cfg.unreachableFor, "unreachable-for", connectors.DefaultUnreachableFor, "how long the worker retries a host it cannot reach (refused, not resolved, connect timeout) before the run stops")
	return cmd
}

// mapsyncSearchAttributes are the custom search attributes mapsync's
// workflows set, so runs can be found by sync, object, mode and plan.
func mapsyncSearchAttributes() map[string]enumspb.IndexedValueType {
	return workflows.SearchAttributeTypes()
}

// runDev runs Temporal (embedded unless cfg.temporal is set) and the worker
// until ctx ends, then stops them in order: worker, client, UI, server.
func runDev(ctx context.Context, cfg devConfig, stdout, stderr io.Writer) (err error) {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	hostPort, uiURL, dbPath := cfg.temporal, "", ""
	if cfg.temporal == "" {
		srv, err := devserver.Start(ctx, devserver.Options{
			DataDir:          cfg.dataDir,
			Port:             cfg.port,
			UIPort:           cfg.uiPort,
			DisableUI:        cfg.noUI,
			Namespace:        cfg.namespace,
			SearchAttributes: mapsyncSearchAttributes(),
			Logger:           logger,
		})
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, srv.Stop()) }()
		hostPort, uiURL, dbPath = srv.HostPort(), srv.UIURL(), srv.DBPath()
	}

	wcfg := workerConfig{namespace: cfg.namespace, dataDir: cfg.dataDir, sandbox: cfg.sandbox, psa: cfg.psa, logger: logger, unreachableFor: cfg.unreachableFor}
	metricsURL := ""
	if cfg.metrics != "" {
		srv, err := startMetrics(cfg.metrics, logger)
		if err != nil {
			return err
		}
		defer srv.close() // after the client's Close (defers run last-in first-out)
		wcfg.metrics, metricsURL, cfg.sdkMetrics = srv.metrics, srv.url, srv.temporal
	}

	c, err := connect(ctx, cfg, hostPort, logger)
	if err != nil {
		return err
	}
	defer c.Close()

	stopWorker, lookup, err := startWorker(ctx, c, wcfg)
	if err != nil {
		return err
	}
	defer stopWorker()
	cfg.prompt.lookup = lookup

	printDevInfo(stdout, cfg, hostPort, uiURL, dbPath, metricsURL)
	if err := setupPrompt(ctx, c, cfg.dataDir, cfg.prompt, stdout); err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "mapsync dev: stopping")
	return nil
}

// connect dials Temporal (the SDK's metrics to cfg.sdkMetrics, when not nil) and checks the namespace; for an existing cluster
// it also registers mapsync's search attributes (the embedded server has
// them from the start).
func connect(ctx context.Context, cfg devConfig, hostPort string, logger *slog.Logger) (client.Client, error) {
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := client.DialContext(dialCtx, client.Options{
		HostPort:  hostPort,
		Namespace: cfg.namespace,
		Logger:    sdklog.NewStructuredLogger(logger),
		// nil: the SDK's no-op handler.
		MetricsHandler: cfg.sdkMetrics,
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s: %w", hostPort, err)
	}
	if cfg.temporal == "" {
		return c, nil
	}
	if _, err := c.WorkflowService().DescribeNamespace(dialCtx, &workflowservice.DescribeNamespaceRequest{Namespace: cfg.namespace}); err != nil {
		c.Close()
		return nil, fmt.Errorf("namespace %q on %s: %w (create it first, e.g. temporal operator namespace create)", cfg.namespace, hostPort, err)
	}
	if err := devserver.RegisterSearchAttributes(dialCtx, c, cfg.namespace, mapsyncSearchAttributes()); err != nil {
		// Not fatal: some clusters (Temporal Cloud) manage search
		// attributes elsewhere; runs then just cannot be filtered by them.
		logger.Warn("could not register mapsync's search attributes; register them on the cluster", "error", err)
	}
	return c, nil
}

func printDevInfo(w io.Writer, cfg devConfig, hostPort, uiURL, dbPath, metricsURL string) {
	if cfg.temporal != "" {
		fmt.Fprintf(w, "Temporal gRPC: %s (existing cluster)\n", hostPort)
		fmt.Fprintf(w, "Web UI:        (the cluster's own)\n")
	} else {
		fmt.Fprintf(w, "Temporal gRPC: %s\n", hostPort)
		if uiURL == "" {
			uiURL = "(disabled)"
		}
		fmt.Fprintf(w, "Web UI:        %s\n", uiURL)
		fmt.Fprintf(w, "Data:          %s\n", dbPath)
	}
	fmt.Fprintf(w, "Namespace:     %s\n", cfg.namespace)
	if metricsURL == "" {
		metricsURL = "(disabled)"
	}
	fmt.Fprintf(w, "Metrics:       %s\n", metricsURL)
	fmt.Fprintln(w, "Running; press Ctrl+C to stop.")
}
