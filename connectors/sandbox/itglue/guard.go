package itglue

import (
	"crypto/subtle"
	"math"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// guard runs before every route: the x-api-key check (403), the request
// budget (429 with Retry-After) and, for requests with a body, the media
// type check (415).
func (s *Sandbox) guard(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("x-api-key")
		if key == "" {
			writeErrors(w, http.StatusForbidden, newErr(http.StatusForbidden, "an API key is required in the x-api-key header"))
			return
		}
		if subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.APIKey)) != 1 {
			writeErrors(w, http.StatusForbidden, newErr(http.StatusForbidden, "the API key is not valid"))
			return
		}
		if ok, wait := s.budget.take(key); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			if secs < 1 {
				secs = 1
			}
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeErrors(w, http.StatusTooManyRequests, newErr(http.StatusTooManyRequests,
				"rate limit exceeded: %d requests per %s; retry in %d s", s.budget.limit, s.budget.window, secs))
			return
		}
		if hasBody(r) {
			if e := s.checkMediaType(r.Header.Get("Content-Type")); e != nil {
				writeErrors(w, e.code, e)
				return
			}
		}
		h(w, r)
	})
}

// hasBody reports whether a request carries (or must carry) a document:
// every POST and PATCH, and a DELETE with a body.
func hasBody(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPatch:
		return true
	case http.MethodDelete:
		return r.ContentLength != 0
	}
	return false
}

// checkMediaType accepts application/vnd.api+json with any parameters
// (clients send "; charset=utf-8"), and application/json only when
// Options.AcceptPlainJSON is set.
func (s *Sandbox) checkMediaType(ct string) *apiError {
	if ct == "" {
		return newErr(http.StatusUnsupportedMediaType, "Content-Type must be %s", mediaType)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == mediaType || (mt == "application/json" && s.opts.AcceptPlainJSON)) {
		return nil
	}
	return newErr(http.StatusUnsupportedMediaType, "Content-Type %q is not supported; use %s", ct, mediaType)
}

// budget is IT Glue's request budget: limit requests per window per API
// key, in fixed windows that start with the first request after the last
// window ended.
type budget struct {
	mu     sync.Mutex
	limit  int // <= 0: unlimited
	window time.Duration
	now    func() time.Time
	wins   map[string]*budgetWindow
}

type budgetWindow struct {
	start time.Time
	n     int
}

func newBudget(limit int, window time.Duration, now func() time.Time) *budget {
	return &budget{limit: limit, window: window, now: now, wins: map[string]*budgetWindow{}}
}

// take counts one request for key. When the budget is spent it returns
// false and how long until the window ends.
func (b *budget) take(key string) (bool, time.Duration) {
	if b.limit <= 0 {
		return true, 0
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.wins[key]
	if w == nil || !now.Before(w.start.Add(b.window)) {
		w = &budgetWindow{start: now}
		b.wins[key] = w
	}
	if w.n >= b.limit {
		return false, w.start.Add(b.window).Sub(now)
	}
	w.n++
	return true, 0
}

// reset forgets every window.
func (b *budget) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wins = map[string]*budgetWindow{}
}
