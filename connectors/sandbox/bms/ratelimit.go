package bms

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter counts calls per endpoint in fixed windows.
type limiter struct {
	mu     sync.Mutex
	counts map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter() *limiter { return &limiter{counts: map[string]*window{}} }

func (l *limiter) reset() {
	l.mu.Lock()
	l.counts = map[string]*window{}
	l.mu.Unlock()
}

// take counts one call to endpoint at now and returns 0, or the seconds
// until the window ends when the call is over the limit.
func (l *limiter) take(endpoint string, now time.Time, limit int, win time.Duration) int {
	if limit < 0 {
		return 0
	}
	start := now.Truncate(win)
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.counts[endpoint]
	if w == nil || !w.start.Equal(start) {
		w = &window{start: start}
		l.counts[endpoint] = w
	}
	if w.n >= limit {
		return max(1, int(math.Ceil(start.Add(win).Sub(now).Seconds())))
	}
	w.n++
	return 0
}

// guard wraps a route: the per-endpoint rate limit first, then (unless
// open) the bearer token.
func (s *Sandbox) guard(pattern string, open bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if wait := s.limiter.take(pattern, s.now(), s.opts.RateLimit, s.opts.RateWindow); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(wait))
			writeError(w, newError(http.StatusTooManyRequests, "Rate limit of %d calls per %s for this endpoint exceeded", s.opts.RateLimit, s.opts.RateWindow))
			return
		}
		if !open {
			if e := s.checkBearer(r); e != nil {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				writeError(w, e)
				return
			}
		}
		h(w, r)
	}
}
