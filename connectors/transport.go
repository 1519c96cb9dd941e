package connectors

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// transport is the per-attempt layer under retryablehttp: it applies auth
// and the declared headers, waits for the rate limiter, and counts.
type transport struct {
	c    *Client
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st, _ := ctx.Value(stateKey{}).(*callState)
	observed := st != nil // a request without a call has no route template
	if st == nil {
		st = &callState{call: call{method: req.Method, route: req.URL.Path}}
	}
	st.attempts++

	// RoundTrip must not modify the caller's request.
	r := req.Clone(ctx)
	if r.Header.Get("Accept") == "" {
		accept := t.c.sys.ContentType
		if accept == "" {
			accept = "application/json"
		}
		r.Header.Set("Accept", accept)
	}
	if t.c.ua != "" {
		r.Header.Set("User-Agent", t.c.ua)
	}
	for k, tmpl := range t.c.sys.Headers {
		v, err := t.c.resolve(tmpl)
		if err != nil {
			return nil, err
		}
		r.Header.Set(k, v)
	}
	// Auth before taking a limiter slot: a login goes through this
	// transport too and must not wait behind its own caller.
	if !st.call.noAuth {
		tok, err := t.c.auth.apply(ctx, r.Header)
		if err != nil {
			return nil, err
		}
		st.token = tok
	}

	// The object's own limiter first: waiting for it must not hold a
	// slot of the system's, which other objects need.
	releaseObj, waitedObj := func() {}, time.Duration(0)
	if ol := st.call.lim; ol != nil {
		var err error
		if releaseObj, waitedObj, err = ol.acquire(ctx); err != nil {
			return nil, err
		}
	}
	releaseSys, waited, err := t.c.lim.acquire(ctx)
	if err != nil {
		releaseObj()
		return nil, err
	}
	waited += waitedObj
	release := func() { releaseSys(); releaseObj() }
	if waited > 0 {
		t.c.stats.add(func(s *Stats) { s.ThrottleWait += waited })
		if t.c.obs != nil {
			t.c.obs.RateLimitWait(t.c.sys.Name, waited)
		}
	}
	if t.c.attempt != nil {
		t.c.attempt(ctx)
	}
	resp, err := t.base.RoundTrip(r)
	sent := max(r.ContentLength, 0)
	if err != nil {
		release()
		t.c.stats.attempt(st.call.method, st.call.route, 0, sent, 0)
		t.observe(st, observed, 0)
		return nil, err
	}
	t.c.stats.attempt(st.call.method, st.call.route, resp.StatusCode, sent, 0)
	t.observe(st, observed, resp.StatusCode)
	resp.Body = &countingBody{rc: resp.Body, c: t.c.stats, release: release}
	return resp, nil
}

// observe reports an attempt to the client's Observer, with the call's
// route template (a request made outside a call is reported as "other":
// its path may hold ids).
func (t *transport) observe(st *callState, observed bool, status int) {
	if t.c.obs == nil {
		return
	}
	route := st.call.route
	if !observed {
		route = "other"
	}
	t.c.obs.Request(t.c.sys.Name, st.call.method, route, status)
}

// countingBody counts the bytes read and frees the concurrency slot when
// the body is closed (a request is in flight until its body is consumed).
type countingBody struct {
	rc      io.ReadCloser
	c       *counters
	release func()
	once    sync.Once
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.c.received(int64(n))
	}
	return n, err
}

func (b *countingBody) Close() error {
	err := b.rc.Close()
	b.once.Do(b.release)
	return err
}
