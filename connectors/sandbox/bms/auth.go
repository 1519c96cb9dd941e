package bms

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Token grant types accepted by POST /v2/security/authenticate.
const (
	GrantPassword          = "password"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// authority issues and checks tokens. Tokens are JWT-shaped (HS256 over a
// per-sandbox random key) and also remembered, so a token the sandbox did
// not issue, or one issued before a restart, is refused.
type authority struct {
	key     []byte
	mu      sync.Mutex
	access  map[string]time.Time // token → expiry
	refresh map[string]refreshGrant
}

type refreshGrant struct {
	subject string
	expires time.Time
}

func newAuthority(key []byte) *authority {
	return &authority{key: key, access: map[string]time.Time{}, refresh: map[string]refreshGrant{}}
}

// tokenOutput is the spec's TokenOutputDto.
type tokenOutput struct {
	AccessToken          string `json:"AccessToken"`
	RefreshToken         string `json:"RefreshToken"`
	AccessTokenExpireOn  string `json:"AccessTokenExpireOn"`
	RefreshTokenExpireOn string `json:"RefreshTokenExpireOn"`
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// issue creates an access and a refresh token for subject.
func (s *Sandbox) issue(subject string) tokenOutput {
	now := s.now()
	exp := now.Add(s.tokenLifetime())
	rexp := now.Add(s.opts.RefreshLifetime)
	head := b64([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://" + s.opts.Flavor.DefaultHost(), "sub": subject, "tenant": s.opts.Tenant,
		"iat": now.Unix(), "exp": exp.Unix(), "jti": randomID(),
	})
	body := head + "." + b64(claims)
	mac := hmac.New(sha256.New, s.auth.key)
	mac.Write([]byte(body))
	access := body + "." + b64(mac.Sum(nil))
	refresh := randomID() + randomID()
	a := s.auth
	a.mu.Lock()
	if len(a.access)+len(a.refresh) > 4096 { // forget expired tokens now and then
		for k, e := range a.access {
			if !now.Before(e) {
				delete(a.access, k)
			}
		}
		for k, g := range a.refresh {
			if !now.Before(g.expires) {
				delete(a.refresh, k)
			}
		}
	}
	a.access[access] = exp
	a.refresh[refresh] = refreshGrant{subject: subject, expires: rexp}
	a.mu.Unlock()
	return tokenOutput{AccessToken: access, RefreshToken: refresh, AccessTokenExpireOn: wireTime(exp), RefreshTokenExpireOn: wireTime(rexp)}
}

// checkBearer validates the Authorization header: nil when the token is
// one the sandbox issued and it has not expired.
func (s *Sandbox) checkBearer(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return newError(http.StatusUnauthorized, "Authorization: Bearer token required")
	}
	tok = strings.TrimSpace(tok)
	s.auth.mu.Lock()
	exp, known := s.auth.access[tok]
	s.auth.mu.Unlock()
	if !known {
		return newError(http.StatusUnauthorized, "Invalid token")
	}
	if !s.now().Before(exp) {
		return newError(http.StatusUnauthorized, "Token expired")
	}
	return nil
}

// authenticate serves POST /v2/security/authenticate. It takes
// multipart/form-data (as the spec says) or
// application/x-www-form-urlencoded. Wrong credentials are answered with
// HTTP 200, Success=false, Error.Code 401; a malformed request with 400.
func (s *Sandbox) authenticate(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			writeError(w, newError(http.StatusBadRequest, "malformed multipart form: %v", err))
			return
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			writeError(w, newError(http.StatusBadRequest, "malformed form: %v", err))
			return
		}
	default:
		writeError(w, newError(http.StatusUnsupportedMediaType, "Content-Type %q is not supported; send multipart/form-data or application/x-www-form-urlencoded", ct))
		return
	}
	get := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	o := s.opts
	switch strings.ToLower(get("GrantType")) {
	case GrantPassword:
		if get("UserName") == "" || get("Password") == "" || get("Tenant") == "" {
			writeError(w, newError(http.StatusBadRequest, "UserName, Password and Tenant are required for GrantType=password"))
			return
		}
		if !strings.EqualFold(get("Tenant"), o.Tenant) || !strings.EqualFold(get("UserName"), o.UserName) ||
			!hmac.Equal([]byte(r.PostFormValue("Password")), []byte(o.Password)) {
			writeError(w, softError(http.StatusUnauthorized, "Invalid user name, password or tenant"))
			return
		}
		writeOK(w, s.issue(o.UserName))
	case GrantClientCredentials:
		if !hmac.Equal([]byte(get("ClientId")), []byte(o.ClientID)) || !hmac.Equal([]byte(r.PostFormValue("ClientSecret")), []byte(o.ClientSecret)) {
			writeError(w, softError(http.StatusUnauthorized, "Invalid client credentials"))
			return
		}
		writeOK(w, s.issue("client:"+o.ClientID))
	case GrantRefreshToken:
		rt := get("RefreshToken")
		if rt == "" {
			writeError(w, newError(http.StatusBadRequest, "RefreshToken is required for GrantType=refresh_token"))
			return
		}
		a := s.auth
		a.mu.Lock()
		g, ok := a.refresh[rt]
		if ok {
			delete(a.refresh, rt) // refresh tokens are single-use
		}
		a.mu.Unlock()
		if !ok || !s.now().Before(g.expires) {
			writeError(w, softError(http.StatusUnauthorized, "Invalid or expired refresh token"))
			return
		}
		writeOK(w, s.issue(g.subject))
	case "":
		writeError(w, newError(http.StatusBadRequest, "GrantType is required"))
	default:
		writeError(w, newError(http.StatusBadRequest, "GrantType %q is not supported (password, refresh_token, client_credentials)", get("GrantType")))
	}
}
