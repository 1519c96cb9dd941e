package records

import (
	"encoding/json"
	"testing"
)

func mergeInput(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A list field one side maps only partly is merged: the PSA holds one
// e-mail, the documentation system a labelled list; writing the PSA's list
// keeps the other entries and the labels (defect: the list was replaced).
func TestMergeList(t *testing.T) {
	tests := []struct {
		name                 string
		target, base, source string
		want                 string
	}{
		{
			name:   "first sync: other entries and labels stay",
			target: `[{"value":"a@x.com","type":"Work","primary":true},{"value":"b@x.com","type":"Home","primary":false}]`,
			base:   `null`,
			source: `[{"value":"a@x.com","type":"Email","primary":true}]`,
			want:   `[{"primary":true,"type":"Work","value":"a@x.com"},{"primary":false,"type":"Home","value":"b@x.com"}]`,
		},
		{
			name:   "the source adds an entry",
			target: `[{"value":"a@x.com","type":"Work"},{"value":"b@x.com","type":"Home"}]`,
			base:   `[{"value":"a@x.com","type":"Email"}]`,
			source: `[{"value":"a@x.com","type":"Email"},{"value":"c@x.com","type":"Email"}]`,
			want:   `[{"type":"Work","value":"a@x.com"},{"type":"Home","value":"b@x.com"},{"type":"Email","value":"c@x.com"}]`,
		},
		{
			name:   "the source deletes an entry it held",
			target: `[{"value":"a@x.com","type":"Work"},{"value":"b@x.com","type":"Home"}]`,
			base:   `[{"value":"a@x.com","type":"Email"},{"value":"b@x.com","type":"Email"}]`,
			source: `[{"value":"a@x.com","type":"Email"}]`,
			want:   `[{"type":"Work","value":"a@x.com"}]`,
		},
		{
			name:   "an attribute the source changed is set, the rest stay",
			target: `[{"value":"a@x.com","type":"Work","primary":false}]`,
			base:   `[{"value":"a@x.com","type":"Email","primary":false}]`,
			source: `[{"value":"a@x.com","type":"Email","primary":true}]`,
			want:   `[{"primary":true,"type":"Work","value":"a@x.com"}]`,
		},
		{
			name:   "the source empties its list: only its entries go",
			target: `[{"value":"a@x.com"},{"value":"b@x.com"}]`,
			base:   `[{"value":"a@x.com"}]`,
			source: `null`,
			want:   `[{"value":"b@x.com"}]`,
		},
		{
			name:   "everything deleted is the empty list",
			target: `[{"value":"a@x.com"}]`,
			base:   `[{"value":"a@x.com"}]`,
			source: `null`,
			want:   `null`,
		},
		{
			name:   "not shaped as merge_by says: replaced",
			target: `["a", "b"]`,
			base:   `null`,
			source: `["c"]`,
			want:   `["c"]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MergeList("value", mergeInput(t, tt.target), mergeInput(t, tt.base), mergeInput(t, tt.source))
			b, _ := json.Marshal(got)
			if string(b) != tt.want {
				t.Errorf("merged %s\nwant   %s", b, tt.want)
			}
		})
	}
}
