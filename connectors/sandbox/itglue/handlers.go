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
