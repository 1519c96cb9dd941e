package connectors

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"mapsync/engine/plan"
)

// Token requests: a login (auth "token"), an OAuth2 client-credentials
// grant (auth "oauth2") and the renewal of either with a refresh token.
// They go through the client's own transport (rate limiter, retries,
// redaction) like every other request, never a library's HTTP client.

// grant is what a token request returned.
type grant struct {
	token   string
	expires time.Time // zero = no known expiry
	refresh string    // "" = none
}

// tokenRequest is one request for a token.
type tokenRequest struct {
	op       string
	method   string
	path     string        // relative to the base URL (after discovery)
	url      plan.Template // absolute address, instead of path
	encoding string
	fields   map[string]string
	header   http.Header
	// Where the answer holds the token, its lifetime and a refresh token.
	tokenPath, expiresPath, refreshPath string
}

// refreshPlaceholder is replaced by the refresh token in refresh fields.
const refreshPlaceholder = "${refresh_token}"

// fields resolves the fields of a token request; every value whose name
// looks like a credential is registered as a secret.
func (a *authenticator) fields(tmpls map[string]plan.Template, refresh string) (map[string]string, error) {
	out := make(map[string]string, len(tmpls))
	for name, tmpl := range tmpls {
		v, err := a.c.resolve(tmpl)
		if err != nil {
			return nil, err
		}
		v = strings.ReplaceAll(v, refreshPlaceholder, refresh)
		if secretField.MatchString(name) {
			a.c.red.add(v)
		}
		out[name] = v
	}
	return out, nil
}

// exchange sends a token request and reads the grant.
func (a *authenticator) exchange(ctx context.Context, tr tokenRequest) (grant, error) {
	body, ctype, err := encodeLogin(tr.encoding, tr.fields)
	if err != nil {
		return grant{}, configError(tr.op, "encode body: %s", err)
	}
	method := strings.ToUpper(tr.method)
	if method == "" {
		method = http.MethodPost
	}
	var u, route string
	if tr.url != "" {
		route = string(tr.url)
		if u, err = a.c.resolve(tr.url); err != nil {
			return grant{}, err
		}
		if pu, perr := url.Parse(u); perr != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return grant{}, configError(tr.op, "token url %s is not an absolute http(s) URL", route)
		}
	} else {
		route = tr.path
		if u, err = a.c.url(ctx, tr.path, nil); err != nil {
			return grant{}, err
		}
	}
	cl := call{op: tr.op, method: method, route: route, url: u, body: body, contentType: ctype, noAuth: true, header: tr.header}
	parsed, _, err := a.c.expectJSON(ctx, cl)
	if err != nil {
		if e, ok := err.(*Error); ok && (e.Kind == KindRejected || e.Kind == KindForbidden) {
			// A refused login is bad credentials, not a record's fault.
			e.Kind, e.System = KindAuth, ""
			err = a.c.decorate(e)
		}
		return grant{}, err
	}
	raw, ok := Value(parsed, tr.tokenPath)
	tok, _ := raw.(string)
	if !ok || tok == "" {
		return grant{}, &Error{Op: tr.op, Method: method, Route: route, Kind: KindProtocol, Message: "no token at " + tr.tokenPath}
	}
	a.c.red.add(tok)
	g := grant{token: tok}
	if tr.expiresPath != "" {
		if v, ok := Value(parsed, tr.expiresPath); ok {
			g.expires = expiryOf(v, a.c.clock.Now())
		}
	}
	if tr.refreshPath != "" {
		if v, ok := Value(parsed, tr.refreshPath); ok {
			g.refresh, _ = v.(string)
			a.c.red.add(g.refresh)
		}
	}
	a.c.stats.add(func(s *Stats) { s.Logins++ })
	a.c.log.Debug().Str("op", tr.op).Time("expires", g.expires).Bool("refreshable", g.refresh != "").Msg("token granted")
	return g, nil
}

// OAuth2 token response members (RFC 6749 section 5.1).
const (
	oauthAccessToken  = "access_token"
	oauthExpiresIn    = "expires_in"
	oauthRefreshToken = "refresh_token"
)

// oauth2 runs the client-credentials grant.
func (a *authenticator) oauth2(ctx context.Context) (grant, error) {
	o := a.c.sys.Auth.OAuth2
	params, err := a.fields(o.Params, "")
	if err != nil {
		return grant{}, err
	}
	params["grant_type"] = "client_credentials"
	if len(o.Scopes) > 0 {
		params["scope"] = strings.Join(o.Scopes, " ")
	}
	return a.oauthRequest(ctx, "oauth2 token", params)
}

// oauthRequest adds the client's credentials to a token request and sends
// it to the token URL.
func (a *authenticator) oauthRequest(ctx context.Context, op string, params map[string]string) (grant, error) {
	o := a.c.sys.Auth.OAuth2
	id, err := a.c.resolve(o.ClientID)
	if err != nil {
		return grant{}, err
	}
	secret, err := a.c.resolveSecret(o.ClientSecret)
	if err != nil {
		return grant{}, err
	}
	var header http.Header
	if o.Credentials == plan.OAuth2CredentialsBasic {
		cred := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
		a.c.red.add(cred)
		header = http.Header{"Authorization": {"Basic " + cred}}
	} else {
		params["client_id"], params["client_secret"] = id, secret
	}
	return a.exchange(ctx, tokenRequest{
		op: op, url: o.TokenURL, encoding: plan.EncodingForm, fields: params, header: header,
		tokenPath: oauthAccessToken, expiresPath: oauthExpiresIn, refreshPath: oauthRefreshToken,
	})
}

// renew asks for a new token with the refresh token of the last grant. A
// grant that brings no new refresh token keeps the old one.
func (a *authenticator) renew(ctx context.Context) (grant, error) {
	auth := a.c.sys.Auth
	var g grant
	var err error
	switch {
	case auth.Scheme == plan.AuthOAuth2:
		g, err = a.oauthRequest(ctx, "oauth2 refresh", map[string]string{"grant_type": "refresh_token", "refresh_token": a.refresh})
	case auth.Token != nil && auth.Token.Refresh != nil:
		tl, rf := auth.Token, auth.Token.Refresh
		var fields map[string]string
		if fields, err = a.fields(rf.Fields, a.refresh); err != nil {
			return grant{}, err
		}
		tr := tokenRequest{op: "token refresh", method: tl.Method, path: rf.Path, url: rf.URL,
			encoding: orDefault(rf.Encoding, tl.Encoding), fields: fields,
			tokenPath: tl.TokenPath, expiresPath: tl.ExpiresPath, refreshPath: rf.TokenPath}
		if rf.Path == "" && rf.URL == "" {
			tr.path, tr.url = tl.Path, tl.URL
		}
		g, err = a.exchange(ctx, tr)
	default:
		return grant{}, configError("token refresh", "no refresh declared")
	}
	if err != nil {
		return grant{}, err
	}
	if g.refresh == "" {
		g.refresh = a.refresh
	}
	a.c.stats.add(func(s *Stats) { s.Logins--; s.Refreshes++ })
	return g, nil
}
