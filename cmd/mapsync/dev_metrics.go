package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"mapsync/internal/metrics"
)

// defaultMetricsAddr is where `mapsync dev` serves the worker's metrics.
const defaultMetricsAddr = "127.0.0.1:9464"

// metricsServer serves one registry at /metrics: mapsync's own series
// (metrics) and the Temporal SDK's (temporal, for the client's options).
type metricsServer struct {
	metrics  *metrics.Metrics
	temporal client.MetricsHandler
	url      string
	close    func()
}

// startMetrics creates the worker's registry and serves it at
// http://addr/metrics until close is called.
func startMetrics(addr string, logger *slog.Logger) (*metricsServer, error) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics at %s (choose another address with --metrics, or turn them off with --metrics \"\"): %w", addr, err)
	}
	sdk, sdkCloser := metrics.TemporalHandler(reg, func(err error) {
		logger.Warn("a Temporal SDK metric is not exported", "error", err)
	})
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(reg))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("metrics server stopped", "error", err)
		}
	}()
	return &metricsServer{metrics: m, temporal: sdk, url: "http://" + ln.Addr().String() + "/metrics", close: func() {
		if err := sdkCloser.Close(); err != nil {
			logger.Warn("stopping the Temporal SDK metrics", "error", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			logger.Warn("stopping the metrics server", "error", err)
		}
	}}, nil
}
