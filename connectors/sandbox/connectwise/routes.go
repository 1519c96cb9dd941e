package connectwise

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// maxBody bounds request bodies (bulk writes included).
const maxBody = 32 << 20

func (s *Sandbox) routes(mux *router) {
	for _, res := range s.res {
		res := res
		p := Base + res.path
		mux.handle("GET", p, s.authed(func(w http.ResponseWriter, r *http.Request) {
			if parent, ok := s.parentOf(w, r, res); ok {
				s.writeList(w, r, res, parent)
			}
		}))
		mux.handle("GET", p+"/count", s.authed(func(w http.ResponseWriter, r *http.Request) {
			if parent, ok := s.parentOf(w, r, res); ok {
				s.writeCount(w, r, res, parent)
			}
		}))
		mux.handle("GET", p+"/{id}", s.authed(func(w http.ResponseWriter, r *http.Request) { s.getOne(w, r, res) }))
		mux.handle("POST", p, s.authed(func(w http.ResponseWriter, r *http.Request) { s.postOne(w, r, res) }))
		mux.handle("PUT", p+"/{id}", s.authed(func(w http.ResponseWriter, r *http.Request) { s.putOne(w, r, res) }))
		mux.handle("PATCH", p+"/{id}", s.authed(func(w http.ResponseWriter, r *http.Request) { s.patchOne(w, r, res) }))
		mux.handle("DELETE", p+"/{id}", s.authed(func(w http.ResponseWriter, r *http.Request) { s.deleteOne(w, r, res) }))
	}
	cfg := Base + "/company/configurations/bulk"
	mux.handle("POST", cfg, s.authed(s.bulk))
	mux.handle("PUT", cfg, s.authed(s.bulk))
	mux.handle("DELETE", cfg, s.authed(s.bulk))
	s.ticketConfigRoutes(mux)
	s.securityRoutes(mux) // security.go
	mux.handle("GET", Base+"/system/info", s.authed(s.systemInfo))
	mux.handle("GET", "/login/companyinfo/{companyId}", s.companyInfo)
	mux.fallback = s.authed(s.notFoundOrMethod)
}

// authed checks Basic auth ("company+public:private") and the clientId
// header before calling h.
func (s *Sandbox) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e := s.authenticate(r); e != nil {
			writeError(w, e)
			return
		}
		h(w, r)
	}
}

func (s *Sandbox) authenticate(r *http.Request) *apiError {
	unauthorized := func(msg string) *apiError { return newAPIError(http.StatusUnauthorized, "Unauthorized", "%s", msg) }
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if auth == "" {
		return unauthorized("Authorization is required: send Basic auth with companyId+publicKey:privateKey.")
	}
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return unauthorized("Unsupported authorization scheme; use Basic auth with companyId+publicKey:privateKey.")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil {
		return unauthorized("The Basic credentials are not valid base64.")
	}
	user, pass, _ := strings.Cut(string(raw), ":")
	company, pub, hasPlus := strings.Cut(user, "+")
	if !hasPlus {
		return unauthorized("The user name must be companyId+publicKey.")
	}
	good := strings.EqualFold(company, s.opts.CompanyID)
	good = subtle.ConstantTimeCompare([]byte(pub), []byte(s.opts.PublicKey)) == 1 && good
	good = subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.PrivateKey)) == 1 && good
	if !good {
		return unauthorized("Authentication failed: the company id, public key or private key is not valid.")
	}
	cid := r.Header.Get("clientId")
	if cid == "" {
		return unauthorized("A clientId header is required on every request (register one at developer.connectwise.com).")
	}
	if !strings.EqualFold(cid, s.opts.ClientID) {
		return unauthorized("The clientId is not registered.")
	}
	return nil
}

// notFoundOrMethod answers requests no route matched: 405 when the path
// exists for another method, 404 otherwise.
func (s *Sandbox) notFoundOrMethod(w http.ResponseWriter, r *http.Request) {
	if allow := s.mux.allowed(r.URL.Path); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, newAPIError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", r.Method))
		return
	}
	writeError(w, newAPIError(http.StatusNotFound, "NotFound", "No resource matches %s.", r.URL.Path))
}

// parentOf loads the {parentId} record of a nested collection (nil for a
// top-level one); it answers 404 itself when the parent does not exist.
func (s *Sandbox) parentOf(w http.ResponseWriter, r *http.Request, res *resource) (*core.Record, bool) {
	if res.parent == "" {
		return nil, true
	}
	pres := s.byName[res.parent]
	id, err := strconv.ParseInt(r.PathValue("parentId"), 10, 64)
	if err != nil {
		writeError(w, newAPIError(http.StatusBadRequest, "InvalidObject", "parentId %q is not a number", r.PathValue("parentId")))
		return nil, false
	}
	rec, ok := pres.table.Get(id)
	if !ok {
		writeError(w, notFound(pres, id))
		return nil, false
	}
	return rec, true
}

// record loads the {id} record, answering 400/404 itself.
func (s *Sandbox) record(w http.ResponseWriter, r *http.Request, res *resource) (*core.Record, *core.Record, bool) {
	parent, ok := s.parentOf(w, r, res)
	if !ok {
		return nil, nil, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, newAPIError(http.StatusBadRequest, "InvalidObject", "id %q is not a number", r.PathValue("id")))
		return nil, nil, false
	}
	rec, found := s.lookup(res, parent, id)
	if !found {
		writeError(w, notFound(res, id))
		return nil, nil, false
	}
	return parent, rec, true
}

