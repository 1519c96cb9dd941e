package connectors

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Record is one decoded JSON object as the system returned it. Numbers are
// float64 (json.Unmarshal defaults); use IDString to print ids.
type Record = map[string]any

// Value returns the value at a dotted path ("company.id", "errors.0.detail")
// inside v. The empty path is v itself. Numeric segments index arrays; a
// KEY=VALUE segment on an array selects its first element whose member KEY
// prints as VALUE ("fields.name=status.picklistValues",
// "phones.type=Mobile.number").
func Value(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	cur := v
	for seg := range strings.SplitSeq(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			next, ok := node[seg]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			if key, want, isSel := strings.Cut(seg, "="); isSel {
				el, ok := selectElement(node, key, want)
				if !ok {
					return nil, false
				}
				cur = el
				continue
			}
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// selectElement is the first object of list whose member key prints as
// want.
func selectElement(list []any, key, want string) (any, bool) {
	for _, el := range list {
		if m, ok := el.(map[string]any); ok {
			if v, ok := m[key]; ok && v != nil && IDString(v) == want {
				return el, true
			}
		}
	}
	return nil, false
}

// values returns every value matched by a dotted path in which a "*"
// segment stands for each element of an array (or each member of an object).
func values(v any, path string) []any {
	if !strings.Contains(path, "*") {
		if x, ok := Value(v, path); ok {
			return []any{x}
		}
		return nil
	}
	head, rest, _ := strings.Cut(path, "*")
	head = strings.TrimSuffix(head, ".")
	rest = strings.TrimPrefix(rest, ".")
	base, ok := Value(v, head)
	if !ok {
		return nil
	}
	var out []any
	switch node := base.(type) {
	case []any:
		for _, el := range node {
			out = append(out, values(el, rest)...)
		}
	case map[string]any:
		for _, el := range node {
			out = append(out, values(el, rest)...)
		}
	}
	return out
}

// setPath stores val at a dotted path inside m, creating nested objects,
// and arrays where a segment is an index ("types.0.id" ->
// {"types":[{"id":...}]}).
func setPath(m map[string]any, path string, val any) error {
	segs := strings.Split(path, ".")
	for _, seg := range segs {
		if seg == "" {
			return fmt.Errorf("path %q has an empty segment", path)
		}
		if strings.Contains(seg, "=") {
			return fmt.Errorf("path %q selects an element (%s): it can be read, not written", path, seg)
		}
	}
	if len(segs) == 1 {
		m[segs[0]] = val
		return nil
	}
	child, err := setIn(m[segs[0]], segs[1:], val)
	if err != nil {
		return fmt.Errorf("path %q: %w", path, err)
	}
	m[segs[0]] = child
	return nil
}

// maxIndex bounds array indexes in write paths.
const maxIndex = 1000

func setIn(node any, segs []string, val any) (any, error) {
	seg := segs[0]
	if idx, err := strconv.Atoi(seg); err == nil && idx >= 0 {
		if _, isMap := node.(map[string]any); !isMap {
			arr, ok := node.([]any)
			if node != nil && !ok {
				return nil, fmt.Errorf("%q indexes a %T", seg, node)
			}
			if idx > maxIndex {
				return nil, fmt.Errorf("index %d is too large", idx)
			}
			for len(arr) <= idx {
				arr = append(arr, nil)
			}
			if len(segs) == 1 {
				arr[idx] = val
				return arr, nil
			}
			child, err := setIn(arr[idx], segs[1:], val)
			if err != nil {
				return nil, err
			}
			arr[idx] = child
			return arr, nil
		}
	}
	mm, ok := node.(map[string]any)
	if node == nil {
		mm, ok = map[string]any{}, true
	}
	if !ok {
		return nil, fmt.Errorf("%q is already a %T, not an object", seg, node)
	}
	if len(segs) == 1 {
		mm[seg] = val
		return mm, nil
	}
	child, err := setIn(mm[seg], segs[1:], val)
	if err != nil {
		return nil, err
	}
	mm[seg] = child
	return mm, nil
}

// IDString prints an id value found in a record: strings as they are,
// integral numbers without exponent or fraction.
func IDString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

// idValue is the JSON value of an id in a request body: a number when the
// id is an integer, otherwise the string.
func idValue(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && strconv.FormatInt(n, 10) == id {
		return n
	}
	return id
}

// pointer turns a dotted path into an RFC 6901 JSON pointer ("type.id" ->
// "/type/id").
func pointer(path string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(path, ".") {
		b.WriteByte('/')
		seg = strings.ReplaceAll(seg, "~", "~0")
		seg = strings.ReplaceAll(seg, "/", "~1")
		b.WriteString(seg)
	}
	return b.String()
}
