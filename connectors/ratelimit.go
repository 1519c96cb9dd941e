package connectors

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"mapsync/engine/plan"
)

// defaultConcurrency is used when the plan says 0.
const defaultConcurrency = 4

// limiter applies a system's declared limits to every attempt: a cap on
// requests in flight, a token bucket (requests per second + burst) and a
// request budget per window (e.g. 3000 per 300 s). All waits go through the
// client's Clock.
type limiter struct {
	clock  Clock
	sem    chan struct{}
	bucket *rate.Limiter // nil = unlimited
	window *window       // nil = no budget
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
		l.window = &window{n: rl.WindowRequests, span: time.Duration(rl.WindowSeconds) * time.Second}
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
	if l.bucket != nil {
		now := l.clock.Now()
		r := l.bucket.ReserveN(now, 1)
		if !r.OK() {
			release()
			return nil, 0, fmt.Errorf("rate limiter cannot grant a request (burst %d)", l.bucket.Burst())
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
