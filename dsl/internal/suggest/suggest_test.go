package suggest

import "testing"

func TestClosest(t *testing.T) {
	tests := []struct {
		given      string
		candidates []string
		want       string
	}{
		{"nmae", []string{"name", "type"}, "name"},
		{"sytem", []string{"system", "sync", "variable"}, "system"},
		{"configuration_tpye", []string{"configuration_type", "configuration_status"}, "configuration_type"},
		{"zzz", []string{"name", "type"}, ""},
		{"name", []string{"name"}, ""}, // an exact match is not a suggestion
		{"x", nil, ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.given, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.given, got, tt.want)
		}
	}
	if Hint("nmae", []string{"name"}) != ` Did you mean "name"?` || Hint("zzz", []string{"name"}) != "" {
		t.Error("Hint formats the suggestion or nothing")
	}
}
