package connectwise

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// listQuery is the parsed query of a collection GET.
type listQuery struct {
	cond, child *Conditions
	order       []orderKey
	fields      [][]string // sparse fieldset; nil = every field
	page, size  int
	forward     bool  // pagination-type: forward-only
	pageID      int64 // forward-only: records with id > pageID
}

type orderKey struct {
	path []string
	desc bool
}

// infoAliases are top-level names ConnectWise accepts for _info fields.
var infoAliases = map[string]bool{"lastUpdated": true, "dateEntered": true, "enteredBy": true, "updatedBy": true}

// resolvePath checks the first segment of a path against the resource and
// maps the _info aliases (lastUpdated → _info/lastUpdated).
func resolvePath(res *resource, p []string) ([]string, bool) {
	head := p[0]
	switch {
	case head == "id" || head == "_info" || res.fieldM[head] != nil || head == res.parentField:
		return p, true
	case len(p) == 1 && infoAliases[head]:
		return []string{"_info", head}, true
	}
	return nil, false
}

func (s *Sandbox) parseList(res *resource, r *http.Request) (*listQuery, *apiError) {
	qv := r.URL.Query()
	q := &listQuery{page: 1, size: 25}
	if c := strings.TrimSpace(qv.Get("conditions")); c != "" {
		cond, err := ParseConditions(c)
		if err != nil {
			return nil, badQuery(res, "conditions", "%v", err)
		}
		for _, p := range cond.Paths() {
			if _, ok := resolvePath(res, p); !ok {
				return nil, badQuery(res, "conditions", "unknown field %q on %s", strings.Join(p, "/"), res.singular)
			}
		}
		cond.Rewrite(func(p []string) []string { np, _ := resolvePath(res, p); return np })
		q.cond = cond
	}
	if c := strings.TrimSpace(qv.Get("childConditions")); c != "" {
		cond, err := ParseConditions(c)
		if err != nil {
			return nil, badQuery(res, "childConditions", "%v", err)
		}
		roots := cond.Roots()
		if len(roots) != 1 || res.fieldM[roots[0]] == nil || res.fieldM[roots[0]].kind != fArray {
			return nil, badQuery(res, "childConditions", "childConditions must name fields of one list of %s (e.g. communicationItems/value)", res.singular)
		}
		q.child = cond
	}
	if c := strings.TrimSpace(qv.Get("customFieldConditions")); c != "" {
		return nil, badQuery(res, "customFieldConditions", "customFieldConditions are not supported by the sandbox")
	}
	if ob := strings.TrimSpace(qv.Get("orderBy")); ob != "" {
		for _, part := range strings.Split(ob, ",") {
			f := strings.Fields(part)
			if len(f) == 0 || len(f) > 2 {
				return nil, badQuery(res, "orderBy", "%q is not \"field [asc|desc]\"", strings.TrimSpace(part))
			}
			k := orderKey{}
			if len(f) == 2 {
				switch strings.ToLower(f[1]) {
				case "asc":
				case "desc":
					k.desc = true
				default:
					return nil, badQuery(res, "orderBy", "direction %q must be asc or desc", f[1])
				}
			}
			p, ok := resolvePath(res, strings.Split(f[0], "/"))
			if !ok {
				return nil, badQuery(res, "orderBy", "unknown field %q on %s", f[0], res.singular)
			}
			k.path = p
			q.order = append(q.order, k)
		}
	}
	if fl := strings.TrimSpace(qv.Get("fields")); fl != "" {
		for _, part := range strings.Split(fl, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			p, ok := resolvePath(res, strings.Split(part, "/"))
			if !ok {
				return nil, badQuery(res, "fields", "unknown field %q on %s", part, res.singular)
			}
			q.fields = append(q.fields, p)
		}
	}
	var err *apiError
	if q.page, err = intParam(res, qv, "page", 1); err != nil {
		return nil, err
	}
	if q.size, err = intParam(res, qv, "pageSize", 25); err != nil {
		return nil, err
	}
	q.size = min(q.size, MaxPageSize)
	if strings.EqualFold(r.Header.Get("pagination-type"), "forward-only") {
		q.forward = true
		if v := strings.TrimSpace(qv.Get("pageId")); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id < 0 {
				return nil, badQuery(res, "pageId", "pageId must be a record id, not %q", v)
			}
			q.pageID = id
		}
		for _, k := range q.order {
			if len(k.path) != 1 || k.path[0] != "id" || k.desc {
				return nil, badQuery(res, "orderBy", "forward-only pagination returns records by ascending id; orderBy must be left out or be \"id asc\"")
			}
		}
		q.order = nil
	}
	return q, nil
}

