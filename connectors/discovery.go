package connectors

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// baseURL resolves the system's base URL: the base_url template, or, when
// the system declares discovery, the URL a lookup returns (done once and
// cached; a failed lookup is not cached).
type baseURL struct {
	c          *Client
	mu         sync.Mutex
	discovered string
}

func (b *baseURL) get(ctx context.Context) (string, error) {
	d := b.c.sys.Discovery
	if d == nil {
		return b.c.resolve(b.c.sys.BaseURL)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.discovered != "" {
		return b.discovered, nil
	}
	u, err := b.c.resolve(d.URL)
	if err != nil {
		return "", err
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "", configError("discovery", "discovery url: %s", b.c.red.redact(err.Error()))
	}
	q := pu.Query()
	for k, tmpl := range d.Query {
		v, err := b.c.resolve(tmpl)
		if err != nil {
			return "", err
		}
		q.Set(k, v)
	}
	pu.RawQuery = q.Encode()
	cl := call{op: "discover base url", method: http.MethodGet, route: pu.Path, url: pu.String(), noAuth: true}
	parsed, _, err := b.c.expectJSON(ctx, cl)
	if err != nil {
		return "", err
	}
	v, ok := Value(parsed, d.BaseURLPath)
	s, _ := v.(string)
	if !ok || s == "" {
		return "", &Error{Op: cl.op, Method: cl.method, Route: cl.route, Kind: KindProtocol, Message: "no URL at " + d.BaseURLPath}
	}
	if du, err := url.Parse(s); err != nil || (du.Scheme != "http" && du.Scheme != "https") || du.Host == "" {
		return "", &Error{Op: cl.op, Method: cl.method, Route: cl.route, Kind: KindProtocol,
			Message: fmt.Sprintf("the answer at %s is %q, not an absolute http(s) URL", d.BaseURLPath, b.c.red.redact(clip(s)))}
	}
	if d.Suffix != "" {
		s = joinURL(s, d.Suffix)
	}
	b.discovered = s
	b.c.log.Info().Str("base_url", b.c.red.redact(s)).Msg("discovered base URL")
	return s, nil
}

// discoveredURL is the discovered base URL, "" before a discovery.
func (b *baseURL) discoveredURL() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.discovered
}

func joinURL(base, path string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// url builds the absolute URL of a path (relative to the base URL, or
// absolute) with query parameters.
func (c *Client) url(ctx context.Context, path string, q url.Values) (string, error) {
	var u string
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		u = path
	} else {
		base, err := c.base.get(ctx)
		if err != nil {
			return "", err
		}
		u = joinURL(base, path)
	}
	if len(q) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + q.Encode()
	}
	return u, nil
}

// sameOrigin checks a URL the server handed back (a next-page link) before
// following it: credentials are only ever sent to the system's own origin.
// A relative URL is resolved against the base URL.
func (c *Client) sameOrigin(ctx context.Context, raw string) (string, error) {
	base, err := c.base.get(ctx)
	if err != nil {
		return "", err
	}
	bu, err := url.Parse(base)
	if err != nil {
		return "", configError("url", "base url does not parse")
	}
	nu, err := url.Parse(raw)
	if err != nil {
		return "", &Error{Op: "follow next page", Kind: KindProtocol, Message: "next URL does not parse"}
	}
	if !nu.IsAbs() {
		nu = bu.ResolveReference(nu)
	}
	if !strings.EqualFold(nu.Scheme, bu.Scheme) || !strings.EqualFold(nu.Host, bu.Host) {
		return "", &Error{Op: "follow next page", Kind: KindProtocol,
			Message: fmt.Sprintf("next URL points to another origin (%s://%s)", nu.Scheme, nu.Host)}
	}
	return nu.String(), nil
}
