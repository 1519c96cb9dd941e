package tigerpaw

import (
	"crypto/subtle"
	"encoding/base64"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Sandbox) routes(mux *http.ServeMux) {
	h := func(pattern string, fn http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" "+Base+path, s.authed(fn))
	}
	h("GET /accounts", s.listAccounts)
	h("POST /accounts", s.createAccount)
	h("GET /accounts/{accountNumber}", s.getAccount)
	h("PATCH /accounts/{accountNumber}", s.patchAccount)
	h("DELETE /accounts/{accountNumber}", s.deleteAccount)
	h("GET /accounts/{accountNumber}/contacts", s.listAccountContacts)
	h("GET /contacts", s.listContacts)
	h("POST /contacts", s.createContact)
	h("GET /contacts/{contactNumber}", s.getContact)
	h("PATCH /contacts/{contactNumber}", s.patchContact)
	h("DELETE /contacts/{contactNumber}", s.deleteContact)
	for name := range referenceLists {
		h("GET /"+name, s.listReference(name))
	}
	h("GET /accountreps/me", s.currentRep)
	mux.Handle("/", s.authed(s.notFoundOrMethod))
}

// authed checks Basic auth (publicKey:privateKey) and the rate limit
// before calling h.
func (s *Sandbox) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e := s.authenticate(r); e != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="Tigerpaw"`)
			writeError(w, e)
			return
		}
		ok, remaining, wait := s.limit.Take(s.opts.PublicKey)
		if s.limit.Limit() > 0 {
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.limit.Limit()))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		}
		if !ok {
			secs := max(int(math.Ceil(wait.Seconds())), 1)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, newError(http.StatusTooManyRequests, "RateLimitExceeded",
				"Rate limit exceeded: %d requests per %s for these API keys; retry in %d s.", s.limit.Limit(), s.limit.Window(), secs))
			return
		}
		h(w, r)
	}
}

func (s *Sandbox) authenticate(r *http.Request) *apiError {
	unauthorized := func(msg string) *apiError { return newError(http.StatusUnauthorized, "Unauthorized", "%s", msg) }
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return unauthorized("Authorization is required: send Basic auth with the account rep's publicKey:privateKey.")
	}
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return unauthorized("Unsupported authorization scheme; use Basic auth with publicKey:privateKey.")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil {
		return unauthorized("The Basic credentials are not valid base64.")
	}
	pub, priv, hasColon := strings.Cut(string(raw), ":")
	if !hasColon {
		return unauthorized("The Basic credentials must be publicKey:privateKey.")
	}
	good := subtle.ConstantTimeCompare([]byte(pub), []byte(s.opts.PublicKey)) == 1
	good = subtle.ConstantTimeCompare([]byte(priv), []byte(s.opts.PrivateKey)) == 1 && good
	if !good {
		return unauthorized("The public key or private key is not valid for any account rep.")
	}
	return nil
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
	if len(allow) > 0 && !slices.Contains(allow, r.Method) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, newError(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is not supported on %s (allowed: %s).", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	writeError(w, newError(http.StatusNotFound, "NotFound", "No resource matches %s.", r.URL.Path))
}

// listReference serves a reference list.
func (s *Sandbox) listReference(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, e := parseQuery(r, nil)
		if e != nil {
			writeError(w, e)
			return
		}
		vals := referenceLists[name]
		items := make([]any, 0, len(vals))
		for i, v := range vals {
			items = append(items, map[string]any{"ID": i + 1, "Name": v})
		}
		writePage(w, q, items)
	}
}

// currentRep names the account rep the keys belong to.
func (s *Sandbox) currentRep(w http.ResponseWriter, r *http.Request) {
	if e := noQuery(r); e != nil {
		writeError(w, e)
		return
	}
	writeValue(w, http.StatusOK, map[string]any{"RepNumber": 1, "RepName": s.opts.RepName, "PublicKey": s.opts.PublicKey})
}
