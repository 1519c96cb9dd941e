package core

import (
	"maps"
	"sync"
	"time"
)

// Log counts requests per route, per status and per injected fault. It is
// safe for concurrent use. It never records headers or bodies, so
// credentials never reach it.
type Log struct {
	mu          sync.Mutex
	total       int
	byRoute     map[string]int
	byStatus    map[int]int
	byRouteStat map[string]map[int]int
	faults      map[string]int
	first, last time.Time
}

// LogSnapshot is a copy of the counts at one moment. Route keys are
// "METHOD /route/pattern" relative to the API base, e.g.
// "GET /company/configurations/{id}"; requests no route matched are counted
// under "METHOD (unmatched)".
type LogSnapshot struct {
	Total         int                    `json:"total"`
	ByRoute       map[string]int         `json:"by_route"`
	ByStatus      map[int]int            `json:"by_status"`
	ByRouteStatus map[string]map[int]int `json:"by_route_status"`
	// Faults counts injected faults by kind: "429", "500", ...,
	// "timeout_after_commit", "latency".
	Faults map[string]int `json:"faults"`
	// First and Last are when the first and the last request counted
	// since the last Reset arrived (zero when none did).
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// NewLog returns an empty Log.
func NewLog() *Log {
	l := &Log{}
	l.Reset()
	return l
}

// Reset sets every count back to zero.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total = 0
	l.byRoute = map[string]int{}
	l.byStatus = map[int]int{}
	l.byRouteStat = map[string]map[int]int{}
	l.faults = map[string]int{}
	l.first, l.last = time.Time{}, time.Time{}
}

// Record counts one request: its route key, the status sent (or, for a
// dropped response, the status the handler produced) and the injected fault
// kind ("" for none).
func (l *Log) Record(route string, status int, fault string) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total == 0 {
		l.first = now
	}
	l.last = now
	l.total++
	l.byRoute[route]++
	l.byStatus[status]++
	m := l.byRouteStat[route]
	if m == nil {
		m = map[int]int{}
		l.byRouteStat[route] = m
	}
	m[status]++
	if fault != "" {
		l.faults[fault]++
	}
}

// Snapshot returns a copy of the current counts.
func (l *Log) Snapshot() LogSnapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := LogSnapshot{
		Total:         l.total,
		ByRoute:       maps.Clone(l.byRoute),
		ByStatus:      maps.Clone(l.byStatus),
		ByRouteStatus: make(map[string]map[int]int, len(l.byRouteStat)),
		Faults:        maps.Clone(l.faults),
		First:         l.first,
		Last:          l.last,
	}
	for k, v := range l.byRouteStat {
		s.ByRouteStatus[k] = maps.Clone(v)
	}
	return s
}
