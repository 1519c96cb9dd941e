// Package metrics holds mapsync's own Prometheus series. There is no
// global state: the command creates a prometheus.Registry, New registers
// the series on it, and the *Metrics value is passed down (workflows.Config,
// connector options). Every method is safe on a nil *Metrics (metrics off).
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are mapsync's series on one registry.
type Metrics struct {
	requests *prometheus.CounterVec
	rlWait   *prometheus.CounterVec
	ops      *prometheus.CounterVec
	step     *prometheus.HistogramVec
	run      *prometheus.HistogramVec
	links    *prometheus.GaugeVec
}

// New registers mapsync's series (and the Go and process collectors) on
// reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mapsync_http_requests_total",
			Help: "HTTP attempts sent to the systems, by system, method, route template and status (0: no answer).",
		}, []string{"system", "method", "route", "status"}),
		rlWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mapsync_rate_limit_wait_seconds_total",
			Help: "Time requests waited in the client-side rate limiter, by system.",
		}, []string{"system"}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mapsync_ops_total",
			Help: "Ops applied, rejected or failed, by sync, object and outcome.",
		}, []string{"sync", "object", "outcome"}),
		step: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mapsync_step_duration_seconds",
			Help:    "Duration of one activity attempt of a run, by step (extract, match, deferred, apply, commit).",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"step"}),
		run: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mapsync_run_duration_seconds",
			Help:    "Duration of a run on its worker, from the run's first activity there to its commit, by sync.",
			Buckets: prometheus.ExponentialBuckets(0.5, 3, 10),
		}, []string{"sync"}),
		links: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mapsync_links",
			Help: "Published links, by sync, object and state (set at each commit).",
		}, []string{"sync", "object", "state"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.rlWait, m.ops, m.step, m.run, m.links,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Handler serves the registry in the Prometheus text format.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// Request counts one HTTP attempt. route is the declared route template,
// never the URL.
func (m *Metrics) Request(system, method, route string, status int) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(system, method, route, strconv.Itoa(status)).Inc()
}

// RateLimitWait adds a wait in the system's rate limiter.
func (m *Metrics) RateLimitWait(system string, d time.Duration) {
	if m == nil || d <= 0 {
		return
	}
	m.rlWait.WithLabelValues(system).Add(d.Seconds())
}

// Outcomes of ops.
const (
	OutcomeApplied  = "applied"
	OutcomeRejected = "rejected"
	OutcomeFailed   = "failed"
)

// Ops adds n ops of an object with an outcome.
func (m *Metrics) Ops(sync, object, outcome string, n int64) {
	if m == nil || n <= 0 {
		return
	}
	m.ops.WithLabelValues(sync, object, outcome).Add(float64(n))
}

// Step observes one step attempt's duration.
func (m *Metrics) Step(step string, d time.Duration) {
	if m == nil {
		return
	}
	m.step.WithLabelValues(step).Observe(d.Seconds())
}

// Run observes a run's duration.
func (m *Metrics) Run(sync string, d time.Duration) {
	if m == nil {
		return
	}
	m.run.WithLabelValues(sync).Observe(d.Seconds())
}

// LinkCount is the number of links of an object in a state.
type LinkCount struct {
	Object, State string
	N             int64
}

// Links replaces a sync's links-by-state gauges with counts.
func (m *Metrics) Links(sync string, counts []LinkCount) {
	if m == nil {
		return
	}
	m.links.DeletePartialMatch(prometheus.Labels{"sync": sync})
	for _, c := range counts {
		m.links.WithLabelValues(sync, c.Object, c.State).Set(float64(c.N))
	}
}
