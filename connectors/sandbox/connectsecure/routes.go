package connectsecure

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
)

// apiError is the body of every failed request (designed, OAuth-style):
// {"error": code, "error_description": message}.
type apiError struct {
	status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func newError(status int, code, msg string) *apiError {
	return &apiError{status: status, Code: code, Description: msg}
}

func writeValue(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error","error_description":"render failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) { writeValue(w, e.status, e) }

func faultBody(status int, msg string) (string, []byte) {
	code := "server_error"
	if status == http.StatusTooManyRequests {
		code = "rate_limited"
	}
	b, _ := json.Marshal(newError(status, code, msg))
	return "application/json; charset=utf-8", b
}

func (s *Sandbox) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+Base+TokenPath, s.limited(s.token))
	h := func(pattern string, fn http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" "+Base+path, s.limited(s.authed(fn)))
	}
	h("GET /companies", s.list(Companies, nil))
	h("POST /companies", s.createCompany)
	h("GET /companies/{id}", s.get(Companies))
	h("GET /assets", s.list(Assets, []string{"company_id", "status"}))
	h("GET /assets/{id}", s.get(Assets))
	h("GET /events", s.list(Events, []string{"company_id", "asset_id", "category", "status"}))
	h("GET /events/{id}", s.get(Events))
	mux.Handle("/", s.limited(s.authed(s.notFoundOrMethod)))
}

// notFoundOrMethod answers requests no route matched: 405 with Allow when
// the path exists for another method, 404 otherwise.
func (s *Sandbox) notFoundOrMethod(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pat := s.mux.Handler(probe); pat != "/" && pat != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, newError(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not supported on "+r.URL.Path))
		return
	}
	writeError(w, newError(http.StatusNotFound, "not_found", "no resource matches "+r.URL.Path))
}

// limited applies the rate limit (one budget per client).
func (s *Sandbox) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ok, _, wait := s.limit.Take(s.opts.ClientID)
		if !ok {
			secs := max(int(math.Ceil(wait.Seconds())), 1)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, newError(http.StatusTooManyRequests, "rate_limited",
				"rate limit exceeded; retry in "+strconv.Itoa(secs)+" s"))
			return
		}
		h(w, r)
	}
}

// authed checks the bearer token.
func (s *Sandbox) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="connectsecure"`)
			writeError(w, newError(http.StatusUnauthorized, "invalid_token", "a bearer token is required"))
			return
		}
		s.tokMu.Lock()
		exp, ok := s.tokens[tok]
		s.tokMu.Unlock()
		if !ok || !s.opts.Clock().Before(exp) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="connectsecure", error="invalid_token"`)
			writeError(w, newError(http.StatusUnauthorized, "invalid_token", "the access token is unknown or expired"))
			return
		}
		h(w, r)
	}
}

// token issues an access token for the client credentials.
func (s *Sandbox) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, newError(http.StatusBadRequest, "invalid_request", "the body must be form-encoded"))
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeError(w, newError(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials"))
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok && id == "" {
		id, secret = u, p
	}
	good := subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) == 1
	good = subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1 && good
	if !good {
		writeError(w, newError(http.StatusUnauthorized, "invalid_client", "client authentication failed"))
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := "cs_" + hex.EncodeToString(b[:])
	now := s.opts.Clock()
	s.tokMu.Lock()
	for t, exp := range s.tokens { // forget expired tokens
		if !now.Before(exp) {
			delete(s.tokens, t)
		}
	}
	s.tokens[tok] = now.Add(s.opts.TokenLifetime)
	s.tokMu.Unlock()
	writeValue(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int(s.opts.TokenLifetime / time.Second),
	})
}

// list serves a collection with paging, updated_after and the named
// equality filters.
func (s *Sandbox) list(collection string, filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		skip, limit := 0, DefaultPageSize
		var since time.Time
		if v := q.Get("skip"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				writeError(w, newError(http.StatusBadRequest, "invalid_request", "skip must be a non-negative integer"))
				return
			}
			skip = n
		}
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxPageSize {
				writeError(w, newError(http.StatusBadRequest, "invalid_request", "limit must be between 1 and "+strconv.Itoa(MaxPageSize)))
				return
			}
			limit = n
		}
		if v := q.Get("updated_after"); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				writeError(w, newError(http.StatusBadRequest, "invalid_request", "updated_after must be an RFC 3339 time"))
				return
			}
			since = t
		}
		known := map[string]bool{"skip": true, "limit": true, "updated_after": true}
		for _, f := range filters {
			known[f] = true
		}
		for k := range q {
			if !known[k] {
				writeError(w, newError(http.StatusBadRequest, "invalid_request", "unknown query parameter "+k))
				return
			}
		}
		var match []*core.Record
		for _, rec := range s.table(collection).All() {
			if !since.IsZero() && !rec.Updated.After(since) {
				continue
			}
			ok := true
			for _, f := range filters {
				if v := q.Get(f); v != "" && !fieldIs(rec.Data[f], v) {
					ok = false
					break
				}
			}
			if ok {
				match = append(match, rec)
			}
		}
		page := []json.RawMessage{}
		for i := skip; i < len(match) && i < skip+limit; i++ {
			b, err := match[i].JSON()
			if err != nil {
				writeError(w, newError(http.StatusInternalServerError, "server_error", err.Error()))
				return
			}
			page = append(page, b)
		}
		writeValue(w, http.StatusOK, map[string]any{"data": page, "total": len(match), "skip": skip, "limit": limit})
	}
}

func fieldIs(v any, want string) bool {
	if n, ok := asInt(v); ok {
		return strconv.FormatInt(n, 10) == want
	}
	s, _ := v.(string)
	return strings.EqualFold(s, want)
}

func (s *Sandbox) get(collection string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		rec, ok := s.table(collection).Get(id)
		if err != nil || !ok {
			writeError(w, newError(http.StatusNotFound, "not_found", collection+" "+r.PathValue("id")+" was not found"))
			return
		}
		b, err := rec.JSON()
		if err != nil {
			writeError(w, newError(http.StatusInternalServerError, "server_error", err.Error()))
			return
		}
		writeValue(w, http.StatusOK, json.RawMessage(b))
	}
}

// createCompany imports a company: {"name", "description"} → 201.
func (s *Sandbox) createCompany(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        *string `json:"name"`
		Description string  `json:"description"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeError(w, newError(http.StatusBadRequest, "invalid_request", "the body must be a JSON company: "+err.Error()))
		return
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		writeError(w, newError(http.StatusBadRequest, "invalid_request", "name is required"))
		return
	}
	name := strings.TrimSpace(*in.Name)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for _, c := range s.companies.All() {
		if n, _ := c.Data["name"].(string); strings.EqualFold(n, name) {
			writeError(w, newError(http.StatusConflict, "conflict", "a company named "+name+" exists (id "+strconv.FormatInt(c.ID, 10)+")"))
			return
		}
	}
	rec := s.companies.Insert(map[string]any{"name": name, "description": in.Description})
	b, _ := rec.JSON()
	w.Header().Set("Location", Base+"/companies/"+strconv.FormatInt(rec.ID, 10))
	writeValue(w, http.StatusCreated, json.RawMessage(b))
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}
