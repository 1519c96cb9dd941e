package connectors

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// queryBodyServer mimics a PSA with a zone-discovery step, three auth
// headers, JSON query bodies ({"filter":[{op,field,value}], "maxRecords"})
// POSTed to /query, nextPageUrl cursors, creates answering {"itemId"} and
// partial PATCH of the collection.
type queryBodyServer struct {
	*harness
	store     *memStore
	zoneCalls atomic.Int64
}

const (
	qbCode   = "INTEGRATION-CODE-XYZ"
	qbUser   = "api@example.test"
	qbSecret = "qb-Secret-77aa88bb"
	qbZone   = "/zone5/atservicesrest"
)

func newQueryBodyServer(t testing.TB, n int) *queryBodyServer {
	s := &queryBodyServer{store: newMemStore()}
	for i := 1; i <= n; i++ {
		s.store.put(map[string]any{
			"referenceTitle": fmt.Sprintf("ci-%05d", i), "companyID": float64(1 + i%4), "serialNumber": fmt.Sprintf("SN%06d", i),
			"lastModifiedTime": ts(epoch, i), "isActive": true,
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /atservicesrest/v1.0/zoneInformation", s.zone)
	col := qbZone + "/v1.0/ConfigurationItems"
	mux.Handle("POST "+col+"/query", s.auth(http.HandlerFunc(s.query)))
	mux.Handle("GET "+col+"/query/next", s.auth(http.HandlerFunc(s.next)))
	mux.Handle("GET "+col+"/{id}", s.auth(http.HandlerFunc(s.get)))
	mux.Handle("POST "+col, s.auth(http.HandlerFunc(s.create)))
	mux.Handle("PATCH "+col, s.auth(http.HandlerFunc(s.patch)))
	s.harness = newHarness(t, mux)
	return s
}

func (s *queryBodyServer) zone(w http.ResponseWriter, r *http.Request) {
	s.zoneCalls.Add(1)
	if r.URL.Query().Get("user") != qbUser {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{"unknown user"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"zoneName": "Zone 5", "url": "http://" + r.Host + qbZone + "/", "webUrl": "http://example.test/"})
}

func (s *queryBodyServer) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("ApiIntegrationCode") != qbCode || r.Header.Get("UserName") != qbUser || r.Header.Get("Secret") != qbSecret {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []string{"invalid credentials for secret " + r.Header.Get("Secret")}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

type qbQuery struct {
	Filter     []map[string]any `json:"filter"`
	MaxRecords int              `json:"maxRecords"`
	Offset     int              `json:"offset,omitempty"` // only inside the paging token
}

func (s *queryBodyServer) matches(rec map[string]any, f map[string]any) bool {
	field, _ := f["field"].(string)
	v := rec[field]
	switch f["op"] {
	case "exist":
		return v != nil
	case "eq":
		return IDString(v) == IDString(f["value"])
	case "gt":
		a, _ := time.Parse(time.RFC3339, fmt.Sprint(v))
		b, _ := time.Parse(time.RFC3339, fmt.Sprint(f["value"]))
		return a.After(b)
	}
	return false
}

func (s *queryBodyServer) answer(w http.ResponseWriter, r *http.Request, q qbQuery) {
	if len(q.Filter) == 0 {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"errors": []string{"a query needs at least one filter"}})
		return
	}
	size := q.MaxRecords
	if size <= 0 || size > 500 {
		size = 500
	}
	all := s.store.sorted(func(rec map[string]any) bool {
		for _, f := range q.Filter {
			if !s.matches(rec, f) {
				return false
			}
		}
		return true
	}, nil)
	end := min(q.Offset+size, len(all))
	page := []map[string]any{}
	if q.Offset < len(all) {
		page = all[q.Offset:end]
	}
	var next any
	if end < len(all) {
		nq := q
		nq.Offset = end
		b, _ := json.Marshal(nq)
		next = "http://" + r.Host + qbZone + "/v1.0/ConfigurationItems/query/next?paging=" + base64.URLEncoding.EncodeToString(b)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": page, "pageDetails": map[string]any{
		"count": len(page), "requestCount": size, "prevPageUrl": nil, "nextPageUrl": next}})
}

