package steps

import (
	"context"
	"sync/atomic"
)

// Requests counts the HTTP attempts (retries and logins included) the
// connectors of a run make on behalf of one context: the clients are
// shared by the concurrent steps of a run, so their own counters cannot
// tell the steps apart.
type Requests struct{ n atomic.Int64 }

// N is the number of attempts counted so far.
func (c *Requests) N() int64 { return c.n.Load() }

type requestsKey struct{}

// CountRequests returns a context under which every request of the run's
// connectors is counted in the returned counter.
func CountRequests(ctx context.Context) (context.Context, *Requests) {
	c := &Requests{}
	return context.WithValue(ctx, requestsKey{}, c), c
}

// countAttempt is the connectors' attempt hook (connectors.WithAttemptHook).
func countAttempt(ctx context.Context) {
	if c, ok := ctx.Value(requestsKey{}).(*Requests); ok {
		c.n.Add(1)
	}
}
