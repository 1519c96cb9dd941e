package metrics

import (
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
)

// TemporalHandler returns a metrics handler for the Temporal SDK
// (client.Options.MetricsHandler) whose series go to reg, through a tally
// scope and tally's Prometheus reporter (what the SDK's contrib/tally
// module does, which this module does not depend on). Timers are
// histograms. onError receives the registration errors of series the
// SDK reports with inconsistent labels (those series are dropped). Close
// the returned closer after the client.
func TemporalHandler(reg *prometheus.Registry, onError func(error)) (client.MetricsHandler, io.Closer) {
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
