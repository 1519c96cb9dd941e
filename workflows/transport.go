package workflows

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"

	"mapsync/connectors"
	"mapsync/engine/plan"
)

// requestCounter counts the HTTP attempts made on behalf of one activity:
// connector clients are shared by the concurrent activities of a run, so
// their own counters cannot tell activities apart.
type requestCounter struct{ n atomic.Int64 }

type counterKey struct{}

func withCounter(ctx context.Context) (context.Context, *requestCounter) {
	c := &requestCounter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// countingTransport counts each attempt in the counter of the request's
// context, if any.
type countingTransport struct{ base http.RoundTripper }

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if c, ok := req.Context().Value(counterKey{}).(*requestCounter); ok {
		c.n.Add(1)
	}
	return t.base.RoundTrip(req)
}

// baseTransport is the HTTP transport of a system, honouring the plan's
// TLS settings (a sandbox's own CA, or verification off for sandboxes).
func baseTransport(sys plan.System, vars connectors.Resolver) (http.RoundTripper, error) {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("system %s: http.DefaultTransport is not an *http.Transport", sys.Name)
	}
	t := dt.Clone()
	conc := sys.RateLimit.Concurrency
	if conc <= 0 {
		conc = 4
	}
	t.MaxIdleConnsPerHost = conc + 1
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if sys.TLS.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true // declared in the plan, for sandboxes only
	}
	if sys.TLS.CAFile != "" {
		file, err := vars.Resolve(sys.TLS.CAFile)
		if err != nil {
			return nil, fmt.Errorf("system %s: tls ca_file: %w", sys.Name, err)
		}
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("system %s: tls ca_file: %w", sys.Name, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("system %s: tls ca_file %s holds no PEM certificate", sys.Name, file)
		}
		cfg.RootCAs = pool
	}
	t.TLSClientConfig = cfg
	return t, nil
}
