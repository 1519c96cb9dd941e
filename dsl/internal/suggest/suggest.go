// Package suggest finds the closest known name to a misspelt one, for the
// "did you mean" hints of mapping-file diagnostics.
package suggest

import (
	"fmt"
	"sort"

	"github.com/agext/levenshtein"
)

// Closest returns the candidate nearest to given, or "" when none is close
// enough to be a plausible typo (edit distance under 3, or under a third of
// the name for longer names).
func Closest(given string, candidates []string) string {
	limit := 3
	if l := len(given) / 3; l > limit {
		limit = l
	}
	best, bestDist := "", limit
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted) // ties resolve the same way on every run
	for _, c := range sorted {
		if c == given {
			continue
		}
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Hint returns ` Did you mean "x"?` (with a leading space) or "".
func Hint(given string, candidates []string) string {
	if s := Closest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
