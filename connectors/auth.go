package connectors

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"mapsync/engine/plan"
)

// tokenSkew renews a token this long before it expires.
const tokenSkew = 30 * time.Second

// secretField matches login field names whose values are credentials even
// when the variable behind them is not marked sensitive.
var secretField = regexp.MustCompile(`(?i)pass|secret|token|key|code|credential`)

// authenticator applies the system's auth scheme to each attempt.
type authenticator struct {
	c *Client

	mu      sync.Mutex
	token   string
	expires time.Time // zero = no known expiry
	refresh string    // the refresh token of the last login, "" = none
}

func (a *authenticator) canRelogin() bool {
	return a.c.sys.Auth.Scheme == plan.AuthToken || a.c.sys.Auth.Scheme == plan.AuthOAuth2
}

// apply sets the auth headers on h and returns the token it used (token
// scheme only).
func (a *authenticator) apply(ctx context.Context, h http.Header) (string, error) {
	auth := a.c.sys.Auth
	for k, tmpl := range auth.Headers {
		v, err := a.c.resolveSecret(tmpl)
		if err != nil {
			return "", err
		}
		h.Set(k, v)
	}
	switch auth.Scheme {
	case plan.AuthBasic:
		user, err := a.c.resolve(auth.Username)
		if err != nil {
			return "", err
		}
		pass, err := a.c.resolveSecret(auth.Password)
		if err != nil {
			return "", err
		}
		cred := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		a.c.red.add(cred)
		h.Set("Authorization", "Basic "+cred)
	case plan.AuthToken, plan.AuthOAuth2:
		tok, err := a.current(ctx)
		if err != nil {
			return "", err
		}
		var header, prefix string
		if tl := auth.Token; tl != nil {
			header, prefix = tl.Header, tl.Prefix
		}
		if header == "" {
			header = "Authorization"
		}
		if prefix == "" {
			prefix = "Bearer "
		}
		h.Set(header, prefix+tok)
		return tok, nil
	}
	return "", nil
}

// current returns a valid token, logging in when there is none or it is
// about to expire. Concurrent callers wait for one login.
func (a *authenticator) current(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && (a.expires.IsZero() || a.c.clock.Now().Add(tokenSkew).Before(a.expires)) {
		return a.token, nil
	}
	if a.refresh != "" {
		// Renew with the refresh token first; a refused refresh falls
		// back to a full login (the refresh token may have expired too).
		g, err := a.renew(ctx)
		if err == nil {
			a.keep(g)
			return g.token, nil
		}
		if KindOf(err) == KindCanceled {
			return "", err
		}
		a.c.log.Info().Str("error", a.c.red.redact(err.Error())).Msg("token refresh refused, logging in again")
		a.refresh = ""
	}
	var g grant
	var err error
	if a.c.sys.Auth.Scheme == plan.AuthOAuth2 {
		g, err = a.oauth2(ctx)
	} else {
		g, err = a.login(ctx)
	}
	if err != nil {
		return "", err
	}
	a.keep(g)
	return g.token, nil
}

// keep stores a grant; a grant without a refresh token keeps none.
func (a *authenticator) keep(g grant) {
	a.token, a.expires, a.refresh = g.token, g.expires, g.refresh
}

// invalidate forgets the token if it is still the one that was refused.
func (a *authenticator) invalidate(used string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if used == "" || a.token == used {
		a.token, a.expires = "", time.Time{}
	}
}

func (a *authenticator) login(ctx context.Context) (grant, error) {
	tl := a.c.sys.Auth.Token
	fields, err := a.fields(tl.Fields, "")
	if err != nil {
		return grant{}, err
	}
	refreshPath := ""
	if tl.Refresh != nil {
		refreshPath = tl.Refresh.TokenPath
	}
	return a.exchange(ctx, tokenRequest{
		op: "login", method: tl.Method, path: tl.Path, url: tl.URL, encoding: tl.Encoding, fields: fields,
		tokenPath: tl.TokenPath, expiresPath: tl.ExpiresPath, refreshPath: refreshPath,
	})
}

// expiryOf reads an expiry that is either a number of seconds from now or
// an RFC 3339 time.
func expiryOf(v any, now time.Time) time.Time {
	switch x := v.(type) {
	case float64:
		return now.Add(time.Duration(x * float64(time.Second)))
	case string:
		if n, err := strconv.ParseFloat(x, 64); err == nil {
			return now.Add(time.Duration(n * float64(time.Second)))
		}
		if t, ok := parseTime(x, ""); ok {
			return t
		}
	}
	return time.Time{}
}

func encodeLogin(encoding string, fields map[string]string) ([]byte, string, error) {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	switch encoding {
	case "json":
		b, err := json.Marshal(fields)
		return b, "application/json", err
	case "multipart":
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, k := range names {
			if err := w.WriteField(k, fields[k]); err != nil {
				return nil, "", err
			}
		}
		if err := w.Close(); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), w.FormDataContentType(), nil
	default: // form
		vals := url.Values{}
		for _, k := range names {
			vals.Set(k, fields[k])
		}
		return []byte(vals.Encode()), "application/x-www-form-urlencoded", nil
	}
}
