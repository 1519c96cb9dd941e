package connectors

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"mapsync/engine/plan"
)

// linkHeaderServer mimics a PSA REST API in the style of basic auth + a
// client id header, page/pageSize paging with Link rel="next", a
// "conditions" filter grammar, RFC 6902 PATCH, {code,message,errors[]}
// error bodies and a bulk route answering per-record results.
type linkHeaderServer struct {
	*harness
	store *memStore
	mfrs  *memStore
	base  string
}

const (
	lhUser     = "acme+pubkey1234"
	lhPass     = "priv-Secret-9f8e7d"
	lhClientID = "client-0000-1111"
	lhBase     = "/v4_6_release/apis/3.0"
)

func lhRecord(i int) map[string]any {
	return map[string]any{
		"name":         fmt.Sprintf("cfg-%05d", i),
		"type":         map[string]any{"id": float64(1 + i%3), "name": fmt.Sprintf("Type %d", 1+i%3)},
		"company":      map[string]any{"id": float64(1 + i%10)},
		"serialNumber": fmt.Sprintf("SN%06d", i),
		"_info":        map[string]any{"lastUpdated": ts(epoch, i)},
	}
}

func newLinkHeaderServer(t testing.TB, n int) *linkHeaderServer {
	s := &linkHeaderServer{store: newMemStore(), mfrs: newMemStore(), base: lhBase}
	for i := 1; i <= n; i++ {
		s.store.put(lhRecord(i))
	}
	for _, m := range []string{"Dell", "HP", "Lenovo"} {
		s.mfrs.put(map[string]any{"name": m})
	}
	mux := http.NewServeMux()
	col := lhBase + "/company/configurations"
	mux.HandleFunc("GET "+col, s.list)
	mux.HandleFunc("POST "+col, s.create)
	mux.HandleFunc("POST "+col+"/bulk", s.bulkCreate)
	mux.HandleFunc("GET "+col+"/{id}", s.get)
	mux.HandleFunc("PATCH "+col+"/{id}", s.patch)
	mux.HandleFunc("PUT "+col+"/{id}", s.put)
	mux.HandleFunc("DELETE "+col+"/{id}", s.delete)
	mux.HandleFunc("GET "+lhBase+"/procurement/manufacturers", s.listMfrs)
	mux.HandleFunc("GET "+lhBase+"/company/companies/{cid}/sites", s.listSites)
	mux.HandleFunc("PATCH "+lhBase+"/company/companies/{cid}/sites/{id}", s.patchSite)
	mux.HandleFunc("GET "+lhBase+"/service/tickets/{id}/configurations", s.ticketConfigs)
	mux.HandleFunc("POST "+lhBase+"/procurement/manufacturers", s.createMfr)
	s.harness = newHarness(t, s.auth(mux))
	return s
}

func lhError(w http.ResponseWriter, status int, code, msg string, errs ...map[string]any) {
	body := map[string]any{"code": code, "message": msg}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	writeJSON(w, status, body)
}

