package connectors

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"mapsync/engine/plan"
)

// defaultConcurrency is used when the plan says 0.
const defaultConcurrency = 4

// windowMargin widens a request budget's window by a fiftieth on the
// client's side: a server that counts fixed windows from the first request
// it receives sees requests later than the client sent them, so a client
// that spent n requests in exactly the window could land n+1 in one of the
// server's when a request takes longer to arrive than the margin. The
// margin (at least minWindowMargin) costs 2% of the allowed rate on
// windows of 12.5 s and more.
const (
	windowMargin    = 50
	minWindowMargin = 250 * time.Millisecond
)

// limiter applies a system's declared limits to every attempt: a cap on
// requests in flight, a token bucket (requests per second + burst), a
// request budget per window (e.g. 3000 per 300 s) spread evenly over the
// window, and a pause every attempt waits out after the server answered
// 429 with Retry-After. All waits go through the client's Clock. One
// limiter serves every client of a system and account in a process when
// the clients share a Limits.
type limiter struct {
	clock  Clock
	sem    chan struct{}
	bucket *rate.Limiter // nil = unlimited
	pace   *rate.Limiter // the window budget spread evenly; nil = no budget
	window *window       // nil = no budget

	mu     sync.Mutex
	paused time.Time // no attempt starts before this (Retry-After)
}

func newLimiter(rl plan.RateLimit, clock Clock) *limiter {
	conc := rl.Concurrency
	if conc <= 0 {
		conc = defaultConcurrency
	}
	l := &limiter{clock: clock, sem: make(chan struct{}, conc)}
	if rl.RequestsPerSecond > 0 {
		burst := rl.Burst
		if burst <= 0 {
			burst = max(1, int(rl.RequestsPerSecond))
		}
		l.bucket = rate.NewLimiter(rate.Limit(rl.RequestsPerSecond), burst)
	}
	if rl.WindowRequests > 0 && rl.WindowSeconds > 0 {
		span := time.Duration(rl.WindowSeconds) * time.Second
		span += max(span/windowMargin, minWindowMargin)
		l.window = &window{n: rl.WindowRequests, span: span}
		// Spread the budget: n per span at an even pace after a burst of
		// a tenth of it (small runs never wait), instead of n at once and
		// then a wait of a whole window. The window above still bounds
		// every span, so the burst never overdraws the server's window.
		l.pace = rate.NewLimiter(rate.Limit(float64(rl.WindowRequests)/span.Seconds()), max(1, rl.WindowRequests/10))
	}
	return l
}

// acquire waits for a slot and returns its release function and how long
// the limits made the caller wait.
func (l *limiter) acquire(ctx context.Context) (func(), time.Duration, error) {
	start := l.clock.Now()
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	release := func() { <-l.sem }
	if err := l.waitPause(ctx); err != nil {
		release()
		return nil, 0, err
	}
	for _, b := range []*rate.Limiter{l.bucket, l.pace} {
		if b == nil {
			continue
		}
		now := l.clock.Now()
		r := b.ReserveN(now, 1)
		if !r.OK() {
			release()
			return nil, 0, fmt.Errorf("rate limiter cannot grant a request (burst %d)", b.Burst())
		}
		if d := r.DelayFrom(now); d > 0 {
			if err := l.clock.Sleep(ctx, d); err != nil {
				r.CancelAt(l.clock.Now())
				release()
				return nil, 0, err
			}
		}
	}
	if l.window != nil {
		if err := l.window.wait(ctx, l.clock); err != nil {
			release()
			return nil, 0, err
		}
	}
	return release, l.clock.Now().Sub(start), nil
}

// pause makes every attempt that has not started wait until until: the
// server said Retry-After to one of them, and it counts the budget of the
// account, not of that request.
func (l *limiter) pause(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.paused) {
		l.paused = until
	}
}

// waitPause sleeps until the pause ends; a pause set again while it slept
// (a later Retry-After) is waited too. Each end is slept once, through
// the Clock (a test clock that cuts sleeps short is not polled).
func (l *limiter) waitPause(ctx context.Context) error {
	var slept time.Time
	for {
		l.mu.Lock()
		until := l.paused
		l.mu.Unlock()
		d := until.Sub(l.clock.Now())
		if d <= 0 || !until.After(slept) {
			return nil
		}
		if err := l.clock.Sleep(ctx, d); err != nil {
			return err
		}
		slept = until
	}
}

// Limits holds the rate limiters of a process: one per system, account
// (base URL and credentials) and declared limits. Clients built with the
// same Limits (WithLimits) share them, so the runs, activities and
// watchers of one worker together keep a system's limits instead of each
// getting the whole budget. Processes do not share limiters: N workers
// against one account each keep the declared limits, N times the budget
// in total (see docs/connectors.md). It is safe for concurrent use.
type Limits struct {
	mu sync.Mutex
	m  map[string]*limiter
}

// NewLimits returns an empty set of limiters.
func NewLimits() *Limits { return &Limits{m: map[string]*limiter{}} }

// get returns the limiter of key, made with rl and clock on first use.
func (ls *Limits) get(key string, rl plan.RateLimit, clock Clock) *limiter {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l, ok := ls.m[key]; ok {
		return l
	}
	l := newLimiter(rl, clock)
	ls.m[key] = l
	return l
}

// limitKey names the account a client talks to: the system, its declared
// limits and a digest of its resolved base URL, headers and credentials
// (never the values themselves). A template that cannot be resolved yet
// counts as its text.
func (c *Client) limitKey() string {
	h := sha256.New()
	add := func(t plan.Template) {
		v, err := c.vars.Resolve(t)
		if err != nil {
			v = string(t)
		}
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	addMap := func(m map[string]plan.Template) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			h.Write([]byte(k))
			h.Write([]byte{0})
			add(m[k])
		}
	}
	add(c.sys.BaseURL)
	addMap(c.sys.Headers)
	a := c.sys.Auth
	h.Write([]byte(a.Scheme))
	add(a.Username)
	add(a.Password)
	addMap(a.Headers)
	if a.Token != nil {
		addMap(a.Token.Fields)
		add(a.Token.URL)
	}
	if o := a.OAuth2; o != nil {
		add(o.TokenURL)
		add(o.ClientID)
		add(o.ClientSecret)
	}
	rl := c.sys.RateLimit
	return fmt.Sprintf("%s/%g/%d/%d/%d/%d/%x", c.sys.Name, rl.RequestsPerSecond, rl.Burst, rl.Concurrency,
		rl.WindowRequests, rl.WindowSeconds, h.Sum(nil))
}

// window is a sliding-window request budget: at most n requests in any
// span. It keeps the send times of the last n requests.
type window struct {
	mu    sync.Mutex
	n     int
	span  time.Duration
	times []time.Time // oldest first
}

func (w *window) wait(ctx context.Context, clock Clock) error {
	for {
		w.mu.Lock()
		now := clock.Now()
		drop := 0
		for drop < len(w.times) && !now.Before(w.times[drop].Add(w.span)) {
			drop++
		}
		if drop > 0 {
			w.times = append(w.times[:0], w.times[drop:]...)
		}
		if len(w.times) < w.n {
			w.times = append(w.times, now)
			w.mu.Unlock()
			return nil
		}
		d := w.times[0].Add(w.span).Sub(now)
		w.mu.Unlock()
		if err := clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}
