package connectors

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryAfterIsHonoured(t *testing.T) {
	s := newLinkHeaderServer(t, 10)
	clock := newFakeClock()
	var n atomic.Int64
	s.setFault(func(r *http.Request, _ []byte) (int, http.Header) {
		switch n.Add(1) {
		case 1:
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}}
		case 2:
			// An HTTP date 90 s after "now" on the client's clock.
			return http.StatusServiceUnavailable, http.Header{"Retry-After": {clock.Now().Add(90 * time.Second).Format(http.TimeFormat)}}
		case 3:
			return http.StatusBadGateway, nil // no Retry-After: exponential backoff
		}
		return 0, nil
	})
	c, err := New(linkHeaderSystem(s.srv.URL, 100), linkHeaderVars(s.srv.URL), WithClock(clock), WithJitter(func() float64 { return 0.5 }))
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := collect(t, c, "configuration", ListQuery{})
	exactlyOnce(t, recs, "id", 10)

	st := c.Stats()
	if st.Retries != 3 || st.RetryAfterHonoured != 2 {
		t.Fatalf("retries %d, honoured %d; events %+v", st.Retries, st.RetryAfterHonoured, st.RecentRetries)
	}
	// Backoff for the third failure (attempt index 2): 0.5s * 2^2 = 2s,
	// equal jitter with 0.5 -> 1s + 0.5*1s.
	want := []RetryEvent{
		{Status: 429, Cause: "429", Delay: 7 * time.Second, RetryAfter: true, Attempt: 1},
		{Status: 503, Cause: "503", Delay: 90 * time.Second, RetryAfter: true, Attempt: 2},
		{Status: 502, Cause: "502", Delay: 1500 * time.Millisecond, RetryAfter: false, Attempt: 3},
	}
	for i, w := range want {
		got := st.RecentRetries[i]
		if got.Status != w.Status || got.Cause != w.Cause || got.Delay != w.Delay || got.RetryAfter != w.RetryAfter || got.Attempt != w.Attempt {
			t.Errorf("retry %d = %+v, want %+v", i, got, w)
		}
	}
	// The delays chosen are the ones the clock was asked to wait.
	sleeps := clock.Sleeps()
	if len(sleeps) != 3 || sleeps[0] != 7*time.Second || sleeps[1] != 90*time.Second || sleeps[2] != 1500*time.Millisecond {
		t.Errorf("sleeps = %v", sleeps)
	}
	if st.Count("GET", "/company/configurations", 429) != 1 || st.Count("GET", "/company/configurations", 200) != 1 {
		t.Errorf("requests = %+v", st.Requests)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	s := newLinkHeaderServer(t, 0)
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL), WithJitter(func() float64 { return 0 }))
	// initial 0.5s, max 8s, jitter 0 -> half of each step.
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		if got, fromHeader := c.delay(i, nil); got != w || fromHeader {
			t.Errorf("delay(%d) = %v, want %v", i, got, w)
		}
	}
	c.jitter = func() float64 { return 0.999999 }
	if got, _ := c.delay(10, nil); got > 8*time.Second || got < 7*time.Second {
		t.Errorf("capped delay = %v", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"12", 12 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999", maxRetryAfter, true},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRetryClassification(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		retryOn  []int
		attempts int
		kind     Kind
	}{
		{"5xx exhausts retries", 500, nil, 6, KindFailed},
		{"501 is retried too", 501, nil, 6, KindFailed},
		{"429 exhausts retries", 429, nil, 6, KindFailed},
		{"400 is not retried", 400, nil, 1, KindRejected},
		{"404 is not retried", 404, nil, 1, KindRejected},
		{"409 retried when declared", 409, []int{409}, 6, KindFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newLinkHeaderServer(t, 3)
			s.setFault(func(*http.Request, []byte) (int, http.Header) { return tc.status, nil })
			sys := linkHeaderSystem(s.srv.URL, 10)
			sys.Retry.RetryOn = tc.retryOn
			c := mustClient(t, sys, linkHeaderVars(s.srv.URL))
			_, err := c.Get(context.Background(), "configuration", "1")
			e, ok := err.(*Error)
			if !ok || e.Kind != tc.kind || e.HTTPStatus != tc.status || e.Attempts != tc.attempts {
				t.Fatalf("err = %#v", err)
			}
			if got := s.count("GET", lhBase, tc.status); got != tc.attempts {
				t.Errorf("requests = %d, want %d", got, tc.attempts)
			}
			if e.Message != "injected "+itoa(tc.status) {
				t.Errorf("message = %q", e.Message)
			}
		})
	}
}

func TestReadRetriedAfterConnectionDrop(t *testing.T) {
	s := newLinkHeaderServer(t, 20)
	var n atomic.Int64
	s.setDrop(func(r *http.Request) bool { return n.Add(1)%2 == 1 }) // every first attempt is lost
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 7), linkHeaderVars(s.srv.URL))
	recs, _ := collect(t, c, "configuration", ListQuery{})
	exactlyOnce(t, recs, "id", 20)
	// Each of the 3 pages was lost once. net/http itself replays a GET
	// lost on a reused keep-alive connection, so not every loss reaches
	// the runtime's retry layer; the first one (fresh connection) does.
	if got := s.count("GET", lhBase, 0); got != 6 {
		t.Errorf("requests = %d, want 6", got)
	}
	if st := c.Stats(); st.Retries < 1 || st.RetriesByCause["network"] != st.Retries {
		t.Errorf("retries = %d by cause %v", st.Retries, st.RetriesByCause)
	}
}

func TestCancelStopsRetrying(t *testing.T) {
	s := newLinkHeaderServer(t, 3)
	s.setFault(func(*http.Request, []byte) (int, http.Header) { return 503, nil })
	ctx, cancel := context.WithCancel(context.Background())
	clock := &cancelClock{fakeClock: newFakeClock(), cancel: cancel}
	c, err := New(linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(ctx, "configuration", "1")
	if KindOf(err) != KindCanceled || !errorsIs(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if got := s.count("GET", lhBase, 0); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

// cancelClock cancels the context on the first backoff.
type cancelClock struct {
	*fakeClock
	cancel func()
}

func (c *cancelClock) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	return c.fakeClock.Sleep(ctx, d)
}