func intParam(res *resource, qv url.Values, name string, def int) (int, *apiError) {
	v := strings.TrimSpace(qv.Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, badQuery(res, name, "%s must be a whole number of at least 1, not %q", name, v)
	}
	return n, nil
}

// selectRecords returns the records of res under parent that match q, in
// q's order (ascending id by default); for forward-only paging only those
// after q.pageID. Results are cached per query until the table changes, so
// paging through a filtered collection filters it once, not once a page.
func (s *Sandbox) selectRecords(res *resource, parent *core.Record, q *listQuery) []*core.Record {
	var recs []*core.Record
	if parent == nil && q.cond == nil && q.child == nil && len(q.order) == 0 {
		recs = res.table.All()
	} else {
		recs = s.cache.get(res, parent, q, func() []*core.Record { return filterRecords(res, parent, q) })
	}
	if q.forward && q.pageID > 0 { // forward-only: ascending ids, no orderBy
		i, _ := slices.BinarySearchFunc(recs, q.pageID+1, func(r *core.Record, id int64) int { return cmpInt(r.ID, id) })
		recs = recs[i:]
	}
	return recs
}

func filterRecords(res *resource, parent *core.Record, q *listQuery) []*core.Record {
	all := res.table.All()
	out := all[:0:0]
	for _, r := range all {
		if parent != nil && parentIDOf(res, r.Data) != parent.ID {
			continue
		}
		if q.cond != nil && !q.cond.Match(r.Data) {
			continue
		}
		if q.child != nil && !q.child.MatchChild(r.Data) {
			continue
		}
		out = append(out, r)
	}
	if len(q.order) > 0 {
		out = sortRecords(out, q.order)
	}
	return out
}

// sortRecords sorts a copy by the order keys, ties by ascending id.
func sortRecords(recs []*core.Record, keys []orderKey) []*core.Record {
	type keyed struct {
		r    *core.Record
		vals []any
	}
	ks := make([]keyed, len(recs))
	for i, r := range recs {
		vals := make([]any, len(keys))
		for j, k := range keys {
			if v := resolve(r.Data, k.path, nil); len(v) > 0 {
				vals[j] = v[0]
			}
		}
		ks[i] = keyed{r, vals}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		for j, k := range keys {
			c := orderCompare(a.vals[j], b.vals[j])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmpInt(a.r.ID, b.r.ID)
	})
	out := make([]*core.Record, len(ks))
	for i, k := range ks {
		out[i] = k.r
	}
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// orderCompare orders two field values: null first, then booleans,
// numbers, strings (ignoring case), anything else.
func orderCompare(a, b any) int {
	ra, rb := orderRank(a), orderRank(b)
	if ra != rb {
		return cmpInt(int64(ra), int64(rb))
	}
	switch ra {
	case 1:
		x, y := a.(bool), b.(bool)
		return cmpInt(boolInt(x), boolInt(y))
	case 2:
		x, _ := asNumber(a)
		y, _ := asNumber(b)
		return cmp3(x < y, x > y)
	case 3:
		x, y := strings.ToLower(a.(string)), strings.ToLower(b.(string))
		return strings.Compare(x, y)
	}
	return 0
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func orderRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case string:
		return 3
	}
	if _, ok := asNumber(v); ok {
		return 2
	}
	return 4
}

