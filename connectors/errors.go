package connectors

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Kind classifies a runtime error.
type Kind string

const (
	// KindRejected: the system refused the request (4xx other than 401,
	// 408, 429, or a success flag that was false). Record-level.
	KindRejected Kind = "rejected"
	// KindFailed: retries exhausted (429, 5xx, network), authentication
	// failed, or another failure not caused by the record.
	KindFailed Kind = "failed"
	// KindAmbiguous: a create was sent and its response was lost; the
	// record may or may not exist.
	KindAmbiguous Kind = "ambiguous"
	// KindProtocol: the response did not have the declared shape.
	KindProtocol Kind = "protocol"
	// KindConfig: the plan or a variable is unusable (missing object,
	// unresolvable variable, unknown style).
	KindConfig Kind = "config"
	// KindCanceled: the context was canceled or its deadline passed.
	KindCanceled Kind = "canceled"
	// KindAuth: the system refused the credentials (HTTP 401 after a
	// fresh login, or a token login refused).
	KindAuth Kind = "authentication"
	// KindForbidden: the credentials lack a permission (HTTP 403).
	KindForbidden Kind = "authorization"
	// KindTLS: the server's certificate is not trusted (unknown
	// authority, host name mismatch, expired).
	KindTLS Kind = "tls"
	// KindUnreachable: the host could not be reached (connection refused,
	// name not resolved, connect timeout) for longer than the client's
	// bound (WithUnreachableFor).
	KindUnreachable Kind = "unreachable"
)

// ErrNotFound matches (errors.Is) an *Error for an HTTP 404.
var ErrNotFound = errors.New("not found")

// Error is the error type of every Client operation. Its text is redacted:
// it never holds a secret. It unwraps only to context errors.
type Error struct {
	Op         string // what was being done, e.g. "list configuration page 3"
	Method     string
	Route      string // path template, e.g. "/company/configurations/{id}"
	HTTPStatus int    // 0 when no response arrived
	Kind       Kind
	Message    string // the system's message or the transport error, redacted
	Attempts   int
	// RetryAfter is the wait the system asked for with its last answer
	// (Retry-After on a 429 or 503), 0 if it named none.
	RetryAfter time.Duration
	// System, BaseURL and Fix are set on the access kinds (KindAuth,
	// KindForbidden, KindTLS, KindUnreachable): the system's title, its
	// base URL without user info or query, and what to do about it.
	System  string
	BaseURL string
	Fix     string
	ctxErr  error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.System != "" {
		fmt.Fprintf(&b, "%s", e.System)
		if e.BaseURL != "" {
			fmt.Fprintf(&b, " at %s", e.BaseURL)
		}
		fmt.Fprintf(&b, ": %s: ", e.Kind.describe())
	}
	b.WriteString(e.Op)
	if e.Method != "" {
		fmt.Fprintf(&b, ": %s %s", e.Method, e.Route)
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.HTTPStatus)
	}
	fmt.Fprintf(&b, ": %s", e.Kind)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Fix != "" {
		fmt.Fprintf(&b, "; %s", e.Fix)
	}
	return b.String()
}

// describe is the headline of an access error.
func (k Kind) describe() string {
	switch k {
	case KindAuth:
		return "authentication failed"
	case KindForbidden:
		return "permission denied"
	case KindTLS:
		return "certificate not trusted"
	case KindUnreachable:
		return "host unreachable"
	}
	return string(k)
}

// Unwrap exposes context.Canceled / context.DeadlineExceeded, nothing else
// (other causes could carry a URL or header value).
func (e *Error) Unwrap() error { return e.ctxErr }

// Is makes errors.Is(err, ErrNotFound) true for 404 responses.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.HTTPStatus == http.StatusNotFound
}

// KindOf returns the Kind of an error from this package ("" for others).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return KindCanceled
	}
	return ""
}

// configError builds a KindConfig error; msg must not hold secrets.
func configError(op string, format string, args ...any) *Error {
	return &Error{Op: op, Kind: KindConfig, Message: fmt.Sprintf(format, args...)}
}

// Status is the outcome of writing one record.
type Status string

const (
	StatusOK        Status = "ok"
	StatusRejected  Status = "rejected"  // validation error; Message holds the system's text
	StatusFailed    Status = "failed"    // retryable errors exhausted or a non-record failure
	StatusAmbiguous Status = "ambiguous" // create sent, response lost: look it up before re-creating
)

// WriteResult is the outcome of one record of a Create, Update or Delete.
type WriteResult struct {
	Index      int    `json:"index"`         // position in the input slice
	Key        string `json:"key,omitempty"` // the caller's key, echoed
	ID         string `json:"id,omitempty"`  // the record's id in the system
	Status     Status `json:"status"`
	Message    string `json:"message,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	// RetryAfter is the wait the system asked for (failed results only).
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	Record     Record        `json:"-"` // the record the system returned, when it returned one
}

// statusFor maps an error to a write status.
func statusFor(err error) Status {
	switch KindOf(err) {
	case KindRejected, KindConfig, KindForbidden:
		// A 403 on one record's write stays that record's failure.
		return StatusRejected
	case KindAmbiguous:
		return StatusAmbiguous
	default:
		return StatusFailed
	}
}

// failResult fills r from err.
func failResult(r WriteResult, err error) WriteResult {
	r.Status = statusFor(err)
	var e *Error
	if errors.As(err, &e) {
		r.HTTPStatus = e.HTTPStatus
		r.RetryAfter = e.RetryAfter
		r.Message = e.Message
		if r.Message == "" {
			r.Message = e.Error()
		}
	} else {
		r.Message = err.Error()
	}
	return r
}
