package autotask

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

var (
	dsOnce sync.Once
	ds     *msp.Dataset
)

// dataset is a small generated world shared by the tests (read-only).
func dataset() *msp.Dataset {
	dsOnce.Do(func() { ds = msp.Generate(msp.Options{Seed: 3, Companies: 30}) })
	return ds
}

// env is a seeded sandbox served over HTTP.
type env struct {
	t   *testing.T
	sb  *Sandbox
	srv *core.Server
	hc  *http.Client
}

func newEnv(t *testing.T, o Options) *env {
	t.Helper()
	if o.Clock == nil {
		o.Clock = func() time.Time { return time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC) }
	}
	sb := New(o)
	if err := sb.Seed(dataset()); err != nil {
		t.Fatal(err)
	}
	srv, err := core.Start(sb.Handler(), core.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &env{t: t, sb: sb, srv: srv, hc: srv.Client()}
}

// resp is a decoded answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// errs returns the errors[] of an error body.
func (r resp) errs(t *testing.T) []string {
	t.Helper()
	var m struct{ Errors []string }
	if err := json.Unmarshal(r.body, &m); err != nil || len(m.Errors) == 0 {
		t.Fatalf("status %d: body %s is not {\"errors\":[...]}", r.status, r.body)
	}
	return m.Errors
}

// call sends a request with the sandbox's credentials; path is relative
// to Base unless it starts with "/atservicesrest" or "http".
func (e *env) call(method, path string, body any) resp {
	return e.callAs(method, path, body, e.sb.Credentials())
}

func (e *env) callAs(method, path string, body any, c Credentials) resp {
	e.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		if !strings.HasPrefix(strings.ToLower(u), "/atservicesrest") {
			u = Base + u
		}
		u = e.srv.URL + u
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	c.Header(req.Header)
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// ok fails unless the status is 200 and returns the decoded body.
func (e *env) ok(method, path string, body any) map[string]any {
	e.t.Helper()
	r := e.call(method, path, body)
	if r.status != http.StatusOK {
		e.t.Fatalf("%s %s: status %d: %s", method, path, r.status, r.body)
	}
	return r.json(e.t)
}

// items returns the items of a query answer.
func items(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range m["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func num(v any) int64 {
	n, _ := asInt(v)
	return n
}

// all is a filter matching every record.
var all = map[string]any{"filter": []any{map[string]any{"op": "gte", "field": "id", "value": 0}}}
