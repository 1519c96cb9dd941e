package connectors

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"mapsync/engine/plan"
)

const (
	defaultMaxAttempts    = 8
	defaultInitialBackoff = 500 * time.Millisecond
	defaultMaxBackoff     = 30 * time.Second
	// maxRetryAfter caps a server's Retry-After so a bogus value cannot
	// park a worker for hours.
	maxRetryAfter = 15 * time.Minute
)

type retryPolicy struct {
	maxAttempts int
	initial     time.Duration
	max         time.Duration
	extra       map[int]bool
	reject      map[int]bool // RejectOn: a write's refusal, not retried
}

func newRetryPolicy(r plan.Retry) retryPolicy {
	p := retryPolicy{
		maxAttempts: r.MaxAttempts,
		initial:     seconds(r.InitialBackoff),
		max:         seconds(r.MaxBackoff),
		extra:       map[int]bool{},
		reject:      map[int]bool{},
	}
	for _, s := range r.RejectOn {
		p.reject[s] = true
	}
	if p.maxAttempts <= 0 {
		p.maxAttempts = defaultMaxAttempts
	}
	if p.initial <= 0 {
		p.initial = defaultInitialBackoff
	}
	if p.max <= 0 {
		p.max = defaultMaxBackoff
	}
	if p.max < p.initial {
		p.max = p.initial
	}
	for _, s := range r.RetryOn {
		p.extra[s] = true
	}
	return p
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// retryableStatus: 429 and every 5xx always, plus the plan's extra codes.
func (p retryPolicy) retryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500 || p.extra[status]
}

// kindOfStatus classifies a final non-2xx status.
func (p retryPolicy) kindOfStatus(status int) Kind {
	switch {
	case status == http.StatusUnauthorized:
		return KindAuth
	case status == http.StatusForbidden && !p.extra[status]:
		return KindForbidden
	case p.retryableStatus(status), status == http.StatusRequestTimeout:
		return KindFailed
	case status >= 400:
		return KindRejected
	default:
		return KindProtocol
	}
}

// notSent reports whether a transport error certainly happened before the
// request reached the server (dial or DNS failure), so even a create can be
// retried without risking a duplicate.
func notSent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return false
}

// checkRetry is the retryablehttp.CheckRetry of one call.
func (c *Client) checkRetry(st *callState) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err != nil {
			st.lastStatus = 0
			if resp != nil {
				st.lastStatus = resp.StatusCode
			}
			st.lastCause = "network"
			var own *Error
			if errors.As(err, &own) {
				// Raised by this client inside the transport (a failed
				// login, an unresolvable variable): retrying cannot help.
				return false, err
			}
			if tlsTrust(err) {
				// An untrusted certificate stays untrusted.
				return false, err
			}
			if unreachable(err) {
				// Nothing was sent: retry for a time, whatever the count.
				now := c.clock.Now()
				if st.firstUnreachable.IsZero() {
					st.firstUnreachable = now
				}
				st.lastCause = "unreachable"
				return now.Sub(st.firstUnreachable) < c.unreachableFor, err
			}
			st.firstUnreachable = time.Time{}
			if st.attempts >= c.retry.maxAttempts {
				return false, err
			}
			if st.call.create && !notSent(err) {
				// The request may have reached the server: retrying a
				// create could duplicate the record.
				st.ambiguous = true
				return false, err
			}
			// Cert, scheme, redirect errors are permanent; the library knows them.
			retry, _ := retryablehttp.ErrorPropagatedRetryPolicy(ctx, nil, err)
			return retry, err
		}
		st.lastStatus = resp.StatusCode
		st.firstUnreachable = time.Time{}
		if st.call.write && c.retry.reject[resp.StatusCode] {
			return false, nil // the record's refusal: httpError says so
		}
		if c.retry.retryableStatus(resp.StatusCode) {
			st.lastCause = strconv.Itoa(resp.StatusCode)
			return st.attempts < c.retry.maxAttempts, fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		if st.bodyRead && !st.call.create && resp.StatusCode < 300 {
			// A 2xx whose body says it failed with a retryable status is
			// retried as that status would be (never a create: it may
			// have been done). Out of attempts, the answer stands and
			// becomes the error (httpError).
			if s, failed := c.failedInBody(st.call, st.body); failed && c.retry.retryableStatus(s) && !(st.call.write && c.retry.reject[s]) {
				st.lastStatus, st.lastCause = s, "body "+strconv.Itoa(s)
				return st.attempts < c.retry.maxAttempts, nil
			}
		}
		return false, nil
	}
}

// backoff is the retryablehttp.Backoff of one call. It chooses the delay
// (Retry-After when the response has one, else exponential backoff with
// jitter), records it, and waits through the client's Clock; it returns 0 so
// the library itself does not wait again.
func (c *Client) backoff(ctx context.Context, st *callState) retryablehttp.Backoff {
	return func(_, _ time.Duration, attemptNum int, resp *http.Response) time.Duration {
		d, fromHeader := c.delay(attemptNum, resp)
		if fromHeader && st.lastStatus == http.StatusTooManyRequests {
			// The budget is the account's: every attempt of every call
			// through this limiter waits, not only this one.
			c.lim.pause(c.clock.Now().Add(d))
		}
		ev := RetryEvent{
			Method: st.call.method, Route: st.call.route, Attempt: attemptNum + 1,
			Status: st.lastStatus, Cause: st.lastCause, Delay: d, RetryAfter: fromHeader,
		}
		c.stats.retry(ev)
		c.log.Warn().Str("method", ev.Method).Str("route", ev.Route).Int("attempt", ev.Attempt).
			Int("status", ev.Status).Str("cause", ev.Cause).Dur("delay", d).Bool("retry_after", fromHeader).
			Msg("retrying request")
		if err := c.clock.Sleep(ctx, d); err != nil {
			st.sleepErr = err
		}
		return 0
	}
}

// delay chooses the wait before retry attemptNum+1 (attemptNum is 0-based).
func (c *Client) delay(attemptNum int, resp *http.Response) (time.Duration, bool) {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now()); ok {
			return min(d, maxRetryAfter), true
		}
	}
	exp := float64(c.retry.initial) * math.Pow(2, float64(attemptNum))
	base := time.Duration(min(exp, float64(c.retry.max)))
	// Equal jitter: half fixed, half random, so retries of many workers
	// spread out but never collapse to zero.
	half := base / 2
	return half + time.Duration(c.jitter()*float64(base-half)), false
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}
