package connectors

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"mapsync/engine/plan"
)

// envelopeServer mimics a PSA with a token login (multipart form), bearer
// tokens, a {Success, Error{Code,Message}, Result, TotalRecords} envelope
// whose failures arrive as HTTP 200 with Success=false, page number/size in
// a POST search body (the page and the Filter in it) and JSON Patch
// updates.
type envelopeServer struct {
	*harness
	store  *memStore
	logins atomic.Int64

	mu     sync.Mutex
	tokens map[string]bool
}

const (
	envUser   = "api-user"
	envPass   = "env-Pa55word-secret"
	envTenant = "tenant1"
)

func newEnvelopeServer(t testing.TB, n int) *envelopeServer {
	s := &envelopeServer{store: newMemStore(), tokens: map[string]bool{}}
	s.store.idKey = "Id"
	for i := 1; i <= n; i++ {
		s.store.put(map[string]any{"Title": fmt.Sprintf("ticket-%04d", i), "AccountId": float64(1 + i%3),
			"ModifiedOn": ts(epoch, i)})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/security/authenticate", s.login)
	mux.Handle("POST /v2/servicedesk/tickets/search", s.auth(http.HandlerFunc(s.search)))
	mux.Handle("GET /v2/servicedesk/tickets/{id}", s.auth(http.HandlerFunc(s.get)))
	mux.Handle("PATCH /v2/servicedesk/tickets/{id}", s.auth(http.HandlerFunc(s.patch)))
	mux.Handle("POST /v2/servicedesk/tickets", s.auth(http.HandlerFunc(s.create)))
	s.harness = newHarness(t, mux)
	return s
}

func envOK(w http.ResponseWriter, result any, extra map[string]any) {
	body := map[string]any{"Success": true, "Error": nil, "Result": result}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, http.StatusOK, body)
}

func envFail(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"Success": false, "Result": nil, "Error": map[string]any{"Code": code, "Message": msg}})
}

func (s *envelopeServer) revokeAll() {
	s.mu.Lock()
	s.tokens = map[string]bool{}
	s.mu.Unlock()
}

func (s *envelopeServer) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		envFail(w, http.StatusBadRequest, "BadRequest", "expected multipart/form-data")
		return
	}
	if r.FormValue("GrantType") != "password" || r.FormValue("UserName") != envUser ||
		r.FormValue("Password") != envPass || r.FormValue("Tenant") != envTenant {
		envFail(w, http.StatusOK, "InvalidCredentials", "Invalid user name or password")
		return
	}
	n := s.logins.Add(1)
	tok := fmt.Sprintf("jwt-token-%d-abcdefgh", n)
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	envOK(w, map[string]any{"AccessToken": tok, "ExpiresIn": 3600, "TokenType": "Bearer"}, nil)
}

