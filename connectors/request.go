package connectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"mapsync/engine/plan"
)

// maxBody bounds a response body held in memory (a page of 1000 large
// records is a few MB).
const maxBody = 256 << 20

// call is one logical request (retried as a whole by retryablehttp).
type call struct {
	op          string // for errors and logs, e.g. "list configuration page 3"
	method      string
	route       string // path template, for counters and logs
	url         string // absolute
	body        []byte
	contentType string
	create      bool // not idempotent: never retried once it may have been sent
	noAuth      bool // login and discovery requests
	// env is the envelope of the object or lookup the call is for (nil:
	// the system's): its success flag, error message and status paths.
	env *plan.Envelope
	// header holds extra request headers (a token request's Basic
	// client credentials).
	header http.Header
	// write marks a create, update or delete: a status of retry.RejectOn
	// is then the record's refusal.
	write bool
	// lim is the object's own limiter, waited for before the system's
	// (nil: the system's only).
	lim *limiter
}

// response is the final response of a call, body read.
type response struct {
	status   int
	header   http.Header
	body     []byte
	attempts int
}

// callState is shared by the attempts of one call.
type callState struct {
	call       call
	attempts   int
	token      string // the token the last attempt carried
	lastStatus int
	lastCause  string
	ambiguous  bool
	// firstUnreachable: when the host was first found unreachable in
	// this call (zero while it answers).
	firstUnreachable time.Time
	sleepErr         error
	body             []byte
	bodyRead         bool
}

type stateKey struct{}

// do runs a call: retries through retryablehttp, and re-logs in once when a
// token is refused (401).
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	resp, st, err := c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	if c.refused(cl, resp) && !cl.noAuth && c.auth.canRelogin() {
		c.auth.invalidate(st.token)
		c.stats.add(func(s *Stats) { s.Relogins++ })
		c.log.Info().Str("route", cl.route).Msg("token refused, logging in again")
		resp, _, err = c.send(ctx, cl)
		if err != nil {
			return nil, err
		}
	}
	return resp, nil
}

func (c *Client) send(ctx context.Context, cl call) (*response, *callState, error) {
	st := &callState{call: cl}
	rctx := context.WithValue(ctx, stateKey{}, st)
	var body any
	if cl.body != nil {
		body = cl.body
	}
	req, err := retryablehttp.NewRequestWithContext(rctx, cl.method, cl.url, body)
	if err != nil {
		return nil, st, &Error{Op: cl.op, Method: cl.method, Route: cl.route, Kind: KindConfig, Message: c.red.redact(err.Error())}
	}
	for k, vs := range cl.header {
		req.Header[k] = vs
	}
	if cl.body != nil {
		ct := cl.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.SetResponseHandler(func(r *http.Response) error {
		b, err := readBody(r)
		if err != nil {
			return err
		}
		st.body, st.bodyRead = b, true
		r.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	})
	rc := &retryablehttp.Client{
		HTTPClient: c.httpc,
		Logger:     nil, // the library logs URLs; this client logs redacted routes itself
		// checkRetry enforces the attempt limit itself: an unreachable
		// host is retried for a time (unreachableFor), not a count.
		RetryMax:     math.MaxInt32,
		RetryWaitMin: c.retry.initial,
		RetryWaitMax: c.retry.max,
		CheckRetry:   c.checkRetry(st),
		Backoff:      c.backoff(rctx, st),
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		PrepareRetry: func(*http.Request) error {
			st.bodyRead = false // the next attempt's body is not read yet
			if st.sleepErr != nil {
				return st.sleepErr
			}
			return ctx.Err()
		},
	}
	hr, err := rc.Do(req)
	if err != nil && hr == nil {
		return nil, st, c.transportError(ctx, st, err)
	}
	defer hr.Body.Close()
	if !st.bodyRead {
		b, rerr := readBody(hr)
		if rerr != nil {
			return nil, st, c.transportError(ctx, st, rerr)
		}
		st.body = b
	}
	resp := &response{status: hr.StatusCode, header: hr.Header, body: st.body, attempts: st.attempts}
	if err != nil && !c.retry.retryableStatus(hr.StatusCode) {
		// A body that could not be read after a response arrived.
		return nil, st, c.transportError(ctx, st, err)
	}
	return resp, st, nil
}

func readBody(r *http.Response) ([]byte, error) {
	defer r.Body.Close()
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("response body larger than %d bytes", maxBody)
	}
	return b, nil
}

