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

// TallyRequests adds n, the requests one attempt of a step made (counted
// under CountRequests), to the step's tally in the run's scratch database
// and returns the tally: the requests of every attempt of the step so far.
// An activity calls it when an attempt ends, failed or not, so a step's
// count equals the requests the systems saw for it however often it was
// retried (an attempt whose worker died before it ended is not counted).
func (r *Run) TallyRequests(ctx context.Context, step string, n int64) (int64, error) {
	var total int64
	err := r.db.DB().QueryRowContext(ctx, `INSERT INTO step_requests VALUES (?, ?, ?)
		ON CONFLICT (run, step) DO UPDATE SET n = step_requests.n + excluded.n RETURNING n`,
		r.cfg.RunID, step, n).Scan(&total)
	if err != nil {
		return 0, ledgerError("tally requests", err)
	}
	return total, nil
}

// requestsDDL is the table of TallyRequests (made when a run is opened).
const requestsDDL = `CREATE TABLE IF NOT EXISTS step_requests (
	run VARCHAR NOT NULL, step VARCHAR NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (run, step))`
