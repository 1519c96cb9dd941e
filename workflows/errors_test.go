package workflows

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"mapsync/connectors"
)

func TestRetryableHonoursRetryAfter(t *testing.T) {
	throttled := &connectors.Error{Op: "create configuration", HTTPStatus: 429, Kind: connectors.KindFailed, Message: "slow down", RetryAfter: 7 * time.Second}
	cases := []struct {
		name         string
		err          error
		typ          string
		nonRetryable bool
		delay        time.Duration
	}{
		{"429 with Retry-After", fmt.Errorf("wrapped: %w", throttled), errThrottled, false, 7 * time.Second},
		{"5xx without Retry-After", &connectors.Error{HTTPStatus: 503, Kind: connectors.KindFailed}, errSystem, false, 0},
		{"plan problem", &connectors.Error{Kind: connectors.KindConfig, Message: "no object"}, errConfig, true, 0},
		{"request refused", &connectors.Error{HTTPStatus: 400, Kind: connectors.KindRejected}, errConfig, true, 0},
		{"401", &connectors.Error{HTTPStatus: 401, Kind: connectors.KindAuth}, errAccess, true, 0},
		{"403", &connectors.Error{HTTPStatus: 403, Kind: connectors.KindForbidden}, errAccess, true, 0},
		{"untrusted certificate", &connectors.Error{Kind: connectors.KindTLS}, errAccess, true, 0},
		{"unreachable past the bound", &connectors.Error{Kind: connectors.KindUnreachable}, errAccess, true, 0},
		{"anything else", errors.New("disk full"), errSystem, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ae *temporal.ApplicationError
			if !errors.As(retryable("list", c.err), &ae) {
				t.Fatalf("not an application error")
			}
			if ae.Type() != c.typ || ae.NonRetryable() != c.nonRetryable || ae.NextRetryDelay() != c.delay {
				t.Errorf("type %s non-retryable %v delay %s, want %s %v %s", ae.Type(), ae.NonRetryable(), ae.NextRetryDelay(), c.typ, c.nonRetryable, c.delay)
			}
		})
	}
}
