package local

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// sbBuffer is a goroutine-safe output buffer.
type sbBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *sbBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *sbBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeTLS runs the sandboxes as `mapsync sandbox --tls` does and talks to it as
// curl would: curl --cacert CERT -u 'company+pub:priv' -H 'clientId: ...'
// 'https://127.0.0.1:PORT/v4_6_release/apis/3.0/company/companies?conditions=...&pageSize=10'.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile := filepath.Join(dir, "sandbox.pem")
	dumpFile := filepath.Join(dir, "cw.json")
	var out sbBuffer
	cfg := ServeConfig{TLS: true, CertFile: certFile, Seed: 4, Companies: 30,
		Addr: map[string]string{"connectwise": "127.0.0.1:0", "itglue": "127.0.0.1:0"},
		Dump: map[string]string{"connectwise": dumpFile}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, &out) }()

	var cwURL, itgURL string
	deadline := time.Now().Add(60 * time.Second)
	for cwURL == "" || itgURL == "" || !strings.Contains(out.String(), "Press Ctrl+C") {
		select {
		case err := <-done:
			t.Fatalf("Serve ended early: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URLs printed:\n%s", out.String())
		}
		if m := regexp.MustCompile(`ConnectWise Manage sandbox: (\S+)`).FindStringSubmatch(out.String()); m != nil {
			cwURL = m[1]
		}
		if m := regexp.MustCompile(`IT Glue sandbox: (\S+)`).FindStringSubmatch(out.String()); m != nil {
			itgURL = m[1]
		}
	}
	field := func(label string) string {
		m := regexp.MustCompile(label + `:\s+(\S+)`).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("%s not printed:\n%s", label, out.String())
		}
		return m[1]
	}
	company, pub, priv, clientID := field("company id"), field("public key"), field("private key"), field("clientId")
	if !strings.HasPrefix(cwURL, "https://127.0.0.1:") || !strings.HasSuffix(cwURL, "/v4_6_release/apis/3.0") {
		t.Fatalf("ConnectWise URL %q", cwURL)
	}

	// Trust the written certificate, as curl --cacert does.
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("certificate file holds no certificate")
	}
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(u, user, pass string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	cond := `types/name = "Customer" and status/name = "Active"`
	u := cwURL + "/company/companies?conditions=" + url.QueryEscape(cond) + "&pageSize=10"
	resp, body := get(u, company+"+"+pub, priv, map[string]string{"clientId": clientID})
	if resp.StatusCode != 200 {
		t.Fatalf("GET companies: %d %s", resp.StatusCode, body)
	}
	var companies []struct {
		ID     int
		Name   string
		Status struct{ Name string }
		Types  []struct{ Name string }
	}
	if err := json.Unmarshal(body, &companies); err != nil {
		t.Fatal(err)
	}
	if len(companies) != 10 {
		t.Fatalf("%d companies, want a full page of 10", len(companies))
	}
	for _, c := range companies {
		if c.Status.Name != "Active" || len(c.Types) != 1 || c.Types[0].Name != "Customer" {
			t.Errorf("company %d %q does not match the conditions: %+v", c.ID, c.Name, c)
		}
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "<"+cwURL+"/company/companies?") || !strings.Contains(link, "page=2") {
		t.Errorf("Link header %q", link)
	}

	// A wrong private key gets 401 with ConnectWise's error body.
	resp, body = get(u, company+"+"+pub, "wrong", map[string]string{"clientId": clientID})
	var cwErr struct {
		Code, Message string
		Errors        []any
	}
	if err := json.Unmarshal(body, &cwErr); err != nil || resp.StatusCode != 401 || cwErr.Code != "Unauthorized" || cwErr.Message == "" || cwErr.Errors == nil {
		t.Errorf("wrong key: %d %s", resp.StatusCode, body)
	}

	// The IT Glue sandbox runs beside it with the same certificate.
	key := field("x-api-key")
	resp, body = get(itgURL+"/organizations?page%5Bsize%5D=1", "", "", map[string]string{"x-api-key": key})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"organizations"`) {
		t.Errorf("IT Glue: %d %.200s", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if st, err := os.Stat(dumpFile); err != nil || st.Size() == 0 {
		t.Errorf("no fixture dumped at stop: %v", err)
	}
}
