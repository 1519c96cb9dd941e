package connectors

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/rs/zerolog"
)

// defaultRequestTimeout bounds one attempt (connect, send, response
// headers and body).
const defaultRequestTimeout = 120 * time.Second

// Option configures a Client.
type Option func(*options)

type options struct {
	logger    zerolog.Logger
	clock     Clock
	transport http.RoundTripper
	timeout   time.Duration
	jitter    func() float64
	userAgent string
	onAttempt func(context.Context)
	observer  Observer
	limits    *Limits
	// unreachableFor bounds the retries of a host that cannot be reached.
	unreachableFor time.Duration
}

func defaultOptions() options {
	return options{
		logger:    zerolog.Nop(),
		clock:     realClock{},
		timeout:   defaultRequestTimeout,
		jitter:    rand.Float64,
		userAgent: "mapsync-connectors/1",

		unreachableFor: DefaultUnreachableFor,
	}
}

// WithLogger sets the logger. Every line the client writes is redacted.
func WithLogger(l zerolog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock injects the time source used for backoff, Retry-After, rate
// limits and token expiry (tests pass a fake that does not sleep).
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithTransport replaces the HTTP transport under the client's own layer
// (auth, limits, counters). The plan's TLS settings are then the caller's
// business: the transport is used as given.
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.transport = rt } }

// WithRequestTimeout bounds one attempt. A create whose attempt times out
// after it was sent is reported StatusAmbiguous.
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithJitter replaces the random source of the backoff jitter (a function
// returning a value in [0, 1)).
func WithJitter(f func() float64) Option { return func(o *options) { o.jitter = f } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// WithAttemptHook calls f with the request's context before each attempt
// goes out (retries and logins included). Callers that share a client
// between concurrent tasks count a task's requests with it, through a
// value of the context.
func WithAttemptHook(f func(context.Context)) Option { return func(o *options) { o.onAttempt = f } }

// Observer receives the client's attempts and rate-limit waits (the
// worker's metrics). route is the declared route template, never the URL.
// Its methods are called concurrently.
type Observer interface {
	Request(system, method, route string, status int)
	RateLimitWait(system string, d time.Duration)
}

// WithObserver reports every attempt (status 0: no answer) and every wait
// in the rate limiter to o.
func WithObserver(o Observer) Option { return func(opts *options) { opts.observer = o } }

// WithUnreachableFor sets how long a call keeps retrying a host it cannot
// reach (connection refused, name not resolved, connect timeout) before it
// gives up with KindUnreachable; the plan's max attempts do not cut this
// short. 0 or less keeps DefaultUnreachableFor.
func WithUnreachableFor(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.unreachableFor = d
		}
	}
}

// WithLimits makes the client take its rate limiter from ls: clients of
// the same system, account and declared limits built with the same Limits
// share one limiter (concurrency cap, rate, window budget and Retry-After
// pauses). The first client's Clock is the limiter's. Without it each
// client has its own.
func WithLimits(ls *Limits) Option { return func(o *options) { o.limits = ls } }
