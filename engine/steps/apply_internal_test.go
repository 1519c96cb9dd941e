package steps

import (
	"errors"
	"net/http"
	"testing"

	"mapsync/connectors"
)

// A write refused for its credentials stops the run (an access error, no
// retry), on every attempt, the last included; other failures retry, and
// on the last attempt are recorded as failed ops.
func TestSettleStopsOnRefusedCredentials(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		last   bool
		kind   ErrorKind
		failed int
	}{
		{"401", http.StatusUnauthorized, false, KindAccess, 0},
		{"401 on the last attempt", http.StatusUnauthorized, true, KindAccess, 0},
		{"503", http.StatusServiceUnavailable, false, KindSystem, 0},
		{"503 on the last attempt", http.StatusServiceUnavailable, true, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &batch{last: tc.last}
			var f failures
			f.add(connectors.WriteResult{Key: "k1", HTTPStatus: tc.status, Message: "no"})
			err := b.settle("create organization", f)
			var se *Error
			switch {
			case tc.kind == "" && err != nil:
				t.Fatalf("want no error, got %v", err)
			case tc.kind != "" && (!errors.As(err, &se) || se.Kind != tc.kind):
				t.Fatalf("want a %s error, got %v", tc.kind, err)
			}
			if len(b.results) != tc.failed {
				t.Errorf("recorded %d failed ops, want %d", len(b.results), tc.failed)
			}
		})
	}
}
