package connectwise

import (
	"net/http"
	"strings"
)

// router matches "METHOD /path/{param}" patterns. Unlike http.ServeMux it
// accepts patterns that overlap without either being more specific
// (ConnectWise has /company/companies/types/{id} next to
// /company/companies/{parentId}/sites): at the first segment where two
// patterns differ, a literal beats a parameter.
type router struct {
	routes   []route
	fallback http.HandlerFunc // no route matched (404/405 logic)
}

type route struct {
	method  string
	pattern string
	segs    []string
	h       http.HandlerFunc
}

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func (rt *router) handle(method, pattern string, h http.HandlerFunc) {
	rt.routes = append(rt.routes, route{method: method, pattern: pattern, segs: splitPath(pattern), h: h})
}

// match returns the best route for method and path ("" method: any), and
// whether a route exists for the path under some method.
func (rt *router) match(method, path string) (*route, map[string]string) {
	segs := splitPath(path)
	var best *route
	for i := range rt.routes {
		c := &rt.routes[i]
		if (method != "" && c.method != method) || len(c.segs) != len(segs) || !segsMatch(c.segs, segs) {
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

func isParam(s string) bool { return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") }

func segsMatch(pat, segs []string) bool {
	for i, p := range pat {
		if !isParam(p) && p != segs[i] {
			return false
		}
		if isParam(p) && segs[i] == "" {
			return false
		}
	}
	return true
}

func moreSpecific(a, b []string) bool {
	for i := range a {
		if pa, pb := isParam(a[i]), isParam(b[i]); pa != pb {
			return !pa
		}
	}
	return false
}

// ServeHTTP dispatches to the matching route with its path values set.
func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, params := rt.match(r.Method, r.URL.Path)
	if c == nil {
		rt.fallback(w, r)
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

// allowed lists the methods that have a route for path.
func (rt *router) allowed(path string) []string {
	var out []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if c, _ := rt.match(m, path); c != nil {
			out = append(out, m)
		}
	}
	return out
}
