package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"mapsync/engine/steps"
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
	errAccess      = "SystemAccess"  // credentials/permission refused, certificate untrusted, host unreachable too long
)

// retryable turns an error of a step or a system call into the error an
// activity returns (steps.Classify, then stepError).
func retryable(what string, err error) error {
	if err == nil {
		return nil
	}
	return stepError(steps.Classify(what, err))
}

// stepError maps the error of a step onto a Temporal application error:
// configuration problems, bad input and a lost ledger stop the run; a
// failed system is retried after the delay it asked for (NextRetryDelay,
// 0 = the retry policy's backoff); a failed DuckDB file is retried. An
// application error passes through as it is.
func stepError(err error) error {
	if err == nil {
		return nil
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return err
	}
	var se *steps.Error
	if !errors.As(err, &se) {
		return temporal.NewApplicationError(err.Error(), errSystem)
	}
	msg := err.Error()
	switch se.Kind {
	case steps.KindConfig:
		return temporal.NewNonRetryableApplicationError(msg, errConfig, nil)
	case steps.KindInput:
		return temporal.NewNonRetryableApplicationError(msg, errInput, nil)
	case steps.KindAccess:
		return temporal.NewNonRetryableApplicationError(msg, errAccess, nil)
	case steps.KindLostLedger:
		return temporal.NewNonRetryableApplicationError(msg, errLedger, nil)
	case steps.KindLedger:
		return temporal.NewApplicationError(msg, errLedger)
	}
	typ := errSystem
	if se.RetryAfter > 0 {
		typ = errThrottled
	}
	return temporal.NewApplicationErrorWithOptions(msg, typ, temporal.ApplicationErrorOptions{NextRetryDelay: se.RetryAfter})
}
