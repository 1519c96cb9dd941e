package connectwise

import (
	"encoding/json"
	"net/http"
)

// resultInfo is one entry of a BulkResult payload.
type resultInfo struct {
	Success       bool            `json:"success"`
	OriginalIndex int             `json:"originalIndex"`
	StatusCode    int             `json:"statusCode"`
	Data          json.RawMessage `json:"data,omitempty"`
	Error         *apiError       `json:"error,omitempty"`
}

// bulk serves POST, PUT and DELETE /company/configurations/bulk: the body
// is an array (configurations to create or replace, or ids / {id} objects
// to delete) and the answer a BulkResult with one entry per element, in
// order. One bad element does not stop the others.
func (s *Sandbox) bulk(w http.ResponseWriter, r *http.Request) {
	res := s.byName["configurations"]
	var items []any
	if e := readBody(r, &items); e != nil {
		if e.status == http.StatusBadRequest {
			e.Message = "The request body must be a JSON array: " + e.Message
		}
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	payload := make([]resultInfo, 0, len(items))
	for i, it := range items {
		ri := resultInfo{OriginalIndex: i}
		switch r.Method {
		case http.MethodDelete:
			var id any = it
			if m, ok := it.(map[string]any); ok {
				id = m["id"]
			}
			n, ok := asNumber(id)
			switch {
			case !ok:
				ri.StatusCode, ri.Error = http.StatusBadRequest, newAPIError(http.StatusBadRequest, "InvalidObject", "element %d must be an id or {\"id\": n}", i)
			case !res.table.Delete(int64(n)):
				ri.StatusCode, ri.Error = http.StatusNotFound, notFound(res, int64(n))
			default:
				ri.StatusCode, ri.Success = http.StatusNoContent, true
			}
		default:
			m, ok := it.(map[string]any)
			if !ok {
				ri.StatusCode, ri.Error = http.StatusBadRequest, newAPIError(http.StatusBadRequest, "InvalidObject", "element %d must be a configuration object", i)
				break
			}
			var apiErr *apiError
			var rec interface{ JSON() ([]byte, error) }
			if r.Method == http.MethodPost {
				created, e := s.create(res, nil, m)
				apiErr = e
				if e == nil {
					rec = created
				}
				ri.StatusCode = http.StatusCreated
			} else {
				n, ok := asNumber(m["id"])
				if !ok {
					apiErr = newAPIError(http.StatusBadRequest, "InvalidObject", "element %d has no id", i)
				} else if replaced, e := s.replace(res, nil, int64(n), m); e != nil {
					apiErr = e
				} else {
					rec = replaced
				}
				ri.StatusCode = http.StatusOK
			}
			if apiErr != nil {
				ri.StatusCode, ri.Error = apiErr.status, apiErr
				break
			}
			b, err := rec.JSON()
			if err != nil {
				ri.StatusCode, ri.Error = http.StatusInternalServerError, newAPIError(http.StatusInternalServerError, "ConnectWiseApi", "render: %v", err)
				break
			}
			ri.Data, ri.Success = b, true
		}
		payload = append(payload, ri)
	}
	b, _ := json.Marshal(map[string]any{"payload": payload})
	writeJSON(w, http.StatusOK, b)
}
