package connectors

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/engine/plan"
)

const (
	wirePassword     = "pw-Very-Secret-123"
	wireClientSecret = "cs-Top-Secret-456"
	wireClientID     = "client-one"
)

// tokenService is an identity server apart from the API: password,
// refresh_token and client_credentials grants at POST /token. The API
// server (apiServer) accepts the tokens it issued.
type tokenService struct {
	*harness
	mu            sync.Mutex
	valid         map[string]bool // access tokens
	refresh       string          // the refresh token currently valid
	n             int
	grants        map[string]int // by grant_type
	refuseRefresh bool
	// refreshOnCC makes client_credentials grants carry a refresh token.
	refreshOnCC bool
	lastForm    url.Values
	lastBasic   string
}

func newTokenService(t *testing.T) *tokenService {
	ts := &tokenService{valid: map[string]bool{}, grants: map[string]int{}}
	ts.harness = newHarness(t, http.HandlerFunc(ts.token))
	return ts
}

func (ts *tokenService) issue(withRefresh bool) map[string]any {
	ts.n++
	at := fmt.Sprintf("at-%d-%s", ts.n, strings.Repeat("x", 12))
	ts.valid[at] = true
	out := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 60}
	if withRefresh {
		ts.refresh = fmt.Sprintf("rt-%d-%s", ts.n, strings.Repeat("y", 12))
		out["refresh_token"] = ts.refresh
	}
	return out
}

func (ts *tokenService) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/token" && r.URL.Path != "/v1/login" {
		writeJSON(w, 404, map[string]any{"error": "not_found"})
		return
	}
	_ = r.ParseForm()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.lastForm, ts.lastBasic = r.PostForm, r.Header.Get("Authorization")
	gt := r.PostForm.Get("grant_type")
	ts.grants[gt]++
	refuse := func(msg string) {
		writeJSON(w, 400, map[string]any{"error": "invalid_grant", "error_description": msg})
	}
	switch gt {
	case "password":
		if r.PostForm.Get("username") != "u1" || r.PostForm.Get("password") != wirePassword {
			refuse("bad password " + r.PostForm.Get("password"))
			return
		}
		writeJSON(w, 200, ts.issue(true))
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if ts.refuseRefresh || rt == "" || rt != ts.refresh {
			refuse("refresh token " + rt + " has expired")
			return
		}
		writeJSON(w, 200, ts.issue(false)) // the old refresh token stays valid
	case "client_credentials":
		id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		if u, p, ok := r.BasicAuth(); ok {
			id, secret = u, p
		}
		if id != wireClientID || secret != wireClientSecret {
			refuse("client " + id + " with secret " + secret + " is unknown")
			return
		}
		if r.PostForm.Get("scope") != "things.read things.write" || r.PostForm.Get("audience") != "api" {
			refuse("bad scope or audience")
			return
		}
		writeJSON(w, 200, ts.issue(ts.refreshOnCC))
	default:
		refuse("unsupported grant " + gt)
	}
}

func (ts *tokenService) revokeAll() {
	ts.mu.Lock()
	ts.valid = map[string]bool{}
	ts.mu.Unlock()
}

func (ts *tokenService) count(gt string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.grants[gt]
}

// apiServer has a zone lookup (GET /zone) naming its /v1 root, where
// /v1/things needs a token of ts (and /v1/login is ts's login too).
type apiServer struct {
	*harness
	zoneAnswer func(r *http.Request) any
	// inBody answers a refused token with HTTP 200 and a failure body.
	inBody bool
}

func newAPIServer(t *testing.T, ts *tokenService) *apiServer {
	s := &apiServer{}
	s.zoneAnswer = func(r *http.Request) any { return map[string]any{"url": "http://" + r.Host + "/v1"} }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /zone", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.zoneAnswer(r)) })
	mux.HandleFunc("POST /v1/login", ts.token)
	mux.HandleFunc("GET /v1/things", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		ts.mu.Lock()
		ok := ts.valid[tok]
		ts.mu.Unlock()
		if !ok && s.inBody {
			writeJSON(w, 200, map[string]any{"ok": false, "status": 401, "message": "token " + tok + " is not valid"})
			return
		}
		if !ok {
			writeJSON(w, 401, map[string]any{"message": "token " + tok + " is not valid"})
			return
		}
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"id": 1}}})
	})
	s.harness = newHarness(t, mux)
	return s
}

