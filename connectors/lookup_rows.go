package connectors

import "context"

// LookupRows reads every row of a lookup, all pages, as its list route
// returns them (records read through a related row need its other
// members, which a LookupTable does not keep). A path holding {parent} is
// read once per row of the parent lookup.
func (c *Client) LookupRows(ctx context.Context, name string) ([]map[string]any, error) {
	l, err := c.lookup(name)
	if err != nil {
		return nil, err
	}
	var rows []map[string]any
	if err := c.eachLookupRow(ctx, l, func(_ string, rec map[string]any) { rows = append(rows, rec) }); err != nil {
		return nil, err
	}
	return rows, nil
}
