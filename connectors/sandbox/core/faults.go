package core

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Faults is a parsed fault specification. It is immutable; hand a new one to
// Injector.SetFaults to change faults at run time. A nil *Faults injects
// nothing.
//
// Syntax (whitespace around separators is ignored):
//
//	spec     = scope { ";" scope }
//	scope    = [ selector ":" ] fault { "," fault }
//	selector = METHOD [ " " ROUTE ] | ROUTE
//	fault    = KIND "=" VALUE
//
// METHOD is GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or "*" (any).
// ROUTE is a path relative to the sandbox's API base ("/company/configurations")
// or a route pattern ("/company/configurations/{id}"); "*" matches any run
// of characters, "/" included. A scope without a selector applies to every
// request.
//
// KIND and VALUE:
//
//	5xx=P                   answer 500, 502, 503 or 504 with probability P (0..1)
//	500=P 502=P 503=P 504=P answer that status with probability P
//	429=P                   answer 429 Too Many Requests with a Retry-After header
//	retry_after=D           the Retry-After value: whole seconds ("2") or a duration
//	                        ("1500ms", rounded up to seconds); default 1
//	latency=D               delay every matching request by D ("20ms"), or by a
//	                        uniformly drawn delay in a range ("10ms..80ms")
//	timeout_after_commit=P  write requests only (not GET/HEAD/OPTIONS): the handler
//	                        runs and commits, then the response is lost: the
//	                        connection is aborted before a byte is sent
//
// Example: "5xx=0.1,429=0.05,latency=20ms;POST *:timeout_after_commit=0.02".
//
// When several scopes match a request, each kind takes its value from the
// last matching scope that sets it, so put general scopes first and specific
// ones after.
type Faults struct {
	spec   string
	scopes []faultScope
}

type faultScope struct {
	method string // "" = any
	route  string // "" = any
	set    map[string]float64
	// latency bounds when "latency" is set
	latMin, latMax time.Duration
}

// fault kinds
const (
	kind5xx        = "5xx"
	kind429        = "429"
	kindLatency    = "latency"
	kindRetryAfter = "retry_after"
	kindTimeout    = "timeout_after_commit"
)

var faultKinds = []string{kind5xx, "500", "502", "503", "504", kind429, kindRetryAfter, kindLatency, kindTimeout}

var httpMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true}

// String returns the specification the Faults were parsed from.
func (f *Faults) String() string {
	if f == nil {
		return ""
	}
	return f.spec
}

// ParseFaults parses a fault specification (see Faults for the syntax). An
// empty or blank spec gives nil (no faults). Errors name the byte offset
// and the piece of the spec that is wrong.
func ParseFaults(spec string) (*Faults, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	f := &Faults{spec: spec}
	off := 0
	for _, part := range strings.Split(spec, ";") {
		sc, err := parseScope(part, off)
		if err != nil {
			return nil, err
		}
		if sc != nil {
			f.scopes = append(f.scopes, *sc)
		}
		off += len(part) + 1
	}
	if len(f.scopes) == 0 {
		return nil, nil
	}
	return f, nil
}

// specError reports a problem at a byte offset of the spec.
func specError(off int, piece, format string, a ...any) error {
	return fmt.Errorf("fault spec: at offset %d (%q): %s", off, strings.TrimSpace(piece), fmt.Sprintf(format, a...))
}

// parseScope parses one ";"-separated scope; off is its offset in the spec.
func parseScope(part string, off int) (*faultScope, error) {
	if strings.TrimSpace(part) == "" {
		return nil, nil
	}
	sc := &faultScope{set: map[string]float64{}}
	body, bodyOff := part, off
	if i := strings.Index(part, ":"); i >= 0 {
		if err := sc.parseSelector(part[:i], off); err != nil {
			return nil, err
		}
		body, bodyOff = part[i+1:], off+i+1
	}
	if strings.TrimSpace(body) == "" {
		return nil, specError(off, part, "selector without faults; expected e.g. %q", "GET /path:5xx=0.1")
	}
	for _, item := range strings.Split(body, ",") {
		if err := sc.parseFault(item, bodyOff); err != nil {
			return nil, err
		}
		bodyOff += len(item) + 1
	}
	if _, ok := sc.set[kindTimeout]; ok && (sc.method == "GET" || sc.method == "HEAD" || sc.method == "OPTIONS") {
		return nil, specError(off, part, "timeout_after_commit applies to writes only, not to %s", sc.method)
	}
	return sc, nil
}

