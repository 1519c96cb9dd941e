package connectors

import (
	"sort"
	"sync"
	"time"
)

// retryEventsKept bounds Stats.RecentRetries.
const retryEventsKept = 128

// RouteCount is the number of attempts of one route that ended with one
// status (0 = no response: a network error).
type RouteCount struct {
	Method string `json:"method"`
	Route  string `json:"route"`
	Status int    `json:"status"`
	Count  int64  `json:"count"`
}

// RetryEvent is one retry decision.
type RetryEvent struct {
	Method     string        `json:"method"`
	Route      string        `json:"route"`
	Attempt    int           `json:"attempt"` // the attempt that failed, 1-based
	Status     int           `json:"status"`  // 0 = network error
	Cause      string        `json:"cause"`   // "429", "503", "network", ...
	Delay      time.Duration `json:"delay"`   // the wait chosen before the next attempt
	RetryAfter bool          `json:"retry_after"`
}

// Stats is a snapshot of a Client's counters.
type Stats struct {
	Requests           []RouteCount     `json:"requests"` // attempts, by route and status
	Attempts           int64            `json:"attempts"`
	Retries            int64            `json:"retries"`
	RetriesByCause     map[string]int64 `json:"retries_by_cause"`
	RetryAfterHonoured int64            `json:"retry_after_honoured"`
	BackoffTotal       time.Duration    `json:"backoff_total"` // sum of chosen retry delays
	ThrottleWait       time.Duration    `json:"throttle_wait"` // time spent in the client-side limiter
	BytesSent          int64            `json:"bytes_sent"`
	BytesReceived      int64            `json:"bytes_received"`
	Logins             int64            `json:"logins"`
	Relogins           int64            `json:"relogins"`
	// Refreshes counts tokens renewed with a refresh token.
	Refreshes     int64        `json:"refreshes,omitempty"`
	Ambiguous     int64        `json:"ambiguous"`
	Pages         int64        `json:"pages"`
	Records       int64        `json:"records"`
	RecentRetries []RetryEvent `json:"recent_retries"` // the last retries, oldest first
}

// Count returns the attempts of a route with a status (any status if
// status < 0).
func (s Stats) Count(method, route string, status int) int64 {
	var n int64
	for _, rc := range s.Requests {
		if rc.Method == method && rc.Route == route && (status < 0 || rc.Status == status) {
			n += rc.Count
		}
	}
	return n
}

type routeKey struct {
	method, route string
	status        int
}

type counters struct {
	mu       sync.Mutex
	requests map[routeKey]int64
	s        Stats
	ring     []RetryEvent
}

func newCounters() *counters {
	return &counters{requests: map[routeKey]int64{}, s: Stats{RetriesByCause: map[string]int64{}}}
}

func (c *counters) attempt(method, route string, status int, sent, received int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests[routeKey{method, route, status}]++
	c.s.Attempts++
	c.s.BytesSent += sent
	c.s.BytesReceived += received
}

func (c *counters) received(n int64) {
	c.mu.Lock()
	c.s.BytesReceived += n
	c.mu.Unlock()
}

func (c *counters) retry(ev RetryEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Retries++
	c.s.RetriesByCause[ev.Cause]++
	if ev.RetryAfter {
		c.s.RetryAfterHonoured++
	}
	c.s.BackoffTotal += ev.Delay
	if len(c.ring) == retryEventsKept {
		copy(c.ring, c.ring[1:])
		c.ring = c.ring[:retryEventsKept-1]
	}
	c.ring = append(c.ring, ev)
}

func (c *counters) add(f func(*Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.s
	out.RetriesByCause = make(map[string]int64, len(c.s.RetriesByCause))
	for k, v := range c.s.RetriesByCause {
		out.RetriesByCause[k] = v
	}
	out.RecentRetries = append([]RetryEvent(nil), c.ring...)
	out.Requests = make([]RouteCount, 0, len(c.requests))
	for k, v := range c.requests {
		out.Requests = append(out.Requests, RouteCount{Method: k.method, Route: k.route, Status: k.status, Count: v})
	}
	sort.Slice(out.Requests, func(i, j int) bool {
		a, b := out.Requests[i], out.Requests[j]
		if a.Route != b.Route {
			return a.Route < b.Route
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Status < b.Status
	})
	return out
}
