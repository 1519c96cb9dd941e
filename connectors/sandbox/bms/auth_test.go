package bms

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
)

func passwordForm(sb *Sandbox) url.Values {
	return url.Values{"GrantType": {"password"}, "UserName": {sb.opts.UserName}, "Password": {sb.opts.Password}, "Tenant": {sb.opts.Tenant}}
}

func TestLoginBothEncodingsGiveWorkingTokens(t *testing.T) {
	h := newEnv(t, 3, Options{})
	for _, multi := range []bool{true, false} {
		r := mustOK(t, h.login(multi, passwordForm(h.sb)))
		res := r.result(t)
		tok, _ := res["AccessToken"].(string)
		if parts := strings.Split(tok, "."); len(parts) != 3 {
			t.Fatalf("access token %q is not JWT-shaped", tok)
		}
		for _, k := range []string{"RefreshToken", "AccessTokenExpireOn", "RefreshTokenExpireOn"} {
			if s, _ := res[k].(string); s == "" {
				t.Errorf("multipart=%v: %s missing in %s", multi, k, r.body)
			}
		}
		exp, err := time.Parse(time.RFC3339, res["AccessTokenExpireOn"].(string))
		if err != nil || !exp.Equal(epoch.Add(time.Hour)) {
			t.Errorf("AccessTokenExpireOn = %v (%v), want %v", res["AccessTokenExpireOn"], err, epoch.Add(time.Hour))
		}
		h.token = tok
		mustOK(t, h.call("GET", "/crm/accounts/summary", nil))
	}
}

func TestTokenClaimsNameFlavorAndTenant(t *testing.T) {
	for _, f := range []Flavor{FlavorBMS, FlavorPulseway} {
		h := newEnv(t, 1, Options{Flavor: f})
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(h.token, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		if claims["iss"] != "https://"+f.DefaultHost() || claims["tenant"] != f.DefaultTenant() {
			t.Errorf("%s: claims %v", f, claims)
		}
	}
}

func TestBadCredentialsAreHTTP200WithSuccessFalse(t *testing.T) {
	h := newEnv(t, 1, Options{})
	cases := map[string]url.Values{
		"wrong password":  {"GrantType": {"password"}, "UserName": {h.sb.opts.UserName}, "Password": {"nope"}, "Tenant": {h.sb.opts.Tenant}},
		"wrong tenant":    {"GrantType": {"password"}, "UserName": {h.sb.opts.UserName}, "Password": {h.sb.opts.Password}, "Tenant": {"other"}},
		"wrong secret":    {"GrantType": {"client_credentials"}, "ClientId": {h.sb.opts.ClientID}, "ClientSecret": {"nope"}},
		"unknown refresh": {"GrantType": {"refresh_token"}, "RefreshToken": {"abc"}},
	}
	for name, form := range cases {
		r := h.login(true, form)
		if r.status != http.StatusOK || r.Success || r.Error == nil || r.Error.Code != 401 || r.Result != nil {
			t.Errorf("%s: got %d %s", name, r.status, r.body)
		}
		if strings.Contains(string(r.body), "nope") {
			t.Errorf("%s: the answer echoes the secret: %s", name, r.body)
		}
	}
	// malformed requests are HTTP errors
	if r := h.login(false, url.Values{"UserName": {"x"}}); r.status != http.StatusBadRequest || r.Success {
		t.Errorf("no GrantType: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+Base+"/security/authenticate", strings.NewReader(`{"GrantType":"password"}`))
	req.Header.Set("Content-Type", "application/json")
	if r := h.send(req); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("JSON login: %d %s", r.status, r.body)
	}
}

func TestClientCredentialsGrant(t *testing.T) {
	h := newEnv(t, 1, Options{})
	r := mustOK(t, h.login(false, url.Values{"GrantType": {"client_credentials"}, "ClientId": {DefaultClientID}, "ClientSecret": {DefaultClientSecret}}))
	h.token = r.result(t)["AccessToken"].(string)
	mustOK(t, h.call("GET", "/system/statuses/lookup", nil))
}

func TestRefreshAndExpiry(t *testing.T) {
	h := newEnv(t, 2, Options{TokenLifetime: 10 * time.Minute})
	first := mustOK(t, h.login(true, passwordForm(h.sb))).result(t)
	h.token = first["AccessToken"].(string)

	h.clock.Add(9 * time.Minute)
	mustOK(t, h.call("GET", "/crm/accounts/summary", nil))

	h.clock.Add(2 * time.Minute) // past the lifetime
	r := h.call("GET", "/crm/accounts/summary", nil)
	if r.status != http.StatusUnauthorized || r.Success || r.Error == nil || r.Error.Code != 401 || !strings.Contains(r.Error.Message, "expired") {
		t.Fatalf("expired token: %d %s", r.status, r.body)
	}

	refreshed := mustOK(t, h.login(false, url.Values{"GrantType": {"refresh_token"}, "RefreshToken": {first["RefreshToken"].(string)}})).result(t)
	h.token = refreshed["AccessToken"].(string)
	mustOK(t, h.call("GET", "/crm/accounts/summary", nil))
	if refreshed["RefreshToken"] == first["RefreshToken"] {
		t.Error("refresh did not rotate the refresh token")
	}
	// a refresh token is single-use
	again := h.login(false, url.Values{"GrantType": {"refresh_token"}, "RefreshToken": {first["RefreshToken"].(string)}})
	if again.status != http.StatusOK || again.Success {
		t.Errorf("reused refresh token: %d %s", again.status, again.body)
	}
}

func TestMissingOrForeignTokenIs401(t *testing.T) {
	h := newEnv(t, 1, Options{})
	for _, tok := range []string{"", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"} {
		h.token = tok
		r := h.call("GET", "/crm/contacts/summary", nil)
		if r.status != http.StatusUnauthorized || r.Success || r.Error.Code != 401 {
			t.Errorf("token %q: %d %s", tok, r.status, r.body)
		}
	}
}

func TestServesOverTLS(t *testing.T) {
	sb := New(Options{})
	srv, err := core.Start(sb.Handler(), core.ServeOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := &harness{t: t, sb: sb, srv: srv, hc: srv.Client()}
	r := mustOK(t, h.login(false, passwordForm(sb)))
	h.token = r.result(t)["AccessToken"].(string)
	if got := mustOK(t, h.call("GET", "/system/statuses/lookup", nil)).list(t); len(got) != 0 {
		t.Errorf("an unseeded sandbox has statuses: %v", got)
	}
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Errorf("URL %s", srv.URL)
	}
}

// SetTokenLifetime shortens the tokens issued afterwards; earlier ones
// keep their expiry.
func TestSetTokenLifetime(t *testing.T) {
	h := newEnv(t, 2, Options{})
	old := h.token
	h.sb.SetTokenLifetime(2 * time.Minute)
	tok := h.login(true, url.Values{"GrantType": {"password"}, "UserName": {h.sb.opts.UserName}, "Password": {h.sb.opts.Password}, "Tenant": {h.sb.opts.Tenant}})
	h.token = tok.result(t)["AccessToken"].(string)
	h.clock.Add(3 * time.Minute)
	if r := h.call("GET", "/crm/accounts/summary", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("a 2-minute token after 3 minutes: HTTP %d, want 401", r.status)
	}
	h.token = old
	if r := h.call("GET", "/crm/accounts/summary", nil); r.status != http.StatusOK {
		t.Fatalf("a token issued before the change: HTTP %d, want 200", r.status)
	}
}
