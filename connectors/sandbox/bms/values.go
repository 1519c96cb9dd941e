package bms

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// wireTime renders a time as the API does: UTC, ISO 8601 with up to seven
// fractional digits (.NET's round-trip format) and a Z.
func wireTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.9999999Z")
}

// parseTime reads a date-time from a request: RFC 3339, or a zone-less
// "2006-01-02T15:04:05[.fff]" or "2006-01-02" taken as UTC.
func parseTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date-time (use e.g. 2026-01-15T12:00:00Z)", v)
}

// toInt reads an integer from a JSON value (int64, json.Number, float64
// without a fraction, or a decimal string).
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true
		}
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return b, err == nil
	case json.Number:
		n, err := x.Int64()
		return n != 0, err == nil && (n == 0 || n == 1)
	}
	return false, false
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func intOf(m map[string]any, k string) int64 {
	n, _ := toInt(m[k])
	return n
}

// asString renders a filter value from a JSON body as query text.
func asString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, asString(e))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}
