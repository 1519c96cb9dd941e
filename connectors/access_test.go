package connectors

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// accessSystem is a basic-auth system whose base URL and credentials come
// from variables.
func accessSystem() plan.System {
	return plan.System{Name: "acc", Title: "Access Test", BaseURL: "${var.url}",
		Auth:    plan.Auth{Scheme: plan.AuthBasic, Username: "${var.user}", Password: "${var.key}"},
		Objects: []plan.Object{{Name: "thing", ListPath: "/things", ID: "id"}}}
}

// TestAccessFailures: a refused key, a missing permission, an untrusted
// certificate and a host that refuses connections fail the call with an
// access kind, the system's title, its base URL (no secret) and the fix,
// and the refusals are not retried.
func TestAccessFailures(t *testing.T) {
	var hits atomic.Int64
	status := func(code int) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			writeJSON(w, code, map[string]any{"message": http.StatusText(code)})
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"id": 1}) }))
	t.Cleanup(tlsSrv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	cases := []struct {
		name, url string
		kind      Kind
		fix       string
		maxHits   int64
	}{
		{"401", status(401).URL, KindAuth, "check the variables key (T_KEY), user (T_USER)", 1},
		{"403", status(403).URL, KindForbidden, "check the variables key (T_KEY), user (T_USER), and that their API user may do this", 1},
		{"tls", tlsSrv.URL, KindTLS, "ca_file", 0},
		{"refused", refused, KindUnreachable, "url (T_URL)", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hits.Store(0)
			clock := newFakeClock()
			cl, err := New(accessSystem(), testVars(map[string]string{"url": c.url + "/v1?token=zzsecret", "user": "u", "key": "k3y-s3cret"}, "key"),
				WithClock(clock), WithUnreachableFor(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			_, err = cl.Get(context.Background(), "thing", "1")
			var e *Error
			if !errors.As(err, &e) || e.Kind != c.kind || !IsAccess(err) {
				t.Fatalf("err = %v, want kind %s", err, c.kind)
			}
			msg := err.Error()
			for _, want := range []string{"Access Test at " + c.url + "/v1:", c.fix} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, "k3y-s3cret") || strings.Contains(msg, "zzsecret") {
				t.Errorf("message leaks a secret: %q", msg)
			}
			if c.maxHits > 0 && hits.Load() > c.maxHits {
				t.Errorf("%d requests, want at most %d (no retries)", hits.Load(), c.maxHits)
			}
			if c.kind == KindUnreachable {
				// Retried for the bound, not for the plan's attempt count.
				var slept time.Duration
				for _, d := range clock.Sleeps() {
					slept += d
				}
				if slept < time.Minute || e.Attempts < 2 {
					t.Errorf("unreachable host: slept %s over %d attempts, want at least the 1m bound", slept, e.Attempts)
				}
			}
		})
	}
}

// TestTransientStillRetried: a 503 stays a retried, plain failure.
func TestTransientStillRetried(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 503, map[string]any{})
	}))
	defer srv.Close()
	sys := accessSystem()
	sys.Retry.MaxAttempts = 3
	cl := mustClient(t, sys, testVars(map[string]string{"url": srv.URL, "user": "u", "key": "k"}))
	_, err := cl.Get(context.Background(), "thing", "1")
	if KindOf(err) != KindFailed || IsAccess(err) || hits.Load() != 3 {
		t.Fatalf("err = %v after %d requests, want failed after 3", err, hits.Load())
	}
}

// TestTLSHostnameMismatch: a certificate signed by a trusted CA but for
// another host name is an access failure too, not retried.
func TestTLSHostnameMismatch(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"id": 1}) }))
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	sys := accessSystem()
	sys.TLS = plan.TLS{CAFile: "${var.ca}"}
	// The test certificate is for 127.0.0.1 and example.com, not localhost.
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	cl := mustClient(t, sys, testVars(map[string]string{"url": url, "user": "u", "key": "k", "ca": caFile}))
	_, err := cl.Get(context.Background(), "thing", "1")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTLS || e.Attempts != 1 || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("err = %v, want a tls access failure after one attempt", err)
	}
}
