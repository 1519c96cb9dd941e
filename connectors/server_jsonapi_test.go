package connectors

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// jsonapiServer mimics a JSON:API documentation system: x-api-key auth,
// page[number]/page[size] with meta totals, filter[...] parameters, a date
// range filter on one collection only, sort=-updated_at, kebab-case
// attributes, nested bulk create, bulk PATCH of the collection, and
// errors[]{detail, source.pointer} bodies.
type jsonapiServer struct {
	*harness
	configs *memStore
	orgs    *memStore
}

const jaKey = "ITG.key-abcdef0123456789"

func newJSONAPIServer(t testing.TB, nConfigs, nOrgs int) *jsonapiServer {
	s := &jsonapiServer{configs: newMemStore(), orgs: newMemStore()}
	for i := 1; i <= nConfigs; i++ {
		s.configs.put(map[string]any{
			"name": fmt.Sprintf("cfg-%05d", i), "organization-id": float64(1 + i%5), "configuration-type-id": float64(7),
			"serial-number": fmt.Sprintf("SN%06d", i), "updated-at": ts(epoch, i), "created-at": ts(epoch, -i),
		})
	}
	for i := 1; i <= nOrgs; i++ {
		s.orgs.put(map[string]any{"name": fmt.Sprintf("org-%03d", i), "updated-at": ts(epoch, 10*i)})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /configurations", s.listConfigs)
	mux.HandleFunc("GET /configurations/{id}", s.getConfig)
	mux.HandleFunc("PATCH /configurations/{id}", s.patchConfig)
	mux.HandleFunc("PATCH /configurations", s.bulkPatch)
	mux.HandleFunc("POST /organizations/{org}/relationships/configurations", s.createConfigs)
	mux.HandleFunc("GET /organizations", s.listOrgs)
	s.harness = newHarness(t, s.auth(mux))
	return s
}

func (s *jsonapiServer) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-api-key") != jaKey {
			writeJSON(w, http.StatusForbidden, map[string]any{"errors": []any{map[string]any{"status": "403", "title": "Forbidden", "detail": "invalid key " + r.Header.Get("x-api-key")}}})
			return
		}
		if r.Method != http.MethodGet && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/vnd.api+json") {
			writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"errors": []any{map[string]any{"detail": "use application/vnd.api+json"}}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func resource(typ string, rec map[string]any) map[string]any {
	attrs := map[string]any{}
	for k, v := range rec {
		if k != "id" {
			attrs[k] = v
		}
	}
	return map[string]any{"id": IDString(rec["id"]), "type": typ, "attributes": attrs}
}

func jaErrors(w http.ResponseWriter, status int, errs ...map[string]any) {
	writeJSON(w, status, map[string]any{"errors": errs})
}

func jaPage(w http.ResponseWriter, r *http.Request, typ string, all []map[string]any) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page[number]"))
	size, _ := strconv.Atoi(q.Get("page[size]"))
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = 50
	}
	size = min(size, 1000)
	total := len(all)
	pages := (total + size - 1) / size
	data := []any{}
	for _, rec := range pageOf(all, page, size) {
		data = append(data, resource(typ, rec))
	}
	meta := map[string]any{"current-page": page, "total-pages": pages, "total-count": total, "next-page": nil, "prev-page": nil}
	if page < pages {
		meta["next-page"] = page + 1
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": meta})
}

func (s *jsonapiServer) listConfigs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	org := q.Get("filter[organization_id]")
	keep := func(rec map[string]any) bool { return org == "" || IDString(rec["organization-id"]) == org }
	var less func(a, b map[string]any) bool
	switch q.Get("sort") {
	case "-updated_at":
		less = func(a, b map[string]any) bool { return a["updated-at"].(string) > b["updated-at"].(string) }
	case "", "id":
	default:
		jaErrors(w, http.StatusBadRequest, map[string]any{"detail": "bad sort " + q.Get("sort")})
		return
	}
	if _, ok := q["filter[updated_at]"]; ok {
		jaErrors(w, http.StatusBadRequest, map[string]any{"detail": "filter[updated_at] is not allowed on configurations"})
		return
	}
	jaPage(w, r, "configurations", s.configs.sorted(keep, less))
}

