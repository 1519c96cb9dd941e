package steps

import (
	"errors"
	"fmt"
	"time"

	"mapsync/connectors"
)

// ErrorKind says what failed in a step, and so whether trying the step
// again can help.
type ErrorKind string

const (
	// KindSystem: a system failed (5xx, network, a lost response) after
	// the connector's own retries. Retryable, after RetryAfter when the
	// system gave one (a 429's Retry-After).
	KindSystem ErrorKind = "system"
	// KindLedger: the run's DuckDB file failed. Retryable (it may be busy).
	KindLedger ErrorKind = "ledger"
	// KindConfig: the plan or a variable cannot be used, or a system
	// refuses the request itself (not one record). Not retryable.
	KindConfig ErrorKind = "config"
	// KindInput: the step was asked for something it cannot do (apply in
	// a dry run). Not retryable.
	KindInput ErrorKind = "input"
	// KindAccess: a system cannot be used as configured: it refused the
	// credentials (401, a refused token login) or a permission (403), its
	// certificate is not trusted, or its host stayed unreachable for the
	// connector's bound. Not retryable: the message names the system, its
	// base URL and the fix.
	KindAccess ErrorKind = "access"
	// KindLostLedger: the run's ledger does not hold the ops asked for:
	// its DuckDB file was lost or replaced. Not retryable here.
	KindLostLedger ErrorKind = "lost_ledger"
)

// Error is the error of a step that callers classify: find it with
// errors.As. Record-level failures (a record the system rejects) are not
// errors: they are recorded in the ledger and the step goes on.
type Error struct {
	Kind ErrorKind
	What string // what the step was doing ("create configuration")
	// RetryAfter is how long the system asked to wait before the next
	// attempt (0 = the caller's own backoff). Only for KindSystem.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.What == "" {
		return e.Err.Error()
	}
	return e.What + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the step may succeed if run again.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindSystem, KindLedger:
		return true
	}
	return false
}

// Classify turns the error of a system call into an *Error: configuration
// problems and requests the system refuses as such are not retryable;
// everything else is, after the Retry-After the system sent with it, if
// any. An error that already is an *Error keeps its kind.
func Classify(what string, err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	switch k := connectors.KindOf(err); {
	case connectors.IsAccess(err):
		return &Error{Kind: KindAccess, What: what, Err: err}
	case k == connectors.KindConfig, k == connectors.KindRejected:
		return &Error{Kind: KindConfig, What: what, Err: err}
	}
	var ce *connectors.Error
	var d time.Duration
	if errors.As(err, &ce) {
		d = ce.RetryAfter
	}
	return &Error{Kind: KindSystem, What: what, RetryAfter: d, Err: err}
}

func ledgerError(what string, err error) error {
	return &Error{Kind: KindLedger, What: what, Err: err}
}

func configError(what string, err error) error {
	return &Error{Kind: KindConfig, What: what, Err: err}
}

func inputError(what string, format string, a ...any) error {
	return &Error{Kind: KindInput, What: what, Err: fmt.Errorf(format, a...)}
}
