package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"mapsync/connectors"
)

// Application error types. The non-retryable ones are listed in every
// retry policy.
const (
	errInput       = "InvalidInput"  // the workflow was started with bad input
	errPlanMissing = "PlanMissing"   // the plan hash is not in the worker's plan store
	errConfig      = "Config"        // the plan or a variable cannot be used
	errSystem      = "SystemFailure" // a system failed after the connector's own retries
	errThrottled   = "Throttled"     // a system asked to slow down (429 with Retry-After)
	errLedger      = "LedgerFailure" // the run's DuckDB file failed
)

// retryable turns an error of a system call into the error an activity
// returns: configuration problems stop the run; everything else is retried
// by Temporal, after the delay the system asked for when it gave one.
func retryable(what string, err error) error {
	if err == nil {
		return nil
	}
	switch connectors.KindOf(err) {
	case connectors.KindConfig, connectors.KindRejected:
		// The plan or a variable is wrong, or the system refuses the
		// request itself (not one record): retrying cannot help.
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", what, err), errConfig, nil)
	}
	return retryAfter(what, err, retryDelay(err))
}

// retryAfter is a retryable application error whose next attempt waits d
// (0 = the retry policy's backoff).
func retryAfter(what string, err error, d time.Duration) error {
	typ := errSystem
	if d > 0 {
		typ = errThrottled
	}
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s: %v", what, err), typ,
		temporal.ApplicationErrorOptions{NextRetryDelay: d})
}

// retryDelay is the Retry-After a system sent with the error, if any.
func retryDelay(err error) time.Duration {
	var e *connectors.Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ledgerError wraps a DuckDB failure; it is retried (the file may be busy).
func ledgerError(what string, err error) error {
	return temporal.NewApplicationError(fmt.Sprintf("%s: %v", what, err), errLedger)
}
