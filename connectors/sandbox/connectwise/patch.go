package connectwise

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// applyPatch applies an RFC 6902 JSON Patch to a stored record and
// returns the patched object. Paths may be written with or without the
// leading slash ("status/id" or "/status/id"); "replace" of a field the
// record leaves out (ConnectWise omits empty fields) acts as "add"; id and
// _info cannot be changed.
func applyPatch(res *resource, data map[string]any, ops []any) (map[string]any, *apiError) {
	bad := func(i int, format string, a ...any) *apiError {
		msg := fmt.Sprintf(format, a...)
		e := newAPIError(http.StatusBadRequest, "InvalidObject", "JSON Patch operation %d: %s", i, msg)
		e.Errors = []validationError{{Code: "InvalidField", Message: msg, Resource: res.singular, Field: "op"}}
		return e
	}
	if len(ops) == 0 {
		return nil, newAPIError(http.StatusBadRequest, "InvalidObject", "The JSON Patch array is empty.")
	}
	norm := make([]map[string]any, 0, len(ops))
	for i, o := range ops {
		m, ok := o.(map[string]any)
		if !ok {
			return nil, bad(i, "must be an object {op, path, value}")
		}
		op, _ := m["op"].(string)
		op = strings.ToLower(op)
		switch op {
		case "add", "remove", "replace", "move", "copy", "test":
		default:
			return nil, bad(i, "op %q must be add, remove, replace, move, copy or test", m["op"])
		}
		out := map[string]any{"op": op}
		for _, key := range []string{"path", "from"} {
			raw, present := m[key]
			if !present {
				if key == "path" || op == "move" || op == "copy" {
					return nil, bad(i, "%s is required", key)
				}
				continue
			}
			p, ok := raw.(string)
			if !ok || strings.TrimSpace(p) == "" {
				return nil, bad(i, "%s must be a non-empty string", key)
			}
			if !strings.HasPrefix(p, "/") {
				p = "/" + p
			}
			head := strings.SplitN(p[1:], "/", 2)[0]
			if (head == "id" || head == "_info") && (key == "path" || op == "move") {
				return nil, bad(i, "%s cannot be changed", head)
			}
			out[key] = p
		}
		if v, ok := m["value"]; ok {
			out["value"] = v
		} else if op == "add" || op == "replace" || op == "test" {
			return nil, bad(i, "value is required for %s", op)
		}
		if op == "replace" && !pathExists(data, out["path"].(string)) {
			out["op"] = "add"
		}
		norm = append(norm, out)
	}
	pb, err := json.Marshal(norm)
	if err != nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidObject", "JSON Patch: %v", err)
	}
	patch, err := jsonpatch.DecodePatch(pb)
	if err != nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidObject", "JSON Patch: %v", err)
	}
	doc, err := json.Marshal(data)
	if err != nil {
		return nil, newAPIError(http.StatusInternalServerError, "ConnectWiseApi", "JSON Patch: %v", err)
	}
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = true
	opts.AllowMissingPathOnRemove = true
	patched, err := patch.ApplyWithOptions(doc, opts)
	if err != nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidObject", "JSON Patch could not be applied: %v", err)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(patched))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || out == nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidObject", "JSON Patch produced something that is not an object")
	}
	return out, nil
}

// pathExists reports whether a JSON Pointer resolves in data.
func pathExists(data map[string]any, ptr string) bool {
	var cur any = data
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[tok]
			if !ok {
				return false
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(x) {
				return false
			}
			cur = x[n]
		default:
			return false
		}
	}
	return true
}
