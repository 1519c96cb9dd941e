package workflows

import (
	"errors"
	"strings"

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

// AccessFailures returns the messages of the access failures (a system
// refused the credentials or a permission, its certificate is not trusted,
// its host stayed unreachable) found in the error of a run, without the
// Temporal wrapping around them: the one thing to tell the user.
func AccessFailures(err error) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(error)
	walk = func(e error) {
		for e != nil {
			var ae *temporal.ApplicationError
			if errors.As(e, &ae) && ae.Type() == errAccess && !seen[ae.Message()] {
				seen[ae.Message()] = true
				out = append(out, ae.Message())
			}
			if j, ok := e.(interface{ Unwrap() []error }); ok {
				for _, x := range j.Unwrap() {
					walk(x)
				}
				return
			}
			e = errors.Unwrap(e)
		}
	}
	walk(err)
	return out
}

// accessFailure makes the error of a run that an access failure stopped
// an application error of that type, whose message is the access
// failures' own (the system, its URL, the fix) without the wrapping;
// the full error is its cause. Other errors pass through.
func accessFailure(err error) error {
	msgs := AccessFailures(err)
	if len(msgs) == 0 {
		return err
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Type() == errAccess && ae.Message() == strings.Join(msgs, "\n") {
		return err
	}
	return temporal.NewNonRetryableApplicationError(strings.Join(msgs, "\n"), errAccess, err)
}
