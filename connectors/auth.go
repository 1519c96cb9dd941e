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
	"strings"
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
}

func (a *authenticator) canRelogin() bool {
	return a.c.sys.Auth.Scheme == plan.AuthToken
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
	case plan.AuthToken:
		tok, err := a.current(ctx)
		if err != nil {
			return "", err
		}
		tl := auth.Token
		header, prefix := tl.Header, tl.Prefix
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
	tok, exp, err := a.login(ctx)
	if err != nil {
		return "", err
	}
	a.token, a.expires = tok, exp
	return tok, nil
}

// invalidate forgets the token if it is still the one that was refused.
func (a *authenticator) invalidate(used string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if used == "" || a.token == used {
		a.token, a.expires = "", time.Time{}
	}
}

func (a *authenticator) login(ctx context.Context) (string, time.Time, error) {
	tl := a.c.sys.Auth.Token
	fields := make(map[string]string, len(tl.Fields))
	for name, tmpl := range tl.Fields {
		v, err := a.c.resolve(tmpl)
		if err != nil {
			return "", time.Time{}, err
		}
		if secretField.MatchString(name) {
			a.c.red.add(v)
		}
		fields[name] = v
	}
	body, ctype, err := encodeLogin(tl.Encoding, fields)
	if err != nil {
		return "", time.Time{}, configError("login", "encode login body: %s", err)
	}
	method := strings.ToUpper(tl.Method)
	if method == "" {
		method = http.MethodPost
	}
	u, err := a.c.url(ctx, tl.Path, nil)
	if err != nil {
		return "", time.Time{}, err
	}
	cl := call{op: "login", method: method, route: tl.Path, url: u, body: body, contentType: ctype, noAuth: true}
	parsed, _, err := a.c.expectJSON(ctx, cl)
	if err != nil {
		if e, ok := err.(*Error); ok && (e.Kind == KindRejected || e.Kind == KindForbidden) {
			// A refused login is bad credentials, not a record's fault.
			e.Kind, e.System = KindAuth, ""
			err = a.c.decorate(e)
		}
		return "", time.Time{}, err
	}
	raw, ok := Value(parsed, tl.TokenPath)
	tok, _ := raw.(string)
	if !ok || tok == "" {
		return "", time.Time{}, &Error{Op: "login", Method: method, Route: tl.Path, Kind: KindProtocol,
			Message: "no token at " + tl.TokenPath}
	}
	a.c.red.add(tok)
	a.c.stats.add(func(s *Stats) { s.Logins++ })
	var exp time.Time
	if tl.ExpiresPath != "" {
		if v, ok := Value(parsed, tl.ExpiresPath); ok {
			exp = expiryOf(v, a.c.clock.Now())
		}
	}
	a.c.log.Debug().Time("expires", exp).Msg("logged in")
	return tok, exp, nil
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
