package connectwise

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
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

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
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

func newEnv(t *testing.T, companies int) *harness {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)}
	sb := New(Options{Clock: clock.Now})
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

// response is a decoded answer.
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

// errorBody decodes a ConnectWise error response.
func (r response) errorBody(t *testing.T) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if e.Code == "" || e.Message == "" || e.Errors == nil {
		t.Fatalf("error body %s lacks code, message or errors", r.body)
	}
	return e
}

// do sends an authenticated request to a path under Base (or an absolute
// URL) and returns the answer; hdr may override headers ("" deletes).
func (e *harness) do(method, path string, body any, hdr map[string]string) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = e.srv.URL + Base + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.sb.Credentials()
	req.Header.Set("Authorization", c.Authorization())
	req.Header.Set("clientId", c.ClientID)
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

// list GETs a collection page and decodes it.
func (e *harness) list(path string) ([]map[string]any, response) {
	e.t.Helper()
	r := e.get(path)
	if r.status != 200 {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var recs []map[string]any
	r.json(e.t, &recs)
	return recs, r
}

func q(s string) string { return url.QueryEscape(s) }

// links parses a Link header into rel → URL.
func links(h string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		u, rel, _ := strings.Cut(part, ";")
		rel = strings.TrimSpace(rel)
		rel = strings.TrimSuffix(strings.TrimPrefix(rel, `rel="`), `"`)
		out[rel] = strings.Trim(strings.TrimSpace(u), "<>")
	}
	return out
}

func num(v any) int64 {
	n, _ := asNumber(v)
	return int64(n)
}

func refName(rec map[string]any, field string) string {
	m, _ := rec[field].(map[string]any)
	s, _ := m["name"].(string)
	return s
}

func infoField(rec map[string]any, k string) string {
	m, _ := rec["_info"].(map[string]any)
	s, _ := m[k].(string)
	return s
}