func (s *Sandbox) writeCount(w http.ResponseWriter, r *http.Request, res *resource, parent *core.Record) {
	q, apiErr := s.parseList(res, r)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	q.forward = false
	n := len(s.selectRecords(res, parent, q))
	writeJSON(w, http.StatusOK, []byte(`{"count":`+strconv.Itoa(n)+`}`))
}

func (s *Sandbox) getOne(w http.ResponseWriter, r *http.Request, res *resource) {
	_, rec, ok := s.record(w, r, res)
	if !ok {
		return
	}
	var fields [][]string
	if fl := strings.TrimSpace(r.URL.Query().Get("fields")); fl != "" {
		for _, part := range strings.Split(fl, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			p, ok := resolvePath(res, strings.Split(part, "/"))
			if !ok {
				writeError(w, badQuery(res, "fields", "unknown field %q on %s", part, res.singular))
				return
			}
			fields = append(fields, p)
		}
	}
	s.writeRecord(w, http.StatusOK, res, rec, fields)
}

func (s *Sandbox) writeRecord(w http.ResponseWriter, status int, res *resource, rec *core.Record, fields [][]string) {
	var b []byte
	var err error
	if fields != nil {
		b, err = s.renderSparse(res, rec, fields)
	} else {
		b, err = rec.JSON()
	}
	if err != nil {
		writeError(w, newAPIError(http.StatusInternalServerError, "ConnectWiseApi", "render: %v", err))
		return
	}
	writeJSON(w, status, b)
}

// readBody decodes a JSON request body into v (numbers as json.Number).
func readBody(r *http.Request, v any) *apiError {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")) {
			return newAPIError(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Content-Type %q is not supported; send application/json.", ct)
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return newAPIError(http.StatusBadRequest, "InvalidObject", "could not read the request body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return newAPIError(http.StatusBadRequest, "InvalidObject", "The request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return newAPIError(http.StatusBadRequest, "InvalidObject", "The request body holds more than one JSON value.")
	}
	return nil
}

func (s *Sandbox) postOne(w http.ResponseWriter, r *http.Request, res *resource) {
	parent, ok := s.parentOf(w, r, res)
	if !ok {
		return
	}
	var in map[string]any
	if e := readBody(r, &in); e != nil {
		writeError(w, e)
		return
	}
	if in == nil {
		writeError(w, newAPIError(http.StatusBadRequest, "InvalidObject", "The request body must be a JSON object."))
		return
	}
	s.writeMu.Lock()
	rec, apiErr := s.create(res, parent, in)
	s.writeMu.Unlock()
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	rec, _ = res.table.Get(rec.ID) // afterWrite may have stored a newer version
	s.writeRecord(w, http.StatusCreated, res, rec, nil)
}

func (s *Sandbox) putOne(w http.ResponseWriter, r *http.Request, res *resource) {
	parent, rec, ok := s.record(w, r, res)
	if !ok {
		return
	}
	var in map[string]any
	if e := readBody(r, &in); e != nil {
		writeError(w, e)
		return
	}
	if in == nil {
		writeError(w, newAPIError(http.StatusBadRequest, "InvalidObject", "The request body must be a JSON object."))
		return
	}
	s.writeMu.Lock()
	rec, apiErr := s.replace(res, parent, rec.ID, in)
	s.writeMu.Unlock()
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	s.writeRecord(w, http.StatusOK, res, rec, nil)
}

func (s *Sandbox) patchOne(w http.ResponseWriter, r *http.Request, res *resource) {
	parent, rec, ok := s.record(w, r, res)
	if !ok {
		return
	}
	var ops []any
	if e := readBody(r, &ops); e != nil {
		if e.status == http.StatusBadRequest {
			e.Message = "The request body must be a JSON Patch array of {op, path, value} operations: " + e.Message
		}
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cur, found := s.lookup(res, parent, rec.ID)
	if !found {
		writeError(w, notFound(res, rec.ID))
		return
	}
	in, apiErr := applyPatch(res, cur.Data, ops)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	out, apiErr := s.replace(res, parent, rec.ID, in)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	s.writeRecord(w, http.StatusOK, res, out, nil)
}

func (s *Sandbox) deleteOne(w http.ResponseWriter, r *http.Request, res *resource) {
	_, rec, ok := s.record(w, r, res)
	if !ok {
		return
	}
	if res.readOnly {
		writeError(w, newAPIError(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s records cannot be deleted through the API", res.singular))
		return
	}
	s.writeMu.Lock()
	res.table.Delete(rec.ID)
	s.writeMu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sandbox) systemInfo(w http.ResponseWriter, r *http.Request) {
	b, _ := json.Marshal(map[string]any{
		"version": "v2025.1.10431", "isCloud": true, "serverTimeZone": "Eastern Standard Time",
		"licenseBits": []any{}, "cloudRegion": "NA",
	})
	writeJSON(w, http.StatusOK, b)
}

// companyInfo answers the codebase discovery clients make before the API
// (GET /login/companyinfo/{companyId}, no authentication).
func (s *Sandbox) companyInfo(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("companyId"), s.opts.CompanyID) {
		writeError(w, newAPIError(http.StatusNotFound, "NotFound", "Company %q not found.", r.PathValue("companyId")))
		return
	}
	b, _ := json.Marshal(map[string]any{
		"CompanyName": "Sandbox MSP", "Codebase": strings.TrimPrefix(strings.TrimSuffix(Base, "/apis/3.0"), "/") + "/",
		"VersionCode": "v2025.1", "VersionNumber": "v4.6.10431", "CompanyID": s.opts.CompanyID,
		"IsCloud": false, "SiteUrl": r.Host,
	})
	writeJSON(w, http.StatusOK, b)
}
