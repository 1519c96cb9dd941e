package itglue

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Page sizes (IT Glue: default 50, at most 1000).
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// listQuery is a parsed list request: page, filters and sort.
type listQuery struct {
	number, size int
	preds        []func(st *store, r *record) bool
	// parents narrows the candidates to records under these parent ids
	// (nested route, or a filter on the parent attribute); nil = all.
	parents []int64
	sort    []sortTerm
	sortKey string            // canonical form of sort, for the cache
	echo    map[string]string // meta.filters
}

type sortTerm struct {
	attr string // kebab-case attribute, or "id"
	desc bool
}

// queryOpts are the sandbox options that shape list queries.
type queryOpts struct {
	maxDateRange time.Duration // 0 = unlimited
}

// parseListQuery reads page[...], filter[...] and sort. Unknown filter or
// sort keys and malformed page values give a 400 naming the parameter;
// well-formed but unacceptable values (a page size over 1000, psa_id
// without psa_integration_type) a 422.
func parseListQuery(res *resource, q url.Values, parent int64, o queryOpts) (*listQuery, *apiError) {
	lq := &listQuery{number: 1, size: defaultPageSize, echo: map[string]string{}}
	if parent > 0 {
		lq.parents = []int64{parent}
	}
	if v, ok := first(q, "page[number]"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return nil, newErr(http.StatusBadRequest, "page[number] must be a positive integer, not %q", v).param("page[number]")
		}
		lq.number = n
	}
	if v, ok := first(q, "page[size]"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return nil, newErr(http.StatusBadRequest, "page[size] must be a positive integer, not %q", v).param("page[size]")
		}
		if n > maxPageSize {
			return nil, newErr(unprocessable, "page[size] %d exceeds the maximum of %d", n, maxPageSize).param("page[size]")
		}
		lq.size = n
	}
	if v, ok := first(q, "sort"); ok && strings.TrimSpace(v) != "" {
		if e := lq.parseSort(res, v); e != nil {
			return nil, e
		}
	}
	var psaID, psaType string
	var psaIDSet bool
	for _, key := range slices.Sorted(maps.Keys(q)) {
		if !strings.HasPrefix(key, "filter[") {
			continue
		}
		val, _ := first(q, key)
		path, ok := bracketPath(key)
		if !ok {
			return nil, newErr(http.StatusBadRequest, "malformed filter parameter %q", key).param(key)
		}
		exclude := false
		switch {
		case len(path) == 2 && path[0] == "exclude":
			exclude, path = true, path[1:]
		case len(path) != 1:
			return nil, newErr(http.StatusBadRequest, "filter %q is not allowed on %s", key, res.typ).param(key)
		}
		name := snake(path[0])
		f, ok := res.filters[name]
		if !ok || (exclude && f.kind != fID && f.kind != fInt && f.kind != fString) {
			return nil, newErr(http.StatusBadRequest, "filter %q is not allowed on %s (allowed: %s)", key, res.typ, strings.Join(slices.Sorted(maps.Keys(res.filters)), ", ")).param(key)
		}
		echoKey := name
		if exclude {
			echoKey = "exclude[" + name + "]"
		}
		lq.echo[echoKey] = val
		switch f.kind {
		case fPSAID:
			psaID, psaIDSet = val, true
			continue
		case fPSAType:
			psaType = strings.TrimSpace(val)
			if !psaTypes[psaType] {
				return nil, newErr(unprocessable, "filter[psa_integration_type] must be one of manage, autotask, tigerpaw, kaseya-bms, pulseway-psa, vorex; not %q", val).param(key)
			}
			continue
		}
		pred, parents, e := buildPredicate(res, f, val, key, o)
		if e != nil {
			return nil, e
		}
		if exclude {
			inner := pred
			pred = func(st *store, r *record) bool { return !inner(st, r) }
		} else if parents != nil && f.attr == res.parentAttr && res.parentAttr != "" {
			lq.narrow(parents)
		}
		lq.preds = append(lq.preds, pred)
	}
	if psaIDSet {
		if psaType == "" {
			return nil, newErr(unprocessable, "filter[psa_id] must be accompanied by filter[psa_integration_type]").param("filter[psa_id]")
		}
		ids := splitSet(psaID, false)
		typ := psaType
		lq.preds = append(lq.preds, func(_ *store, r *record) bool { return r.psaType == typ && ids[r.psaID] })
	} else if psaType != "" {
		typ := psaType
		lq.preds = append(lq.preds, func(_ *store, r *record) bool { return r.psaType == typ })
	}
	return lq, nil
}

// narrow intersects the parent candidates with ids.
func (lq *listQuery) narrow(ids []int64) {
	if lq.parents == nil {
		lq.parents = ids
		return
	}
	keep := lq.parents[:0:0]
	for _, p := range lq.parents {
		if slices.Contains(ids, p) {
			keep = append(keep, p)
		}
	}
	lq.parents = keep
}