func (s *queryBodyServer) query(w http.ResponseWriter, r *http.Request) {
	var q qbQuery
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	q.Offset = 0
	s.answer(w, r, q)
}

func (s *queryBodyServer) next(w http.ResponseWriter, r *http.Request) {
	b, err := base64.URLEncoding.DecodeString(r.URL.Query().Get("paging"))
	var q qbQuery
	if err == nil {
		err = json.Unmarshal(b, &q)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"bad paging token"}})
		return
	}
	s.answer(w, r, q)
}

func (s *queryBodyServer) get(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	rec, ok := s.store.get(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{"not found"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"item": rec})
}

func (s *queryBodyServer) create(w http.ResponseWriter, r *http.Request) {
	var rec map[string]any
	if err := json.NewDecoder(r.Body).Decode(&rec); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	if t, _ := rec["referenceTitle"].(string); t == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []any{map[string]any{"message": "referenceTitle is required"}}})
		return
	}
	rec["lastModifiedTime"] = time.Now().UTC().Format(time.RFC3339)
	id := s.store.put(rec)
	writeJSON(w, http.StatusOK, map[string]any{"itemId": id})
}

func (s *queryBodyServer) patch(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	idf, isNum := body["id"].(float64)
	if !isNum {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"id must be a number"}})
		return
	}
	id := int(idf)
	rec, ok := s.store.get(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{"not found"}})
		return
	}
	if t, ok := body["referenceTitle"]; ok && (t == nil || t == "") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"referenceTitle cannot be empty"}})
		return
	}
	next := map[string]any{}
	for k, v := range rec {
		next[k] = v
	}
	for k, v := range body {
		next[k] = v
	}
	s.store.set(id, next)
	writeJSON(w, http.StatusOK, map[string]any{"itemId": id})
}

func queryBodySystem(baseURL string, size int) plan.System {
	return plan.System{
		Name: "qb", Role: plan.RolePSA, Connector: "rest",
		Discovery: &plan.Discovery{URL: "${var.zone_url}/atservicesrest/v1.0/zoneInformation",
			Query: map[string]plan.Template{"user": "${var.user}"}, BaseURLPath: "url", Suffix: "v1.0"},
		Auth: plan.Auth{Scheme: plan.AuthHeader, Headers: map[string]plan.Template{
			"ApiIntegrationCode": "${var.code}", "UserName": "${var.user}", "Secret": "${var.secret}"}},
		RateLimit: plan.RateLimit{Concurrency: 3},
		Retry:     plan.Retry{MaxAttempts: 4},
		Paging:    plan.Paging{Style: plan.PagingNextURL, SizeParam: "maxRecords", Size: size, MaxSize: 500, NextURLPath: "pageDetails.nextPageUrl"},
		Envelope:  plan.Envelope{Items: "items", Item: "item", CreatedID: "itemId", ErrorMessage: []string{"errors"}},
		Filter:    "query_body",
		Objects: []plan.Object{{
			Name: "configuration", ListPath: "/ConfigurationItems/query", ListMethod: "POST",
			ListBody: `{"filter":[{"op":"exist","field":"id"}]}`, ItemPath: "/ConfigurationItems/{id}",
			CreatePath: "/ConfigurationItems", UpdatePath: "/ConfigurationItems", ID: "id", Updated: "lastModifiedTime",
			Write: plan.WritePartialPatch,
			ChangedSince: &plan.ChangedSince{Mode: plan.ChangedFilter,
				Template: `{"op":"gt","field":"lastModifiedTime","value":"${cursor}"}`},
			Fields: []plan.Field{
				{Name: "name", Path: "referenceTitle", Access: plan.FieldBoth},
				{Name: "serial_number", Path: "serialNumber", Access: plan.FieldBoth},
			},
		}},
	}
}

func queryBodyVars(baseURL string) *VarResolver {
	return testVars(map[string]string{"zone_url": baseURL, "code": qbCode, "user": qbUser, "secret": qbSecret}, "secret")
}
