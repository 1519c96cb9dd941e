package steps

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
)

// sleepLog is the connectors' clock in the budget test: real time, and a
// record of every wait the client chose.
type sleepLog struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (*sleepLog) Now() time.Time { return time.Now() }
func (s *sleepLog) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.sleeps = append(s.sleeps, d)
	s.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *sleepLog) slept(d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.sleeps, d)
}

// budgetObserver counts the documentation system's answers by status.
type budgetObserver struct {
	mu     sync.Mutex
	system string
	status map[int]int
}

func (o *budgetObserver) Request(system, _, _ string, status int) {
	if system != o.system {
		return
	}
	o.mu.Lock()
	o.status[status]++
	o.mu.Unlock()
}
func (*budgetObserver) RateLimitWait(string, time.Duration) {}

// A first sync against a documentation sandbox whose request budget is
// tight (15 requests per 3 s, so the sync spans three windows) with the
// mapping's limits scaled to the same budget: the client's pace keeps
// the 429s to at most 1% of the requests, and every 429 is retried only
// after the wait its Retry-After asked for. The writes run two batches at
// a time, as the workflow's Apply activities do, while a run of another
// sync on the same account plans with clients of its own.
func TestFirstSyncUnderATightBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("spans several budget windows")
	}
	const budget, window = 15, 3 * time.Second
	ctx := context.Background()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = unthrottled(p)
	p.Systems = slices.Clone(p.Systems)
	doc := ""
	for i := range p.Systems {
		if rl := &p.Systems[i].RateLimit; rl.WindowRequests > 0 {
			rl.WindowRequests, rl.WindowSeconds = budget, int(window/time.Second)
			doc = p.Systems[i].Name
		}
	}
	if doc == "" {
		t.Fatal("no system of the shipped mappings has a request budget")
	}
	sys, err := local.Start(local.Options{Budget: budget, BudgetWindow: window,
		Data: msp.Options{Companies: 16, ConfigsPerCo: 3, ContactsPerCo: 2, SitesPerCo: 1, TicketsPerCo: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	clock := &sleepLog{}
	obs := &budgetObserver{system: doc, status: map[int]int{}}
	limits := connectors.NewLimits()
	open := func(dir string) *Run {
		r, err := Open(ctx, Config{
			Plan: p, Dir: dir, RunID: "run1", Threads: 1,
			Vars: connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
			ConnectorOptions: []connectors.Option{connectors.WithClock(clock), connectors.WithObserver(obs),
				connectors.WithLimits(limits)},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	r := open(t.TempDir())
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	// Meanwhile another sync of the same worker reads the same account
	// with clients of its own: the worker's Limits keep one budget for
	// both.
	other := open(t.TempDir())
	otherDone := make(chan error, 1)
	go func() {
		_, err := other.Plan(ctx)
		otherDone <- err
	}()
	for _, name := range r.Objects() {
		batches, err := r.Batches(ctx, name, 8)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for _, b := range batches {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := r.Apply(ctx, ApplyInput{Object: name, Range: b}); err != nil {
					t.Errorf("apply %s: %v", name, err)
				}
			})
		}
		wg.Wait()
	}
	if err := <-otherDone; err != nil {
		t.Fatal(err)
	}

	log := sys.Logs()[1]
	if log.Total < 2*budget {
		t.Fatalf("the documentation sandbox got %d requests (%v): fewer than two windows' budget (%d), the test tests nothing", log.Total, log.ByRoute, 2*budget)
	}
	obs.mu.Lock()
	seen := obs.status[429]
	obs.mu.Unlock()
	if tooMany := log.ByStatus[429]; tooMany != seen || 100*tooMany > log.Total {
		t.Errorf("429s: the sandbox sent %d, the client saw %d, of %d requests; want at most 1%%", tooMany, seen, log.Total)
	}
	for _, run := range []*Run{r, other} {
		st := run.clients[match.Doc].Stats()
		if st.RetriesByCause["429"] != st.RetryAfterHonoured {
			t.Errorf("%d retries after 429, %d of them waited the Retry-After", st.RetriesByCause["429"], st.RetryAfterHonoured)
		}
		for _, ev := range st.RecentRetries {
			if ev.Status != 429 {
				continue
			}
			if !ev.RetryAfter || ev.Delay < time.Second || !clock.slept(ev.Delay) {
				t.Errorf("a 429 of %s %s was retried after %v (Retry-After read: %v; the clock slept it: %v)",
					ev.Method, ev.Route, ev.Delay, ev.RetryAfter, clock.slept(ev.Delay))
			}
		}
	}
	t.Logf("%d requests to the documentation sandbox, %d answered 429: %v", log.Total, log.ByStatus[429], log.ByRoute)
}
