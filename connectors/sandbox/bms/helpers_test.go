package bms

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
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

// harness is a seeded sandbox served on loopback with a logged-in token.
type harness struct {
	t     *testing.T
	sb    *Sandbox
	d     *msp.Dataset
	srv   *core.Server
	hc    *http.Client
	clock *testClock
	token string
}

var epoch = time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, companies int, o Options) *harness {
	t.Helper()
	clock := &testClock{t: epoch}
	o.Clock = clock.Now
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
	h := &harness{t: t, sb: sb, d: d, srv: srv, hc: srv.Client(), clock: clock}
	tok := h.login(true, url.Values{"GrantType": {"password"}, "UserName": {sb.opts.UserName}, "Password": {sb.opts.Password}, "Tenant": {sb.opts.Tenant}})
	if !tok.Success {
		t.Fatalf("login failed: %+v", tok.Error)
	}
	h.token = tok.result(t)["AccessToken"].(string)
	return h
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	body   []byte
	envelope
}

func (r reply) result(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.Result.(map[string]any)
	if !ok {
		t.Fatalf("Result is not an object: %s", r.body)
	}
	return m
}

func (r reply) list(t *testing.T) []any {
	t.Helper()
	l, ok := r.Result.([]any)
	if !ok {
		t.Fatalf("Result is not an array: %s", r.body)
	}
	return l
}

func (r reply) total(t *testing.T) int {
	t.Helper()
	if r.TotalRecords == nil {
		t.Fatalf("no TotalRecords: %s", r.body)
	}
	return *r.TotalRecords
}

func (h *harness) send(req *http.Request) reply {
	h.t.Helper()
	resp, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: b}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&r.envelope); err != nil {
		h.t.Fatalf("%s %s: %d, body is not an envelope: %q", req.Method, req.URL, resp.StatusCode, b)
	}
	return r
}

// call sends a JSON request (body nil: none) with the harness token.
func (h *harness) call(method, path string, body any) reply {
	h.t.Helper()
	return h.callCT(method, path, body, "application/json")
}

func (h *harness) callCT(method, path string, body any, ctype string) reply {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.srv.URL+Base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	return h.send(req)
}

// login posts the form as multipart (or urlencoded).
func (h *harness) login(multi bool, form url.Values) reply {
	h.t.Helper()
	var body bytes.Buffer
	ctype := "application/x-www-form-urlencoded"
	if multi {
		mw := multipart.NewWriter(&body)
		for k, vs := range form {
			for _, v := range vs {
				_ = mw.WriteField(k, v)
			}
		}
		mw.Close()
		ctype = mw.FormDataContentType()
	} else {
		body.WriteString(form.Encode())
	}
	req, err := http.NewRequest("POST", h.srv.URL+Base+"/security/authenticate", &body)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	return h.send(req)
}

// mustOK fails unless the reply is HTTP 200 with Success=true.
func mustOK(t *testing.T, r reply) reply {
	t.Helper()
	if r.status != http.StatusOK || !r.Success {
		t.Fatalf("want 200 Success=true, got %d: %s", r.status, r.body)
	}
	return r
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := toInt(v)
	if !ok {
		t.Fatalf("%v (%T) is not an integer", v, v)
	}
	return n
}

func (h *harness) id(key string) int64 {
	h.t.Helper()
	_, id, ok := h.sb.IDForKey(key)
	if !ok {
		h.t.Fatalf("no id for key %s", key)
	}
	return id
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