func (s *jsonapiServer) listOrgs(w http.ResponseWriter, r *http.Request) {
	rng := r.URL.Query().Get("filter[updated_at]")
	var from, to time.Time
	if rng != "" {
		a, b, _ := strings.Cut(rng, ",")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		var err error
		if a != "*" {
			if from, err = time.Parse(time.RFC3339, a); err != nil {
				jaErrors(w, http.StatusBadRequest, map[string]any{"detail": "bad date " + a})
				return
			}
		}
		if b != "*" && b != "" {
			to, _ = time.Parse(time.RFC3339, b)
		}
	}
	keep := func(rec map[string]any) bool {
		u, _ := time.Parse(time.RFC3339, rec["updated-at"].(string))
		return (from.IsZero() || !u.Before(from)) && (to.IsZero() || !u.After(to))
	}
	jaPage(w, r, "organizations", s.orgs.sorted(keep, nil))
}

func (s *jsonapiServer) getConfig(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	rec, ok := s.configs.get(id)
	if !ok {
		jaErrors(w, http.StatusNotFound, map[string]any{"status": "404", "detail": "Record not found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": resource("configurations", rec)})
}

func jaInvalid(attrs map[string]any, pointer string) map[string]any {
	if name, ok := attrs["name"]; ok && (name == nil || name == "") {
		return map[string]any{"status": "422", "title": "Unprocessable Entity", "detail": "Name can't be blank", "source": map[string]any{"pointer": pointer + "/name"}}
	}
	return nil
}

func (s *jsonapiServer) patchConfig(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	rec, ok := s.configs.get(id)
	if !ok {
		jaErrors(w, http.StatusNotFound, map[string]any{"status": "404", "detail": "Record not found"})
		return
	}
	var body struct {
		Data struct {
			Type       string         `json:"type"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Data.Type != "configurations" {
		jaErrors(w, http.StatusBadRequest, map[string]any{"detail": "bad document"})
		return
	}
	if e := jaInvalid(body.Data.Attributes, "/data/attributes"); e != nil {
		jaErrors(w, http.StatusUnprocessableEntity, e)
		return
	}
	next := map[string]any{}
	for k, v := range rec {
		next[k] = v
	}
	for k, v := range body.Data.Attributes {
		next[k] = v
	}
	next["updated-at"] = time.Now().UTC().Format(time.RFC3339)
	s.configs.set(id, next)
	writeJSON(w, http.StatusOK, map[string]any{"data": resource("configurations", next)})
}

func (s *jsonapiServer) bulkPatch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Data []struct {
			Type       string         `json:"type"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		jaErrors(w, http.StatusBadRequest, map[string]any{"detail": "bad document"})
		return
	}
	var errs []map[string]any
	for i, d := range body.Data {
		if e := jaInvalid(d.Attributes, fmt.Sprintf("/data/%d/attributes", i)); e != nil {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		jaErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	var out []any
	for _, d := range body.Data {
		id, _ := toInt(d.Attributes["id"])
		rec, ok := s.configs.get(id)
		if !ok {
			jaErrors(w, http.StatusNotFound, map[string]any{"detail": fmt.Sprintf("configuration %d not found", id)})
			return
		}
		next := map[string]any{}
		for k, v := range rec {
			next[k] = v
		}
		for k, v := range d.Attributes {
			if k != "id" {
				next[k] = v
			}
		}
		s.configs.set(id, next)
		out = append(out, resource("configurations", next))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// createConfigs takes one resource or an array (bulk) on the nested route;
// any invalid record refuses the whole batch with 422.
func (s *jsonapiServer) createConfigs(w http.ResponseWriter, r *http.Request) {
	org, _ := strconv.Atoi(r.PathValue("org"))
	var body struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		jaErrors(w, http.StatusBadRequest, map[string]any{"detail": "bad document"})
		return
	}
	type res struct {
		Type       string         `json:"type"`
		Attributes map[string]any `json:"attributes"`
	}
	var list []res
	single := !strings.HasPrefix(strings.TrimSpace(string(body.Data)), "[")
	if single {
		var one res
		_ = json.Unmarshal(body.Data, &one)
		list = []res{one}
	} else {
		_ = json.Unmarshal(body.Data, &list)
	}
	var errs []map[string]any
	for i, d := range list {
		ptr := "/data/attributes"
		if !single {
			ptr = fmt.Sprintf("/data/%d/attributes", i)
		}
		if d.Type != "configurations" {
			errs = append(errs, map[string]any{"detail": "type must be configurations", "source": map[string]any{"pointer": "/data/type"}})
		}
		if e := jaInvalid(d.Attributes, ptr); e != nil || d.Attributes["name"] == nil {
			if e == nil {
				e = map[string]any{"detail": "Name can't be blank", "source": map[string]any{"pointer": ptr + "/name"}}
			}
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		jaErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	var out []any
	for _, d := range list {
		rec := map[string]any{}
		for k, v := range d.Attributes {
			rec[k] = v
		}
		rec["organization-id"] = float64(org)
		rec["updated-at"] = time.Now().UTC().Format(time.RFC3339)
		s.configs.put(rec)
		out = append(out, resource("configurations", rec))
	}
	if single {
		writeJSON(w, http.StatusCreated, map[string]any{"data": out[0]})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": out})
}

func jsonapiSystem(baseURL string, size int) plan.System {
	return plan.System{
		Name: "ja", Role: plan.RoleDoc, Connector: "rest", BaseURL: "${var.url}",
		Auth:        plan.Auth{Scheme: plan.AuthHeader, Headers: map[string]plan.Template{"x-api-key": "${var.api_key}"}},
		RateLimit:   plan.RateLimit{RequestsPerSecond: 100, Burst: 10, Concurrency: 4, WindowRequests: 3000, WindowSeconds: 300},
		Retry:       plan.Retry{MaxAttempts: 5, InitialBackoff: 1, MaxBackoff: 16},
		ContentType: "application/vnd.api+json",
		Paging: plan.Paging{Style: plan.PagingPageNumber, PageParam: "page[number]", SizeParam: "page[size]", Size: size,
			MaxSize: 1000, Stop: plan.StopTotalPages, TotalPages: "meta.total-pages", TotalCount: "meta.total-count"},
		Envelope: plan.Envelope{Items: "data", Item: "data", ErrorMessage: []string{"errors"}},
		Filter:   "jsonapi",
		Objects: []plan.Object{
			{
				Name: "configuration", ResourceType: "configurations", ListPath: "/configurations",
				ItemPath: "/configurations/{id}", CreatePath: "/organizations/{ref:organization}/relationships/configurations",
				ID: "id", Updated: "attributes.updated-at", Write: plan.WriteJSONAPI,
				ChangedSince: &plan.ChangedSince{Mode: plan.ChangedSortDesc, SortParam: "sort", SortValue: "-updated_at"},
				Bulk: &plan.Bulk{
					Create: &plan.BulkRoute{Method: "POST", Max: 4, Wrap: "jsonapi_array"},
					Update: &plan.BulkRoute{Path: "/configurations", Method: "PATCH", Max: 4, Wrap: "jsonapi_array"},
				},
				Fields: []plan.Field{
					{Name: "name", Path: "attributes.name", WritePath: "name", Access: plan.FieldBoth},
					{Name: "organization", Path: "attributes.organization-id", WritePath: "organization-id", Ref: "organization", Access: plan.FieldBoth},
					{Name: "serial_number", Path: "attributes.serial-number", WritePath: "serial-number", Access: plan.FieldBoth},
				},
			},
			{
				Name: "organization", ResourceType: "organizations", ListPath: "/organizations", ID: "id",
				Updated: "attributes.updated-at", Write: plan.WriteNone,
				ChangedSince: &plan.ChangedSince{Mode: plan.ChangedFilter, Param: "filter[updated_at]", Template: "${cursor}, *"},
			},
		},
	}
}

func jsonapiVars(baseURL string) *VarResolver {
	return testVars(map[string]string{"url": baseURL, "api_key": jaKey}, "api_key")
}
