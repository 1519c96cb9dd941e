package match

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"mapsync/engine/plan"
)

// columnType is the staging column type of a canonical type.
//
//	string, ref    VARCHAR (a ref holds the id of the referenced record in
//	               the same system, as text)
//	int            BIGINT
//	number         DOUBLE
//	bool           BOOLEAN
//	date           DATE
//	datetime       TIMESTAMP, always UTC (analysts compare and sort them
//	               without parsing; ops carry them as RFC 3339 text)
//	list           VARCHAR[]
//	json           JSON
func columnType(t string) (string, error) {
	switch t {
	case plan.TypeString, plan.TypeRef:
		return "VARCHAR", nil
	case plan.TypeInt:
		return "BIGINT", nil
	case plan.TypeNumber:
		return "DOUBLE", nil
	case plan.TypeBool:
		return "BOOLEAN", nil
	case plan.TypeDate:
		return "DATE", nil
	case plan.TypeDateTime:
		return "TIMESTAMP", nil
	case plan.TypeList:
		return "VARCHAR[]", nil
	case plan.TypeJSON:
		return "JSON", nil
	}
	return "", fmt.Errorf("unknown canonical type %q", t)
}

// toValue converts a canonical Go value to what the Appender takes for the
// column of type t. A nil value is NULL. An error means the value does not
// fit the type; the stager records it in _invalid and stages NULL.
func toValue(t string, v any) (driver.Value, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case plan.TypeString:
		return toText(v, false)
	case plan.TypeRef:
		return toText(v, true)
	case plan.TypeInt:
		return toInt(v)
	case plan.TypeNumber:
		return toFloat(v)
	case plan.TypeBool:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			p, err := strconv.ParseBool(b)
			if err != nil {
				return nil, fmt.Errorf("not a bool: %q", b)
			}
			return p, nil
		}
	case plan.TypeDate:
		switch d := v.(type) {
		case time.Time:
			d = d.UTC()
			return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), nil
		case string:
			p, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return nil, fmt.Errorf("not a date (YYYY-MM-DD): %q", d)
			}
			return p, nil
		}
	case plan.TypeDateTime:
		switch d := v.(type) {
		case time.Time:
			return d.UTC(), nil
		case string:
			p, err := time.Parse(time.RFC3339Nano, d)
			if err != nil {
				return nil, fmt.Errorf("not an RFC 3339 datetime: %q", d)
			}
			return p.UTC(), nil
		}
	case plan.TypeList:
		switch l := v.(type) {
		case []string:
			return l, nil
		case []any:
			out := make([]string, len(l))
			for i, e := range l {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("list element %d is a %T, not a string", i, e)
				}
				out[i] = s
			}
			return out, nil
		}
	case plan.TypeJSON:
		if raw, ok := v.(json.RawMessage); ok {
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				return nil, fmt.Errorf("not valid JSON: %w", err)
			}
			return json.RawMessage(buf.Bytes()), nil // the appender JSON-encodes its input: a string would be stored as a JSON string
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("not JSON-encodable: %w", err)
		}
		return json.RawMessage(b), nil
	default:
		return nil, fmt.Errorf("unknown canonical type %q", t)
	}
	return nil, fmt.Errorf("a %T is not a %s", v, t)
}

// toText accepts strings, and numbers for ids (JSON numbers decode to
// float64).
func toText(v any, id bool) (driver.Value, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case json.Number:
		return s.String(), nil
	case int:
		return strconv.Itoa(s), nil
	case int64:
		return strconv.FormatInt(s, 10), nil
	case int32:
		return strconv.FormatInt(int64(s), 10), nil
	case float64:
		if id && (s != math.Trunc(s) || math.Abs(s) > 1<<53) {
			return nil, fmt.Errorf("id %v is not an integer", s)
		}
		return strconv.FormatFloat(s, 'f', -1, 64), nil
	}
	return nil, fmt.Errorf("a %T is not text", v)
}

func toInt(v any) (driver.Value, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case int32:
		return int64(n), nil
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, fmt.Errorf("not an integer: %v", n)
		}
		return int64(n), nil
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			return nil, fmt.Errorf("not an integer: %s", n)
		}
		return i, nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer: %q", n)
		}
		return i, nil
	}
	return nil, fmt.Errorf("a %T is not an int", v)
}

func toFloat(v any) (driver.Value, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case float32:
		return float64(n), nil
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("not a number: %s", n)
		}
		return f, nil
	case string:
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return nil, fmt.Errorf("not a number: %q", n)
		}
		return f, nil
	}
	return nil, fmt.Errorf("a %T is not a number", v)
}
