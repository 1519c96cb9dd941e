package core

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Injector decides, request by request, which fault (if any) to inject. It
// is safe for concurrent use. With the same seed, the same Faults and the
// same sequence of requests it makes the same decisions.
type Injector struct {
	mu     sync.Mutex
	faults *Faults
	rng    *rand.Rand
}

// NewInjector returns an Injector seeded with seed and applying f (nil: no
// faults until SetFaults).
func NewInjector(seed int64, f *Faults) *Injector {
	return &Injector{faults: f, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed5a4db0c5))}
}

// SetFaults replaces the faults in effect; nil switches them off. Requests
// already past the fault decision are not affected.
func (in *Injector) SetFaults(f *Faults) {
	in.mu.Lock()
	in.faults = f
	in.mu.Unlock()
}

// Faults returns the faults in effect (nil: none).
func (in *Injector) Faults() *Faults {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.faults
}

// Decision is what the Injector chose for one request.
type Decision struct {
	Latency    time.Duration // sleep this long first
	Status     int           // 0, or the status to answer instead of running the handler (429, 5xx)
	RetryAfter int           // seconds, sent with a 429 (and a 503)
	DropAfter  bool          // run the handler, then abort the connection (timeout after commit)
}

// Decide returns the faults for one request. method is the HTTP method,
// relPath the path relative to the API base and pattern the route pattern
// ("/company/configurations/{id}", "" if none). A nil Injector decides
// nothing.
func (in *Injector) Decide(method, relPath, pattern string) Decision {
	if in == nil {
		return Decision{}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.faults == nil {
		return Decision{}
	}
	eff := map[string]float64{}
	var latMin, latMax time.Duration
	for i := range in.faults.scopes {
		sc := &in.faults.scopes[i]
		if !sc.matches(method, relPath, pattern) {
			continue
		}
		for k, v := range sc.set {
			eff[k] = v
		}
		if _, ok := sc.set[kindLatency]; ok {
			latMin, latMax = sc.latMin, sc.latMax
		}
	}
	if len(eff) == 0 {
		return Decision{}
	}
	// Always draw the same count of numbers per matched request so one
	// outcome does not shift the sequence of later ones.
	u := [5]float64{in.rng.Float64(), in.rng.Float64(), in.rng.Float64(), in.rng.Float64(), in.rng.Float64()}
	var d Decision
	if _, ok := eff[kindLatency]; ok {
		d.Latency = latMin
		if latMax > latMin {
			d.Latency += time.Duration(u[4] * float64(latMax-latMin))
		}
	}
	d.RetryAfter = 1
	if v, ok := eff[kindRetryAfter]; ok {
		d.RetryAfter = int(v)
	}
	switch {
	case u[0] < eff[kind429]:
		d.Status = 429
	case u[1] < eff[kind5xx]:
		d.Status = [...]int{500, 502, 503, 504}[int(u[3]*4)%4]
	default:
		// explicit codes, checked in a fixed order with one draw
		acc := 0.0
		for _, code := range []string{"500", "502", "503", "504"} {
			acc += eff[code]
			if u[2] < acc {
				d.Status = map[string]int{"500": 500, "502": 502, "503": 503, "504": 504}[code]
				break
			}
		}
	}
	if d.Status == 0 && !isSafeMethod(method) && u[3] < eff[kindTimeout] {
		d.DropAfter = true
	}
	return d
}

func isSafeMethod(m string) bool { return m == "GET" || m == "HEAD" || m == "OPTIONS" }
