package core

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// testServer serves a tiny mux with one GET and one POST route.
func testServer(t *testing.T, spec string, tls bool) (*Server, *Log, *Injector, *atomic.Int32) {
	t.Helper()
	var writes atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":`+r.PathValue("id")+`}`)
	})
	mux.HandleFunc("POST /api/items", func(w http.ResponseWriter, r *http.Request) {
		writes.Add(1)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":1}`)
	})
	f, err := ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	log := NewLog()
	inj := NewInjector(7, f)
	h := Wrap(mux, WrapOptions{Base: "/api", Log: log, Faults: inj, ErrorBody: func(status int, msg string) (string, []byte) {
		return "application/json", []byte(`{"code":"Injected","message":"` + msg + `"}`)
	}})
	srv, err := Start(h, ServeOptions{TLS: tls})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, log, inj, &writes
}

func TestWrapInjects429WithRetryAfter(t *testing.T) {
	srv, log, _, _ := testServer(t, "GET /items/{id}:429=1,retry_after=4", false)
	resp, err := srv.Client().Get(srv.URL + "/api/items/3")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "4" {
		t.Fatalf("status %d Retry-After %q, want 429 and 4", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(string(body), `"code":"Injected"`) {
		t.Errorf("body %s does not use ErrorBody", body)
	}
	snap := log.Snapshot()
	if snap.ByRoute["GET /items/{id}"] != 1 || snap.ByStatus[429] != 1 || snap.Faults["429"] != 1 {
		t.Errorf("log snapshot %+v", snap)
	}
}

func TestWrapTimeoutAfterCommit(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv, log, inj, writes := testServer(t, "POST *:timeout_after_commit=1", tls)
		resp, err := srv.Client().Post(srv.URL+"/api/items", "application/json", strings.NewReader(`{}`))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("tls=%v: got status %d, want a transport error", tls, resp.StatusCode)
		}
		if writes.Load() != 1 {
			t.Fatalf("tls=%v: handler ran %d times, want 1 (the write commits)", tls, writes.Load())
		}
		if got := log.Snapshot().Faults[kindTimeout]; got != 1 {
			t.Errorf("tls=%v: timeout faults logged = %d", tls, got)
		}
		// Switching faults off at run time restores normal answers.
		inj.SetFaults(nil)
		resp, err = srv.Client().Post(srv.URL+"/api/items", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatalf("tls=%v: after SetFaults(nil): %v", tls, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || writes.Load() != 2 {
			t.Errorf("tls=%v: status %d writes %d", tls, resp.StatusCode, writes.Load())
		}
	}
}

func TestLogCountsAndReset(t *testing.T) {
	srv, log, _, _ := testServer(t, "", false)
	c := srv.Client()
	for _, p := range []string{"/api/items/1", "/api/items/2", "/api/nothing"} {
		resp, err := c.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	snap := log.Snapshot()
	if snap.Total != 3 || snap.ByRoute["GET /items/{id}"] != 2 || snap.ByRoute["GET (unmatched)"] != 1 {
		t.Errorf("snapshot %+v", snap)
	}
	if snap.ByRouteStatus["GET /items/{id}"][200] != 2 || snap.ByStatus[404] != 1 {
		t.Errorf("statuses %+v", snap.ByRouteStatus)
	}
	log.Reset()
	if s := log.Snapshot(); s.Total != 0 || len(s.ByRoute) != 0 {
		t.Errorf("after reset %+v", s)
	}
}

func TestStartTLSWritesCert(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "sandbox.pem")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv, err := Start(h, ServeOptions{TLS: true, CertFile: certFile})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Errorf("URL %q", srv.URL)
	}
	pemBytes, err := os.ReadFile(certFile)
	if err != nil || string(pemBytes) != string(srv.CertPEM) {
		t.Fatalf("cert file: %v", err)
	}
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// A client that does not trust the certificate must fail.
	if _, err := http.Get(srv.URL); err == nil {
		t.Error("default client accepted the self-signed certificate")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}
