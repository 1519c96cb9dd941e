package connectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"mapsync/engine/plan"
)

// fakeClock advances instantly: Sleep records the duration and moves Now.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	if d > 0 {
		f.now = f.now.Add(d)
	}
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// testVars builds a resolver over a fixed environment; names listed in
// sensitive are marked sensitive.
func testVars(env map[string]string, sensitive ...string) *VarResolver {
	sens := map[string]bool{}
	for _, s := range sensitive {
		sens[s] = true
	}
	var vars []plan.Variable
	for k := range env {
		vars = append(vars, plan.Variable{Name: k, Env: "T_" + strings.ToUpper(k), Sensitive: sens[k]})
	}
	return NewResolver(vars, func(name string) (string, bool) {
		for k, v := range env {
			if "T_"+strings.ToUpper(k) == name {
				return v, true
			}
		}
		return "", false
	})
}

// logEntry is one request as a test server saw it.
type logEntry struct {
	Method, Path, Query string
	Status              int
	Body                string
}

// fault decides, before the handler runs, to answer with an error.
// Returning status 0 lets the request through.
type fault func(r *http.Request, body []byte) (status int, header http.Header)

// faultBody, when set, writes the body of injected errors (default
// {"message":"injected N"}).
type faultBody func(r *http.Request, status int) string

// harness wraps a test server's mux with a request log, fault injection
// and an optional "commit, then drop the connection" switch.
type harness struct {
	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	log     []logEntry
	fault   fault
	body    faultBody
	dropFor func(r *http.Request) bool // run the handler, then kill the connection
	hold    func(r *http.Request) bool // run the handler, then hold the response until the client gives up
}

func newHarness(t testing.TB, mux http.Handler) *harness {
	h := &harness{t: t}
	h.srv = httptest.NewServer(h.wrap(mux))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) setFault(f fault) {
	h.mu.Lock()
	h.fault = f
	h.mu.Unlock()
}

func (h *harness) setFaultBody(f faultBody) {
	h.mu.Lock()
	h.body = f
	h.mu.Unlock()
}

func (h *harness) setHold(f func(r *http.Request) bool) {
	h.mu.Lock()
	h.hold = f
	h.mu.Unlock()
}

func (h *harness) setDrop(f func(r *http.Request) bool) {
	h.mu.Lock()
	h.dropFor = f
	h.mu.Unlock()
}

func (h *harness) entries() []logEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]logEntry(nil), h.log...)
}

// count returns how many logged requests match method and path prefix
// (and status, when status != 0).
func (h *harness) count(method, pathPrefix string, status int) int {
	n := 0
	for _, e := range h.entries() {
		if e.Method == method && strings.HasPrefix(e.Path, pathPrefix) && (status == 0 || e.Status == status) {
			n++
		}
	}
	return n
}

func (h *harness) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(r.Body)
			body = buf.Bytes()
			r.Body = http.NoBody
			if len(body) > 0 {
				r.Body = readCloser{bytes.NewReader(body)}
			}
		}
		h.mu.Lock()
		f, fb, drop, hold := h.fault, h.body, h.dropFor, h.hold
		h.mu.Unlock()
		entry := logEntry{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)}
		if f != nil {
			if status, hdr := f(r, body); status != 0 {
				for k, vs := range hdr {
					w.Header()[k] = vs
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				if fb != nil {
					fmt.Fprint(w, fb(r, status))
				} else {
					fmt.Fprintf(w, `{"message":"injected %d"}`, status)
				}
				entry.Status = status
				h.record(entry)
				return
			}
		}
		if drop != nil && drop(r) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			entry.Status = -rec.Code // negative: response dropped
			h.record(entry)
			panic(http.ErrAbortHandler)
		}
		if hold != nil && hold(r) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			entry.Status = -rec.Code
			h.record(entry)
			<-r.Context().Done() // committed; the client times out waiting
			return
		}
		sw := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		entry.Status = sw.code()
		h.record(entry)
	})
}

func (h *harness) record(e logEntry) {
	h.mu.Lock()
	h.log = append(h.log, e)
	h.mu.Unlock()
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(c int) {
	if s.status == 0 {
		s.status = c
	}
	s.ResponseWriter.WriteHeader(c)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = 200
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) code() int {
	if s.status == 0 {
		return 200
	}
	return s.status
}

// writeJSON sends v with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// memStore is an id-ordered record store shared by the test servers.
type memStore struct {
	mu     sync.Mutex
	recs   map[int]map[string]any
	nextID int
	idKey  string
}

func newMemStore() *memStore {
	return &memStore{recs: map[int]map[string]any{}, nextID: 1, idKey: "id"}
}

func (s *memStore) put(rec map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID
	s.nextID++
	rec[s.idKey] = float64(id)
	s.recs[id] = rec
	return id
}

func (s *memStore) get(id int) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[id]
	return r, ok
}

func (s *memStore) set(id int, rec map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[id] = rec
}

func (s *memStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}

// sorted returns the records matching keep, ordered by less (id order when nil).
func (s *memStore) sorted(keep func(map[string]any) bool, less func(a, b map[string]any) bool) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.recs))
	for id := range s.recs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []map[string]any
	for _, id := range ids {
		if keep == nil || keep(s.recs[id]) {
			out = append(out, s.recs[id])
		}
	}
	if less != nil {
		sort.SliceStable(out, func(i, j int) bool { return less(out[i], out[j]) })
	}
	return out
}

// pageOf slices a 1-based page.
func pageOf[T any](all []T, page, size int) []T {
	start := (page - 1) * size
	if start >= len(all) || start < 0 {
		return nil
	}
	return all[start:min(start+size, len(all))]
}

// collect reads a whole list and fails the test on error.
func collect(t testing.TB, c *Client, object string, q ListQuery) ([]Record, []Page) {
	t.Helper()
	var recs []Record
	var pages []Page
	for p, err := range c.List(context.Background(), object, q) {
		if err != nil {
			t.Fatalf("list %s: %v", object, err)
		}
		recs = append(recs, p.Records...)
		pages = append(pages, p)
	}
	return recs, pages
}

// exactlyOnce checks that the ids at idPath are 1..n, each once.
func exactlyOnce(t testing.TB, recs []Record, idPath string, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range recs {
		v, _ := Value(r, idPath)
		seen[IDString(v)]++
	}
	if len(recs) != n {
		t.Errorf("got %d records, want %d", len(recs), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("id %s seen %d times", id, k)
		}
	}
	for i := 1; i <= n; i++ {
		if seen[fmt.Sprint(i)] != 1 {
			t.Errorf("id %d missing", i)
			break
		}
	}
}

// bufLogger returns a debug-level logger writing into a buffer.
func bufLogger() (zerolog.Logger, *syncBuffer) {
	b := &syncBuffer{}
	return zerolog.New(b).Level(zerolog.DebugLevel), b
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func ts(base time.Time, minutes int) string {
	return base.Add(time.Duration(minutes) * time.Minute).UTC().Format(time.RFC3339)
}

var epoch = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func decodeJSONBody(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
