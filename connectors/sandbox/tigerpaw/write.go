package tigerpaw

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// maxBody bounds request bodies.
const maxBody = 1 << 20

// readBody checks the media type and decodes a JSON object.
func readBody(w http.ResponseWriter, r *http.Request) (map[string]any, *apiError) {
	if e := noQuery(r); e != nil {
		return nil, e
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !(mt == "application/json" || (r.Method == http.MethodPatch && mt == "application/merge-patch+json")) {
		want := "application/json"
		if r.Method == http.MethodPatch {
			want += " or application/merge-patch+json"
		}
		return nil, newError(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Content-Type %q is not supported; send %s.", ct, want)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, newError(http.StatusBadRequest, "InvalidJson", "The body could not be read: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, newError(http.StatusBadRequest, "InvalidJson", "The body is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, newError(http.StatusBadRequest, "InvalidJson", "The body holds more than one JSON value.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, newError(http.StatusBadRequest, "InvalidJson", "The body must be a JSON object.")
	}
	return m, nil
}

// accountRules checks what involves other records: a unique AccountID and
// an existing parent account other than itself (self is 0 on a create).
func (s *Sandbox) accountRules(data map[string]any, self int64) errs {
	var e errs
	if id, _ := data["AccountID"].(string); id != "" {
		for _, a := range s.accounts.All() {
			if other, _ := a.Data["AccountID"].(string); a.ID != self && strings.EqualFold(other, id) {
				e.add("AccountID", "Duplicate", "AccountID %q is already used by account %d", id, a.ID)
				break
			}
		}
	}
	if p, ok := asInt(data["ParentAccountNumber"]); ok {
		if p == self {
			e.add("ParentAccountNumber", "Invalid", "an account cannot be its own parent")
		} else if _, found := s.accounts.Get(p); !found {
			e.add("ParentAccountNumber", "NotFound", "account %d does not exist", p)
		}
	}
	return e
}

// contactRules checks that the contact's account exists.
func (s *Sandbox) contactRules(data map[string]any, _ int64) errs {
	var e errs
	if a, ok := asInt(data["AccountNumber"]); ok {
		if _, found := s.accounts.Get(a); !found {
			e.add("AccountNumber", "NotFound", "account %d does not exist", a)
		}
	}
	return e
}

func (s *Sandbox) createAccount(w http.ResponseWriter, r *http.Request) {
	s.create(w, r, s.accounts, accountSchema, s.accountRules, "/accounts/")
}

func (s *Sandbox) createContact(w http.ResponseWriter, r *http.Request) {
	s.create(w, r, s.contacts, contactSchema, s.contactRules, "/contacts/")
}

func (s *Sandbox) create(w http.ResponseWriter, r *http.Request, t *core.Table, sc *schema, rules func(map[string]any, int64) errs, path string) {
	body, e := readBody(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	data, fe := sc.merge(sc.empty(), body, true)
	if len(fe) == 0 {
		fe = rules(data, 0)
	}
	if len(fe) > 0 {
		writeError(w, invalid(sc, fe))
		return
	}
	data["CreatedBy"] = s.opts.RepName
	data["ModifiedBy"] = s.opts.RepName
	rec := t.Insert(data)
	b, err := rec.JSON()
	if err != nil {
		writeError(w, newError(http.StatusInternalServerError, "ServerError", "%v", err))
		return
	}
	w.Header().Set("Location", Base+path+strconv.FormatInt(rec.ID, 10))
	writeJSON(w, http.StatusCreated, b)
}

func (s *Sandbox) patchAccount(w http.ResponseWriter, r *http.Request) {
	s.patch(w, r, s.accounts, accountSchema, s.accountRules, "accountNumber")
}

func (s *Sandbox) patchContact(w http.ResponseWriter, r *http.Request) {
	s.patch(w, r, s.contacts, contactSchema, s.contactRules, "contactNumber")
}

// patch applies a merge patch. A patch that changes nothing leaves the
// record (and its DateModified) as it is.
func (s *Sandbox) patch(w http.ResponseWriter, r *http.Request, t *core.Table, sc *schema, rules func(map[string]any, int64) errs, param string) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	rec, e := s.record(r, t, sc, param)
	if e != nil {
		writeError(w, e)
		return
	}
	body, e := readBody(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	data, fe := sc.merge(rec.Data, body, false)
	if len(fe) == 0 {
		fe = rules(data, rec.ID)
	}
	if len(fe) > 0 {
		writeError(w, invalid(sc, fe))
		return
	}
	if !sameValue(rec.Data, data) {
		var err error
		rec, err = t.Update(rec.ID, func(d map[string]any) error {
			for k := range d {
				delete(d, k)
			}
			for k, v := range data {
				d[k] = v
			}
			d["ModifiedBy"] = s.opts.RepName
			return nil
		})
		if err != nil {
			writeError(w, notFound(sc, r.PathValue(param)))
			return
		}
	}
	b, err := rec.JSON()
	if err != nil {
		writeError(w, newError(http.StatusInternalServerError, "ServerError", "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Sandbox) deleteAccount(w http.ResponseWriter, r *http.Request) {
	if e := noQuery(r); e != nil {
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	rec, e := s.record(r, s.accounts, accountSchema, "accountNumber")
	if e != nil {
		writeError(w, e)
		return
	}
	if n := len(s.contactsOf(rec.ID)); n > 0 {
		writeError(w, newError(http.StatusConflict, "AccountHasContacts", "Account %d still has %d contact(s); delete them first.", rec.ID, n))
		return
	}
	s.accounts.Delete(rec.ID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sandbox) deleteContact(w http.ResponseWriter, r *http.Request) {
	if e := noQuery(r); e != nil {
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	rec, e := s.record(r, s.contacts, contactSchema, "contactNumber")
	if e != nil {
		writeError(w, e)
		return
	}
	s.contacts.Delete(rec.ID)
	w.WriteHeader(http.StatusNoContent)
}
