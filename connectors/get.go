package connectors

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"mapsync/engine/plan"
)

// Get reads one record by id.
func (c *Client) Get(ctx context.Context, object, id string) (Record, error) {
	obj, err := c.object(object)
	if err != nil {
		return nil, err
	}
	route := itemRoute(obj)
	u, err := c.url(ctx, fillID(route, id), nil)
	if err != nil {
		return nil, err
	}
	cl := call{op: "get " + obj.Name + " " + id, method: http.MethodGet, route: route, url: u}
	parsed, resp, err := c.expectJSON(ctx, cl)
	if err != nil {
		return nil, err
	}
	v, ok := Value(parsed, c.sys.Envelope.Item)
	rec, isObj := v.(map[string]any)
	if !ok || !isObj {
		return nil, &Error{Op: cl.op, Method: cl.method, Route: route, HTTPStatus: resp.status, Kind: KindProtocol,
			Message: "no record at " + orDefault(c.sys.Envelope.Item, "the body")}
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

func fillID(route, id string) string {
	return strings.ReplaceAll(route, "{id}", url.PathEscape(id))
}
