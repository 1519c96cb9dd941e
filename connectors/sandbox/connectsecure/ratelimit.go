package connectsecure

import (
	"sync"
	"time"
)

// rateLimit allows limit requests per window per public key, in fixed
// windows that open with the first request after the previous one ended.
type rateLimit struct {
	mu     sync.Mutex
	limit  int // <= 0: unlimited
	window time.Duration
	now    func() time.Time
	wins   map[string]*rateWindow
}

type rateWindow struct {
	start time.Time
	n     int
}

func newRateLimit(limit int, window time.Duration, now func() time.Time) *rateLimit {
	return &rateLimit{limit: limit, window: window, now: now, wins: map[string]*rateWindow{}}
}

// take counts one request for key. It returns whether the request may
// proceed, how many remain in the window and, when refused, how long until
// the window ends.
func (l *rateLimit) take(key string) (ok bool, remaining int, wait time.Duration) {
	if l.limit <= 0 {
		return true, -1, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.wins[key]
	if w == nil || !now.Before(w.start.Add(l.window)) {
		w = &rateWindow{start: now}
		l.wins[key] = w
	}
	if w.n >= l.limit {
		return false, 0, w.start.Add(l.window).Sub(now)
	}
	w.n++
	return true, l.limit - w.n, 0
}

func (l *rateLimit) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wins = map[string]*rateWindow{}
}