func (s *linkHeaderServer) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != lhUser || p != lhPass || r.Header.Get("clientId") != lhClientID {
			// A careless server echoing the credential it was sent.
			lhError(w, http.StatusUnauthorized, "Unauthorized", "bad credentials: "+r.Header.Get("Authorization"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

var condRe = regexp.MustCompile(`^\s*([\w/]+)\s*(>=|<=|!=|=|>|<|contains)\s*(.+?)\s*$`)

// matchConditions evaluates "a op v and b op v" on a record.
func matchConditions(rec map[string]any, conds string) (bool, error) {
	if conds == "" {
		return true, nil
	}
	for part := range strings.SplitSeq(conds, " and ") {
		m := condRe.FindStringSubmatch(strings.Trim(part, "() "))
		if m == nil {
			return false, fmt.Errorf("cannot parse condition %q", part)
		}
		field, op, lit := m[1], m[2], m[3]
		path := strings.ReplaceAll(field, "/", ".")
		if field == "lastUpdated" {
			path = "_info.lastUpdated"
		}
		v, _ := Value(rec, path)
		var cmp int
		switch {
		case strings.HasPrefix(lit, "["):
			want, err := time.Parse(time.RFC3339, strings.Trim(lit, "[]"))
			if err != nil {
				return false, err
			}
			got, _ := time.Parse(time.RFC3339, fmt.Sprint(v))
			cmp = got.Compare(want)
		case strings.HasPrefix(lit, `"`):
			want, err := strconv.Unquote(lit)
			if err != nil {
				return false, err
			}
			if op == "contains" {
				if !strings.Contains(fmt.Sprint(v), want) {
					return false, nil
				}
				continue
			}
			cmp = strings.Compare(fmt.Sprint(v), want)
		default:
			want, err := strconv.ParseFloat(lit, 64)
			if err != nil {
				return false, err
			}
			got, _ := v.(float64)
			cmp = map[bool]int{true: -1, false: 0}[got < want]
			if got > want {
				cmp = 1
			}
		}
		ok := map[string]bool{">": cmp > 0, ">=": cmp >= 0, "<": cmp < 0, "<=": cmp <= 0, "=": cmp == 0, "!=": cmp != 0}[op]
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func (s *linkHeaderServer) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("pageSize"))
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = 25
	}
	if size > 1000 {
		size = 1000
	}
	var perr error
	all := s.store.sorted(func(rec map[string]any) bool {
		ok, err := matchConditions(rec, q.Get("conditions"))
		if err != nil {
			perr = err
		}
		return ok
	}, nil)
	if perr != nil {
		lhError(w, http.StatusBadRequest, "InvalidCondition", perr.Error())
		return
	}
	if page*size < len(all) {
		nq := r.URL.Query()
		nq.Set("page", strconv.Itoa(page+1))
		w.Header().Add("Link", fmt.Sprintf(`<http://%s%s?%s>; rel="next", <http://%s%s?page=1>; rel="first"`, r.Host, r.URL.Path, nq.Encode(), r.Host, r.URL.Path))
	}
	out := pageOf(all, page, size)
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *linkHeaderServer) record(w http.ResponseWriter, r *http.Request) (int, map[string]any, bool) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	rec, ok := s.store.get(id)
	if !ok {
		lhError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("configuration %d not found", id))
	}
	return id, rec, ok
}

func (s *linkHeaderServer) get(w http.ResponseWriter, r *http.Request) {
	if _, rec, ok := s.record(w, r); ok {
		writeJSON(w, http.StatusOK, rec)
	}
}

// invalid returns the validation error of a configuration, if any.
func lhInvalid(rec map[string]any) map[string]any {
	name, _ := rec["name"].(string)
	switch {
	case name == "":
		return map[string]any{"code": "InvalidField", "message": "The name field is required.", "resource": "configuration", "field": "name"}
	case len(name) > 100:
		return map[string]any{"code": "InvalidField", "message": "name exceeds 100 characters", "field": "name"}
	}
	if _, ok := Value(rec, "type.id"); !ok {
		return map[string]any{"code": "InvalidField", "message": "type is required", "field": "type"}
	}
	return nil
}

func (s *linkHeaderServer) patch(w http.ResponseWriter, r *http.Request) {
	id, rec, ok := s.record(w, r)
	if !ok {
		return
	}
	var body []byte
	body, _ = readAll(r)
	patch, err := jsonpatch.DecodePatch(body)
	if err != nil {
		lhError(w, http.StatusBadRequest, "InvalidPatch", err.Error())
		return
	}
	doc, _ := json.Marshal(rec)
	out, err := patch.Apply(doc)
	if err != nil {
		lhError(w, http.StatusBadRequest, "InvalidPatch", err.Error())
		return
	}
	var next map[string]any
	_ = json.Unmarshal(out, &next)
	if e := lhInvalid(next); e != nil {
		lhError(w, http.StatusBadRequest, "InvalidObject", "configuration object is invalid", e)
		return
	}
	next["id"] = float64(id)
	s.store.set(id, next)
	writeJSON(w, http.StatusOK, next)
}