func wireAuthSystem(auth plan.Auth) plan.System {
	return plan.System{Name: "wired", Auth: auth, Paging: plan.Paging{Style: plan.PagingNone},
		Discovery: &plan.Discovery{URL: "${var.api}/zone", BaseURLPath: "url"},
		Retry:     plan.Retry{MaxAttempts: 2},
		Envelope:  plan.Envelope{Items: "items"},
		Objects:   []plan.Object{{Name: "thing", ListPath: "/things", ID: "id", Write: plan.WriteNone}}}
}

func passwordLogin() *plan.TokenLogin {
	return &plan.TokenLogin{URL: "${var.idp}/token", Method: "POST", Encoding: plan.EncodingForm,
		Fields:    map[string]plan.Template{"grant_type": "password", "username": "u1", "password": "${var.password}"},
		TokenPath: "access_token", ExpiresPath: "expires_in",
		Refresh: &plan.TokenRefresh{TokenPath: "refresh_token",
			Fields: map[string]plan.Template{"grant_type": "refresh_token", "refresh_token": "${refresh_token}"}}}
}

func wireVars(api, idp string) *VarResolver {
	return testVars(map[string]string{"api": api, "idp": idp, "password": wirePassword,
		"client_id": wireClientID, "client_secret": wireClientSecret}, "password", "client_secret")
}

func listThings(t *testing.T, c *Client) error {
	t.Helper()
	for _, err := range c.List(context.Background(), "thing", ListQuery{}) {
		if err != nil {
			return err
		}
	}
	return nil
}

// Discovery runs once, before the first call; a token login goes to its
// own url (apart from the API) or, with a path, to the discovered base.
func TestTokenLoginWithDiscovery(t *testing.T) {
	t.Run("url apart from the API", func(t *testing.T) {
		ts := newTokenService(t)
		api := newAPIServer(t, ts)
		c := mustClient(t, wireAuthSystem(plan.Auth{Scheme: plan.AuthToken, Token: passwordLogin()}), wireVars(api.srv.URL, ts.srv.URL))
		for range 2 {
			if err := listThings(t, c); err != nil {
				t.Fatal(err)
			}
		}
		if api.count("GET", "/zone", 0) != 1 || ts.count("password") != 1 || api.count("GET", "/v1/things", 200) != 2 {
			t.Errorf("zone %d, logins %d, lists %d", api.count("GET", "/zone", 0), ts.count("password"), api.count("GET", "/v1/things", 200))
		}
	})
	t.Run("path under the discovered base", func(t *testing.T) {
		ts := newTokenService(t)
		api := newAPIServer(t, ts)
		login := passwordLogin()
		login.URL, login.Path = "", "/login"
		c := mustClient(t, wireAuthSystem(plan.Auth{Scheme: plan.AuthToken, Token: login}), wireVars(api.srv.URL, ts.srv.URL))
		if err := listThings(t, c); err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, e := range api.entries() {
			order = append(order, e.Method+" "+e.Path)
		}
		if strings.Join(order, ", ") != "GET /zone, POST /v1/login, GET /v1/things" {
			t.Errorf("requests: %v", order)
		}
	})
}

// A wrong discovery answer is a protocol error that says what came back.
func TestDiscoveryWrongAnswer(t *testing.T) {
	for _, tc := range []struct {
		answer any
		want   string
	}{
		{map[string]any{"zone": "five"}, "no URL at url"},
		{map[string]any{"url": "zone5/atservices"}, `the answer at url is "zone5/atservices", not an absolute http(s) URL`},
		{map[string]any{"url": "ftp://files.example.test/"}, "not an absolute http(s) URL"},
	} {
		ts := newTokenService(t)
		api := newAPIServer(t, ts)
		api.zoneAnswer = func(*http.Request) any { return tc.answer }
		login := passwordLogin()
		login.URL, login.Path = "", "/login"
		c := mustClient(t, wireAuthSystem(plan.Auth{Scheme: plan.AuthToken, Token: login}), wireVars(api.srv.URL, ts.srv.URL))
		err := listThings(t, c)
		if KindOf(err) != KindProtocol || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "discover base url") {
			t.Errorf("answer %v: err = %v, want %q", tc.answer, err, tc.want)
		}
		if ts.count("password") != 0 {
			t.Errorf("logged in without a base URL")
		}
	}
}

