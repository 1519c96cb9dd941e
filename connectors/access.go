package connectors

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"

	"mapsync/engine/plan"
)

// DefaultUnreachableFor is how long a host may stay unreachable (connection
// refused, name not resolved, connect timeout) before a call gives up with
// KindUnreachable; see WithUnreachableFor.
const DefaultUnreachableFor = 2 * time.Minute

// EnvNamer may be implemented by a Resolver: it names the environment
// variables the variables of a template are read from, so an error can say
// which ones to check.
type EnvNamer interface {
	EnvNames(t plan.Template) []string
}

// EnvNames returns "name (ENV)" for each variable t refers to.
func (r *VarResolver) EnvNames(t plan.Template) []string {
	var out []string
	for _, m := range varRef.FindAllStringSubmatch(string(t), -1) {
		if v, ok := r.vars[m[1]]; ok && v.Env != "" {
			out = append(out, v.Name+" ("+v.Env+")")
		} else {
			out = append(out, m[1])
		}
	}
	return out
}

// access reports whether k is one of the kinds that say the system cannot
// be used as configured (the run should stop, with a fix).
func (k Kind) access() bool {
	switch k {
	case KindAuth, KindForbidden, KindTLS, KindUnreachable:
		return true
	}
	return false
}

// IsAccess reports whether err says a system cannot be used as configured:
// credentials refused, permission denied, certificate not trusted, or the
// host unreachable for longer than the client's bound.
func IsAccess(err error) bool { return KindOf(err).access() }

// tlsTrust reports whether err is a certificate the client does not trust
// (unknown authority, wrong host name, expired or otherwise invalid).
func tlsTrust(err error) bool {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cv) ||
		strings.Contains(err.Error(), "x509: ") || strings.Contains(err.Error(), "tls: failed to verify certificate")
}

// unreachable reports whether err says the host could not be reached at
// all: connection refused, name not resolved, no route, connect timeout.
func unreachable(err error) bool {
	if notSent(err) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// decorate names the system, its base URL and the fix on an access error.
func (c *Client) decorate(e *Error) *Error {
	if e == nil || !e.Kind.access() || e.System != "" {
		return e
	}
	e.System = c.sys.Title
	if e.System == "" {
		e.System = c.sys.Name
	}
	e.BaseURL = c.safeBaseURL()
	vars := c.credentialVars()
	switch e.Kind {
	case KindAuth:
		e.Fix = "the credentials were refused: check " + listOr(vars, "the credentials") + " (the variables the mapping reads for this system)"
	case KindForbidden:
		e.Fix = "the system refused this request with the credentials given: check " + listOr(vars, "the credentials") + ", and that their API user may do this"
	case KindTLS:
		e.Fix = "the server's certificate is not trusted: check the base URL, and give the system's tls block a ca_file that signs the server's certificate" + listPrefix(c.caVars(), " (read from ") + closeParen(c.caVars())
	case KindUnreachable:
		e.Fix = "check that the host is up and the base URL is right" + listPrefix(c.urlVars(), ": it comes from ")
	}
	return e
}

// safeBaseURL is the base URL without user info, query or fragment, or the
// template when it cannot be resolved.
func (c *Client) safeBaseURL() string {
	raw := c.base.discoveredURL()
	if raw == "" {
		s, err := c.resolve(c.sys.BaseURL)
		if err != nil {
			return string(c.sys.BaseURL)
		}
		raw = s
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return c.red.redact(u.String())
}

func (c *Client) envNames(ts ...plan.Template) []string {
	n, ok := c.vars.(EnvNamer)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range ts {
		for _, s := range n.EnvNames(t) {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (c *Client) credentialVars() []string {
	a := c.sys.Auth
	ts := []plan.Template{a.Username, a.Password}
	for _, t := range a.Headers {
		ts = append(ts, t)
	}
	for _, t := range c.sys.Headers {
		ts = append(ts, t)
	}
	if a.Token != nil {
		for _, t := range a.Token.Fields {
			ts = append(ts, t)
		}
	}
	return c.envNames(ts...)
}

func (c *Client) urlVars() []string {
	ts := []plan.Template{c.sys.BaseURL}
	if c.sys.Discovery != nil {
		ts = append(ts, c.sys.Discovery.URL)
	}
	return c.envNames(ts...)
}

func listOr(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return "the variables " + strings.Join(xs, ", ")
}

func listPrefix(xs []string, prefix string) string {
	if len(xs) == 0 {
		return ""
	}
	return prefix + strings.Join(xs, ", ")
}

func (c *Client) caVars() []string { return c.envNames(c.sys.TLS.CAFile) }

func closeParen(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return ")"
}
