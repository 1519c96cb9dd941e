package exprenv

import (
	"sort"

	"github.com/expr-lang/expr/types"

	"mapsync/engine/plan"
)

// Shape describes what a program may see, so the compiler can check names and
// types. A nil Record means the record is a raw system record of unknown
// shape; a nil Settings map means the program is compiled outside a sync
// (system-level transforms) and settings are untyped.
type Shape struct {
	Record   map[string]string // canonical field name -> canonical type (plan.Type*)
	Settings map[string]any    // a sync's settings; the values give the types
	Result   string            // canonical type the program must produce; "" = any
}

// ShapeOf builds the shape of a canonical type, for programs that see the
// canonical record.
func ShapeOf(ct plan.CanonicalType, settings map[string]any) Shape {
	rec := make(map[string]string, len(ct.Fields))
	for _, f := range ct.Fields {
		rec[f.Name] = f.Type
	}
	return Shape{Record: rec, Settings: settings}
}

func settingNature(v any) types.Type {
	switch v.(type) {
	case string:
		return types.String
	case bool:
		return types.Bool
	case int, int64, float64:
		return types.Float64
	case []string, []any:
		return types.Array(types.String)
	}
	return types.Any
}

func untypedMap() types.Map { return types.Map{types.Extra: types.Any} }

func (s Shape) recordType() types.Type {
	if s.Record == nil {
		return untypedMap()
	}
	// Field names are checked; field values are typed any because a record
	// may lack any field (nil), and typed operators would fail on nil.
	m := types.Map{}
	for name := range s.Record {
		m[name] = types.Any
	}
	return m
}

func (s Shape) settingsType() types.Type {
	if s.Settings == nil {
		return untypedMap()
	}
	m := types.Map{}
	for name, v := range s.Settings {
		m[name] = settingNature(v)
	}
	return m
}

// names lists the record fields and settings known to the shape, for
// did-you-mean hints.
func (s Shape) names() []string {
	var out []string
	for n := range s.Record {
		out = append(out, n)
	}
	for n := range s.Settings {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