// A token that expires, or is refused, is renewed with the refresh token
// before logging in again; a refused refresh falls back to the login.
func TestRefreshBeforeLoggingInAgain(t *testing.T) {
	ts := newTokenService(t)
	api := newAPIServer(t, ts)
	clock := newFakeClock()
	c := mustClient(t, wireAuthSystem(plan.Auth{Scheme: plan.AuthToken, Token: passwordLogin()}),
		wireVars(api.srv.URL, ts.srv.URL), WithClock(clock))
	step := func(name string, password, refresh int) {
		t.Helper()
		if err := listThings(t, c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ts.count("password") != password || ts.count("refresh_token") != refresh {
			t.Errorf("%s: %d logins and %d refreshes, want %d and %d", name, ts.count("password"), ts.count("refresh_token"), password, refresh)
		}
	}
	step("first call", 1, 0)
	clock.Advance(2 * time.Minute) // past expires_in
	step("expired", 1, 1)
	ts.revokeAll()
	step("refused token", 1, 2)
	if got := ts.lastForm.Get("refresh_token"); got != ts.refresh || got == "" {
		t.Errorf("refresh sent %q, want the first login's", got)
	}
	ts.mu.Lock()
	ts.refuseRefresh = true
	ts.mu.Unlock()
	ts.revokeAll()
	step("refused refresh", 2, 3)
	if st := c.Stats(); st.Refreshes != 2 || st.Logins != 2 {
		t.Errorf("stats: %d refreshes, %d logins", st.Refreshes, st.Logins)
	}
}

// OAuth2 client credentials: the client's id and secret in the form body
// or a Basic header, scopes space-separated, extra params; a refused token
// gets a new grant, through the refresh token when one came.
func TestOAuth2ClientCredentials(t *testing.T) {
	for _, creds := range []string{"", plan.OAuth2CredentialsBasic} {
		t.Run("credentials="+creds, func(t *testing.T) {
			ts := newTokenService(t)
			ts.refreshOnCC = creds == plan.OAuth2CredentialsBasic
			api := newAPIServer(t, ts)
			auth := plan.Auth{Scheme: plan.AuthOAuth2, OAuth2: &plan.OAuth2{TokenURL: "${var.idp}/token",
				ClientID: "${var.client_id}", ClientSecret: "${var.client_secret}", Scopes: []string{"things.read", "things.write"},
				Params: map[string]plan.Template{"audience": "api"}, Credentials: creds}}
			c := mustClient(t, wireAuthSystem(auth), wireVars(api.srv.URL, ts.srv.URL))
			if err := listThings(t, c); err != nil {
				t.Fatal(err)
			}
			inBody := ts.lastForm.Get("client_secret") == wireClientSecret
			basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(wireClientID+":"+wireClientSecret))
			if inBody != (creds == "") || (ts.lastBasic == basic) != (creds == plan.OAuth2CredentialsBasic) {
				t.Errorf("credentials: form %v, header %q", ts.lastForm, ts.lastBasic)
			}
			ts.revokeAll()
			if err := listThings(t, c); err != nil {
				t.Fatal(err)
			}
			wantCC, wantRefresh := 2, 0
			if ts.refreshOnCC {
				wantCC, wantRefresh = 1, 1
			}
			if ts.count("client_credentials") != wantCC || ts.count("refresh_token") != wantRefresh {
				t.Errorf("grants %v", ts.grants)
			}
			if api.count("GET", "/v1/things", 401) != 1 {
				t.Errorf("401s: %d", api.count("GET", "/v1/things", 401))
			}
		})
	}
}

