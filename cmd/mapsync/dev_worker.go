package main

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/client"
)

// workerConfig is what startWorker needs from `mapsync dev`.
type workerConfig struct {
	namespace string
	sandbox   bool // also start the sandbox systems
	logger    *slog.Logger
}

// startWorker is the one place where `mapsync dev` starts the mapsync
// worker (and, with cfg.sandbox, the sandbox systems) on client c. The
// returned stop function is called before the client is closed and the
// server stopped.
//
// Not wired yet: it only logs. The integration registers the workflows and
// activities on a worker.New(c, taskQueue, ...) here and returns its Stop.
func startWorker(ctx context.Context, c client.Client, cfg workerConfig) (stop func(), err error) {
	cfg.logger.Warn("mapsync worker not wired yet: no workflows will run", "namespace", cfg.namespace)
	if cfg.sandbox {
		cfg.logger.Warn("--sandbox: sandbox systems not wired yet")
	}
	return func() {}, nil
}
