package bms

import (
	"net/http"
	"strings"
)

// router matches "METHOD /path/{param}" patterns. Unlike http.ServeMux it
// takes patterns that overlap without either being more specific (the API
// has /crm/accounts/summary/{id} next to /crm/accounts/{accountId}/locations):
// at the first segment where two patterns differ, a literal wins.
type router struct {
	routes []route
}

type route struct {
	method, pattern string
	segs            []string
	h               http.HandlerFunc
}

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func isParam(s string) bool { return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") }

func (rt *router) handle(method, pattern string, h http.HandlerFunc) {
	rt.routes = append(rt.routes, route{method: method, pattern: pattern, segs: splitPath(pattern), h: h})
}

// match returns the best route for method ("" any) and path.
func (rt *router) match(method, path string) (*route, map[string]string) {
	segs := splitPath(path)
	var best *route
	for i := range rt.routes {
		c := &rt.routes[i]
		if (method != "" && c.method != method) || len(c.segs) != len(segs) {
			continue
		}
		ok := true
		for j, p := range c.segs {
			if isParam(p) {
				ok = ok && segs[j] != ""
			} else {
				ok = ok && strings.EqualFold(p, segs[j])
			}
		}
		if !ok {
			continue
		}
		if best == nil || moreSpecific(c.segs, best.segs) {
			best = c
		}
	}
	if best == nil {
		return nil, nil
	}
	params := map[string]string{}
	for i, s := range best.segs {
		if isParam(s) {
			params[s[1:len(s)-1]] = segs[i]
		}
	}
	return best, params
}

func moreSpecific(a, b []string) bool {
	for i := range a {
		if pa, pb := isParam(a[i]), isParam(b[i]); pa != pb {
			return !pa
		}
	}
	return false
}

// ServeHTTP dispatches to the matching route, or answers 404 / 405 in the
// envelope.
func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, params := rt.match(r.Method, r.URL.Path)
	if c == nil {
		if any, _ := rt.match("", r.URL.Path); any != nil {
			writeError(w, newError(http.StatusMethodNotAllowed, "Method %s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		writeError(w, newError(http.StatusNotFound, "No route for %s", r.URL.Path))
		return
	}
	for k, v := range params {
		r.SetPathValue(k, v)
	}
	c.h(w, r)
}

// Route names the pattern r matches, for the request log and fault scopes.
func (rt *router) Route(r *http.Request) string {
	if c, _ := rt.match(r.Method, r.URL.Path); c != nil {
		return c.pattern
	}
	return ""
}
