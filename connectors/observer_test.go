package connectors

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/engine/plan"
)

type recordingObserver struct {
	mu       sync.Mutex
	requests []string
	waits    map[string]time.Duration
}

func (o *recordingObserver) Request(system, method, route string, status int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, fmt.Sprintf("%s %s %s %d", system, method, route, status))
}

func (o *recordingObserver) RateLimitWait(system string, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.waits == nil {
		o.waits = map[string]time.Duration{}
	}
	o.waits[system] += d
}

// The observer sees every attempt, retries included, with the route
// template (not the id of the URL) and the status.
func TestObserverSeesAttemptsByRouteTemplate(t *testing.T) {
	srv := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": 42})
	}))
	n := 0
	srv.setFault(func(r *http.Request, _ []byte) (int, http.Header) {
		if n++; n == 1 {
			return 503, nil
		}
		return 0, nil
	})
	sys := plan.System{Name: "o", BaseURL: "${var.url}", Paging: plan.Paging{Style: plan.PagingNone},
		Retry:   plan.Retry{MaxAttempts: 3},
		Objects: []plan.Object{{Name: "o", ListPath: "/o", ID: "id"}}}
	obs := &recordingObserver{}
	c := mustClient(t, sys, testVars(map[string]string{"url": srv.srv.URL}), WithObserver(obs))
	if _, err := c.Get(context.Background(), "o", "42"); err != nil {
		t.Fatal(err)
	}
	want := []string{"o GET /o/{id} 503", "o GET /o/{id} 200"}
	if strings.Join(obs.requests, "\n") != strings.Join(want, "\n") {
		t.Errorf("observed %q, want %q", obs.requests, want)
	}
}
