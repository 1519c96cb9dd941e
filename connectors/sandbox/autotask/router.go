package autotask

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Route kinds.
const (
	kVersions   = "versions"
	kZone       = "zone"
	kThreshold  = "threshold"
	kVersion    = "version"
	kQuery      = "query"
	kCount      = "count"
	kNext       = "next"
	kPrev       = "prev"
	kInfo       = "info"
	kFields     = "fields"
	kUDFs       = "udfs"
	kGet        = "get"
	kWrite      = "write"      // POST / PATCH / PUT on /{Entity}
	kChildWrite = "childWrite" // GET (list), POST, PATCH, PUT on /{Parent}/{parentId}/{Sub}
	kChildGet   = "childGet"   // GET /{Parent}/{parentId}/{Sub}/{id}
)

// route is a parsed request path.
type route struct {
	kind     string
	ent      *entity // the entity served (the child for child routes)
	id       int64
	parentID int64
	pattern  string // "/Companies/{parentId}/Locations"
	prefix   string // the request's own spelling of the base path
}

// parse reads a request path. Path segments are matched without regard
// to case, as the real API does for its base path and entity names.
func (sb *Sandbox) parse(path string) (route, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 2 || !strings.EqualFold(segs[0], "atservicesrest") {
		return route{}, false
	}
	if len(segs) == 2 && strings.EqualFold(segs[1], "versioninformation") {
		return route{kind: kVersions, pattern: "/atservicesrest/versioninformation"}, true
	}
	if !strings.EqualFold(segs[1], "v1.0") || len(segs) < 3 {
		return route{}, false
	}
	prefix := "/" + segs[0] + "/" + segs[1]
	rest := segs[2:]
	one := func(kind, pat string) (route, bool) {
		return route{kind: kind, pattern: pat, prefix: prefix}, len(rest) == 1
	}
	switch strings.ToLower(rest[0]) {
	case "zoneinformation":
		return one(kZone, "/zoneInformation")
	case "thresholdinformation":
		return one(kThreshold, "/ThresholdInformation")
	case "version":
		return one(kVersion, "/Version")
	}
	e := sb.entity(rest[0])
	if e == nil {
		return route{}, false
	}
	rt := route{ent: e, prefix: prefix}
	low := make([]string, len(rest))
	for i, x := range rest {
		low[i] = strings.ToLower(x)
	}
	base := "/" + e.name
	switch {
	case len(rest) == 1:
		rt.kind, rt.pattern = kWrite, base
	case len(rest) == 2 && low[1] == "query":
		rt.kind, rt.pattern = kQuery, base+"/query"
	case len(rest) == 3 && low[1] == "query" && low[2] == "count":
		rt.kind, rt.pattern = kCount, base+"/query/count"
	case len(rest) == 3 && low[1] == "query" && (low[2] == "next" || low[2] == "prev"):
		rt.kind, rt.pattern = low[2], base+"/query/"+low[2]
	case len(rest) == 2 && low[1] == "entityinformation":
		rt.kind, rt.pattern = kInfo, base+"/entityInformation"
	case len(rest) == 3 && low[1] == "entityinformation" && low[2] == "fields":
		rt.kind, rt.pattern = kFields, base+"/entityInformation/fields"
	case len(rest) == 3 && low[1] == "entityinformation" && low[2] == "userdefinedfields":
		rt.kind, rt.pattern = kUDFs, base+"/entityInformation/userDefinedFields"
	case len(rest) == 2:
		id, err := strconv.ParseInt(rest[1], 10, 64)
		if err != nil {
			return route{}, false
		}
		rt.kind, rt.id, rt.pattern = kGet, id, base+"/{id}"
	case len(rest) == 3 || len(rest) == 4:
		pid, err := strconv.ParseInt(rest[1], 10, 64)
		if err != nil {
			return route{}, false
		}
		var child *entity
		for _, c := range sb.order {
			if c.parent == e.name && strings.EqualFold(c.sub, rest[2]) {
				child = c
			}
		}
		if child == nil {
			return route{}, false
		}
		rt.ent, rt.parentID = child, pid
		rt.pattern = base + "/{parentId}/" + child.sub
		if len(rest) == 3 {
			rt.kind = kChildWrite
			return rt, true
		}
		id, err := strconv.ParseInt(rest[3], 10, 64)
		if err != nil {
			return route{}, false
		}
		rt.kind, rt.id, rt.pattern = kChildGet, id, rt.pattern+"/{id}"
	default:
		return route{}, false
	}
	return rt, true
}

