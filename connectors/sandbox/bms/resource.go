package bms

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// kind is the wire type of a writable field.
type kind int

const (
	kStr kind = iota
	kInt
	kBool
	kTime
	kFloat
	kList // array of objects with sub fields
)

// field is a writable property of a resource (canonical .NET casing).
type field struct {
	name  string
	kind  kind
	sub   []field // kList items
	alias string  // another accepted name (sub fields: "PhoneNumber" for "Phone")
}

// view renders a stored record in one output shape.
type view func(s *Sandbox, rec *core.Record) map[string]any

// filter tests a rendered record against one Filter.X value.
type filter func(v map[string]any, rec *core.Record, val string) (bool, error)

// resource is one collection: its table, writable fields, validation,
// output shape and list filters.
type resource struct {
	name        string // collection name ("accounts")
	what        string // singular for messages ("Account")
	table       *core.Table
	parentField string            // "AccountId" for locations, "TicketId" for notes
	fields      []field           // writable fields
	aliases     map[string]string // lower-case alias → canonical field
	keepOnPut   []string          // fields a PUT body may leave out without clearing them
	system      []string          // stored fields no request writes (kept across updates)
	lookup      bool              // read-only reference list
	// normalize completes and checks data before it is stored (self is
	// nil on create) and returns the problems found.
	normalize func(s *Sandbox, data map[string]any, self *core.Record) []string
	// after runs once a write is stored (under the write lock).
	after   func(s *Sandbox, rec *core.Record, created bool)
	view    view
	filters map[string]filter // lower-case name after "Filter."
}

func (res *resource) fieldByName(name string) *field {
	l := strings.ToLower(name)
	if a, ok := res.aliases[l]; ok {
		l = strings.ToLower(a)
	}
	for i := range res.fields {
		if strings.ToLower(res.fields[i].name) == l {
			return &res.fields[i]
		}
	}
	return nil
}

func subField(fs []field, name string) *field {
	for i := range fs {
		if strings.EqualFold(fs[i].name, name) || (fs[i].alias != "" && strings.EqualFold(fs[i].alias, name)) {
			return &fs[i]
		}
	}
	return nil
}

// coerce turns a request object into stored data: keys matched to the
// writable fields case-insensitively (unknown and read-only keys are
// ignored, as .NET model binding does), values converted to the field's
// type. It reports values of the wrong type.
func coerceObject(fs []field, find func(string) *field, in map[string]any, at string) (map[string]any, []string) {
	out := map[string]any{}
	var probs []string
	for k, v := range in {
		f := find(k)
		if f == nil || v == nil {
			continue
		}
		cv, err := coerceValue(f, v, at+f.name)
		if err != "" {
			probs = append(probs, err)
			continue
		}
		out[f.name] = cv
	}
	slices.Sort(probs)
	return out, probs
}

func coerceValue(f *field, v any, at string) (any, string) {
	bad := func(want string) (any, string) { return nil, fmt.Sprintf("%s: %s expected", at, want) }
	switch f.kind {
	case kStr:
		switch x := v.(type) {
		case string:
			return x, ""
		case json.Number:
			return x.String(), ""
		}
		return bad("a string")
	case kInt:
		if n, ok := toInt(v); ok {
			return n, ""
		}
		return bad("an integer")
	case kFloat:
		switch x := v.(type) {
		case json.Number:
			if f, err := x.Float64(); err == nil {
				return f, ""
			}
		case float64:
			return x, ""
		}
		return bad("a number")
	case kBool:
		if b, ok := toBool(v); ok {
			return b, ""
		}
		return bad("true or false")
	case kTime:
		s, ok := v.(string)
		if !ok {
			return bad("a date-time string")
		}
		if strings.TrimSpace(s) == "" {
			return nil, ""
		}
		t, err := parseTime(s)
		if err != nil {
			return nil, at + ": " + err.Error()
		}
		return wireTime(t), ""
	case kList:
		arr, ok := v.([]any)
		if !ok {
			return bad("an array")
		}
		out := make([]any, 0, len(arr))
		var probs []string
		for i, e := range arr {
			m, ok := e.(map[string]any)
			if !ok {
				probs = append(probs, fmt.Sprintf("%s[%d]: an object expected", at, i))
				continue
			}
			item, p := coerceObject(f.sub, func(k string) *field { return subField(f.sub, k) }, m, fmt.Sprintf("%s[%d].", at, i))
			probs = append(probs, p...)
			out = append(out, item)
		}
		if len(probs) > 0 {
			return nil, strings.Join(probs, "; ")
		}
		return out, ""
	}
	return bad("a value")
}

func (res *resource) coerce(in map[string]any) (map[string]any, []string) {
	return coerceObject(res.fields, res.fieldByName, in, "")
}

// query is a parsed list or search request.
type query struct {
	size, number int
	sort         string
	desc         bool
	exclude      []string
	filters      map[string]string // lower-case filter name → value
}

