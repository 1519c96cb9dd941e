package workflows

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// heartbeater keeps an activity alive while one long call (a chunk of
// pages with sub-resource fetches, a batch of writes under a rate limit)
// runs: it records the latest details at a third of the heartbeat
// timeout, so a slow but working attempt is never taken for a dead one,
// and a dead worker is still noticed within the timeout.
type heartbeater struct {
	ctx     context.Context
	mu      sync.Mutex
	details any
	stop    chan struct{}
	done    chan struct{}
}

func startHeartbeat(ctx context.Context, details any) *heartbeater {
	h := &heartbeater{ctx: ctx, details: details, stop: make(chan struct{}), done: make(chan struct{})}
	every := time.Second
	if activity.IsActivity(ctx) {
		if t := activity.GetInfo(ctx).HeartbeatTimeout; t > 0 {
			every = max(t/3, 100*time.Millisecond)
		}
	}
	go func() {
		defer close(h.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				h.mu.Lock()
				d := h.details
				h.mu.Unlock()
				if d != nil {
					activity.RecordHeartbeat(ctx, d)
				} else {
					activity.RecordHeartbeat(ctx)
				}
			}
		}
	}()
	return h
}

// set records new details now and for the next ticks.
func (h *heartbeater) set(details any) {
	h.mu.Lock()
	h.details = details
	h.mu.Unlock()
	activity.RecordHeartbeat(h.ctx, details)
}

func (h *heartbeater) close() {
	close(h.stop)
	<-h.done
}
