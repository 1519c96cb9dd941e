package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors"
	"mapsync/workflows"
)

func init() { commands = append(commands, newWorkerCmd) }

// workerOptions are the flags of `mapsync worker`.
type workerOptions struct {
	temporal       string // HOST:PORT, required
	namespace      string
	dataDir        string
	name           string // the worker's own queue is mapsync@<name>; "" = host and data directory
	secretsDir     string
	metrics        string
	unreachableFor time.Duration
	connectTimeout time.Duration
}

func newWorkerCmd() *cobra.Command {
	var o workerOptions
	cmd := &cobra.Command{
		Use:   "worker --temporal HOST:PORT",
		Short: "Run a mapsync worker (no server) on an existing Temporal cluster until SIGTERM",
		Long: `worker runs one mapsync worker process against the Temporal cluster at
--temporal HOST:PORT; it starts no server (mapsync dev is the all-in-one).
Run as many as you like, on one host or several: each serves mapsync's
workflows (SyncRun, RetryOps, Watch) and Prepare on the shared queue
"mapsync", and the activities of the runs it prepared on its own queue
"mapsync@<name>".

Where the state lives: every worker must see the same --data-dir (a volume
all workers mount): the plan store (<data-dir>/plans, written by mapsync sync
and mapsync schedule) and each sync's directory (<data-dir>/syncs/<sync>:
results.duckdb, the run scratch files work/<run>.duckdb, cursors, controls,
errors). A run's activities go to the worker that prepared it; when that
worker is gone, the run starts again on another worker, which reopens the
run's scratch file (its ledger of writes) from the shared directory. See
"Many tenants on a Temporal cluster" in docs/durable-runs.md.

--name gives the worker its own queue; it must differ between the workers
that share a data directory (default: the host name and a hash of the data
directory, unique for one worker per host). A worker restarted with the same
name picks up the activities of its runs. A worker refuses to start while a
live process on this host serves the same queue.

Secrets: the variables of the mapping files are read by the worker. With
--secrets-dir DIR, the variable whose environment name is NAME, for sync S,
is the file DIR/S/NAME (one per tenant), else the worker's environment
(what every tenant shares). Without it, the environment for every sync.
Secrets never travel in Temporal payloads: a run's input names the sync and
the plan hash only.

SIGTERM or SIGINT stops it gracefully: it stops polling, waits up to 30 s
for the activities in flight to finish (then cancels them), and closes the
run databases. A second signal exits at once.

--metrics HOST:PORT serves the worker's Prometheus metrics at /metrics
(off by default); see the Metrics section of docs/durable-runs.md.

Exit status: 0 after a graceful stop; 1 when the cluster cannot be reached
(within --connect-timeout), the namespace does not exist, the queue is
taken or the metrics address is in use; 2 for bad flags.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.temporal == "" {
				return usageErr("--temporal HOST:PORT is required (mapsync dev runs a server and a worker together)")
			}
			if o.name != "" && !plainWorkerName(o.name) {
				return usageErr("--name %q: use letters, digits, '.', '_' and '-'", o.name)
			}
			if o.connectTimeout <= 0 {
				return usageErr("--connect-timeout must be positive")
			}
			if o.secretsDir != "" {
				if fi, err := os.Stat(o.secretsDir); err != nil || !fi.IsDir() {
					return usageErr("--secrets-dir %s is not a directory", o.secretsDir)
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() { <-ctx.Done(); stop() }() // a second signal ends a stop that hangs
			if err := runWorker(ctx, o, cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.temporal, "temporal", "", "the Temporal cluster's frontend at `HOST:PORT` (required)")
	f.StringVar(&o.namespace, "namespace", devserver.DefaultNamespace, "Temporal namespace (must exist)")
	f.StringVar(&o.dataDir, "data-dir", devserver.DefaultDataDir, "mapsync's data directory, shared by every worker (plans, syncs' results, run scratch files)")
	f.StringVar(&o.name, "name", "", "this worker's name: its own queue is mapsync@`NAME` (default: host name and a hash of --data-dir)")
	f.StringVar(&o.secretsDir, "secrets-dir", "", "read the variable NAME of sync S from the file `DIR`/S/NAME, else from the environment")
	f.StringVar(&o.metrics, "metrics", "", "serve the worker's Prometheus metrics at `HOST:PORT`/metrics (default: off)")
	f.DurationVar(&o.unreachableFor, "unreachable-for", connectors.DefaultUnreachableFor, "how long a host that cannot be reached (refused, not resolved, connect timeout) is retried before the run stops")
	f.DurationVar(&o.connectTimeout, "connect-timeout", 30*time.Second, "how long to try to reach the cluster at start")
	return cmd
}

// workerTaskQueue is the own queue of a worker named name (dataDir is
// absolute, as workflows.Config makes it: the default is the one
// `mapsync dev` uses on the same directory).
func workerTaskQueue(name, dataDir string) string {
	if name == "" {
		return workflows.HostTaskQueue(dataDir)
	}
	return workflows.TaskQueue + "@" + name
}

func plainWorkerName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return s != ""
}

// runWorker runs the worker until ctx ends, then stops it in order:
// worker (draining), client, metrics.
func runWorker(ctx context.Context, o workerOptions, stdout, stderr io.Writer) (err error) {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dataDir, err := filepath.Abs(o.dataDir)
	if err != nil {
		return err
	}
	cfg := workflows.Config{DataDir: dataDir, Logger: zerolog.Nop(),
		ConnectorOptions: []connectors.Option{connectors.WithUnreachableFor(o.unreachableFor)}}
	if o.secretsDir != "" {
		cfg.SyncEnv = workflows.SecretsDirEnv(o.secretsDir, os.LookupEnv)
	}
	dcfg := devConfig{temporal: o.temporal, namespace: o.namespace}
	metricsURL := "(disabled)"
	if o.metrics != "" {
		srv, err := startMetrics(o.metrics, logger)
		if err != nil {
			return err
		}
		defer srv.close()
		cfg.Metrics, dcfg.sdkMetrics, metricsURL = srv.metrics, srv.temporal, srv.url
	}

	cctx, cancel := context.WithTimeout(ctx, o.connectTimeout)
	c, err := connect(cctx, dcfg, o.temporal, logger)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("Temporal at %s did not answer within %s (is the server running? is HOST:PORT its frontend?): %w", o.temporal, o.connectTimeout, err)
		}
		return err
	}
	defer c.Close()

	cfg.TaskQueue = workerTaskQueue(o.name, cfg.DataDir)
	acts := workflows.NewActivities(cfg)
	if err := checkQueueFree(ctx, c, o.namespace, acts.TaskQueue()); err != nil {
		return err
	}
	w := workflows.NewWorker(c, acts)
	if err := w.Start(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Temporal gRPC: %s\n", o.temporal)
	fmt.Fprintf(stdout, "Namespace:     %s\n", o.namespace)
	fmt.Fprintf(stdout, "Queues:        %s, %s\n", workflows.TaskQueue, acts.TaskQueue())
	fmt.Fprintf(stdout, "Data:          %s\n", cfg.DataDir)
	if o.secretsDir != "" {
		fmt.Fprintf(stdout, "Secrets:       %s/<sync>/<NAME>, else the environment\n", o.secretsDir)
	}
	fmt.Fprintf(stdout, "Metrics:       %s\n", metricsURL)
	fmt.Fprintln(stdout, "Running; SIGTERM or Ctrl+C stops it.")

	<-ctx.Done()
	fmt.Fprintln(stderr, "mapsync worker: stopping (finishing the activities in flight, up to 30 s)")
	if err := w.Stop(); err != nil {
		return fmt.Errorf("stopping the worker: %w", err)
	}
	fmt.Fprintln(stderr, "mapsync worker: stopped")
	return nil
}

// checkQueueFree fails when another live process on this host polls the
// worker's own queue: two processes on one queue would each get activities
// of runs whose scratch file the other holds. Pollers of other hosts are
// not checked: the server lists a stopped worker's poller for a while, and
// a worker restarted elsewhere under the same name is normal.
func checkQueueFree(ctx context.Context, c client.Client, namespace, queue string) error {
	resp, err := c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_ACTIVITY,
	})
	if err != nil {
		return fmt.Errorf("describing task queue %s: %w", queue, err)
	}
	host, _ := os.Hostname()
	for _, p := range resp.GetPollers() {
		if p.GetLastAccessTime() == nil || time.Since(p.GetLastAccessTime().AsTime()) > time.Minute {
			continue
		}
		parts := strings.SplitN(p.GetIdentity(), "@", 3)
		if len(parts) >= 2 && parts[1] == host {
			if pid, err := strconv.Atoi(parts[0]); err == nil && pid != os.Getpid() && pollerAlive(p.GetIdentity()) {
				return fmt.Errorf("queue %s is already served by process %d on this host: give each worker that shares a data directory its own --name", queue, pid)
			}
		}
	}
	return nil
}