// transportError turns a failure without a usable response into an *Error.
func (c *Client) transportError(ctx context.Context, st *callState, err error) error {
	e := &Error{Op: st.call.op, Method: st.call.method, Route: st.call.route, Attempts: st.attempts, HTTPStatus: st.lastStatus}
	switch {
	case ctx.Err() != nil:
		e.Kind, e.ctxErr, e.Message = KindCanceled, ctx.Err(), ctx.Err().Error()
	case st.ambiguous:
		e.Kind = KindAmbiguous
		e.Message = "the request was sent but its response was lost (" + c.red.redact(describeNetErr(err)) + "); the record may exist"
		c.stats.add(func(s *Stats) { s.Ambiguous++ })
	default:
		var ce *Error
		if errors.As(err, &ce) {
			return ce
		}
		e.Kind = KindFailed
		switch {
		case tlsTrust(err):
			e.Kind = KindTLS
		case unreachable(err):
			e.Kind = KindUnreachable
		}
		e.Message = c.red.redact(describeNetErr(err))
		if e.Kind == KindUnreachable && !st.firstUnreachable.IsZero() {
			e.Message += fmt.Sprintf(" (unreachable for %s)", c.clock.Now().Sub(st.firstUnreachable).Round(time.Second))
		}
	}
	return c.decorate(e)
}

// describeNetErr shortens a transport error to its cause, without the URL
// that net/http puts in front (it may carry query values).
func describeNetErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

// httpError builds the error of a final non-2xx (or success=false) response.
func (c *Client) httpError(cl call, resp *response, parsed any) *Error {
	env := c.envOf(cl)
	msg := c.errorMessage(parsed, resp.body, env.ErrorMessage)
	status := resp.status
	kind := c.retry.kindOfStatus(status)
	if status >= 200 && status < 300 {
		// A success flag false on a 2xx: classified by the status the
		// body states, as that HTTP status would be; record-level without.
		kind = KindRejected
		if s, ok := bodyStatus(env, parsed); ok {
			status, kind = s, c.retry.kindOfStatus(s)
		}
	}
	if cl.write && c.retry.reject[status] {
		kind = KindRejected
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := &Error{
		Op: cl.op, Method: cl.method, Route: cl.route, HTTPStatus: status,
		Kind: kind, Message: c.red.redact(msg), Attempts: resp.attempts,
	}
	if d, ok := parseRetryAfter(resp.header.Get("Retry-After"), c.clock.Now()); ok {
		e.RetryAfter = min(d, maxRetryAfter)
	}
	return c.decorate(e)
}

// expectJSON runs a call and returns the decoded body of a 2xx response
// whose success flag (if declared) is true; any other outcome is an *Error.
func (c *Client) expectJSON(ctx context.Context, cl call) (any, *response, error) {
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, nil, err
	}
	parsed, perr := decodeBody(resp.body)
	if resp.status < 200 || resp.status >= 300 {
		return parsed, resp, c.httpError(cl, resp, parsed)
	}
	if perr != nil {
		return nil, resp, &Error{Op: cl.op, Method: cl.method, Route: cl.route, HTTPStatus: resp.status,
			Kind: KindProtocol, Message: "response is not JSON: " + perr.Error(), Attempts: resp.attempts}
	}
	if !flagTrue(parsed, c.envOf(cl).Success) {
		return parsed, resp, c.httpError(cl, resp, parsed)
	}
	return parsed, resp, nil
}
