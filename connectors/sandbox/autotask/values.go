package autotask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
)

// timeLayout is how datetimes are written: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads the datetime forms clients send.
func parseTime(s string) (time.Time, bool) {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// asInt reads an integer stored or sent as int64, int, float64,
// json.Number or a numeric string.
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		if fl, err := x.Float64(); err == nil && fl == math.Trunc(fl) {
			return int64(fl), true
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

// asFloat reads a number.
func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		fl, err := x.Float64()
		return fl, err == nil
	case string:
		fl, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return fl, err == nil
	}
	return 0, false
}

// coerce turns a value a client sent for a field into its stored form.
func coerce(e *entity, fl *field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() error {
		return fmt.Errorf("%s: the value %s is not valid for the %s field %s", e.name, jsonText(v), fl.typ, fl.name)
	}
	switch fl.typ {
	case tInt, tLong:
		if b, ok := v.(bool); ok && e.name == "Contacts" && fl.name == "isActive" {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
		n, ok := asInt(v)
		if !ok {
			return nil, bad()
		}
		return n, nil
	case tDouble:
		x, ok := asFloat(v)
		if !ok {
			return nil, bad()
		}
		return x, nil
	case tBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return nil, bad()
	case tDateTime:
		str, ok := v.(string)
		if !ok {
			return nil, bad()
		}
		t, ok := parseTime(str)
		if !ok {
			return nil, bad()
		}
		return fmtTime(t), nil
	default:
		var str string
		switch x := v.(type) {
		case string:
			str = x
		case json.Number:
			str = x.String()
		case float64:
			str = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			return nil, bad()
		}
		if fl.length > 0 && len([]rune(str)) > fl.length {
			return nil, fmt.Errorf("%s: the value of %s is %d characters long; the maximum is %d", e.name, fl.name, len([]rune(str)), fl.length)
		}
		return str, nil
	}
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// renderFunc writes a record with every field of its entity in schema
// order (null when unset), then userDefinedFields when the entity has any.
func (sb *Sandbox) renderFunc(e *entity) func(*core.Record) ([]byte, error) {
	return func(r *core.Record) ([]byte, error) { return renderFields(e, r.Data, nil) }
}

// renderFields renders data; include (lower-case names), when not nil,
// keeps only those fields and id.
func renderFields(e *entity, data map[string]any, include map[string]bool) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	put := func(name string, v any) error {
		if !first {
			b.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		x, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("render %s.%s: %w", e.name, name, err)
		}
		b.Write(x)
		return nil
	}
	for _, fl := range e.fields {
		if include != nil && fl.name != "id" && !include[strings.ToLower(fl.name)] {
			continue
		}
		if err := put(fl.name, data[fl.name]); err != nil {
			return nil, err
		}
	}
	if len(e.udfs) > 0 && (include == nil || include["userdefinedfields"]) {
		udfs := data["userDefinedFields"]
		if udfs == nil {
			udfs = []any{}
		}
		if err := put("userDefinedFields", udfs); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// stamp sets id and the entity's system dates on every API write.
func (sb *Sandbox) stamp(e *entity) func(*core.Record) {
	return func(r *core.Record) {
		r.Data["id"] = r.ID
		if e.created != "" && r.Data[e.created] == nil {
			r.Data[e.created] = fmtTime(r.Created)
		}
		for _, m := range e.modified {
			r.Data[m] = fmtTime(r.Updated)
		}
	}
}