// router adapts the sandbox to core.WrapRouter.
type router struct{ sb *Sandbox }

func (rr *router) Route(r *http.Request) string {
	rt, ok := rr.sb.parse(r.URL.Path)
	if !ok {
		return ""
	}
	return rt.pattern
}

func (rr *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sb := rr.sb
	rt, ok := sb.parse(r.URL.Path)
	if !ok {
		writeErrors(w, http.StatusNotFound, "No HTTP resource was found that matches the request URI '%s'.", r.URL.Path)
		return
	}
	switch rt.kind {
	case kVersions:
		writeJSON(w, http.StatusOK, map[string]any{"apiVersions": []string{"1.0"}})
		return
	case kZone:
		sb.zone(w, r, rt)
		return
	}
	code, ok := sb.authenticate(w, r)
	if !ok {
		return
	}
	if rt.kind == kThreshold {
		n, limit, window := sb.budget.usage()
		writeJSON(w, http.StatusOK, map[string]any{
			"externalRequestThreshold": limit, "requestThresholdTimeframe": int(window.Minutes()), "currentTimeframeRequestCount": n,
		})
		return
	}
	if ok, wait := sb.budget.take(); !ok {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeErrors(w, http.StatusTooManyRequests, "The request threshold of %d requests per %d minutes has been exceeded for this database. Retry in %d seconds.",
			sb.budget.limit, int(sb.budget.window.Minutes()), secs)
		return
	}
	if rt.ent != nil {
		endpoint := rt.ent.name
		if !sb.threads.enter(code, endpoint) {
			w.Header().Set("Retry-After", "1")
			writeErrors(w, http.StatusTooManyRequests, "The thread limit of %d concurrent requests per object endpoint for this integration has been reached (%s).", sb.threads.limit, endpoint)
			return
		}
		defer sb.threads.leave(code, endpoint)
		if sb.hold != nil {
			sb.hold(endpoint)
		}
	}
	sb.serve(w, r, rt)
}

func (sb *Sandbox) serve(w http.ResponseWriter, r *http.Request, rt route) {
	m := r.Method
	switch rt.kind {
	case kVersion:
		if m == http.MethodGet {
			writeJSON(w, http.StatusOK, map[string]any{"version": "2026.1.0.0"})
			return
		}
	case kQuery, kCount, kNext, kPrev:
		if m == http.MethodGet || m == http.MethodPost {
			sb.query(w, r, rt)
			return
		}
	case kInfo, kFields, kUDFs:
		if m == http.MethodGet {
			sb.info(w, rt)
			return
		}
	case kGet, kChildGet:
		if m == http.MethodGet {
			sb.get(w, rt)
			return
		}
	case kWrite:
		if rt.ent.topWrite && (m == http.MethodPost || m == http.MethodPatch || m == http.MethodPut) {
			sb.write(w, r, rt)
			return
		}
	case kChildWrite:
		switch m {
		case http.MethodGet:
			sb.childList(w, r, rt)
			return
		case http.MethodPost, http.MethodPatch, http.MethodPut:
			sb.write(w, r, rt)
			return
		}
	}
	writeErrors(w, http.StatusMethodNotAllowed, "The requested resource does not support http method '%s'.", m)
}

// zone answers zoneInformation: every known user is in this server's
// zone, whose url is this server's own base.
func (sb *Sandbox) zone(w http.ResponseWriter, r *http.Request, rt route) {
	user := r.URL.Query().Get("user")
	if !strings.EqualFold(user, sb.opts.UserName) {
		writeErrors(w, http.StatusInternalServerError, "Zone information could not be determined")
		return
	}
	root := serverRoot(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"zoneName": sb.opts.ZoneName, "url": root + "/ATServicesRest/", "webUrl": root + "/", "ci": 1,
	})
}

