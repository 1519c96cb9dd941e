package itglue

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
)

// routes registers every resource on mux. Patterns carry no method so the
// handlers can answer 405 with a JSON:API body; the request log still keys
// routes by method ("GET /configurations/{id}").
func (s *Sandbox) routes(mux *http.ServeMux) {
	for _, res := range s.sc.list {
		base := "/" + res.path
		mux.Handle(base, s.guard(func(w http.ResponseWriter, r *http.Request) { s.collection(w, r, res, nil) }))
		mux.Handle(base+"/{id}", s.guard(func(w http.ResponseWriter, r *http.Request) { s.item(w, r, res, nil) }))
		if res.parent == "" {
			continue
		}
		parent := s.sc.get(res.parent)
		nested := "/" + parent.path + "/{parent_id}/relationships/" + res.path
		mux.Handle(nested, s.guard(func(w http.ResponseWriter, r *http.Request) { s.collection(w, r, res, parent) }))
		mux.Handle(nested+"/{id}", s.guard(func(w http.ResponseWriter, r *http.Request) { s.item(w, r, res, parent) }))
	}
	mux.Handle("/", s.guard(func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, newErr(http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	}))
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeErrors(w, http.StatusMethodNotAllowed, newErr(http.StatusMethodNotAllowed, "%s is not supported on %s", r.Method, r.URL.Path))
}

// parentID resolves {parent_id} of a nested route: 0 for a top-level
// route, -1 after answering 404.
func (s *Sandbox) parentID(w http.ResponseWriter, r *http.Request, parent *resource) int64 {
	if parent == nil {
		return 0
	}
	id, ok := resourceID(r.PathValue("parent_id"))
	s.st.mu.RLock()
	found := ok && s.st.get(parent.typ, id) != nil
	s.st.mu.RUnlock()
	if !found {
		writeErrors(w, http.StatusNotFound, newErr(http.StatusNotFound, "%s not found", describe(parent, r.PathValue("parent_id"))))
		return -1
	}
	return id
}

func (s *Sandbox) collection(w http.ResponseWriter, r *http.Request, res, parent *resource) {
	pid := s.parentID(w, r, parent)
	if pid < 0 {
		return
	}
	allow := "GET"
	if res.create {
		allow += ", POST"
	}
	if parent == nil && res.bulkUpdate {
		allow += ", PATCH"
	}
	if parent == nil && res.bulkDelete {
		allow += ", DELETE"
	}
	switch {
	case r.Method == http.MethodGet:
		s.list(w, r, res, pid)
	case r.Method == http.MethodPost && res.create:
		s.create(w, r, res, pid)
	case r.Method == http.MethodPatch && res.bulkUpdate && parent == nil:
		s.bulkUpdate(w, r, res)
	case r.Method == http.MethodDelete && res.bulkDelete && parent == nil:
		s.bulkDelete(w, r, res)
	default:
		methodNotAllowed(w, r, allow)
	}
}

func (s *Sandbox) item(w http.ResponseWriter, r *http.Request, res, parent *resource) {
	pid := s.parentID(w, r, parent)
	if pid < 0 {
		return
	}
	id, ok := resourceID(r.PathValue("id"))
	if !ok {
		writeErrors(w, http.StatusNotFound, newErr(http.StatusNotFound, "%s not found", describe(res, r.PathValue("id"))))
		return
	}
	switch {
	case r.Method == http.MethodGet:
		s.show(w, res, id, pid)
	case r.Method == http.MethodPatch && res.update:
		s.patch(w, r, res, id, pid)
	default:
		allow := "GET"
		if res.update {
			allow += ", PATCH"
		}
		methodNotAllowed(w, r, allow)
	}
}

// lookupRecord finds id, checking it sits under parent pid on a nested
// route. st.mu must be held.
func (s *Sandbox) lookupRecord(res *resource, id, pid int64) *record {
	rec := s.st.get(res.typ, id)
	if rec == nil {
		return nil
	}
	if pid > 0 {
		if p, _ := rec.vals[res.parentAttr].(int64); p != pid {
			return nil
		}
	}
	return rec
}

func (s *Sandbox) show(w http.ResponseWriter, res *resource, id, pid int64) {
	s.st.mu.RLock()
	rec := s.lookupRecord(res, id, pid)
	var body []byte
	if rec != nil {
		body = single(s.st.renderShow(res, rec))
	}
	s.st.mu.RUnlock()
	if rec == nil {
		writeErrors(w, http.StatusNotFound, newErr(http.StatusNotFound, "%s not found", describe(res, id)))
		return
	}
	writeBody(w, http.StatusOK, body)
}

// pageMeta is IT Glue's pagination meta.
type pageMeta struct {
	CurrentPage int               `json:"current-page"`
	NextPage    *int              `json:"next-page"`
	PrevPage    *int              `json:"prev-page"`
	TotalPages  int               `json:"total-pages"`
	TotalCount  int               `json:"total-count"`
	Filters     map[string]string `json:"filters"`
}

