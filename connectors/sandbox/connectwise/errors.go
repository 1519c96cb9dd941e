package connectwise

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is ConnectWise's ErrorResponseMessage.
type apiError struct {
	status  int
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Errors  []validationError `json:"errors"`
}

// validationError is one entry of ErrorResponseMessage.errors.
type validationError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

// Error renders the status, code and message.
func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.Code, e.Message) }

func newAPIError(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, a...), Errors: []validationError{}}
}

// invalid is the 400 for a record that fails validation.
func invalid(res *resource, errs []validationError) *apiError {
	return &apiError{status: http.StatusBadRequest, Code: "InvalidObject", Message: res.singular + " object is invalid", Errors: errs}
}

// badQuery is the 400 for a malformed query parameter.
func badQuery(res *resource, param, format string, a ...any) *apiError {
	msg := fmt.Sprintf(format, a...)
	e := newAPIError(http.StatusBadRequest, "InvalidObject", "%s: %s", param, msg)
	e.Errors = []validationError{{Code: "InvalidField", Message: msg, Resource: res.singular, Field: param}}
	return e
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Errors == nil {
		e.Errors = []validationError{}
	}
	b, _ := json.Marshal(e)
	writeJSON(w, e.status, b)
}

// faultBody renders an injected fault in ConnectWise's error shape.
func faultBody(status int, msg string) (string, []byte) {
	code := "ConnectWiseApi"
	if status == http.StatusTooManyRequests {
		code = "TooManyRequests"
	}
	b, _ := json.Marshal(&apiError{Code: code, Message: msg, Errors: []validationError{}})
	return "application/json; charset=utf-8", b
}
