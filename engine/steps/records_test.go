package steps

import (
	"reflect"
	"testing"

	"mapsync/connectors"
	"mapsync/engine/plan"
)

func TestIDFilter(t *testing.T) {
	tests := []struct {
		dialect string
		ids     []string
		want    *connectors.Filter
	}{
		{plan.FilterJSONAPI, []string{"1", "2"}, &connectors.Filter{Field: "id", Op: connectors.OpIn, Value: []any{int64(1), int64(2)}}},
		{plan.FilterConditions, []string{"7", "a-b"}, &connectors.Filter{Field: "id", Op: connectors.OpIn, Value: []any{int64(7), "a-b"}}},
		{plan.FilterQueryBody, []string{"3"}, &connectors.Filter{Field: "id", Op: connectors.OpIn, Value: []any{int64(3)}}},
		{plan.FilterQuery, []string{"3"}, nil}, // read through the item route
		{plan.FilterQuery, []string{"3", "4"}, nil},
		{plan.FilterNone, []string{"3"}, nil},
	}
	for _, tt := range tests {
		if got := idFilter(tt.dialect, "", tt.ids); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %v: got %+v, want %+v", tt.dialect, tt.ids, got, tt.want)
		}
	}
}
