package connectors

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
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
		pause  time.Duration   // a Retry-After before the first acquire
	}{
		{name: "unlimited", rl: plan.RateLimit{}, n: 5},
		{name: "token bucket", rl: plan.RateLimit{RequestsPerSecond: 2, Burst: 2}, n: 4,
			sleeps: []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}},
		{name: "Retry-After pause", rl: plan.RateLimit{}, n: 3, pause: 7 * time.Second,
			sleeps: []time.Duration{7 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			l := newLimiter(tc.rl, clock)
			if tc.pause > 0 {
				l.pause(clock.Now().Add(tc.pause))
				l.pause(clock.Now().Add(tc.pause / 2)) // an earlier end does not shorten it
			}
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

// A window budget is spent at an even pace: never more than the budget
// in any window (widened by the margin), never much more than a tenth of
// it in a tenth of the window, and at least 95% of the allowed rate.
func TestWindowBudgetIsSpreadEvenly(t *testing.T) {
	const n, span = 30, 300 * time.Second
	clock := newFakeClock()
	l := newLimiter(plan.RateLimit{WindowRequests: n, WindowSeconds: int(span / time.Second)}, clock)
	var sent []time.Time
	for range 4 * n {
		release, _, err := l.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, clock.Now())
		release()
	}
	within := func(i int, d time.Duration) int {
		in := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < d; j++ {
			in++
		}
		return in
	}
	burst := n / 10
	for i := range sent {
		if in := within(i, span); in > n {
			t.Fatalf("%d requests within %v from request %d", in, span, i)
		}
		if in := within(i, span/10); in > n/10+burst {
			t.Fatalf("%d requests within %v from request %d: a burst, not a pace", in, span/10, i)
		}
	}
	elapsed := sent[len(sent)-1].Sub(sent[0])
	if rate, allowed := float64(len(sent)-1)/elapsed.Seconds(), float64(n)/span.Seconds(); rate < 0.95*allowed {
		t.Errorf("%.4f requests/s, below 95%% of the allowed %.4f", rate, allowed)
	}
}

// A 429 with Retry-After pauses the client's limiter: every attempt that
// starts later, of any call, waits until the time the server named.
func TestRetryAfterPausesEveryCall(t *testing.T) {
	s := newLinkHeaderServer(t, 10)
	clock := newFakeClock()
	var n atomic.Int64
	s.setFault(func(*http.Request, []byte) (int, http.Header) {
		if n.Add(1) == 1 {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}}
		}
		return 0, nil
	})
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 100), linkHeaderVars(s.srv.URL), WithClock(clock))
	start := clock.Now()
	recs, _ := collect(t, c, "configuration", ListQuery{})
	exactlyOnce(t, recs, "id", 10)
	c.lim.mu.Lock()
	paused := c.lim.paused
	c.lim.mu.Unlock()
	if want := start.Add(7 * time.Second); !paused.Equal(want) {
		t.Errorf("limiter paused until %v, want %v (the 429's time + Retry-After)", paused, want)
	}
}

// Clients built with one Limits share a limiter when they talk to the
// same account with the same declared limits, and only then.
func TestLimitsAreSharedPerAccount(t *testing.T) {
	sys := plan.System{Name: "s", BaseURL: "${var.url}", Auth: plan.Auth{Scheme: plan.AuthHeader,
		Headers: map[string]plan.Template{"x-api-key": "${var.key}"}},
		RateLimit: plan.RateLimit{WindowRequests: 10, WindowSeconds: 10},
		Objects:   []plan.Object{{Name: "thing", ListPath: "/things", ID: "id"}}}
	vars := func(key string) *VarResolver {
		return testVars(map[string]string{"url": "http://127.0.0.1:1", "key": key}, "key")
	}
	ls := NewLimits()
	a := mustClient(t, sys, vars("k1"), WithLimits(ls))
	b := mustClient(t, sys, vars("k1"), WithLimits(ls))
	otherKey := mustClient(t, sys, vars("k2"), WithLimits(ls))
	looser := sys
	looser.RateLimit.WindowRequests = 20
	otherLimits := mustClient(t, looser, vars("k1"), WithLimits(ls))
	alone := mustClient(t, sys, vars("k1"))
	if a.lim != b.lim {
		t.Error("two clients of one account do not share a limiter")
	}
	for name, c := range map[string]*Client{"another API key": otherKey, "other declared limits": otherLimits, "no Limits": alone} {
		if c.lim == a.lim {
			t.Errorf("%s: the client shares the limiter", name)
		}
	}
	if k := a.limitKey(); strings.Contains(k, "k1") {
		t.Errorf("the limiter key %q holds the credential", k)
	}
}
