package connectors

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/engine/plan"
)

func TestTokenLoginAndReloginOn401(t *testing.T) {
	s := newEnvelopeServer(t, 12)
	c := mustClient(t, envelopeSystem(s.srv.URL, 5), envelopeVars(s.srv.URL))
	recs, _ := collect(t, c, "ticket", ListQuery{})
	exactlyOnce(t, recs, "Id", 12)
	if got := s.logins.Load(); got != 1 {
		t.Fatalf("logins = %d, want 1", got)
	}
	s.revokeAll() // the server forgets the token: next call gets 401
	if _, err := c.Get(context.Background(), "ticket", "3"); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if s.logins.Load() != 2 || st.Relogins != 1 || st.Logins != 2 {
		t.Errorf("logins %d, relogins %d", s.logins.Load(), st.Relogins)
	}
	if got := s.count("GET", "/v2/servicedesk/tickets/3", 401); got != 1 {
		t.Errorf("401s = %d", got)
	}
}

func TestReloginOnlyOnce(t *testing.T) {
	s := newEnvelopeServer(t, 1)
	// Every request with a token is refused: the client logs in again once, then gives up.
	s.setFault(func(r *http.Request, _ []byte) (int, http.Header) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return http.StatusUnauthorized, nil
		}
		return 0, nil
	})
	c := mustClient(t, envelopeSystem(s.srv.URL, 5), envelopeVars(s.srv.URL))
	_, err := c.Get(context.Background(), "ticket", "1")
	if e, ok := err.(*Error); !ok || e.HTTPStatus != 401 || e.Kind != KindAuth {
		t.Fatalf("err = %v", err)
	}
	if s.logins.Load() != 2 || s.count("GET", "/v2/servicedesk/tickets/1", 401) != 2 {
		t.Errorf("logins %d, 401s %d", s.logins.Load(), s.count("GET", "/v2/servicedesk/tickets/1", 401))
	}
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	s := newEnvelopeServer(t, 3)
	clock := newFakeClock()
	c, err := New(envelopeSystem(s.srv.URL, 5), envelopeVars(s.srv.URL), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Get(ctx, "ticket", "1"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3000 * time.Second)
	if _, err := c.Get(ctx, "ticket", "1"); err != nil {
		t.Fatal(err)
	}
	if s.logins.Load() != 1 {
		t.Fatalf("logins = %d before expiry", s.logins.Load())
	}
	clock.Advance(580 * time.Second) // 3580 s: inside the renewal margin of a 3600 s token
	if _, err := c.Get(ctx, "ticket", "1"); err != nil {
		t.Fatal(err)
	}
	if s.logins.Load() != 2 || s.count("GET", "/v2/", 401) != 0 {
		t.Errorf("logins %d, 401s %d", s.logins.Load(), s.count("GET", "/v2/", 401))
	}
}

func TestConcurrentCallersShareOneLogin(t *testing.T) {
	s := newEnvelopeServer(t, 10)
	c := mustClient(t, envelopeSystem(s.srv.URL, 5), envelopeVars(s.srv.URL))
	var wg sync.WaitGroup
	for i := 1; i <= 10; i++ {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), "ticket", itoa(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if s.logins.Load() != 1 {
		t.Errorf("logins = %d", s.logins.Load())
	}
}

func TestLoginEncodings(t *testing.T) {
	for _, enc := range []string{"form", "json", "multipart"} {
		t.Run(enc, func(t *testing.T) {
			var got map[string]string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/login" {
					got = map[string]string{}
					switch {
					case strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
						_ = decodeJSONBody(r, &got)
					case strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data"):
						_ = r.ParseMultipartForm(1 << 20)
						for k, v := range r.MultipartForm.Value {
							got[k] = v[0]
						}
					default:
						_ = r.ParseForm()
						for k, v := range r.PostForm {
							got[k] = v[0]
						}
					}
					writeJSON(w, 200, map[string]any{"data": map[string]any{"token": "abc-token-123", "expires": "2030-01-01T00:00:00Z"}})
					return
				}
				if r.Header.Get("X-Auth") != "Token abc-token-123" {
					w.WriteHeader(401)
					return
				}
				writeJSON(w, 200, map[string]any{"id": 1})
			}))
			defer srv.Close()
			sys := plan.System{Name: "tok", BaseURL: plan.Template(srv.URL), Envelope: plan.Envelope{},
				Auth: plan.Auth{Scheme: plan.AuthToken, Token: &plan.TokenLogin{Path: "/login", Encoding: enc,
					Fields: map[string]plan.Template{"user": "u1", "pass": "${var.p}"}, TokenPath: "data.token",
					ExpiresPath: "data.expires", Header: "X-Auth", Prefix: "Token "}},
				Objects: []plan.Object{{Name: "thing", ListPath: "/things", ID: "id"}}}
			c := mustClient(t, sys, testVars(map[string]string{"p": "pw-secret-1"}, "p"))
			if _, err := c.Get(context.Background(), "thing", "1"); err != nil {
				t.Fatal(err)
			}
			if got["user"] != "u1" || got["pass"] != "pw-secret-1" {
				t.Errorf("login fields = %v", got)
			}
			if c.auth.expires.Year() != 2030 {
				t.Errorf("expiry = %v", c.auth.expires)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": 1})
	}))
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	cert := srv.Certificate()
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	sys := func(tls plan.TLS) plan.System {
		return plan.System{Name: "tls", BaseURL: "${var.url}", TLS: tls,
			Objects: []plan.Object{{Name: "thing", ListPath: "/things", ID: "id"}}}
	}
	vars := testVars(map[string]string{"url": srv.URL, "ca": caFile})

	c := mustClient(t, sys(plan.TLS{}), vars)
	_, err := c.Get(context.Background(), "thing", "1")
	if e, ok := err.(*Error); !ok || e.Attempts != 1 || !strings.Contains(e.Message, "certificate") {
		t.Errorf("unverified certificate: err = %v (must fail, without retries)", err)
	}
	for name, tls := range map[string]plan.TLS{"ca_file": {CAFile: "${var.ca}"}, "insecure": {InsecureSkipVerify: true}} {
		c := mustClient(t, sys(tls), vars)
		if _, err := c.Get(context.Background(), "thing", "1"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