func (sc *faultScope) parseSelector(sel string, off int) error {
	fields := strings.Fields(sel)
	switch len(fields) {
	case 0:
		return specError(off, sel, "empty selector before ':'; leave out the ':' to apply faults to every request")
	case 1:
		if strings.HasPrefix(fields[0], "/") || fields[0] == "*" {
			sc.route = fields[0]
			if fields[0] == "*" {
				sc.route = ""
			}
			return nil
		}
		return sc.setMethod(fields[0], sel, off)
	case 2:
		if err := sc.setMethod(fields[0], sel, off); err != nil {
			return err
		}
		r := fields[1]
		if r != "*" && !strings.HasPrefix(r, "/") {
			return specError(off, sel, "route %q must start with '/' or be '*'", r)
		}
		if r != "*" {
			sc.route = r
		}
		return nil
	default:
		return specError(off, sel, "selector must be METHOD, ROUTE or \"METHOD ROUTE\"")
	}
}

func (sc *faultScope) setMethod(m, sel string, off int) error {
	if m == "*" {
		return nil
	}
	if !httpMethods[strings.ToUpper(m)] {
		return specError(off, sel, "unknown method %q (want GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or *)", m)
	}
	sc.method = strings.ToUpper(m)
	return nil
}

func (sc *faultScope) parseFault(item string, off int) error {
	k, v, ok := strings.Cut(item, "=")
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if !ok || k == "" || v == "" {
		return specError(off, item, "expected KIND=VALUE, e.g. 5xx=0.1")
	}
	k = strings.ToLower(k)
	switch k {
	case kind5xx, "500", "502", "503", "504", kind429, kindTimeout:
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
			return specError(off, item, "probability %q is not a number between 0 and 1", v)
		}
		sc.set[k] = p
	case kindRetryAfter:
		d, err := parseSeconds(v)
		if err != nil {
			return specError(off, item, "%v", err)
		}
		sc.set[k] = d
	case kindLatency:
		lo, hi, err := parseLatency(v)
		if err != nil {
			return specError(off, item, "%v", err)
		}
		sc.latMin, sc.latMax = lo, hi
		sc.set[k] = 1
	default:
		return specError(off, item, "unknown fault kind %q (want one of %s)", k, strings.Join(faultKinds, ", "))
	}
	return nil
}

// parseSeconds reads "2" (seconds) or a duration, rounded up to whole seconds.
func parseSeconds(v string) (float64, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("retry_after %q is negative", v)
		}
		return float64(n), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("retry_after %q is neither whole seconds nor a duration like 1500ms", v)
	}
	return math.Ceil(d.Seconds()), nil
}

// parseLatency reads "20ms" or "10ms..80ms".
func parseLatency(v string) (time.Duration, time.Duration, error) {
	a, b, isRange := strings.Cut(v, "..")
	lo, err := time.ParseDuration(strings.TrimSpace(a))
	if err != nil || lo < 0 {
		return 0, 0, fmt.Errorf("latency %q is not a duration like 20ms or a range like 10ms..80ms", v)
	}
	if !isRange {
		return lo, lo, nil
	}
	hi, err := time.ParseDuration(strings.TrimSpace(b))
	if err != nil || hi < lo {
		return 0, 0, fmt.Errorf("latency range %q needs two durations, low..high", v)
	}
	return lo, hi, nil
}

// matches reports whether the scope applies to a request with this method,
// path (relative to the API base) and route pattern.
func (sc *faultScope) matches(method, relPath, pattern string) bool {
	if sc.method != "" && sc.method != method {
		return false
	}
	if sc.route == "" {
		return true
	}
	return globMatch(sc.route, relPath) || (pattern != "" && globMatch(sc.route, pattern))
}

// globMatch matches s against a pattern where '*' stands for any run of
// characters, '/' included.
func globMatch(pat, s string) bool {
	if !strings.Contains(pat, "*") {
		return pat == s
	}
	parts := strings.Split(pat, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last) && len(s) >= len(last)
}
