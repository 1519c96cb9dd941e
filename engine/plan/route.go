package plan

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Route placeholders. A route (list_path, item_path, create_path, ...,
// a field's fetch, a lookup's path) may hold:
//
//	{id}         the record's id (item routes, fetch)
//	{parent}     the parent value's id (lookup paths under a parent lookup)
//	{ref:FIELD}  the id, in the same system, of the record the ref field
//	             FIELD of this object points at (sites under their company)
const (
	PlaceholderID     = "id"
	PlaceholderParent = "parent"
	PlaceholderRef    = "ref"
)

// Placeholders is the vocabulary of placeholder kinds.
var Placeholders = newVocab("route placeholder", PlaceholderID, PlaceholderParent, PlaceholderRef)

const placeholderHelp = "routes may hold {id} (item routes, fetch), {ref:FIELD} (a parent's id) and, in lookups, {parent}"

// Placeholder is one {...} of a route.
type Placeholder struct {
	Kind  string // PlaceholderID, PlaceholderParent or PlaceholderRef
	Field string // for PlaceholderRef: the ref field named
	Text  string // as written, braces included

	start, end int // offsets in the route
}

// Route is a parsed route.
type Route struct {
	Path         string
	Placeholders []Placeholder // in order of appearance
}

// RouteError is a route ParseRoute refuses. Placeholder is the {...} at
// fault, when there is one.
type RouteError struct {
	Path, Placeholder, Problem string
}

func (e *RouteError) Error() string { return "route " + e.Path + ": " + e.Problem }

// placeholderRE finds what may be a placeholder: a word in braces,
// optionally with a ":" argument. Other braces (a JSON query in a route) are
// literal text.
var placeholderRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(:[^{}]*)?\}`)

// ParseRoute finds the placeholders of a route. It fails on an unknown
// placeholder ({uuid}) or a {ref:} without a field name.
func ParseRoute(path string) (Route, error) {
	r := Route{Path: path}
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(path, -1) {
		text := path[m[0]:m[1]]
		kind := path[m[2]:m[3]]
		p := Placeholder{Kind: kind, Text: text, start: m[0], end: m[1]}
		switch {
		case kind == PlaceholderRef && m[4] >= 0:
			p.Field = path[m[4]+1 : m[5]]
			if !validField(p.Field) {
				return r, &RouteError{Path: path, Placeholder: text, Problem: text + " needs a field name ({ref:FIELD})"}
			}
		case (kind == PlaceholderID || kind == PlaceholderParent) && m[4] < 0:
		default:
			return r, &RouteError{Path: path, Placeholder: text, Problem: "unknown placeholder " + text + "; " + placeholderHelp}
		}
		r.Placeholders = append(r.Placeholders, p)
	}
	return r, nil
}

func validField(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Has reports whether the route holds a placeholder of the kind.
func (r Route) Has(kind string) bool {
	for _, p := range r.Placeholders {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// Refs returns the fields of the {ref:FIELD} placeholders, in order, each
// once.
func (r Route) Refs() []string {
	var out []string
	for _, p := range r.Placeholders {
		if p.Kind == PlaceholderRef && !contains(out, p.Field) {
			out = append(out, p.Field)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RouteValues are what Fill puts in a route's placeholders.
type RouteValues struct {
	ID     string
	Parent string
	// Ref returns the id for {ref:FIELD}; "" or false means unknown.
	Ref func(field string) (string, bool)
}

// Fill replaces every placeholder with its value, path-escaped. It fails,
// naming what is missing, when a placeholder has no value.
func (r Route) Fill(v RouteValues) (string, error) {
	if len(r.Placeholders) == 0 {
		return r.Path, nil
	}
	var b strings.Builder
	var missing []string
	at := 0
	for _, p := range r.Placeholders {
		b.WriteString(r.Path[at:p.start])
		at = p.end
		var val string
		switch p.Kind {
		case PlaceholderID:
			val = v.ID
		case PlaceholderParent:
			val = v.Parent
		case PlaceholderRef:
			if v.Ref != nil {
				val, _ = v.Ref(p.Field)
			}
		}
		if val == "" {
			if !contains(missing, p.Text) {
				missing = append(missing, p.Text)
			}
			b.WriteString(p.Text)
			continue
		}
		b.WriteString(url.PathEscape(val))
	}
	b.WriteString(r.Path[at:])
	if len(missing) > 0 {
		return "", fmt.Errorf("the path %s needs a value for %s", r.Path, strings.Join(missing, ", "))
	}
	return b.String(), nil
}

// RefField returns the field of the object named by {ref:FIELD}: a
// mapped field with a reference.
func (o *Object) RefField(name string) (Field, bool) {
	for _, f := range o.Fields {
		if f.Name == name && f.Ref != "" {
			return f, true
		}
	}
	return Field{}, false
}
