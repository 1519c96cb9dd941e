package steps

import (
	"strings"
	"testing"

	"mapsync/engine/match"
)

func TestCheckGuard(t *testing.T) {
	tests := []struct {
		name          string
		c             match.Change
		max           float64
		allow         bool
		blocked, over bool
	}{
		{"first sync", match.Change{Object: "o", Before: 0, Rewritten: 50}, 0.2, false, false, false},
		{"at the limit", match.Change{Object: "o", Before: 10, Orphaned: 2}, 0.2, false, false, false},
		{"orphans over", match.Change{Object: "o", Before: 10, Orphaned: 3}, 0.2, false, true, true},
		{"disconnects over", match.Change{Object: "o", Before: 10, Disconnected: 5}, 0.2, false, true, true},
		{"rewrites over, allowed", match.Change{Object: "o", Before: 10, Rewritten: 9}, 0.2, true, false, true},
		{"limit 1 is off", match.Change{Object: "o", Before: 10, Orphaned: 10}, 1, false, false, false},
	}
	for _, tt := range tests {
		v := CheckGuard(tt.c, tt.max, tt.allow)
		if v.Blocked != tt.blocked || (len(v.Over) > 0) != tt.over || v.Allowed != (tt.over && tt.allow) {
			t.Errorf("%s: %+v", tt.name, v)
		}
		if v.Blocked && !strings.Contains(v.Message(), "--allow-mass-change") {
			t.Errorf("%s: message %q does not say how to allow it", tt.name, v.Message())
		}
	}
}
