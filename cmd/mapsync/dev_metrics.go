package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"

	"mapsync/workflows/metrics"
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
	sdk, sdkCloser := temporalMetrics(reg, func(err error) {
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

// temporalMetrics returns a metrics handler for the Temporal SDK
// (client.Options.MetricsHandler) whose series go to reg, through a tally
// scope and tally's Prometheus reporter (what the SDK's contrib/tally
// module does, which this module does not depend on). Timers are
// histograms. onError receives the registration errors of series the
// SDK reports with inconsistent labels (those series are dropped). Close
// the returned closer after the client.
func temporalMetrics(reg *prometheus.Registry, onError func(error)) (client.MetricsHandler, io.Closer) {
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:       reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		OnRegisterError:  onError,
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &tallyprom.DefaultSanitizerOpts,
	}, time.Second)
	return tallyHandler{scope}, closer
}

// tallyHandler is client.MetricsHandler over a tally scope.
type tallyHandler struct{ s tally.Scope }

func (h tallyHandler) WithTags(tags map[string]string) client.MetricsHandler {
	return tallyHandler{h.s.Tagged(tags)}
}
func (h tallyHandler) Counter(name string) client.MetricsCounter { return h.s.Counter(name) }
func (h tallyHandler) Gauge(name string) client.MetricsGauge     { return h.s.Gauge(name) }
func (h tallyHandler) Timer(name string) client.MetricsTimer     { return h.s.Timer(name) }