type pageLinks struct {
	Self  string  `json:"self"`
	First string  `json:"first"`
	Prev  *string `json:"prev"`
	Next  *string `json:"next"`
	Last  string  `json:"last"`
}

func (s *Sandbox) list(w http.ResponseWriter, r *http.Request, res *resource, pid int64) {
	q, e := parseListQuery(res, r.URL.Query(), pid, queryOpts{maxDateRange: s.opts.MaxDateFilterRange})
	if e != nil {
		writeErrors(w, e.code, e)
		return
	}
	var buf bytes.Buffer
	s.st.mu.RLock()
	total, page := s.st.list(res, q)
	buf.Grow(len(page)*1400 + 1024)
	buf.WriteString(`{"data":[`)
	for i, rec := range page {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(s.st.renderList(res, rec))
	}
	s.st.mu.RUnlock()

	// Kaminari semantics: total-pages is 0 for no records; next/prev are
	// null on the last/first page and when the page is out of range.
	totalPages := (total + q.size - 1) / q.size
	meta := pageMeta{CurrentPage: q.number, TotalPages: totalPages, TotalCount: total, Filters: q.echo}
	links := pageLinks{Self: pageURL(r, q.number, q.size), First: pageURL(r, 1, q.size), Last: pageURL(r, max(totalPages, 1), q.size)}
	inRange := q.number <= totalPages
	if inRange && q.number < totalPages {
		n := q.number + 1
		meta.NextPage = &n
		u := pageURL(r, n, q.size)
		links.Next = &u
	}
	if inRange && q.number > 1 {
		p := q.number - 1
		meta.PrevPage = &p
		u := pageURL(r, p, q.size)
		links.Prev = &u
	}
	mb, _ := marshal(meta)
	lb, _ := marshal(links)
	buf.WriteString(`],"meta":`)
	buf.Write(mb)
	buf.WriteString(`,"links":`)
	buf.Write(lb)
	buf.WriteByte('}')
	writeBody(w, http.StatusOK, buf.Bytes())
}

// pageURL is the absolute URL of the same list request at another page.
func pageURL(r *http.Request, number, size int) string {
	q := r.URL.Query()
	q.Set("page[number]", strconv.Itoa(number))
	q.Set("page[size]", strconv.Itoa(size))
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}

// single wraps one rendered resource as a document.
func single(obj []byte) []byte {
	b := make([]byte, 0, len(obj)+10)
	b = append(b, `{"data":`...)
	b = append(b, obj...)
	return append(b, '}')
}

