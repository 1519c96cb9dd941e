package records

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors"
	"mapsync/dsl/exprenv"
	"mapsync/engine/plan"
)

// Canonical normalises a value to canonical type typ (plan.Type*). ref says
// the field references records: its values are ids. nil, "", empty lists
// and empty objects are nil (absent). An error says the value does not fit
// the type.
func Canonical(typ string, ref bool, v any) (any, error) {
	if isEmpty(v) {
		return nil, nil
	}
	switch typ {
	case plan.TypeString:
		return text(v)
	case plan.TypeRef:
		return id(v)
	case plan.TypeInt:
		return integer(v)
	case plan.TypeNumber:
		return number(v)
	case plan.TypeBool:
		return boolean(v)
	case plan.TypeDate:
		return timeText(v, time.DateOnly)
	case plan.TypeDateTime:
		return timeText(v, time.RFC3339)
	case plan.TypeList:
		return list(v, ref)
	case plan.TypeJSON:
		return jsonValue(v)
	}
	return nil, fmt.Errorf("unknown canonical type %q", typ)
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}

func text(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, int, int64, int32, json.Number, bool:
		return connectors.IDString(x), nil
	}
	return nil, fmt.Errorf("expected text, got %s", kindOf(v))
}

// id accepts the shapes ids come in: strings and integral numbers.
func id(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= 1<<53 {
			return nil, fmt.Errorf("id %v is not an integer", x)
		}
		return connectors.IDString(x), nil
	case int, int64, int32, json.Number:
		return connectors.IDString(x), nil
	}
	return nil, fmt.Errorf("expected an id, got %s", kindOf(v))
}

func integer(v any) (any, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= 1<<53 {
			return nil, fmt.Errorf("%v is not an integer", x)
		}
		return int64(x), nil
	case json.Number:
		return x.Int64()
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", x)
		}
		return n, nil
	}
	return nil, fmt.Errorf("expected an integer, got %s", kindOf(v))
}

func number(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case json.Number:
		return x.Float64()
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", x)
		}
		return f, nil
	}
	return nil, fmt.Errorf("expected a number, got %s", kindOf(v))
}

func boolean(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", x)
		}
		return b, nil
	}
	return nil, fmt.Errorf("expected true or false, got %s", kindOf(v))
}

func timeText(v any, layout string) (any, error) {
	t, ok, err := exprenv.ParseTime(v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	return t.Format(layout), nil
}

// list gives a []string: ids or texts; nil elements are dropped. Lists of
// references are sets: they are sorted so equal sets compare equal.
func list(v any, ref bool) (any, error) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case []string:
		for _, s := range x {
			items = append(items, s)
		}
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return nil, fmt.Errorf("expected a list, got %s", kindOf(v))
		}
		for i := range rv.Len() {
			items = append(items, rv.Index(i).Interface())
		}
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		if isEmpty(it) {
			continue
		}
		var s any
		var err error
		if ref {
			s, err = id(it)
		} else {
			s, err = text(it)
		}
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		out = append(out, s.(string))
	}
	if len(out) == 0 {
		return nil, nil
	}
	if ref {
		slices.SortFunc(out, compareIDs)
	}
	return out, nil
}

// compareIDs orders numeric ids numerically, others as text.
func compareIDs(a, b string) int {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		switch {
		case na < nb:
			return -1
		case na > nb:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// jsonValue keeps any JSON-encodable value, as the plain JSON data it
// encodes to (so expression results of any Go type compare equal to
// decoded JSON).
func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not JSON-encodable: %w", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("not JSON-encodable: %w", err)
	}
	if isEmpty(out) {
		return nil, nil
	}
	return out, nil
}