func (s *envelopeServer) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		valid := ok && s.tokens[tok]
		s.mu.Unlock()
		if !valid {
			envFail(w, http.StatusUnauthorized, "Unauthorized", "token expired or invalid")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *envelopeServer) search(w http.ResponseWriter, r *http.Request) {
	var body struct {
		PageSize   int
		PageNumber int
		Filter     struct{ ModifiedOnFrom string }
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.PageNumber < 1 || body.PageSize < 1 {
		envFail(w, http.StatusOK, "BadRequest", "PageNumber and PageSize are required")
		return
	}
	from := body.Filter.ModifiedOnFrom // a search takes its filters in the body
	var fromT time.Time
	if from != "" {
		var err error
		if fromT, err = time.Parse("2006-01-02T15:04:05", from); err != nil {
			envFail(w, http.StatusOK, "BadRequest", "bad ModifiedOnFrom "+from)
			return
		}
	}
	all := s.store.sorted(func(rec map[string]any) bool {
		m, _ := time.Parse(time.RFC3339, rec["ModifiedOn"].(string))
		return fromT.IsZero() || m.After(fromT)
	}, nil)
	out := pageOf(all, body.PageNumber, body.PageSize)
	if out == nil {
		out = []map[string]any{}
	}
	envOK(w, out, map[string]any{"TotalRecords": len(all)})
}

func (s *envelopeServer) get(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	rec, ok := s.store.get(id)
	if !ok {
		envFail(w, http.StatusOK, "NotFound", "ticket not found")
		return
	}
	envOK(w, rec, nil)
}

func (s *envelopeServer) patch(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	rec, ok := s.store.get(id)
	if !ok {
		envFail(w, http.StatusOK, "NotFound", "ticket not found")
		return
	}
	raw, _ := readAll(r)
	patch, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		envFail(w, http.StatusOK, "BadRequest", err.Error())
		return
	}
	doc, _ := json.Marshal(rec)
	out, err := patch.Apply(doc)
	if err != nil {
		envFail(w, http.StatusOK, "BadRequest", err.Error())
		return
	}
	var next map[string]any
	_ = json.Unmarshal(out, &next)
	if t, _ := next["Title"].(string); t == "" {
		envFail(w, http.StatusOK, "ValidationError", "Title is required")
		return
	}
	s.store.set(id, next)
	envOK(w, next, nil)
}

func (s *envelopeServer) create(w http.ResponseWriter, r *http.Request) {
	var rec map[string]any
	if err := json.NewDecoder(r.Body).Decode(&rec); err != nil {
		envFail(w, http.StatusOK, "BadRequest", err.Error())
		return
	}
	if t, _ := rec["Title"].(string); t == "" {
		envFail(w, http.StatusOK, "ValidationError", "Title is required")
		return
	}
	rec["ModifiedOn"] = time.Now().UTC().Format(time.RFC3339)
	id := s.store.put(rec)
	envOK(w, map[string]any{"Id": id}, nil)
}

func envelopeSystem(baseURL string, size int) plan.System {
	return plan.System{
		Name: "env", Role: plan.RolePSA, Connector: "rest", BaseURL: "${var.url}",
		Auth: plan.Auth{Scheme: plan.AuthToken, Token: &plan.TokenLogin{
			Path: "/v2/security/authenticate", Encoding: "multipart",
			Fields: map[string]plan.Template{"GrantType": "password", "UserName": "${var.user}",
				"Password": "${var.password}", "Tenant": "${var.tenant}"},
			TokenPath: "Result.AccessToken", ExpiresPath: "Result.ExpiresIn",
		}},
		RateLimit:  plan.RateLimit{Concurrency: 2},
		Retry:      plan.Retry{MaxAttempts: 3},
		Paging:     plan.Paging{Style: plan.PagingBody, PageParam: "PageNumber", SizeParam: "PageSize", Size: size, TotalCount: "TotalRecords"},
		Envelope:   plan.Envelope{Items: "Result", Item: "Result", Success: "Success", ErrorMessage: []string{"Error.Message"}},
		Filter:     "query",
		TimeFormat: "2006-01-02T15:04:05",
		Objects: []plan.Object{{
			Name: "ticket", ListPath: "/v2/servicedesk/tickets/search", ListMethod: "POST", ListBody: `{"Sort":"Id"}`,
			ItemPath: "/v2/servicedesk/tickets/{id}", CreatePath: "/v2/servicedesk/tickets", ID: "Id", Updated: "ModifiedOn",
			Write:        plan.WriteJSONPatch,
			ChangedSince: &plan.ChangedSince{Mode: plan.ChangedFilter, Param: "Filter.ModifiedOnFrom", Template: "${cursor}"},
			Fields:       []plan.Field{{Name: "title", Path: "Title", Access: plan.FieldBoth}},
		}},
	}
}

func envelopeVars(baseURL string) *VarResolver {
	return testVars(map[string]string{"url": baseURL, "user": envUser, "password": envPass, "tenant": envTenant}, "password")
}