// many wraps rendered resources as a document; errs (partial failure of a
// bulk request) go to meta.errors, since JSON:API forbids data and errors
// side by side.
func many(objs [][]byte, errs []*apiError) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"data":[`)
	for i, o := range objs {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(o)
	}
	buf.WriteByte(']')
	if len(errs) > 0 {
		eb, _ := marshal(errs)
		buf.WriteString(`,"meta":{"errors":`)
		buf.Write(eb)
		buf.WriteByte('}')
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// statusOf is the status of a failed request: the errors' common status,
// or 422 when they differ.
func statusOf(errs []*apiError) int {
	code := errs[0].code
	for _, e := range errs[1:] {
		if e.code != code {
			return unprocessable
		}
	}
	return code
}

// tagIndex records, on each error, which element of a bulk request it is
// about.
func tagIndex(errs []*apiError, i int) []*apiError {
	for _, e := range errs {
		e.Meta = map[string]any{"index": i}
	}
	return errs
}

func (s *Sandbox) writeOpts() writeOpts {
	return writeOpts{ignoreUnknown: s.opts.IgnoreUnknownAttributes, psaRestrict: s.opts.EnforcePSARestrictions}
}

func (s *Sandbox) create(w http.ResponseWriter, r *http.Request, res *resource, pid int64) {
	items, isArray, e := decodeBody(w, r)
	if e != nil {
		writeErrors(w, e.code, e)
		return
	}
	if isArray && len(items) == 0 {
		writeErrors(w, unprocessable, newErr(unprocessable, "data must hold at least one resource object").at("/data"))
		return
	}
	var objs [][]byte
	var errs []*apiError
	s.st.mu.Lock()
	now := s.now()
	for i, in := range items {
		rec, es := s.st.create(res, in, pid, now, s.writeOpts())
		if es != nil {
			if isArray {
				es = tagIndex(es, i)
			}
			errs = append(errs, es...)
			continue
		}
		objs = append(objs, s.st.renderShow(res, rec))
	}
	s.st.mu.Unlock()
	switch {
	case len(objs) == 0:
		writeErrors(w, statusOf(errs), errs...)
	case !isArray:
		writeBody(w, http.StatusCreated, single(objs[0]))
	default:
		writeBody(w, http.StatusCreated, many(objs, errs))
	}
}

func (s *Sandbox) patch(w http.ResponseWriter, r *http.Request, res *resource, id, pid int64) {
	items, isArray, e := decodeBody(w, r)
	if e != nil {
		writeErrors(w, e.code, e)
		return
	}
	if isArray {
		writeErrors(w, unprocessable, newErr(unprocessable, "PATCH on a single record takes one resource object; send arrays to the collection").at("/data"))
		return
	}
	s.st.mu.Lock()
	rec := s.lookupRecord(res, id, pid)
	var errs []*apiError
	var body []byte
	if rec == nil {
		errs = []*apiError{newErr(http.StatusNotFound, "%s not found", describe(res, id))}
	} else if errs = s.st.update(res, rec, items[0], s.now(), s.writeOpts()); errs == nil {
		body = single(s.st.renderShow(res, rec))
	}
	s.st.mu.Unlock()
	if errs != nil {
		writeErrors(w, statusOf(errs), errs...)
		return
	}
	writeBody(w, http.StatusOK, body)
}

// bulkTargets resolves the records a bulk request names: by attributes.id
// (or the resource object's id), within the records the request's
// filter[...] parameters select when it has any.
func (s *Sandbox) bulkTargets(r *http.Request, res *resource, items []inResource) ([]*record, []*apiError, *apiError) {
	q, e := parseListQuery(res, r.URL.Query(), 0, queryOpts{maxDateRange: s.opts.MaxDateFilterRange})
	if e != nil {
		return nil, nil, e
	}
	recs := make([]*record, len(items))
	var errs []*apiError
	for i, in := range items {
		var id int64
		var ok bool
		if v, has := in.attrs["id"]; has {
			id, ok = resourceID(v)
		} else if in.hasID {
			id, ok = resourceID(in.id)
		}
		if !ok {
			errs = append(errs, tagIndex([]*apiError{newErr(unprocessable, "each element needs attributes.id").at(in.pointer + "/attributes/id")}, i)...)
			continue
		}
		if e := checkType(res, in); e != nil {
			errs = append(errs, tagIndex([]*apiError{e}, i)...)
			continue
		}
		rec := s.st.get(res.typ, id)
		if rec != nil {
			for _, p := range q.preds {
				if !p(s.st, rec) {
					rec = nil
					break
				}
			}
		}
		if rec == nil {
			errs = append(errs, tagIndex([]*apiError{newErr(http.StatusNotFound, "%s not found", describe(res, id)).at(in.pointer + "/attributes/id")}, i)...)
			continue
		}
		recs[i] = rec
	}
	return recs, errs, nil
}

func (s *Sandbox) bulkUpdate(w http.ResponseWriter, r *http.Request, res *resource) {
	items, isArray, e := decodeBody(w, r)
	if e != nil {
		writeErrors(w, e.code, e)
		return
	}
	if !isArray || len(items) == 0 {
		writeErrors(w, unprocessable, newErr(unprocessable, "a bulk update takes a non-empty array of resource objects in data").at("/data"))
		return
	}
	var objs [][]byte
	s.st.mu.Lock()
	recs, errs, qe := s.bulkTargets(r, res, items)
	if qe == nil {
		now := s.now()
		for i, rec := range recs {
			if rec == nil {
				continue
			}
			if es := s.st.update(res, rec, items[i], now, s.writeOpts()); es != nil {
				errs = append(errs, tagIndex(es, i)...)
				continue
			}
			objs = append(objs, s.st.renderShow(res, rec))
		}
	}
	s.st.mu.Unlock()
	switch {
	case qe != nil:
		writeErrors(w, qe.code, qe)
	case len(objs) == 0:
		writeErrors(w, statusOf(errs), errs...)
	default:
		writeBody(w, http.StatusOK, many(objs, errs))
	}
}

func (s *Sandbox) bulkDelete(w http.ResponseWriter, r *http.Request, res *resource) {
	items, isArray, e := decodeBody(w, r)
	if e != nil {
		writeErrors(w, e.code, e)
		return
	}
	if !isArray || len(items) == 0 {
		writeErrors(w, unprocessable, newErr(unprocessable, "a bulk delete takes a non-empty array of resource objects in data").at("/data"))
		return
	}
	var objs [][]byte
	s.st.mu.Lock()
	recs, errs, qe := s.bulkTargets(r, res, items)
	if qe == nil {
		var doomed []*record
		seen := map[int64]bool{}
		for _, rec := range recs {
			if rec != nil && !seen[rec.id] {
				seen[rec.id] = true
				doomed = append(doomed, rec)
				objs = append(objs, []byte(`{"id":"`+idString(rec.id)+`","type":"`+res.typ+`"}`))
			}
		}
		if len(doomed) > 0 {
			s.st.deleteRecords(res, doomed)
		}
	}
	s.st.mu.Unlock()
	switch {
	case qe != nil:
		writeErrors(w, qe.code, qe)
	case len(objs) == 0:
		writeErrors(w, statusOf(errs), errs...)
	default:
		writeBody(w, http.StatusOK, many(objs, errs))
	}
}
