package itglue

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// timeLayout is how IT Glue renders datetimes: RFC 3339, UTC, milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// dateLayout is how date-only attributes are stored and rendered.
const dateLayout = "2006-01-02"

var errNotInteger = errors.New("must be an integer")

// coerce turns a decoded JSON value (json.Number for numbers) into the
// stored form of attribute a. nil stays nil except for booleans (false).
func coerce(a *attr, v any) (any, error) {
	switch a.kind {
	case kString:
		return coerceString(a, v)
	case kInt, kRef:
		if v == nil {
			return nil, nil
		}
		return toInt(v)
	case kBool:
		return toBool(v)
	case kDateTime:
		if v == nil {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("must be an RFC 3339 date-time string")
		}
		t, err := parseTime(s)
		if err != nil {
			return nil, err
		}
		return t, nil
	case kDate:
		if v == nil {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("must be a date string (YYYY-MM-DD)")
		}
		t, err := parseTime(s)
		if err != nil {
			return nil, err
		}
		return t.Format(dateLayout), nil
	case kRefList:
		return toIDList(v)
	case kContactItems:
		return toContactItems(v, a.name == "contact-phones")
	case kNameValues:
		return toNameValues(v)
	}
	return nil, fmt.Errorf("attribute %s cannot be written", a.name)
}

func coerceString(a *attr, v any) (any, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = x
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		s = strconv.FormatInt(x, 10)
	default:
		return nil, errors.New("must be a string")
	}
	if a.maxLen > 0 && utf8.RuneCountInString(s) > a.maxLen {
		return nil, fmt.Errorf("is too long (maximum is %d characters)", a.maxLen)
	}
	return s, nil
}

// toInt accepts a JSON integer, or a string holding one (some clients send
// ids as strings).
func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(x.String(), 10, 64)
		if err != nil {
			return 0, errNotInteger
		}
		return n, nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if x != float64(int64(x)) {
			return 0, errNotInteger
		}
		return int64(x), nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, errNotInteger
		}
		return n, nil
	}
	return 0, errNotInteger
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1":
			return true, nil
		case "false", "0", "":
			return false, nil
		}
	case json.Number:
		switch x.String() {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
	}
	return false, errors.New("must be true or false")
}

// parseTime reads RFC 3339 (with or without fractional seconds), "YYYY-MM-DD
// HH:MM:SS" (UTC) or a bare date (midnight UTC). The result is UTC,
// truncated to milliseconds as IT Glue renders them.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", dateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Millisecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 date-time", s)
}

func toIDList(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		if ids, ok := v.([]int64); ok {
			return ids, nil
		}
		return nil, errors.New("must be an array of ids")
	}
	out := make([]int64, 0, len(list))
	for _, e := range list {
		n, err := toInt(e)
		if err != nil {
			return nil, errors.New("must be an array of ids")
		}
		out = append(out, n)
	}
	return out, nil
}

// toContactItems normalises contact-emails / contact-phones: an array of
// {value, primary, label-name[, extension]} objects. Keys may be kebab or
// snake case; formatted-value and label-type are output-only and ignored.
func toContactItems(v any, phones bool) (any, error) {
	if v == nil {
		return nil, nil
	}
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case []map[string]any:
		for _, m := range x {
			list = append(list, m)
		}
	default:
		return nil, errors.New("must be an array of {value, primary, label-name} objects")
	}
	out := make([]map[string]any, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d must be an object", i)
		}
		item := map[string]any{}
		for k, val := range m {
			switch kebab(k) {
			case "value":
				s, ok := val.(string)
				if !ok || strings.TrimSpace(s) == "" {
					return nil, fmt.Errorf("item %d: value can't be blank", i)
				}
				item["value"] = s
			case "primary":
				b, err := toBool(val)
				if err != nil {
					return nil, fmt.Errorf("item %d: primary %w", i, err)
				}
				item["primary"] = b
			case "label-name":
				if val == nil {
					continue
				}
				s, ok := val.(string)
				if !ok {
					return nil, fmt.Errorf("item %d: label-name must be a string", i)
				}
				item["label-name"] = s
			case "extension":
				if !phones {
					return nil, fmt.Errorf("item %d: extension is only valid on phones", i)
				}
				if val == nil {
					continue
				}
				s, err := coerceString(&attr{kind: kString}, val)
				if err != nil {
					return nil, fmt.Errorf("item %d: extension %w", i, err)
				}
				item["extension"] = s
			case "formatted-value", "label-type":
				// rendered by IT Glue, ignored on input
			default:
				return nil, fmt.Errorf("item %d: unknown key %q", i, k)
			}
		}
		if _, ok := item["value"]; !ok {
			return nil, fmt.Errorf("item %d: value can't be blank", i)
		}
		if _, ok := item["primary"]; !ok {
			item["primary"] = false
		}
		out = append(out, item)
	}
	return out, nil
}

// equalValue compares two stored values.
func equalValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []int64:
		y, ok := b.([]int64)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	case []map[string]any:
		y, ok := b.([]map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if len(x[i]) != len(y[i]) {
				return false
			}
			for k, v := range x[i] {
				if y[i][k] != v {
					return false
				}
			}
		}
		return true
	}
	return a == b
}

// jsonValue converts a stored value to its JSON form (fixtures).
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.Format(timeLayout)
	}
	return v
}

// toNameValues checks a list of {name, value} entries: name a non-blank
// string, value a string, number, boolean or null. An empty list is null.
func toNameValues(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("must be an array of {name, value} objects")
	}
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]map[string]any, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d must be an object", i)
		}
		item := map[string]any{"value": nil}
		for k, val := range m {
			switch k {
			case "name":
				s, ok := val.(string)
				if !ok || strings.TrimSpace(s) == "" {
					return nil, fmt.Errorf("item %d: name can't be blank", i)
				}
				item["name"] = s
			case "value":
				switch x := val.(type) {
				case nil, string, bool, json.Number, float64, int64:
					item["value"] = x
				default:
					return nil, fmt.Errorf("item %d: value must be a string, number, boolean or null", i)
				}
			default:
				return nil, fmt.Errorf("item %d: unknown member %q", i, k)
			}
		}
		if _, ok := item["name"]; !ok {
			return nil, fmt.Errorf("item %d: name can't be blank", i)
		}
		out = append(out, item)
	}
	return out, nil
}