// serverRoot is scheme://host of the request.
func serverRoot(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// authenticate checks the three headers. As clients report of the real
// API: a missing header or a wrong secret is 401, an unknown user name or
// integration code is 500. It returns the integration code.
func (sb *Sandbox) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	code, user, secret := r.Header.Get("ApiIntegrationCode"), r.Header.Get("UserName"), r.Header.Get("Secret")
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	switch {
	case code == "" || user == "" || secret == "":
		writeErrors(w, http.StatusUnauthorized, "Authentication failed: the ApiIntegrationCode, UserName and Secret headers are required.")
	case !strings.EqualFold(user, sb.opts.UserName):
		writeErrors(w, http.StatusInternalServerError, "Authentication failed: the user name is not known.")
	case !eq(secret, sb.opts.Secret):
		writeErrors(w, http.StatusUnauthorized, "Authentication failed: the user name or secret is not valid.")
	case !eq(code, sb.opts.IntegrationCode):
		writeErrors(w, http.StatusInternalServerError, "The integration code is not valid for this user.")
	default:
		return code, true
	}
	return "", false
}

// writeJSON sends v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "render: %v", err)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeErrors sends Autotask's error body {"errors":["..."]}.
func writeErrors(w http.ResponseWriter, status int, format string, a ...any) {
	writeErrList(w, status, []string{fmt.Sprintf(format, a...)})
}

func writeErrList(w http.ResponseWriter, status int, msgs []string) {
	b, _ := json.Marshal(map[string]any{"errors": msgs})
	writeRaw(w, status, b)
}

// faultBody renders injected faults in the same shape.
func faultBody(status int, message string) (string, []byte) {
	b, _ := json.Marshal(map[string]any{"errors": []string{message}})
	return "application/json; charset=utf-8", b
}

// budget is the database's rolling request threshold: at most limit
// requests in any window.
type budget struct {
	mu     sync.Mutex
	limit  int // <= 0: unlimited
	window time.Duration
	now    func() time.Time
	times  []time.Time // accepted requests, oldest first
}

func newBudget(limit int, window time.Duration, now func() time.Time) *budget {
	return &budget{limit: limit, window: window, now: now}
}

func (b *budget) prune(now time.Time) {
	i := 0
	for i < len(b.times) && !b.times[i].After(now.Add(-b.window)) {
		i++
	}
	b.times = b.times[i:]
}

// take counts one request; when the threshold is reached it returns false
// and how long until the oldest counted request leaves the window.
func (b *budget) take() (bool, time.Duration) {
	if b.limit <= 0 {
		return true, 0
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	if len(b.times) >= b.limit {
		return false, b.times[0].Add(b.window).Sub(now)
	}
	b.times = append(b.times, now)
	return true, 0
}

// usage returns the requests counted in the current window, the limit
// and the window.
func (b *budget) usage() (int, int, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(b.now())
	return len(b.times), b.limit, b.window
}

func (b *budget) reset() {
	b.mu.Lock()
	b.times = nil
	b.mu.Unlock()
}

// threads limits the requests in flight per integration code and entity
// endpoint.
type threads struct {
	mu     sync.Mutex
	limit  int // <= 0: unlimited
	active map[string]int
}

func newThreads(limit int) *threads { return &threads{limit: limit, active: map[string]int{}} }

func (t *threads) enter(code, endpoint string) bool {
	if t.limit <= 0 {
		return true
	}
	k := code + "\x00" + endpoint
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active[k] >= t.limit {
		return false
	}
	t.active[k]++
	return true
}

func (t *threads) leave(code, endpoint string) {
	if t.limit <= 0 {
		return
	}
	k := code + "\x00" + endpoint
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active[k]--; t.active[k] <= 0 {
		delete(t.active, k)
	}
}