// Passwords, client secrets, access and refresh tokens never reach an
// error or a log line, even when the server echoes them.
func TestTokenSecretsNeverLeak(t *testing.T) {
	ts := newTokenService(t)
	api := newAPIServer(t, ts)
	clock := newFakeClock()
	logger, buf := bufLogger()
	vars := wireVars(api.srv.URL, ts.srv.URL)
	c := mustClient(t, wireAuthSystem(plan.Auth{Scheme: plan.AuthToken, Token: passwordLogin()}), vars,
		WithClock(clock), WithLogger(logger))
	if err := listThings(t, c); err != nil {
		t.Fatal(err)
	}
	ts.mu.Lock()
	secrets := []string{wirePassword, wireClientSecret, ts.refresh}
	for tok := range ts.valid {
		secrets = append(secrets, tok)
	}
	ts.refuseRefresh = true // the refusal echoes the refresh token
	ts.mu.Unlock()
	clock.Advance(2 * time.Minute)
	if err := listThings(t, c); err != nil {
		t.Fatal(err)
	}
	var errs []string
	// A wrong password is echoed by the token service.
	bad := testVars(map[string]string{"api": api.srv.URL, "idp": ts.srv.URL, "password": wirePassword + "-old"}, "password")
	cb := mustClient(t, wireAuthSystem(plan.Auth{Scheme: plan.AuthToken, Token: passwordLogin()}), bad, WithLogger(logger))
	err := listThings(t, cb)
	if KindOf(err) != KindAuth {
		t.Errorf("bad password: %v", err)
	}
	errs = append(errs, errText(err))
	secrets = append(secrets, wirePassword+"-old")
	// A wrong client secret is echoed too.
	oauth := plan.Auth{Scheme: plan.AuthOAuth2, OAuth2: &plan.OAuth2{TokenURL: "${var.idp}/token",
		ClientID: "${var.client_id}", ClientSecret: "${var.password}", Scopes: []string{"things.read", "things.write"},
		Params: map[string]plan.Template{"audience": "api"}}}
	co := mustClient(t, wireAuthSystem(oauth), vars, WithLogger(logger))
	err = listThings(t, co)
	if KindOf(err) != KindAuth {
		t.Errorf("bad client secret: %v", err)
	}
	errs = append(errs, errText(err))
	text := buf.String() + strings.Join(errs, "\n")
	if !strings.Contains(text, redactedMark) {
		t.Errorf("nothing was redacted: %s", text)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("secret %q leaked:\n%s", s, text)
		}
	}
}

// A token refused inside HTTP 200 (the body states 401) is renewed like a
// 401: with the refresh token, then the call again.
func TestTokenRefusedInsideHTTP200(t *testing.T) {
	ts := newTokenService(t)
	api := newAPIServer(t, ts)
	api.inBody = true
	sys := wireAuthSystem(plan.Auth{Scheme: plan.AuthToken, Token: passwordLogin()})
	sys.Envelope.Success, sys.Envelope.Status = "ok", "status"
	c := mustClient(t, sys, wireVars(api.srv.URL, ts.srv.URL))
	if err := listThings(t, c); err != nil {
		t.Fatal(err)
	}
	ts.revokeAll()
	if err := listThings(t, c); err != nil {
		t.Fatal(err)
	}
	if ts.count("password") != 1 || ts.count("refresh_token") != 1 || c.Stats().Relogins != 1 {
		t.Errorf("logins %d, refreshes %d, relogins %d", ts.count("password"), ts.count("refresh_token"), c.Stats().Relogins)
	}
}

// Two OAuth2 clients of one API are two accounts: each has its limiter.
func TestOAuth2ClientsHaveTheirOwnLimits(t *testing.T) {
	sys := wireAuthSystem(plan.Auth{Scheme: plan.AuthOAuth2, OAuth2: &plan.OAuth2{TokenURL: "${var.idp}/token",
		ClientID: "${var.client_id}", ClientSecret: "${var.client_secret}"}})
	sys.RateLimit = plan.RateLimit{WindowRequests: 10, WindowSeconds: 10}
	vars := func(id string) *VarResolver {
		return testVars(map[string]string{"api": "http://127.0.0.1:1", "idp": "http://127.0.0.1:1", "client_id": id,
			"client_secret": wireClientSecret}, "client_secret")
	}
	ls := NewLimits()
	a := mustClient(t, sys, vars("one"), WithLimits(ls))
	b := mustClient(t, sys, vars("one"), WithLimits(ls))
	other := mustClient(t, sys, vars("two"), WithLimits(ls))
	if a.lim != b.lim || a.lim == other.lim {
		t.Errorf("shared with the same client %v, with another %v", a.lim == b.lim, a.lim == other.lim)
	}
	if strings.Contains(a.limitKey(), wireClientSecret) {
		t.Error("the limiter key holds the client secret")
	}
}
