package core

import (
	"sync"
	"time"
)

// RateLimit allows Limit requests per window per key (an API key, a client
// id), in fixed windows that open with the first request after the
// previous one ended: how the sandboxes that document a per-key budget
// answer 429. Safe for concurrent use.
type RateLimit struct {
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

// NewRateLimit returns a limiter of limit requests per window (limit <= 0:
// unlimited); now gives the time (nil: time.Now).
func NewRateLimit(limit int, window time.Duration, now func() time.Time) *RateLimit {
	if now == nil {
		now = time.Now
	}
	return &RateLimit{limit: limit, window: window, now: now, wins: map[string]*rateWindow{}}
}

// Take counts one request for key. It returns whether the request may
// proceed, how many remain in the window (-1: unlimited) and, when
// refused, how long until the window ends.
func (l *RateLimit) Take(key string) (ok bool, remaining int, wait time.Duration) {
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

// Reset forgets every window.
func (l *RateLimit) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wins = map[string]*rateWindow{}
}

// Limit is the number of requests a window allows (<= 0: unlimited).
func (l *RateLimit) Limit() int { return l.limit }

// Window is the length of a window.
func (l *RateLimit) Window() time.Duration { return l.window }
