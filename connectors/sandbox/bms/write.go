package bms

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// belongs restricts a nested route to the records of its parent (nil: any).
type belongs func(*core.Record) bool

func (s *Sandbox) list(w http.ResponseWriter, r *http.Request, res *resource, v view, keep belongs) {
	q, e := s.queryFromURL(r.URL.Query())
	if e == nil {
		var out []any
		var total int
		if out, total, e = s.run(res, q, v, keep); e == nil {
			writePaged(w, out, total)
			return
		}
	}
	writeError(w, e)
}

func (s *Sandbox) search(w http.ResponseWriter, r *http.Request, res *resource, v view, keep belongs) {
	q, e := s.queryFromBody(r)
	if e == nil {
		var out []any
		var total int
		if out, total, e = s.run(res, q, v, keep); e == nil {
			writePaged(w, out, total)
			return
		}
	}
	writeError(w, e)
}

// record finds the record a path id names.
func (s *Sandbox) record(res *resource, idText string, keep belongs) (*core.Record, *apiError) {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return nil, newError(http.StatusBadRequest, "The value '%s' is not a valid id.", idText)
	}
	rec, ok := res.table.Get(id)
	if !ok || (keep != nil && !keep(rec)) {
		return nil, notFound(res.what, id)
	}
	return rec, nil
}

// get answers one record. soft reports a missing record as HTTP 200 with
// Success=false (the summary routes do), else as 404.
func (s *Sandbox) get(w http.ResponseWriter, res *resource, idText string, v view, keep belongs, soft bool) {
	rec, e := s.record(res, idText, keep)
	if e != nil {
		if soft && e.status == http.StatusNotFound {
			e.status = http.StatusOK
		}
		writeError(w, e)
		return
	}
	writeOK(w, render(s, res, v, rec, nil))
}

// create stores a new record from the body; preset fields (a parent id
// from the path) override the body.
func (s *Sandbox) create(w http.ResponseWriter, r *http.Request, res *resource, v view, preset map[string]any) {
	body, e := decodeObject(r, false)
	if e != nil {
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	rec, e := s.store(res, body, nil, preset)
	if e != nil {
		writeError(w, e)
		return
	}
	writeOK(w, render(s, res, v, rec, nil))
}

// replace is PUT: the body replaces every writable field (those in
// keepOnPut survive when the body leaves them out).
func (s *Sandbox) replace(w http.ResponseWriter, r *http.Request, res *resource, idText string, v view, keep belongs, preset map[string]any) {
	body, e := decodeObject(r, false)
	if e != nil {
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old, e := s.record(res, idText, keep)
	if e != nil {
		writeError(w, e)
		return
	}
	for _, k := range res.keepOnPut {
		if lookupCI(body, k) == nil {
			body[k] = old.Data[k]
		}
	}
	rec, e := s.store(res, body, old, preset)
	if e != nil {
		writeError(w, e)
		return
	}
	writeOK(w, render(s, res, v, rec, nil))
}

// patch is PATCH with a JSON Patch document.
func (s *Sandbox) patch(w http.ResponseWriter, r *http.Request, res *resource, idText string, v view, keep belongs, preset map[string]any) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json-patch+json" && ct != "application/json" && ct != "text/json" && !(strings.HasPrefix(ct, "application/") && strings.HasSuffix(ct, "+json")) {
		writeError(w, newError(http.StatusUnsupportedMediaType, "Content-Type %q is not supported; send application/json-patch+json", ct))
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4<<20))
	dec.UseNumber()
	var ops []any
	if err := dec.Decode(&ops); err != nil {
		writeError(w, newError(http.StatusBadRequest, "The request body is not a JSON Patch array: %v", err))
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old, e := s.record(res, idText, keep)
	if e != nil {
		writeError(w, e)
		return
	}
	doc, e := applyPatch(res, old.Data, ops)
	if e != nil {
		writeError(w, e)
		return
	}
	rec, e := s.store(res, doc, old, preset)
	if e != nil {
		writeError(w, e)
		return
	}
	writeOK(w, render(s, res, v, rec, nil))
}

// store coerces, normalizes and writes one record (old nil: insert). The
// caller holds writeMu.
func (s *Sandbox) store(res *resource, body map[string]any, old *core.Record, preset map[string]any) (*core.Record, *apiError) {
	data, probs := res.coerce(body)
	if len(probs) > 0 {
		return nil, invalid(res.what, probs)
	}
	for k, v := range preset {
		data[k] = v
	}
	if old != nil {
		for _, k := range res.system {
			if v, ok := old.Data[k]; ok {
				data[k] = v
			}
		}
	}
	if p := res.normalize(s, data, old); len(p) > 0 {
		return nil, invalid(res.what, p)
	}
	var rec *core.Record
	if old == nil {
		rec = res.table.Insert(data)
	} else {
		var err error
		rec, err = res.table.Update(old.ID, func(d map[string]any) error {
			clear(d)
			for k, v := range data {
				d[k] = v
			}
			return nil
		})
		if err != nil {
			return nil, notFound(res.what, old.ID)
		}
	}
	if res.after != nil {
		res.after(s, rec, old == nil)
		if cur, ok := res.table.Get(rec.ID); ok {
			rec = cur
		}
	}
	return rec, nil
}

// del is DELETE of one record: Success=true and no Result.
func (s *Sandbox) del(w http.ResponseWriter, res *resource, idText string, keep belongs) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	rec, e := s.record(res, idText, keep)
	if e != nil {
		writeError(w, e)
		return
	}
	s.remove(res, rec.ID)
	writeOK(w, nil)
}
