package match

import (
	"slices"
	"strings"
	"testing"

	"mapsync/engine/plan"
)

// Every normalizer of the vocabulary has SQL, and no SQL exists for a name
// outside it, so validation and matching cannot drift apart.
func TestNormalizersMatchVocab(t *testing.T) {
	var impl []string
	for name := range normalizerSQL {
		impl = append(impl, name)
	}
	slices.Sort(impl)
	names := plan.Normalizers.Names()
	slices.Sort(names)
	if !slices.Equal(impl, names) {
		t.Errorf("normalizer SQL for %v, vocabulary %v", impl, names)
	}
	for name, sql := range normalizerSQL {
		if got := sql("x"); got == "x" || !strings.Contains(got, "x") {
			t.Errorf("%s: SQL %q does not transform its argument", name, got)
		}
	}
}

func TestEffectiveDirectionClamps(t *testing.T) {
	for _, tc := range []struct{ object, field, want string }{
		{plan.DirToDoc, plan.DirTwoWay, plan.DirToDoc},
		{plan.DirToPSA, "", plan.DirToPSA},
		{plan.DirTwoWay, plan.DirToPSA, plan.DirToPSA},
		{plan.DirNone, plan.DirTwoWay, plan.DirNone},
		{plan.DirToDoc, plan.DirToPSA, plan.DirNone},
	} {
		got, err := effectiveDirection(tc.object, tc.field)
		if err != nil || got != tc.want {
			t.Errorf("effectiveDirection(%s, %q) = %s %v, want %s", tc.object, tc.field, got, err, tc.want)
		}
	}
	if _, err := effectiveDirection(plan.DirTwoWay, "both"); err == nil {
		t.Error("unknown field direction accepted")
	}
}
