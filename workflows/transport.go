package workflows

import (
	"context"
	"crypto/tls"
	"net/http"
	"sync/atomic"

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

// countingFor returns a transport that counts requests per activity for
// the clients of a sync, when both systems use default TLS (the clients
// then need nothing the transport does not do); otherwise the connectors'
// own transports are kept and requests are not counted per activity.
func countingFor(p *plan.Plan, s *plan.Sync) (http.RoundTripper, bool) {
	for _, name := range []string{s.PSA, s.Doc} {
		sys, ok := findSystem(p, name)
		if !ok || sys.TLS.InsecureSkipVerify || sys.TLS.CAFile != "" {
			return nil, false
		}
	}
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, false
	}
	t := dt.Clone()
	t.MaxIdleConnsPerHost = 32
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return countingTransport{base: t}, true
}
