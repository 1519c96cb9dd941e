package workflows

import (
	"context"
	"fmt"
	"sync"

	"go.temporal.io/sdk/temporal"

	"mapsync/connectors"
	"mapsync/engine/steps"
)

// pollers keeps one steps.Poller per (plan, sync) in a worker, so the
// documentation system's rate limiter and login hold across polls.
type pollers struct {
	mu sync.Mutex
	m  map[string]*steps.Poller
}

// Poll lists the documentation system's records changed since the
// watcher's watermarks (steps.Poller). Any worker answers it: it opens no
// run database. Its requests are counted in the result.
func (a *Activities) Poll(ctx context.Context, in PollRequest) (steps.PollResult, error) {
	ctx, reqs := steps.CountRequests(ctx)
	p, err := a.poller(in.Sync, in.PlanHash)
	if err != nil {
		return steps.PollResult{}, err
	}
	res, err := p.Poll(ctx, in.State)
	if err != nil {
		return steps.PollResult{}, retryable(fmt.Sprintf("poll %s", in.Sync), err)
	}
	res.Requests = reqs.N()
	return res, nil
}

func (a *Activities) poller(sync, hash string) (*steps.Poller, error) {
	a.polls.mu.Lock()
	defer a.polls.mu.Unlock()
	key := hash + "/" + sync
	if p, ok := a.polls.m[key]; ok {
		return p, nil
	}
	pl, err := a.plans.Load(hash)
	if err != nil {
		return nil, err
	}
	if _, err := findSync(pl, sync); err != nil {
		return nil, err
	}
	p, err := steps.NewPoller(steps.Config{
		Plan: pl, Sync: sync, Vars: connectors.NewResolver(pl.Variables, a.env(sync)),
		ConnectorOptions: a.connectorOptions(), Now: a.cfg.Now, Lookback: a.cfg.Lookback,
	})
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("watch %s: %v", sync, err), errConfig, nil)
	}
	if a.polls.m == nil {
		a.polls.m = map[string]*steps.Poller{}
	}
	a.polls.m[key] = p
	return p, nil
}
