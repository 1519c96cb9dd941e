package itglue

import (
	"bytes"
	"net/http"
)

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