// writeList answers a collection GET: one page as a JSON array, with Link
// headers for the other pages.
func (s *Sandbox) writeList(w http.ResponseWriter, r *http.Request, res *resource, parent *core.Record) {
	q, apiErr := s.parseList(res, r)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	plain := parent == nil && q.cond == nil && q.child == nil && len(q.order) == 0
	var page []*core.Record
	if q.forward {
		var more bool
		if plain { // straight from the id-ordered table
			page, more = res.table.After(q.pageID, q.size)
		} else {
			recs := s.selectRecords(res, parent, q)
			page, more = recs[:min(q.size, len(recs))], len(recs) > q.size
		}
		if more && len(page) > 0 {
			w.Header().Set("Link", linkHeader(r, [][2]string{{"next", "pageId=" + strconv.FormatInt(page[len(page)-1].ID, 10)}}))
		}
	} else {
		start := (q.page - 1) * q.size
		var total int
		if plain {
			page, total = res.table.Range(start, q.size)
		} else {
			recs := s.selectRecords(res, parent, q)
			total = len(recs)
			if start < total {
				page = recs[start:min(start+q.size, total)]
			}
		}
		if last := (total + q.size - 1) / q.size; last > 1 {
			var links [][2]string
			p := func(n int) string { return "page=" + strconv.Itoa(n) }
			if q.page > 1 {
				links = append(links, [2]string{"first", p(1)}, [2]string{"prev", p(min(q.page-1, last))})
			}
			if q.page < last {
				links = append(links, [2]string{"next", p(q.page + 1)}, [2]string{"last", p(last)})
			}
			w.Header().Set("Link", linkHeader(r, links))
		}
	}
	parts, n, err := s.renderPage(res, page, q.fields)
	if err != nil {
		writeError(w, newAPIError(http.StatusInternalServerError, "ConnectWiseApi", "render: %v", err))
		return
	}
	// Stream the cached record bodies rather than copying them into one
	// buffer: a 1000-record page is over a megabyte.
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte{'['})
	for i, b := range parts {
		if i > 0 {
			_, _ = w.Write([]byte{','})
		}
		_, _ = w.Write(b)
	}
	_, _ = w.Write([]byte{']'})
}

// renderPage returns the JSON of each record (cached, or a sparse
// projection) and the length of the array they make.
func (s *Sandbox) renderPage(res *resource, page []*core.Record, fields [][]string) ([][]byte, int, error) {
	parts := make([][]byte, len(page))
	n := 2 + max(len(page)-1, 0)
	for i, r := range page {
		var b []byte
		var err error
		if fields != nil {
			b, err = s.renderSparse(res, r, fields)
		} else {
			b, err = r.JSON()
		}
		if err != nil {
			return nil, 0, err
		}
		parts[i] = b
		n += len(b)
	}
	return parts, n, nil
}

// renderSparse renders only the requested paths of a record.
func (s *Sandbox) renderSparse(res *resource, r *core.Record, fields [][]string) ([]byte, error) {
	proj := map[string]any{}
	for _, p := range fields {
		project(r.Data, proj, p)
	}
	var b bytes.Buffer
	order := []string{"id"}
	for _, f := range res.fields {
		order = append(order, f.name)
	}
	if err := appendObject(&b, proj, order); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// project copies the value at path from src into dst, keeping structure.
func project(src, dst map[string]any, path []string) {
	v, ok := src[path[0]]
	if !ok {
		return
	}
	if len(path) == 1 {
		dst[path[0]] = v
		return
	}
	switch x := v.(type) {
	case map[string]any:
		sub, _ := dst[path[0]].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			dst[path[0]] = sub
		}
		project(x, sub, path[1:])
	case []any:
		sub, _ := dst[path[0]].([]any)
		if len(sub) != len(x) {
			sub = make([]any, len(x))
			for i := range sub {
				sub[i] = map[string]any{}
			}
			dst[path[0]] = sub
		}
		for i, e := range x {
			if em, ok := e.(map[string]any); ok {
				if dm, ok := sub[i].(map[string]any); ok {
					project(em, dm, path[1:])
				}
			}
		}
	}
}

// linkHeader renders RFC 8288 links to the same URL with the query
// parameter set to each target ("page=3", "pageId=1042").
func linkHeader(r *http.Request, links [][2]string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	parts := make([]string, 0, len(links))
	for _, l := range links {
		k, v, _ := strings.Cut(l[1], "=")
		q := r.URL.Query()
		q.Set(k, v)
		u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		parts = append(parts, "<"+u.String()+">; rel=\""+l[0]+"\"")
	}
	return strings.Join(parts, ", ")
}
