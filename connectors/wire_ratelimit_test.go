package connectors

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// An object's own rate_limit applies to its requests on top of the
// system's; the other objects keep only the system's.
func TestObjectRateLimit(t *testing.T) {
	var inflight, maxA atomic.Int64
	var mu sync.Mutex
	arrivedB := 0
	bothB := make(chan struct{})
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/b/") && r.Method == http.MethodPatch {
			// Two updates of b in flight at once, or the test gives up
			// waiting: b has no limit of its own.
			mu.Lock()
			arrivedB++
			if arrivedB == 2 {
				close(bothB)
			}
			mu.Unlock()
			select {
			case <-bothB:
			case <-time.After(5 * time.Second):
			}
		}
		if strings.HasPrefix(r.URL.Path, "/a/") && r.Method == http.MethodPatch {
			n := inflight.Add(1)
			for {
				m := maxA.Load()
				if n <= m || maxA.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond) // room for an overlap the limit must prevent
			inflight.Add(-1)
		}
		writeJSON(w, 200, map[string]any{"id": 1})
	}))
	sys := plan.System{Name: "lim", BaseURL: plan.Template(h.srv.URL), Paging: plan.Paging{Style: plan.PagingNone},
		RateLimit: plan.RateLimit{Concurrency: 4},
		Objects: []plan.Object{
			{Name: "a", ListPath: "/a", ID: "id", Write: plan.WriteJSONPatch, RateLimit: &plan.RateLimit{Concurrency: 1, RequestsPerSecond: 1, Burst: 1}},
			{Name: "b", ListPath: "/b", ID: "id", Write: plan.WriteJSONPatch},
		}}
	clock := newFakeClock()
	c := mustClient(t, sys, testVars(nil), WithClock(clock))
	ups := func() []Update {
		var out []Update
		for _, id := range []string{"1", "2", "3", "4"} {
			out = append(out, Update{ID: id, Fields: map[string]any{"name": "x"}})
		}
		return out
	}
	for _, r := range c.Update(context.Background(), "b", ups()) {
		if r.Status != StatusOK {
			t.Fatalf("b: %+v", r)
		}
	}
	select {
	case <-bothB:
	default:
		t.Error("b's updates never overlapped: the system's concurrency is not what b gets")
	}
	if n := len(clock.Sleeps()); n != 0 {
		t.Errorf("b waited %d times", n)
	}
	for _, r := range c.Update(context.Background(), "a", ups()) {
		if r.Status != StatusOK {
			t.Fatalf("a: %+v", r)
		}
	}
	if maxA.Load() != 1 {
		t.Errorf("a had %d requests in flight, its limit is 1", maxA.Load())
	}
	if n := len(clock.Sleeps()); n < 3 {
		t.Errorf("a's 4 requests at 1 per second waited %d times, want 3", n)
	}
}
