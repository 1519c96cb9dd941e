package tigerpaw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a seeded sandbox served on loopback.
type harness struct {
	t     *testing.T
	sb    *Sandbox
	d     *msp.Dataset
	srv   *core.Server
	hc    *http.Client
	clock *testClock
}

func newEnv(t *testing.T, companies int, opts ...func(*Options)) *harness {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)}
	o := Options{Clock: clock.Now, RateLimit: -1}
	for _, f := range opts {
		f(&o)
	}
	sb := New(o)
	d := msp.Generate(msp.Options{Seed: 5, Companies: companies})
	if err := sb.Seed(d); err != nil {
		t.Fatal(err)
	}
	srv, err := core.Start(sb.Handler(), core.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &harness{t: t, sb: sb, d: d, srv: srv, hc: srv.Client(), clock: clock}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorBody decodes an error response and checks its shape.
func (r response) errorBody(t *testing.T) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if e.Code == "" || e.Message == "" || e.Errors == nil {
		t.Fatalf("error body %s lacks Code, Message or Errors", r.body)
	}
	return e
}

// fields lists the Field of each entry of an error body's Errors.
func (r response) fields(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, fe := range r.errorBody(t).Errors {
		out = append(out, fe.Field+":"+fe.Code)
	}
	return out
}

// do sends an authenticated request to a path under Base; hdr overrides
// headers ("" deletes). A string body is sent as is.
func (e *harness) do(method, path string, body any, hdr map[string]string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+Base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", e.sb.Credentials().Authorization())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *harness) get(path string) response { return e.do("GET", path, nil, nil) }

// pageOf is a decoded list envelope.
type pageOf struct {
	Items      []map[string]any
	Page       int
	PageSize   int
	TotalCount int
	TotalPages int
}

// list GETs one page and decodes it, failing on anything but 200.
func (e *harness) list(path string) pageOf {
	e.t.Helper()
	r := e.get(path)
	if r.status != 200 {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var p pageOf
	r.json(e.t, &p)
	return p
}

// all reads every page of a list.
func (e *harness) all(path string) []map[string]any {
	e.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []map[string]any
	for page := 1; ; page++ {
		p := e.list(fmt.Sprintf("%s%spageSize=%d&page=%d", path, sep, MaxPageSize, page))
		out = append(out, p.Items...)
		if page >= p.TotalPages {
			return out
		}
	}
}

// one GETs a record by collection path and number.
func (e *harness) one(collection string, id int64) map[string]any {
	e.t.Helper()
	r := e.get(fmt.Sprintf("/%s/%d", collection, id))
	if r.status != 200 {
		e.t.Fatalf("GET %s %d: %d %s", collection, id, r.status, r.body)
	}
	var m map[string]any
	r.json(e.t, &m)
	return m
}

// byKey GETs the record seeded from a generator key.
func (e *harness) byKey(key string) map[string]any {
	e.t.Helper()
	coll, id, ok := e.sb.IDForKey(key)
	if !ok {
		e.t.Fatalf("no record for key %s", key)
	}
	return e.one(coll, id)
}

func num(v any) int64 {
	n, _ := asInt(v)
	return n
}

func cases(t *testing.T, d *msp.Dataset, name string) []string {
	t.Helper()
	for _, c := range SeedCases(d) {
		if c.Name == name {
			if len(c.Keys) == 0 {
				t.Fatalf("seed case %s has no keys", name)
			}
			return c.Keys
		}
	}
	t.Fatalf("seed case %s missing", name)
	return nil
}

// phonesOf returns a record's PhoneNumbers as maps.
func phonesOf(rec map[string]any) []map[string]any {
	var out []map[string]any
	for _, p := range rec["PhoneNumbers"].([]any) {
		out = append(out, p.(map[string]any))
	}
	return out
}
