package itglue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// mediaType is the JSON:API media type IT Glue speaks.
const mediaType = "application/vnd.api+json"

// responseType is the Content-Type of every response body.
const responseType = mediaType + "; charset=utf-8"

// maxBody caps request bodies (a 1000-record bulk request is well below).
const maxBody = 32 << 20

// apiError is one JSON:API error object.
type apiError struct {
	Status string         `json:"status"`
	Title  string         `json:"title"`
	Detail string         `json:"detail,omitempty"`
	Source *errSource     `json:"source,omitempty"`
	Meta   map[string]any `json:"meta,omitempty"`
	code   int
}

type errSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

func newErr(code int, format string, a ...any) *apiError {
	return &apiError{Status: strconv.Itoa(code), Title: http.StatusText(code), Detail: fmt.Sprintf(format, a...), code: code}
}

// at points the error at a member of the request document.
func (e *apiError) at(pointer string) *apiError {
	e.Source = &errSource{Pointer: pointer}
	return e
}

// param points the error at a query parameter.
func (e *apiError) param(p string) *apiError {
	e.Source = &errSource{Parameter: p}
	return e
}

// marshal encodes v as JSON without HTML escaping (links carry "&").
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeBody sends a JSON:API document.
func writeBody(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", responseType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// writeErrors sends an error document with the given status.
func writeErrors(w http.ResponseWriter, code int, errs ...*apiError) {
	body, err := marshal(struct {
		Errors []*apiError `json:"errors"`
	}{errs})
	if err != nil {
		body = []byte(`{"errors":[{"status":"500","title":"Internal Server Error"}]}`)
		code = http.StatusInternalServerError
	}
	writeBody(w, code, body)
}

// errorBody renders an error injected by the fault layer in IT Glue's shape.
func errorBody(status int, message string) (string, []byte) {
	body, _ := marshal(struct {
		Errors []*apiError `json:"errors"`
	}{[]*apiError{{Status: strconv.Itoa(status), Title: http.StatusText(status), Detail: message}}})
	return responseType, body
}

// inResource is one resource object of a request document.
type inResource struct {
	pointer       string // "/data" or "/data/3"
	typ           string
	id            any // the "id" member, if any
	hasID         bool
	attrs         map[string]any
	relationships bool
}

// decodeBody reads a request document. isArray reports whether data was
// an array. A malformed body gives a 400, a missing or mistyped data
// member a 422.
func decodeBody(w http.ResponseWriter, r *http.Request) (res []inResource, isArray bool, e *apiError) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, false, newErr(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", tooBig.Limit)
		}
		return nil, false, newErr(http.StatusBadRequest, "reading request body: %v", err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, false, newErr(http.StatusUnprocessableEntity, "the request body must be a JSON:API document with a data member").at("/data")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, false, newErr(http.StatusBadRequest, "the request body is not valid JSON: %v", err)
	}
	data, ok := doc["data"]
	if !ok || data == nil {
		return nil, false, newErr(http.StatusUnprocessableEntity, "data is required").at("/data")
	}
	switch d := data.(type) {
	case map[string]any:
		one, e := toInResource(d, "/data")
		if e != nil {
			return nil, false, e
		}
		return []inResource{one}, false, nil
	case []any:
		out := make([]inResource, 0, len(d))
		for i, el := range d {
			ptr := "/data/" + strconv.Itoa(i)
			m, ok := el.(map[string]any)
			if !ok {
				return nil, true, newErr(http.StatusUnprocessableEntity, "each element of data must be a resource object").at(ptr)
			}
			one, e := toInResource(m, ptr)
			if e != nil {
				return nil, true, e
			}
			out = append(out, one)
		}
		return out, true, nil
	}
	return nil, false, newErr(http.StatusUnprocessableEntity, "data must be a resource object or an array of them").at("/data")
}

func toInResource(m map[string]any, ptr string) (inResource, *apiError) {
	in := inResource{pointer: ptr}
	if t, ok := m["type"]; ok && t != nil {
		s, ok := t.(string)
		if !ok {
			return in, newErr(http.StatusUnprocessableEntity, "type must be a string").at(ptr + "/type")
		}
		in.typ = s
	}
	if id, ok := m["id"]; ok && id != nil {
		in.id, in.hasID = id, true
	}
	switch a := m["attributes"].(type) {
	case nil:
		in.attrs = map[string]any{}
	case map[string]any:
		in.attrs = a
	default:
		return in, newErr(http.StatusUnprocessableEntity, "attributes must be an object").at(ptr + "/attributes")
	}
	if rel, ok := m["relationships"]; ok && rel != nil {
		in.relationships = true
	}
	return in, nil
}

// resourceID reads an id given as a JSON string or number.
func resourceID(v any) (int64, bool) {
	n, err := toInt(v)
	return n, err == nil && n > 0
}
