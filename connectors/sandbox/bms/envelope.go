package bms

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// errorInfo is the envelope's Error (the spec spells StackStrace so).
type errorInfo struct {
	Code        int      `json:"Code"`
	Message     string   `json:"Message"`
	Details     *string  `json:"Details"`
	StackStrace *string  `json:"StackStrace"`
	SubErrors   []string `json:"SubErrors"`
}

// envelope is the response wrapper of every route.
type envelope struct {
	Success      bool       `json:"Success"`
	Error        *errorInfo `json:"Error"`
	Result       any        `json:"Result"`
	TotalRecords *int       `json:"TotalRecords,omitempty"`
}

// apiError is a failure and how it travels: HTTP status (200 for the
// failures the API reports inside a successful response) and envelope code.
type apiError struct {
	status  int // HTTP status sent
	code    int // Error.Code
	message string
	details string
	sub     []string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d/%d %s", e.status, e.code, e.message) }

func newError(status int, format string, a ...any) *apiError {
	return &apiError{status: status, code: status, message: fmt.Sprintf(format, a...)}
}

// softError is a failure reported with HTTP 200 and Success=false; code is
// the Error.Code (400 validation, 404 not found, 401 bad credentials).
func softError(code int, format string, a ...any) *apiError {
	return &apiError{status: http.StatusOK, code: code, message: fmt.Sprintf(format, a...)}
}

// invalid is a validation failure: HTTP 200, Success=false, Code 400, one
// SubErrors entry per problem.
func invalid(what string, problems []string) *apiError {
	return &apiError{status: http.StatusOK, code: http.StatusBadRequest, message: what + " is invalid", sub: problems}
}

func notFound(what string, id any) *apiError {
	return newError(http.StatusNotFound, "%s %v was not found", what, id)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"Success":false,"Error":{"Code":500,"Message":"render failed","Details":null,"StackStrace":null,"SubErrors":[]},"Result":null}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeOK(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Result: result})
}

func writePaged(w http.ResponseWriter, result []any, total int) {
	if result == nil {
		result = []any{}
	}
	writeJSON(w, http.StatusOK, envelope{Success: true, Result: result, TotalRecords: &total})
}

func writeError(w http.ResponseWriter, e *apiError) {
	info := &errorInfo{Code: e.code, Message: e.message, SubErrors: e.sub}
	if e.details != "" {
		info.Details = &e.details
	}
	if info.SubErrors == nil {
		info.SubErrors = []string{}
	}
	writeJSON(w, e.status, envelope{Success: false, Error: info})
}

// faultBody renders an injected fault in the envelope.
func faultBody(status int, msg string) (string, []byte) {
	b, _ := json.Marshal(envelope{Success: false, Error: &errorInfo{Code: status, Message: msg, SubErrors: []string{}}})
	return "application/json; charset=utf-8", b
}
