package tigerpaw

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is the error body of every failed request (designed):
// {"Code", "Message", "Errors": [{Field, Code, Message}]}.
type apiError struct {
	status  int
	Code    string       `json:"Code"`
	Message string       `json:"Message"`
	Errors  []fieldError `json:"Errors"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.Code, e.Message) }

func newError(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, a...), Errors: []fieldError{}}
}

// badParam is the 400 for a malformed or unknown query parameter.
func badParam(param, format string, a ...any) *apiError {
	msg := fmt.Sprintf(format, a...)
	e := newError(http.StatusBadRequest, "InvalidParameter", "query parameter %s: %s", param, msg)
	e.Errors = []fieldError{{Field: param, Code: "InvalidParameter", Message: msg}}
	return e
}

// invalid is the 400 for a body that fails validation.
func invalid(sc *schema, fe errs) *apiError {
	e := newError(http.StatusBadRequest, "ValidationFailed", "The %s is not valid: %d error(s).", sc.singular, len(fe))
	e.Errors = fe
	return e
}

func notFound(sc *schema, id string) *apiError {
	return newError(http.StatusNotFound, "NotFound", "%s %s was not found.", sc.singular, id)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeValue(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, newError(http.StatusInternalServerError, "ServerError", "render: %v", err))
		return
	}
	writeJSON(w, status, b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Errors == nil {
		e.Errors = []fieldError{}
	}
	b, _ := json.Marshal(e)
	writeJSON(w, e.status, b)
}

// faultBody renders an injected fault in the sandbox's error shape.
func faultBody(status int, msg string) (string, []byte) {
	code := "ServerError"
	if status == http.StatusTooManyRequests {
		code = "RateLimitExceeded"
	}
	b, _ := json.Marshal(&apiError{Code: code, Message: msg, Errors: []fieldError{}})
	return "application/json; charset=utf-8", b
}
