package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/workflows"
	"mapsync/workflows/metrics"
)

// workerConfig is what startWorker needs from `mapsync dev`.
type workerConfig struct {
	namespace string
	dataDir   string
	sandbox   bool   // also start the sandbox systems
	psa       string // the PSA sandbox ("" = the default)
	// unreachableFor: how long a host that cannot be reached is retried
	// before the run stops (0 = the default).
	unreachableFor time.Duration
	logger         *slog.Logger
	metrics        *metrics.Metrics // nil: no metrics
}

// startWorker is the one place where `mapsync dev` starts the mapsync
// worker (and, with cfg.sandbox, the sandbox systems) on client c. The
// returned stop function is called before the client is closed and the
// server stopped; lookup is where the worker reads the mapping variables.
func startWorker(ctx context.Context, c client.Client, cfg workerConfig) (stop func(), lookup func(string) (string, bool), err error) {
	env := workflows.Config{DataDir: cfg.dataDir, Logger: zerolog.Nop(),
		ConnectorOptions: []connectors.Option{connectors.WithUnreachableFor(cfg.unreachableFor)},
		Metrics:          cfg.metrics}
	var sb *local.Systems
	if cfg.sandbox {
		if sb, err = local.Start(local.Options{PSA: cfg.psa}); err != nil {
			return nil, nil, fmt.Errorf("starting the sandboxes: %w", err)
		}
		env.Env = sb.LookupEnv(os.LookupEnv)
		cfg.logger.Info("sandboxes running", "env", sb.EnvNames())
	}
	acts := workflows.NewActivities(env)
	w := workflows.NewWorker(c, acts)
	if err := w.Start(); err != nil {
		if sb != nil {
			sb.Close()
		}
		return nil, nil, err
	}
	lookup = os.LookupEnv
	if env.Env != nil {
		lookup = env.Env
	}
	return func() {
		if err := w.Stop(); err != nil {
			cfg.logger.Warn("stopping the worker", "error", err)
		}
		if sb != nil {
			if err := sb.Close(); err != nil {
				cfg.logger.Warn("stopping the sandboxes", "error", err)
			}
		}
	}, lookup, nil
}