func (s *linkHeaderServer) put(w http.ResponseWriter, r *http.Request) {
	id, _, ok := s.record(w, r)
	if !ok {
		return
	}
	var next map[string]any
	if err := json.NewDecoder(r.Body).Decode(&next); err != nil {
		lhError(w, http.StatusBadRequest, "InvalidObject", err.Error())
		return
	}
	if e := lhInvalid(next); e != nil {
		lhError(w, http.StatusBadRequest, "InvalidObject", "configuration object is invalid", e)
		return
	}
	next["id"] = float64(id)
	s.store.set(id, next)
	writeJSON(w, http.StatusOK, next)
}

func (s *linkHeaderServer) delete(w http.ResponseWriter, r *http.Request) {
	id, _, ok := s.record(w, r)
	if !ok {
		return
	}
	s.store.mu.Lock()
	delete(s.store.recs, id)
	s.store.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *linkHeaderServer) create(w http.ResponseWriter, r *http.Request) {
	var rec map[string]any
	if err := json.NewDecoder(r.Body).Decode(&rec); err != nil {
		lhError(w, http.StatusBadRequest, "InvalidObject", err.Error())
		return
	}
	if e := lhInvalid(rec); e != nil {
		lhError(w, http.StatusBadRequest, "InvalidObject", "configuration object is invalid", e)
		return
	}
	rec["_info"] = map[string]any{"lastUpdated": time.Now().UTC().Format(time.RFC3339)}
	s.store.put(rec)
	writeJSON(w, http.StatusCreated, rec)
}

// bulkCreate takes {"configurations":[...]} and answers
// {"payload":[{success, originalIndex, statusCode, data | error}]}.
func (s *linkHeaderServer) bulkCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Configurations []map[string]any `json:"configurations"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		lhError(w, http.StatusBadRequest, "InvalidObject", err.Error())
		return
	}
	var payload []map[string]any
	// Answer in reverse order so the runtime must use originalIndex.
	for i := len(body.Configurations) - 1; i >= 0; i-- {
		rec := body.Configurations[i]
		if e := lhInvalid(rec); e != nil {
			payload = append(payload, map[string]any{"success": false, "originalIndex": i, "statusCode": 400,
				"error": map[string]any{"code": "InvalidObject", "message": "configuration object is invalid", "errors": []any{e}}})
			continue
		}
		s.store.put(rec)
		payload = append(payload, map[string]any{"success": true, "originalIndex": i, "statusCode": 201, "data": rec})
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": payload})
}

func (s *linkHeaderServer) listMfrs(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
	all := s.mfrs.sorted(nil, nil)
	if page*size < len(all) {
		w.Header().Set("Link", `<x>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, pageOf(all, page, size))
}

func (s *linkHeaderServer) createMfr(w http.ResponseWriter, r *http.Request) {
	var rec map[string]any
	_ = json.NewDecoder(r.Body).Decode(&rec)
	s.mfrs.put(rec)
	writeJSON(w, http.StatusCreated, rec)
}

// Sites: company c has c sites (ids 100*c+k); the payload has no company.
func (s *linkHeaderServer) sitesOf(cid int) []map[string]any {
	var out []map[string]any
	for k := 1; k <= cid; k++ {
		out = append(out, map[string]any{"id": float64(100*cid + k), "name": fmt.Sprintf("site %d-%d", cid, k),
			"_info": map[string]any{"lastUpdated": ts(epoch, k)}})
	}
	return out
}

