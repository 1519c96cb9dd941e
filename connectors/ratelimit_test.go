package connectors

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mapsync/engine/plan"
)

func TestLimiter(t *testing.T) {
	cases := []struct {
		name   string
		rl     plan.RateLimit
		n      int
		sleeps []time.Duration // waits the clock was asked for, in order
	}{
		{name: "unlimited", rl: plan.RateLimit{}, n: 5},
		{name: "token bucket", rl: plan.RateLimit{RequestsPerSecond: 2, Burst: 2}, n: 4,
			sleeps: []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}},
		{name: "window budget", rl: plan.RateLimit{WindowRequests: 3, WindowSeconds: 10}, n: 7,
			sleeps: []time.Duration{10 * time.Second, 10 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			l := newLimiter(tc.rl, clock)
			for range tc.n {
				release, _, err := l.acquire(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				release()
			}
			got := clock.Sleeps()
			if len(got) != len(tc.sleeps) {
				t.Fatalf("sleeps = %v, want %v", got, tc.sleeps)
			}
			for i := range got {
				if got[i] != tc.sleeps[i] {
					t.Errorf("sleep %d = %v, want %v", i, got[i], tc.sleeps[i])
				}
			}
		})
	}
}

func TestWindowBudgetNeverExceeded(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(plan.RateLimit{WindowRequests: 30, WindowSeconds: 300}, clock)
	var sent []time.Time
	for range 100 {
		release, _, err := l.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, clock.Now())
		release()
		clock.Advance(time.Second)
	}
	for i := range sent {
		in := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < 300*time.Second; j++ {
			in++
		}
		if in > 30 {
			t.Fatalf("%d requests within 300 s from request %d", in, i)
		}
	}
}

func TestConcurrencyCap(t *testing.T) {
	var inFlight, peak atomic.Int64
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		mu.Lock()
		if n > peak.Load() {
			peak.Store(n)
		}
		mu.Unlock()
		time.Sleep(5 * time.Millisecond) // let requests overlap
		inFlight.Add(-1)
		writeJSON(w, 200, map[string]any{"id": 1})
	}))
	defer srv.Close()
	sys := plan.System{Name: "cap", BaseURL: "${var.url}", RateLimit: plan.RateLimit{Concurrency: 2},
		Objects: []plan.Object{{Name: "thing", ListPath: "/things", ID: "id", Write: plan.WriteJSONPatch}}}
	c := mustClient(t, sys, testVars(map[string]string{"url": srv.URL}))
	var ups []Update
	for i := 1; i <= 12; i++ {
		ups = append(ups, Update{ID: itoa(i), Fields: map[string]any{"a": i}})
	}
	var wg sync.WaitGroup
	for range 3 { // three callers share the client's cap
		wg.Go(func() {
			for _, r := range c.Update(context.Background(), "thing", ups) {
				if r.Status != StatusOK {
					t.Error(r)
				}
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak in flight = %d, want <= 2", p)
	}
}
