package connectors

import (
	"context"
	"net/http"

	"mapsync/engine/plan"
)

// LookupRows reads every row of a lookup, all pages, as its list route
// returns them (records read through a related row need its other
// members, which a LookupTable does not keep). A path holding {parent} is
// read once per row of the parent lookup.
func (c *Client) LookupRows(ctx context.Context, name string) ([]map[string]any, error) {
	l, err := c.lookup(name)
	if err != nil {
		return nil, err
	}
	route, err := plan.ParseRoute(l.Path)
	if err != nil {
		return nil, configError("lookup", "lookup %q: %v", l.Name, err)
	}
	paths := []string{l.Path}
	if route.Has(plan.PlaceholderParent) {
		if l.Parent == "" {
			return nil, configError("lookup", "lookup %q has {parent} in its path but no parent", l.Name)
		}
		parents, err := c.Lookup(ctx, l.Parent)
		if err != nil {
			return nil, err
		}
		paths = paths[:0]
		for _, p := range parents.Entries() {
			path, err := route.Fill(plan.RouteValues{Parent: p.ID})
			if err != nil {
				return nil, configError("lookup", "lookup %q: %v", l.Name, err)
			}
			paths = append(paths, path)
		}
	}
	var rows []map[string]any
	for _, path := range paths {
		// The lookup's own envelope and paging, as for its table (loadLookup).
		run := &listRun{c: c, op: "lookup " + l.Name, path: path, route: l.Path, method: http.MethodGet,
			env: c.lookupEnvelope(l), paging: l.Paging, filters: emptyFilters(), size: pageSizeOf(orSystem(l.Paging, c.sys.Paging), 0)}
		var failed error
		run.iterate(ctx, nil, func(p Page, err error) bool {
			if err != nil {
				failed = err
				return false
			}
			rows = append(rows, p.Records...)
			return true
		})
		if failed != nil {
			return nil, failed
		}
	}
	return rows, nil
}
