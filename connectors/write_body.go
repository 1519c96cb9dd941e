package connectors

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"mapsync/engine/plan"
)

const (
	jsonapiAttributes    = "attributes."
	jsonapiRelationships = "relationships."
)

// sortedPaths returns the field paths in a stable order, so bodies are
// deterministic.
func sortedPaths(fields map[string]any) []string {
	return slices.Sorted(maps.Keys(fields))
}

// nested builds a record object from dotted write paths
// ({"type.id": 1} -> {"type":{"id":1}}).
func (c *Client) nested(fields map[string]any) (map[string]any, error) {
	m := map[string]any{}
	for _, p := range sortedPaths(fields) {
		if err := setPath(m, p, c.jsonValue(fields[p])); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// jsonapiResource builds a JSON:API resource object. Paths are attribute
// names as the mapping declares them (an "attributes." prefix is accepted);
// "relationships.x..." paths go to relationships.
func (c *Client) jsonapiResource(obj *plan.Object, id string, fields map[string]any, idInAttributes bool) (map[string]any, error) {
	attrs, rels := map[string]any{}, map[string]any{}
	for _, p := range sortedPaths(fields) {
		v := c.jsonValue(fields[p])
		var err error
		if rest, ok := strings.CutPrefix(p, jsonapiRelationships); ok {
			err = setPath(rels, rest, v)
		} else {
			err = setPath(attrs, strings.TrimPrefix(p, jsonapiAttributes), v)
		}
		if err != nil {
			return nil, err
		}
	}
	res := map[string]any{"type": obj.ResourceType, "attributes": attrs}
	if id != "" {
		res["id"] = id
		if idInAttributes {
			attrs["id"] = idValue(id)
		}
	}
	if len(rels) > 0 {
		res["relationships"] = rels
	}
	return res, nil
}

// createElement is one record as it appears in a create body (single or
// bulk element).
func (c *Client) createElement(obj *plan.Object, fields map[string]any) (any, error) {
	if obj.CreateShape().Body == plan.BodyJSONAPI {
		return c.jsonapiResource(obj, "", fields, false)
	}
	return c.nested(fields)
}

// partialElement is {id, changed fields} (partial_patch and non-JSON:API
// bulk updates).
func (c *Client) partialElement(obj *plan.Object, id string, fields map[string]any) (map[string]any, error) {
	m, err := c.nested(fields)
	if err != nil {
		return nil, err
	}
	if err := setPath(m, orDefault(obj.ID, "id"), idValue(id)); err != nil {
		return nil, err
	}
	return m, nil
}

// patchOps builds an RFC 6902 patch replacing each field.
func (c *Client) patchOps(fields map[string]any, op string) []map[string]any {
	ops := make([]map[string]any, 0, len(fields))
	for _, p := range sortedPaths(fields) {
		ops = append(ops, map[string]any{"op": op, "path": pointer(p), "value": c.jsonValue(fields[p])})
	}
	return ops
}

// applyFields applies the field changes to a whole record (for PUT), with
// the JSON Patch library creating missing parents.
func (c *Client) applyFields(rec Record, fields map[string]any) ([]byte, error) {
	doc, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(c.patchOps(fields, "add"))
	if err != nil {
		return nil, err
	}
	patch, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return nil, fmt.Errorf("build patch: %w", err)
	}
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = true
	out, err := patch.ApplyWithOptions(doc, opts)
	if err != nil {
		return nil, fmt.Errorf("apply fields: %w", err)
	}
	return out, nil
}

// wrapBulk shapes the elements of a bulk request body.
func wrapBulk(wrap string, elements []any) ([]byte, error) {
	kind, member, err := plan.ParseBulkWrap(wrap)
	switch kind {
	case plan.WrapJSONAPIArray:
		return json.Marshal(map[string]any{"data": elements})
	case plan.WrapObject:
		return json.Marshal(map[string]any{member: elements})
	case plan.WrapArray:
		return json.Marshal(elements)
	}
	return nil, err
}