func (lq *listQuery) parseSort(res *resource, v string) *apiError {
	var keys []string
	for _, term := range strings.Split(v, ",") {
		term = strings.TrimSpace(term)
		desc := strings.HasPrefix(term, "-")
		name := snake(strings.TrimPrefix(term, "-"))
		a, ok := res.sorts[name]
		if !ok {
			return newErr(http.StatusBadRequest, "%q is not a valid sort key for %s (allowed: %s)", term, res.typ, strings.Join(slices.Sorted(maps.Keys(res.sorts)), ", ")).param("sort")
		}
		lq.sort = append(lq.sort, sortTerm{attr: a, desc: desc})
		if desc {
			keys = append(keys, "-"+a)
		} else {
			keys = append(keys, a)
		}
	}
	if len(lq.sort) == 1 && lq.sort[0] == (sortTerm{attr: "id"}) {
		lq.sort = nil // the natural order
		return nil
	}
	lq.sortKey = strings.Join(keys, ",")
	return nil
}

// buildPredicate compiles one filter. For integer filters it also returns
// the ids (so a filter on the parent attribute can use the index).
func buildPredicate(res *resource, f filterSpec, val, key string, o queryOpts) (func(*store, *record) bool, []int64, *apiError) {
	switch f.kind {
	case fID, fInt:
		var ids []int64
		set := map[int64]bool{}
		for _, s := range strings.Split(val, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, nil, newErr(http.StatusBadRequest, "%s: %q is not an integer", key, s).param(key)
			}
			if !set[n] {
				ids = append(ids, n)
			}
			set[n] = true
		}
		if f.kind == fID {
			return func(_ *store, r *record) bool { return set[r.id] }, nil, nil
		}
		name := f.attr
		return func(_ *store, r *record) bool {
			v, ok := r.vals[name].(int64)
			return ok && set[v]
		}, ids, nil
	case fString:
		set := splitSet(val, true)
		name := f.attr
		return func(_ *store, r *record) bool {
			v, ok := r.vals[name].(string)
			return ok && set[strings.ToLower(v)]
		}, nil, nil
	case fBool:
		want, err := toBool(strings.TrimSpace(val))
		if err != nil || strings.TrimSpace(val) == "" {
			return nil, nil, newErr(http.StatusBadRequest, "%s must be true or false, not %q", key, val).param(key)
		}
		name := f.attr
		return func(_ *store, r *record) bool {
			v, _ := r.vals[name].(bool)
			return v == want
		}, nil, nil
	case fEmail:
		set := splitSet(val, true)
		name := f.attr
		return func(_ *store, r *record) bool {
			list, _ := r.vals[name].([]map[string]any)
			for _, it := range list {
				if p, _ := it["primary"].(bool); p {
					s, _ := it["value"].(string)
					return set[strings.ToLower(s)]
				}
			}
			return false
		}, nil, nil
	case fDateRange:
		lo, hi, e := parseRange(val, key, o)
		if e != nil {
			return nil, nil, e
		}
		name := f.attr
		return func(st *store, r *record) bool {
			t, ok := st.value(res, r, name).(time.Time)
			if !ok {
				return false
			}
			return (lo.IsZero() || !t.Before(lo)) && (hi.IsZero() || !t.After(hi))
		}, nil, nil
	}
	return nil, nil, newErr(http.StatusBadRequest, "filter %q is not supported", key).param(key)
}

// parseRange reads "start, end" where either side may be "*". A bare date
// as the end means the end of that day.
func parseRange(val, key string, o queryOpts) (lo, hi time.Time, e *apiError) {
	a, b, ok := strings.Cut(val, ",")
	if !ok {
		return lo, hi, newErr(unprocessable, "%s must be a range \"start, end\" (use * for an open end), not %q", key, val).param(key)
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	var err error
	if a != "*" && a != "" {
		if lo, err = parseTime(a); err != nil {
			return lo, hi, newErr(unprocessable, "%s: start %v", key, err).param(key)
		}
	}
	if b != "*" && b != "" {
		if hi, err = parseTime(b); err != nil {
			return lo, hi, newErr(unprocessable, "%s: end %v", key, err).param(key)
		}
		if len(b) == len(dateLayout) {
			hi = hi.Add(24*time.Hour - time.Millisecond)
		}
	}
	if !lo.IsZero() && !hi.IsZero() && hi.Before(lo) {
		return lo, hi, newErr(unprocessable, "%s: the end is before the start", key).param(key)
	}
	if o.maxDateRange > 0 && (lo.IsZero() || hi.IsZero() || hi.Sub(lo) > o.maxDateRange) {
		return lo, hi, newErr(unprocessable, "%s: date ranges longer than %s are not allowed", key, o.maxDateRange).param(key)
	}
	return lo, hi, nil
}

// splitSet splits comma-separated values into a set (lower-cased when
// fold is set).
func splitSet(val string, fold bool) map[string]bool {
	set := map[string]bool{}
	for _, s := range strings.Split(val, ",") {
		s = strings.TrimSpace(s)
		if fold {
			s = strings.ToLower(s)
		}
		if s != "" {
			set[s] = true
		}
	}
	return set
}

// bracketPath splits "filter[a][b]" into ["a", "b"].
func bracketPath(key string) ([]string, bool) {
	rest := strings.TrimPrefix(key, "filter")
	var out []string
	for rest != "" {
		if rest[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(rest, ']')
		if end < 2 {
			return nil, false
		}
		out = append(out, rest[1:end])
		rest = rest[end+1:]
	}
	return out, len(out) > 0
}

func first(q url.Values, key string) (string, bool) {
	v, ok := q[key]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}
