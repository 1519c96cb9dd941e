package connectors

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"mapsync/engine/plan"
)

// Client executes one system's declarations. It is safe for concurrent use.
type Client struct {
	sys     plan.System
	vars    Resolver
	objects map[string]*plan.Object
	lookups map[string]*plan.Lookup

	log     zerolog.Logger
	clock   Clock
	jitter  func() float64
	ua      string
	httpc   *http.Client
	lim     *limiter
	stats   *counters
	red     *redactor
	auth    *authenticator
	base    *baseURL
	retry   retryPolicy
	timeout time.Duration
	attempt func(context.Context) // WithAttemptHook
	obs     Observer              // WithObserver
	// unreachableFor: WithUnreachableFor.
	unreachableFor time.Duration

	putBulkOnce sync.Once
	// objLim holds the limiters of objects with their own rate_limit
	// (wire_ratelimit.go).
	objLim map[string]*limiter
}

// New builds the client of one system. vars resolves ${var.x} templates at
// request time; the plan holds no secret values.
func New(sys plan.System, vars Resolver, opts ...Option) (*Client, error) {
	if vars == nil {
		return nil, fmt.Errorf("system %q: a Resolver is required", sys.Name)
	}
	if err := validate(sys); err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	c := &Client{
		sys:     sys,
		vars:    vars,
		objects: make(map[string]*plan.Object, len(sys.Objects)),
		lookups: make(map[string]*plan.Lookup, len(sys.Lookups)),
		log:     o.logger.With().Str("system", sys.Name).Logger(),
		clock:   o.clock,
		jitter:  o.jitter,
		ua:      o.userAgent,
		stats:   newCounters(),
		red:     newRedactor(),
		retry:   newRetryPolicy(sys.Retry),
		timeout: o.timeout,
		attempt: o.onAttempt,
		obs:     o.observer,

		unreachableFor: o.unreachableFor,
	}
	for i := range sys.Objects {
		c.objects[sys.Objects[i].Name] = &sys.Objects[i]
	}
	for i := range sys.Lookups {
		c.lookups[sys.Lookups[i].Name] = &sys.Lookups[i]
	}
	if o.limits != nil {
		c.lim = o.limits.get(c.limitKey(), sys.RateLimit, c.clock)
	} else {
		c.lim = newLimiter(sys.RateLimit, c.clock)
	}
	c.objLim = c.objectLimiters(o.limits)
	c.auth = &authenticator{c: c}
	c.base = &baseURL{c: c}

	base := o.transport
	if base == nil {
		t, err := c.defaultTransport()
		if err != nil {
			return nil, err
		}
		base = t
	}
	c.httpc = &http.Client{
		Transport: &transport{c: c, base: base},
		Timeout:   o.timeout,
		// Never follow redirects: credentials must not travel to another
		// host, and an API that redirects is misconfigured.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

// System returns the system this client runs.
func (c *Client) System() plan.System { return c.sys }

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats { return c.stats.snapshot() }

// Close releases idle connections.
func (c *Client) Close() { c.httpc.CloseIdleConnections() }

func (c *Client) defaultTransport() (http.RoundTripper, error) {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport is not an *http.Transport")
	}
	t := dt.Clone()
	conc := c.sys.RateLimit.Concurrency
	if conc <= 0 {
		conc = defaultConcurrency
	}
	t.MaxIdleConnsPerHost = conc + 1
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.sys.TLS.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true // declared in the plan, for sandboxes only
		c.log.Warn().Msg("TLS certificate verification is disabled by the plan")
	}
	if c.sys.TLS.CAFile != "" {
		file, err := c.vars.Resolve(c.sys.TLS.CAFile)
		if err != nil {
			return nil, configError("tls", "ca_file: %s", c.red.redact(err.Error()))
		}
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, configError("tls", "read ca_file: %s", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, configError("tls", "ca_file %s holds no PEM certificate", file)
		}
		cfg.RootCAs = pool
	}
	t.TLSClientConfig = cfg
	return t, nil
}

func (c *Client) object(name string) (*plan.Object, error) {
	o, ok := c.objects[name]
	if !ok {
		return nil, configError("object", "system %q has no object %q", c.sys.Name, name)
	}
	return o, nil
}

// resolve resolves a template and registers the sensitive values it used.
func (c *Client) resolve(t plan.Template) (string, error) {
	s, err := c.vars.Resolve(t)
	if err != nil {
		return "", configError("resolve", "%s", c.red.redact(err.Error()))
	}
	if sr, ok := c.vars.(SecretReporter); ok {
		c.red.add(sr.SecretValues(t)...)
	}
	return s, nil
}

// resolveSecret resolves a template whose value is always a secret.
func (c *Client) resolveSecret(t plan.Template) (string, error) {
	s, err := c.resolve(t)
	if err == nil {
		c.red.add(s)
	}
	return s, err
}

// Redact removes every secret this client knows from s. Callers that log
// or store text derived from this client's responses can use it.
func (c *Client) Redact(s string) string { return c.red.redact(s) }
