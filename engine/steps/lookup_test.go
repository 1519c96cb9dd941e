package steps

import (
	"maps"
	"slices"
	"testing"

	"mapsync/engine/plan"
)

// The lost-create lookup normalises keys as matching does: one Go
// normaliser per name of the vocabulary, each doing what it says.
func TestLookupNormalizers(t *testing.T) {
	names := plan.Normalizers.Names()
	slices.Sort(names)
	if impl := slices.Sorted(maps.Keys(normalizers)); !slices.Equal(impl, names) {
		t.Errorf("Go normalisers for %v, vocabulary %v", impl, names)
	}
	cases := map[string][2]string{
		plan.NormMAC:           {"aa:bb-cc.dd ee", "AABBCCDDEE"},
		plan.NormLower:         {"Main St", "main st"},
		plan.NormTrim:          {"  x ", "x"},
		plan.NormDigits:        {"(860) 555-1234", "8605551234"},
		plan.NormCollapseSpace: {" a \t b  c ", "a b c"},
	}
	for name, c := range cases {
		if got := normalizers[name](c[0]); got != c[1] {
			t.Errorf("%s(%q) = %q, want %q", name, c[0], got, c[1])
		}
	}
}

// Key values compare as matching compares them: blank is blank whatever
// its form, numbers by value.
func TestKeyValue(t *testing.T) {
	blank := []any{nil, "", "   ", []any{}, map[string]any{}}
	for _, v := range blank {
		if got := keyValue("", v); got != "" {
			t.Errorf("keyValue(%#v) = %q, want blank", v, got)
		}
	}
	if keyValue("", float64(42)) != keyValue("", int64(42)) {
		t.Error("numbers of different Go types differ")
	}
	if keyValue(plan.NormLower, " Main ") != keyValue(plan.NormLower, "main") {
		t.Error("the normaliser is not applied")
	}
}
