package connectors

import (
	"context"
	"net/http"
	"strings"

	"mapsync/engine/plan"
)

// RecordRef names one record: its id and, for item paths under a parent
// ("/company/companies/{ref:organization}/sites/{id}"), the parents' ids.
type RecordRef struct {
	ID   string            `json:"id"`
	Refs map[string]string `json:"refs,omitempty"`
}

// Get reads one record by id.
func (c *Client) Get(ctx context.Context, object, id string) (Record, error) {
	return c.GetRecord(ctx, object, RecordRef{ID: id})
}

// GetRecord reads one record, filling {ref:NAME} in the item path from ref.Refs.
func (c *Client) GetRecord(ctx context.Context, object string, ref RecordRef) (Record, error) {
	obj, err := c.object(object)
	if err != nil {
		return nil, err
	}
	return c.getRecord(ctx, obj, ref.ID, ref.Refs, nil)
}

// getRecord reads one record; {ref:NAME} comes from refs, else from the
// ref field's value in fields.
func (c *Client) getRecord(ctx context.Context, obj *plan.Object, id string, refs map[string]string, fields map[string]any) (Record, error) {
	route := itemRoute(obj)
	path, err := fillRoute(route, id, "", obj, WriteRecord{Fields: fields, Refs: refs})
	if err != nil {
		return nil, configError("get "+obj.Name+" "+id, "%s", err.Error())
	}
	u, err := c.url(ctx, path, nil)
	if err != nil {
		return nil, err
	}
	env := c.objEnvelope(obj)
	cl := call{op: "get " + obj.Name + " " + id, method: http.MethodGet, route: route, url: u, env: env, lim: c.objLimiter(obj)}
	parsed, resp, err := c.expectJSON(ctx, cl)
	if err != nil {
		return nil, err
	}
	rec, ok := recordAt(parsed, env.Item)
	if !ok {
		return nil, &Error{Op: cl.op, Method: cl.method, Route: route, HTTPStatus: resp.status, Kind: KindProtocol,
			Message: "no record at " + orDefault(env.Item, "the body")}
	}
	return rec, nil
}

// itemRoute is the path of one record: item_path, or list_path/{id}.
func itemRoute(obj *plan.Object) string {
	if obj.ItemPath != "" {
		return obj.ItemPath
	}
	return strings.TrimRight(obj.ListPath, "/") + "/{id}"
}

// fillRoute fills the placeholders of a route (plan.ParseRoute): {id} with
// id, {parent} with parent, {ref:FIELD} from r.Refs[FIELD], else from the
// value the ref field FIELD of obj has in r.Fields.
func fillRoute(route, id, parent string, obj *plan.Object, r WriteRecord) (string, error) {
	rt, err := plan.ParseRoute(route)
	if err != nil {
		return "", err
	}
	return rt.Fill(plan.RouteValues{ID: id, Parent: parent, Ref: func(field string) (string, bool) {
		if v := r.Refs[field]; v != "" {
			return v, true
		}
		if obj == nil {
			return "", false
		}
		if f, ok := obj.RefField(field); ok {
			if v, ok := r.Fields[orDefault(f.WritePath, f.Path)]; ok && v != nil {
				id := IDString(v)
				return id, id != ""
			}
		}
		return "", false
	}})
}