func (s *linkHeaderServer) listSites(w http.ResponseWriter, r *http.Request) {
	cid, _ := strconv.Atoi(r.PathValue("cid"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
	all := s.sitesOf(cid)
	if page*size < len(all) {
		w.Header().Set("Link", `<x>; rel="next"`)
	}
	out := pageOf(all, page, size)
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *linkHeaderServer) patchSite(w http.ResponseWriter, r *http.Request) {
	cid, _ := strconv.Atoi(r.PathValue("cid"))
	id, _ := strconv.Atoi(r.PathValue("id"))
	if id/100 != cid {
		lhError(w, http.StatusNotFound, "NotFound", "site not under this company")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id})
}

// ticketConfigs: ticket t is linked to configurations t, t+1, t+2.
func (s *linkHeaderServer) ticketConfigs(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
	var all []map[string]any
	for k := range 3 {
		all = append(all, map[string]any{"id": float64(id + k), "deviceIdentifier": fmt.Sprint("dev", id+k)})
	}
	if page*size < len(all) {
		w.Header().Set("Link", `<x>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, pageOf(all, page, size))
}

func readAll(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }

// linkHeaderSystem declares the server above as a plan would.
func linkHeaderSystem(baseURL string, size int) plan.System {
	return plan.System{
		Name: "lh", Role: plan.RolePSA, Connector: "rest",
		BaseURL: plan.Template("${var.site}" + lhBase),
		Headers: map[string]plan.Template{"clientId": "${var.client_id}"},
		Auth: plan.Auth{Scheme: plan.AuthBasic, Username: "${var.company}+${var.public_key}",
			Password: "${var.private_key}"},
		RateLimit: plan.RateLimit{Concurrency: 4},
		Retry:     plan.Retry{MaxAttempts: 6, InitialBackoff: 0.5, MaxBackoff: 8},
		Paging: plan.Paging{Style: plan.PagingPageNumber, PageParam: "page", SizeParam: "pageSize",
			Size: size, MaxSize: 1000, Stop: plan.StopLinkHeader},
		Envelope:   plan.Envelope{Items: "", Item: ""}, // errors: the generic {code,message,errors[]} rendering
		Filter:     "conditions",
		TimeFormat: time.RFC3339,
		Objects: []plan.Object{{
			Name: "configuration", ListPath: "/company/configurations", ItemPath: "/company/configurations/{id}",
			CreatePath: "/company/configurations", ID: "id", Updated: "_info.lastUpdated", Write: plan.WriteJSONPatch,
			ChangedSince: &plan.ChangedSince{Mode: plan.ChangedFilter, Param: "conditions", Template: "lastUpdated > [${cursor}]"},
			Bulk: &plan.Bulk{Create: &plan.BulkRoute{Path: "/company/configurations/bulk", Method: "POST", Max: 3,
				Wrap: "object:configurations", Results: &plan.BulkResults{Path: "payload", Item: "data", Success: "success",
					Index: "originalIndex", Status: "statusCode", ErrorMessage: []string{"error"}}}},
			Fields: []plan.Field{
				{Name: "name", Path: "name", Access: plan.FieldBoth, RequiredOnCreate: true},
				{Name: "configuration_type", Path: "type.id", Access: plan.FieldBoth},
				{Name: "serial_number", Path: "serialNumber", Access: plan.FieldBoth},
				{Name: "organization", Path: "company.id", Ref: "organization", Access: plan.FieldBoth},
				{Name: "updated", Path: "_info.lastUpdated", Access: plan.FieldRead},
				{Name: "type_name", Path: "types.0.name", WritePath: "types.0.id", CreateOnly: true, Access: plan.FieldBoth},
			},
		}, {
			Name: "location", ListPath: "/company/companies/{ref:organization}/sites",
			ItemPath: "/company/companies/{ref:organization}/sites/{id}", ID: "id", Updated: "_info.lastUpdated", Write: plan.WriteJSONPatch,
			Fields: []plan.Field{
				{Name: "organization", Path: "company.id", Ref: "organization", Access: plan.FieldBoth},
				{Name: "name", Path: "name", Access: plan.FieldBoth},
			},
		}, {
			Name: "ticket", ListPath: "/service/tickets", ID: "id", Write: plan.WriteJSONPatch,
			Fields: []plan.Field{{Name: "configurations", Fetch: "/service/tickets/{id}/configurations", Path: "id", Access: plan.FieldRead}},
		}},
		Lookups: []plan.Lookup{{Name: "manufacturer", Path: "/procurement/manufacturers", ID: "id", Label: "name",
			Missing: plan.MissingCreate, CreatePath: "/procurement/manufacturers", CreateBody: `{"name":"${label}"}`}},
	}
}

func linkHeaderVars(baseURL string) *VarResolver {
	return testVars(map[string]string{
		"site": baseURL, "client_id": lhClientID, "company": "acme", "public_key": "pubkey1234", "private_key": lhPass,
	}, "private_key")
}