// queryFromURL reads PageSize, PageNumber, Sort, Exclude and Filter.X.
func (s *Sandbox) queryFromURL(v url.Values) (query, *apiError) {
	q := query{filters: map[string]string{}}
	for k, vals := range v {
		val := strings.Join(vals, ",")
		lk := strings.ToLower(k)
		switch {
		case lk == "pagesize" || lk == "pagenumber":
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil {
				return q, newError(http.StatusBadRequest, "The value '%s' is not valid for %s.", val, k)
			}
			if lk == "pagesize" {
				q.size = n
			} else {
				q.number = n
			}
		case lk == "sort":
			q.setSort(val)
		case lk == "exclude":
			q.setExclude(val)
		case strings.HasPrefix(lk, "filter."):
			q.filters[strings.TrimPrefix(lk, "filter.")] = val
		}
	}
	s.clampPage(&q)
	return q, nil
}

// queryFromBody reads {PageSize, PageNumber, Sort, Exclude, Filter{...}}.
func (s *Sandbox) queryFromBody(r *http.Request) (query, *apiError) {
	q := query{filters: map[string]string{}}
	body, e := decodeObject(r, true)
	if e != nil {
		return q, e
	}
	for k, v := range body {
		switch strings.ToLower(k) {
		case "pagesize", "pagenumber":
			n, ok := toInt(v)
			if !ok && v != nil {
				return q, newError(http.StatusBadRequest, "%s must be an integer", k)
			}
			if strings.EqualFold(k, "pagesize") {
				q.size = int(n)
			} else {
				q.number = int(n)
			}
		case "sort":
			q.setSort(asString(v))
		case "exclude":
			q.setExclude(asString(v))
		case "filter":
			m, ok := v.(map[string]any)
			if !ok && v != nil {
				return q, newError(http.StatusBadRequest, "Filter must be an object")
			}
			for fk, fv := range m {
				if fv != nil {
					q.filters[strings.ToLower(fk)] = asString(fv)
				}
			}
		}
	}
	s.clampPage(&q)
	return q, nil
}

func (q *query) setSort(v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if strings.HasPrefix(v, "-") {
		q.sort, q.desc = strings.TrimSpace(v[1:]), true
		return
	}
	f := strings.Fields(v)
	q.sort = f[0]
	q.desc = len(f) > 1 && strings.EqualFold(f[1], "desc")
}

func (q *query) setExclude(v string) {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			q.exclude = append(q.exclude, p)
		}
	}
}

func (s *Sandbox) clampPage(q *query) {
	if q.size <= 0 {
		q.size = DefaultPageSize
	}
	q.size = min(q.size, s.opts.MaxPageSize)
	q.number = max(q.number, 1)
}

// run lists the records of res that pass the filters (and keep, when set),
// rendered with v, sorted, and returns one page and the total count.
func (s *Sandbox) run(res *resource, q query, v view, keep func(*core.Record) bool) ([]any, int, *apiError) {
	for name := range q.filters {
		if res.filters[name] == nil {
			delete(q.filters, name) // unknown filters are ignored, as the real API does
		}
	}
	from := (q.number - 1) * q.size
	if len(q.filters) == 0 && q.sort == "" && keep == nil {
		recs, total := res.table.Range(from, q.size)
		out := make([]any, 0, len(recs))
		for _, rec := range recs {
			out = append(out, exclude(render(s, res, v, rec, nil), q.exclude))
		}
		return out, total, nil
	}
	type row struct {
		rec *core.Record
		v   map[string]any
	}
	var rows []row
	// the stamp filters read only the record: apply them before rendering
	var early, late []string
	for name := range q.filters {
		if stampFilter[name] {
			early = append(early, name)
		} else {
			late = append(late, name)
		}
	}
	slices.Sort(early)
	slices.Sort(late)
	test := func(names []string, m map[string]any, rec *core.Record) (bool, *apiError) {
		for _, name := range names {
			pass, err := res.filters[name](m, rec, q.filters[name])
			if err != nil {
				return false, newError(http.StatusBadRequest, "Filter.%s: %v", name, err)
			}
			if !pass {
				return false, nil
			}
		}
		return true, nil
	}
	for _, rec := range res.table.All() {
		if keep != nil && !keep(rec) {
			continue
		}
		if ok, e := test(early, nil, rec); e != nil || !ok {
			if e != nil {
				return nil, 0, e
			}
			continue
		}
		var m map[string]any // rendered only when a filter or the sort needs it
		if len(late) > 0 || q.sort != "" {
			m = res.view(s, rec)
		}
		ok, e := test(late, m, rec)
		if e != nil {
			return nil, 0, e
		}
		if ok {
			rows = append(rows, row{rec, m})
		}
	}
	if q.sort != "" {
		key := q.sort
		slices.SortStableFunc(rows, func(a, b row) int {
			c := compareValues(lookupCI(a.v, key), lookupCI(b.v, key))
			if q.desc {
				c = -c
			}
			if c == 0 {
				c = cmp.Compare(a.rec.ID, b.rec.ID)
			}
			return c
		})
	}
	total := len(rows)
	out := []any{}
	for i := from; i < min(total, from+q.size); i++ {
		out = append(out, exclude(render(s, res, v, rows[i].rec, rows[i].v), q.exclude))
	}
	return out, total, nil
}

