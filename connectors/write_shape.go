package connectors

import (
	"context"
	"encoding/json"
	"fmt"

	"mapsync/engine/plan"
)

// Single-record writes, shaped by the object's plan.WriteShape (the write
// style's preset with the object's create/update block over it): method,
// route, body shape and where the result is.

// shapeBody builds the body of a single-record write. id is "" for a
// create. An update whose route has no {id} (a collection route, an
// upsert) carries the id in the body.
func (c *Client) shapeBody(obj *plan.Object, shape plan.WriteShape, id string, fields map[string]any) ([]byte, error) {
	kind, member, err := plan.ParseBodyShape(shape.Body)
	if err != nil {
		return nil, err
	}
	switch kind {
	case plan.BodyJSONPatch:
		return json.Marshal(c.patchOps(fields, "replace"))
	case plan.BodyJSONAPI:
		res, err := c.jsonapiResource(obj, id, fields, false)
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]any{"data": res})
	case plan.BodyWhole:
		return nil, fmt.Errorf("body %q needs the current record", kind)
	}
	el, err := c.nested(fields)
	if err != nil {
		return nil, err
	}
	if id != "" && (kind == plan.BodyPartial || !routeHasID(shape.Path)) {
		if err := setPath(el, orDefault(obj.ID, "id"), idValue(id)); err != nil {
			return nil, err
		}
	}
	switch kind {
	case plan.BodyWrapped:
		return json.Marshal(map[string]any{member: el})
	case plan.BodyArray:
		return json.Marshal([]any{el})
	}
	return json.Marshal(el)
}

func routeHasID(route string) bool {
	r, err := plan.ParseRoute(route)
	return err == nil && r.Has(plan.PlaceholderID)
}

// itemPath is where a write's response holds the record.
func itemPath(shape plan.WriteShape, env *plan.Envelope) string {
	if shape.Item != nil {
		return *shape.Item
	}
	return env.Item
}

// createdIDPath is where a create's response holds only the new id.
func createdIDPath(shape plan.WriteShape, env *plan.Envelope) string {
	if shape.ID != nil {
		return *shape.ID
	}
	return env.CreatedID
}

// createOne sends a single-record create.
func (c *Client) createOne(ctx context.Context, obj *plan.Object, route, path string, fields map[string]any, res WriteResult) WriteResult {
	shape := obj.CreateShape()
	fields, err := c.withDefaults(shape, fields)
	if err != nil {
		return failResult(res, err)
	}
	body, err := c.shapeBody(obj, shape, "", fields)
	if err != nil {
		return rejected(res, "build body: "+err.Error())
	}
	u, err := c.url(ctx, path, nil)
	if err != nil {
		return failResult(res, err)
	}
	env := c.objEnvelope(obj)
	cl := call{op: "create " + obj.Name, method: shape.Method, route: route, url: u, body: body,
		contentType: orDefault(shape.ContentType, c.sys.ContentType), create: true, env: env, write: true, lim: c.objLimiter(obj)}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return failResult(res, err)
	}
	res.HTTPStatus = resp.status
	parsed, perr := decodeBody(resp.body)
	if resp.status < 200 || resp.status >= 300 || (perr == nil && !flagTrue(parsed, env.Success)) {
		return failResult(res, c.httpError(cl, resp, parsed))
	}
	if perr != nil {
		res.Status = StatusAmbiguous
		res.Message = "created, but the response is not JSON; look the record up before creating it again"
		return res
	}
	if rec, ok := recordAt(parsed, itemPath(shape, env)); ok {
		res.Record = rec
		if id, ok := Value(rec, orDefault(obj.ID, "id")); ok {
			res.ID = IDString(id)
		}
	}
	if p := createdIDPath(shape, env); res.ID == "" && p != "" {
		if id, ok := Value(parsed, p); ok {
			res.ID = IDString(id)
			res.Record = nil // what stood at the item path had no id: not the record
		}
	}
	if res.ID == "" {
		res.Status = StatusAmbiguous
		res.Message = "created, but the response carries no id; look the record up before creating it again"
		return res
	}
	res.Status = StatusOK
	if res.Record == nil && shape.Reread {
		// The record exists: a failed re-read leaves only Record empty.
		if rec, err := c.getRecord(ctx, obj, res.ID, nil, fields); err == nil {
			res.Record = rec
		}
	}
	return res
}

// updateOne sends a single-record update in the object's update shape.
func (c *Client) updateOne(ctx context.Context, obj *plan.Object, up Update, res WriteResult) WriteResult {
	shape := obj.UpdateShape()
	if shape.Body == "" {
		return rejected(res, fmt.Sprintf("write style %q cannot update", obj.Write))
	}
	var (
		body []byte
		err  error
	)
	if shape.Body == plan.BodyWhole {
		var current Record
		if current, err = c.getRecord(ctx, obj, up.ID, up.Refs, up.Fields); err != nil {
			return failResult(res, err)
		}
		body, err = c.applyFields(current, up.Fields)
	} else {
		body, err = c.shapeBody(obj, shape, up.ID, up.Fields)
	}
	if err != nil {
		return rejected(res, "build body: "+err.Error())
	}
	path, err := fillRoute(shape.Path, up.ID, "", obj, WriteRecord{Fields: up.Fields, Refs: up.Refs})
	if err != nil {
		return rejected(res, err.Error())
	}
	u, err := c.url(ctx, path, nil)
	if err != nil {
		return failResult(res, err)
	}
	env := c.objEnvelope(obj)
	cl := call{op: "update " + obj.Name + " " + up.ID, method: shape.Method, route: shape.Path, url: u, body: body,
		contentType: orDefault(shape.ContentType, c.sys.ContentType), env: env, write: true, lim: c.objLimiter(obj)}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return failResult(res, err)
	}
	res.HTTPStatus = resp.status
	parsed, perr := decodeBody(resp.body)
	if resp.status < 200 || resp.status >= 300 || (perr == nil && !flagTrue(parsed, env.Success)) {
		return failResult(res, c.httpError(cl, resp, parsed))
	}
	if perr == nil {
		if rec, ok := recordAt(parsed, itemPath(shape, env)); ok {
			res.Record = rec
		}
	}
	res.Status = StatusOK
	if res.Record == nil && shape.Reread {
		if rec, err := c.getRecord(ctx, obj, up.ID, up.Refs, up.Fields); err == nil {
			res.Record = rec
		}
	}
	return res
}

// withDefaults adds the create block's defaults to a create's fields: the
// members no field gives (a value the API requires that the other system
// does not hold), string values with ${var.NAME} resolved.
func (c *Client) withDefaults(shape plan.WriteShape, fields map[string]any) (map[string]any, error) {
	if shape.Defaults == "" {
		return fields, nil
	}
	var defs map[string]any
	if err := json.Unmarshal([]byte(shape.Defaults), &defs); err != nil {
		return nil, configError("create", "defaults: %v", err)
	}
	out := make(map[string]any, len(fields)+len(defs))
	for k, v := range fields {
		out[k] = v
	}
	for k, v := range defs {
		if _, ok := out[k]; ok {
			continue
		}
		if s, ok := v.(string); ok {
			r, err := c.resolve(plan.Template(s))
			if err != nil {
				return nil, err
			}
			v = r
		}
		out[k] = v
	}
	return out, nil
}
