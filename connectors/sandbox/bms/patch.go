package bms

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// applyPatch applies a JSON Patch (RFC 6902: add, remove, replace, move,
// copy, test) to a copy of a stored record. Property names in paths match
// case-insensitively, as .NET's JsonPatchDocument does ("/accountname",
// "/Phones/0/phone"); they are resolved against the resource's writable
// fields, so a read-only or unknown property is refused. Values are
// converted afterwards, with the whole record, by the resource's coercion.
func applyPatch(res *resource, data map[string]any, ops []any) (map[string]any, *apiError) {
	doc := core.DeepCopy(data)
	if len(ops) == 0 {
		return nil, newError(http.StatusBadRequest, "The JSON Patch document is empty")
	}
	for i, o := range ops {
		m, ok := o.(map[string]any)
		if !ok {
			return nil, newError(http.StatusBadRequest, "Operation %d must be an object {op, path, value, from}", i)
		}
		get := func(k string) (any, bool) {
			for mk, v := range m {
				if strings.EqualFold(mk, k) {
					return v, true
				}
			}
			return nil, false
		}
		opv, _ := get("op")
		op, _ := opv.(string)
		op = strings.ToLower(op)
		pv, _ := get("path")
		rawPath, _ := pv.(string)
		value, hasValue := get("value")
		fail := func(format string, a ...any) *apiError {
			return newError(http.StatusBadRequest, "Operation %d (%s %s): %s", i, op, rawPath, fmt.Sprintf(format, a...))
		}
		path, err := res.resolve(rawPath)
		if err != nil {
			return nil, fail("%v", err)
		}
		switch op {
		case "add", "replace":
			if !hasValue {
				return nil, fail("value is required")
			}
			if err := setAt(doc, path, value, op == "add"); err != nil {
				return nil, fail("%v", err)
			}
		case "remove":
			if err := removeAt(doc, path); err != nil {
				return nil, fail("%v", err)
			}
		case "test":
			got, _ := getAt(doc, path)
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(value)
			if string(a) != string(b) {
				return nil, fail("test failed: the value is %s, not %s", a, b)
			}
		case "move", "copy":
			fv, _ := get("from")
			rawFrom, _ := fv.(string)
			from, err := res.resolve(rawFrom)
			if err != nil {
				return nil, fail("from: %v", err)
			}
			v, ok := getAt(doc, from)
			if !ok {
				return nil, fail("from %q does not exist", rawFrom)
			}
			if op == "move" {
				if err := removeAt(doc, from); err != nil {
					return nil, fail("%v", err)
				}
			} else {
				v = deepCopyAny(v)
			}
			if err := setAt(doc, path, v, true); err != nil {
				return nil, fail("%v", err)
			}
		default:
			return nil, fail("op must be add, remove, replace, move, copy or test")
		}
	}
	return doc, nil
}

func deepCopyAny(v any) any {
	return core.DeepCopy(map[string]any{"v": v})["v"]
}

// resolve turns "/accountname" into the canonical ["AccountName"], and
// "/phones/0/phone" into ["Phones", "0", "Phone"].
func (res *resource) resolve(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a leading slash is optional, as in .NET
	}
	toks := strings.Split(p[1:], "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	if toks[0] == "" {
		return nil, fmt.Errorf("the path must name a property")
	}
	f := res.fieldByName(toks[0])
	if f == nil {
		return nil, fmt.Errorf("the target location specified by path segment %q was not found (or it is read-only)", toks[0])
	}
	out := []string{f.name}
	if len(toks) == 1 {
		return out, nil
	}
	if f.kind != kList {
		return nil, fmt.Errorf("%s has no properties", f.name)
	}
	idx := toks[1]
	if _, err := strconv.Atoi(idx); err != nil && idx != "-" {
		return nil, fmt.Errorf("%q is not an array index", idx)
	}
	out = append(out, idx)
	if len(toks) == 2 {
		return out, nil
	}
	if len(toks) > 3 {
		return nil, fmt.Errorf("the path is too deep")
	}
	sf := subField(f.sub, toks[2])
	if sf == nil {
		return nil, fmt.Errorf("the target location specified by path segment %q was not found", toks[2])
	}
	return append(out, sf.name), nil
}

func getAt(doc map[string]any, path []string) (any, bool) {
	v, ok := doc[path[0]]
	if !ok || len(path) == 1 {
		return v, ok
	}
	arr, _ := v.([]any)
	n, err := strconv.Atoi(path[1])
	if err != nil || n < 0 || n >= len(arr) {
		return nil, false
	}
	if len(path) == 2 {
		return arr[n], true
	}
	item, _ := arr[n].(map[string]any)
	v, ok = item[path[2]]
	return v, ok
}

func setAt(doc map[string]any, path []string, v any, insert bool) error {
	if len(path) == 1 {
		doc[path[0]] = v
		return nil
	}
	arr, _ := doc[path[0]].([]any)
	n := len(arr)
	if path[1] != "-" {
		var err error
		if n, err = strconv.Atoi(path[1]); err != nil || n < 0 || n > len(arr) || (n == len(arr) && (!insert || len(path) == 3)) {
			return fmt.Errorf("index %s is out of range (the array has %d items)", path[1], len(arr))
		}
	} else if len(path) == 3 {
		return fmt.Errorf("'-' cannot address an item's property")
	}
	if len(path) == 2 {
		if insert {
			doc[path[0]] = slices.Insert(arr, n, v)
		} else {
			arr[n] = v
		}
		return nil
	}
	item, ok := arr[n].(map[string]any)
	if !ok {
		return fmt.Errorf("item %d is not an object", n)
	}
	item[path[2]] = v
	return nil
}

func removeAt(doc map[string]any, path []string) error {
	if len(path) == 1 {
		delete(doc, path[0])
		return nil
	}
	arr, _ := doc[path[0]].([]any)
	n, err := strconv.Atoi(path[1])
	if err != nil || n < 0 || n >= len(arr) {
		return fmt.Errorf("index %s is out of range (the array has %d items)", path[1], len(arr))
	}
	if len(path) == 2 {
		doc[path[0]] = slices.Delete(arr, n, n+1)
		return nil
	}
	if item, ok := arr[n].(map[string]any); ok {
		delete(item, path[2])
	}
	return nil
}