func lookupCI(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func compareValues(a, b any) int {
	na, aok := toInt(a)
	nb, bok := toInt(b)
	if aok && bok {
		if _, isStr := a.(string); !isStr {
			return cmp.Compare(na, nb)
		}
	}
	return cmp.Compare(strings.ToLower(asString(a)), strings.ToLower(asString(b)))
}

func exclude(m map[string]any, names []string) map[string]any {
	for _, n := range names {
		for k := range m {
			if strings.EqualFold(k, n) {
				delete(m, k)
			}
		}
	}
	return m
}

// decodeObject reads a JSON object body (numbers kept exact).
func decodeObject(r *http.Request, allowEmpty bool) (map[string]any, *apiError) {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4<<20))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		if allowEmpty && errors.Is(err, io.EOF) {
			return map[string]any{}, nil
		}
		return nil, newError(http.StatusBadRequest, "The request body is not a JSON object: %v", err)
	}
	if m == nil {
		return nil, newError(http.StatusBadRequest, "The request body must be a JSON object")
	}
	return m, nil
}

// Filter constructors. Names compare case-insensitively; text filters
// match a substring.

func fText(fieldName string) filter {
	return func(v map[string]any, _ *core.Record, val string) (bool, error) {
		return strings.Contains(strings.ToLower(asString(v[fieldName])), strings.ToLower(strings.TrimSpace(val))), nil
	}
}

func fEq(fieldName string) filter {
	return func(v map[string]any, _ *core.Record, val string) (bool, error) {
		n, ok := toInt(val)
		if !ok {
			return false, fmt.Errorf("%q is not an integer", val)
		}
		got, _ := toInt(v[fieldName])
		return got == n, nil
	}
}

func fIDs(fieldName string) filter {
	return func(v map[string]any, _ *core.Record, val string) (bool, error) {
		got, _ := toInt(v[fieldName])
		for _, p := range strings.Split(val, ",") {
			n, ok := toInt(p)
			if !ok {
				return false, fmt.Errorf("%q is not a comma-separated list of integers", val)
			}
			if n == got {
				return true, nil
			}
		}
		return false, nil
	}
}

func fNames(fieldName string) filter {
	return func(v map[string]any, _ *core.Record, val string) (bool, error) {
		got := strings.ToLower(asString(v[fieldName]))
		for _, p := range strings.Split(val, ",") {
			if strings.ToLower(strings.TrimSpace(p)) == got {
				return true, nil
			}
		}
		return false, nil
	}
}

func fBool(fieldName string) filter {
	return func(v map[string]any, _ *core.Record, val string) (bool, error) {
		b, ok := toBool(val)
		if !ok {
			return false, fmt.Errorf("%q is not true or false", val)
		}
		got, _ := v[fieldName].(bool)
		return got == b, nil
	}
}

// fTime compares a time field with a bound: from (>=) or to (<=).
// ModifiedOn and CreatedOn read the record's stamps.
func fTime(fieldName string, from bool) filter {
	return func(v map[string]any, rec *core.Record, val string) (bool, error) {
		bound, err := parseTime(val)
		if err != nil {
			return false, err
		}
		var t = rec.Updated
		switch fieldName {
		case "CreatedOn":
			t = rec.Created
		case "ModifiedOn":
		default:
			s := asString(v[fieldName])
			if s == "" {
				return false, nil
			}
			if t, err = parseTime(s); err != nil {
				return false, nil
			}
		}
		if from {
			return !t.Before(bound), nil
		}
		return !t.After(bound), nil
	}
}

// stampFilter names the filters that read only a record's stamps.
var stampFilter = map[string]bool{"createdonfrom": true, "createdonto": true, "modifiedonfrom": true, "modifiedonto": true}

// stampFilters adds Filter.CreatedOnFrom/To and ModifiedOnFrom/To.
func stampFilters(m map[string]filter) map[string]filter {
	m["createdonfrom"] = fTime("CreatedOn", true)
	m["createdonto"] = fTime("CreatedOn", false)
	m["modifiedonfrom"] = fTime("ModifiedOn", true)
	m["modifiedonto"] = fTime("ModifiedOn", false)
	return m
}

// render gives the output shape v of rec (nil v: the resource's own view,
// reusing full when it was already rendered).
func render(s *Sandbox, res *resource, v view, rec *core.Record, full map[string]any) map[string]any {
	if v == nil {
		if full != nil {
			return full
		}
		return res.view(s, rec)
	}
	return v(s, rec)
}
