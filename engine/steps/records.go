package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// RecordRef names one record of one object on one side: what a record run
// (mapsync sync --record, the watcher) is limited to.
type RecordRef struct {
	Object string     `json:"object"`
	Side   match.Side `json:"side"`
	ID     string     `json:"id"`
}

// Key is "object/side/id", unique per record.
func (r RecordRef) Key() string { return r.Object + "/" + string(r.Side) + "/" + r.ID }

// recordListing is what a record run lists on one side of one object.
type recordListing struct {
	ids []string // the named records of this side and the linked counterparts of the other side's
	// filter selects the ids on the server; nil when the system's filter
	// dialect cannot select by id: the records are then read one by one
	// through the item route (byItem), or, for an item route under a
	// parent, the listing falls back to the incremental listing from the
	// cursor.
	filter *connectors.Filter
	byItem bool
	// parents, for a list path under a parent, are the parents of the
	// records listed (from the link memory); nil = the usual parents.
	parents map[string][]string
}

// recordListing works out what a record run lists on one side: the records
// named on that side and the linked counterparts of those named on the
// other, so a change made on either side since the last run is seen and
// the value rules decide. Such a listing is never complete.
func (r *Run) recordListing(ctx context.Context, o *object, side match.Side, recs []RecordRef) (recordListing, error) {
	var rl recordListing
	var named, others []string
	for _, rec := range recs {
		if rec.Object != o.spec.Object {
			continue
		}
		switch rec.Side {
		case side:
			named = append(named, rec.ID)
		case other(side):
			others = append(others, rec.ID)
		}
	}
	counter, err := r.linkedIDs(ctx, o.spec.Object, other(side), others)
	if err != nil {
		return rl, err
	}
	ids := append(slices.Clone(named), counter...)
	slices.Sort(ids)
	rl.ids = slices.Compact(ids)
	if len(rl.ids) == 0 {
		return rl, nil
	}
	obj := o.mappers[side].Object()
	rl.filter = idFilter(r.systems[side].FilterDialect(), obj.ID, rl.ids)
	// A dialect that cannot select by id (query parameters an API may
	// refuse, or no filter at all): read the named records through their
	// item route, when it needs no parent; a record run names few records.
	rl.byItem = rl.filter == nil && !strings.Contains(obj.ItemRoute(), "{ref:")
	if rl.parents, err = r.recordParents(ctx, o, side, rl.ids); err != nil {
		return rl, err
	}
	return rl, nil
}

// idFilter is the server-side filter selecting records by id in a filter
// dialect, or nil when the dialect cannot. Ids that are integers are sent
// as numbers (dialects that quote strings compare them as numbers then).
func idFilter(dialect, idPath string, ids []string) *connectors.Filter {
	if idPath == "" {
		idPath = "id"
	}
	vals := make([]any, len(ids))
	for i, id := range ids {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			vals[i] = n
		} else {
			vals[i] = id
		}
	}
	switch dialect {
	case plan.FilterConditions, plan.FilterJSONAPI, plan.FilterQueryBody:
		return &connectors.Filter{Field: idPath, Op: connectors.OpIn, Value: vals}
	}
	// The query dialect names only the parameters an API documents: an id
	// parameter may not be one of them (the record is read by its item
	// route instead).
	return nil
}

// linkedIDs returns the ids on the other side of side's records ids that
// are linked (any state: a paused or disabled link still names its
// counterpart; the value rules and the link state decide what is written).
func (r *Run) linkedIDs(ctx context.Context, object string, side match.Side, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	col, oc := string(side)+"_id", string(other(side))+"_id"
	q := `SELECT DISTINCT ` + oc + ` FROM links WHERE object = ? AND ` + oc + ` IS NOT NULL AND ` + col + ` IN (` + placeholders(len(ids)) + `) ORDER BY 1`
	args := []any{object}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := r.db.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("linked counterparts of %s: %w", object, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("linked counterparts of %s: %w", object, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// recordParents returns, for a list path under a parent ({ref:FIELD}), the
// parents of the records a record run lists, read from the link memory
// (the FIELD value last synced on that side). When a record has no such
// memory (not linked yet) it returns nil: the listing then goes under the
// usual parents.
func (r *Run) recordParents(ctx context.Context, o *object, side match.Side, ids []string) (map[string][]string, error) {
	route, err := plan.ParseRoute(o.mappers[side].Object().ListPath)
	if err != nil {
		return nil, err
	}
	refs := route.Refs()
	if len(refs) == 0 {
		return nil, nil
	}
	field := refs[0]
	col := string(side)
	q := `SELECT ` + col + `_id, json_extract_string(` + col + `_synced, ?) FROM links WHERE object = ? AND ` + col + `_id IN (` + placeholders(len(ids)) + `)`
	args := []any{jsonPointer(field), o.spec.Object}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := r.db.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("parents of the listed %s records: %w", o.spec.Object, err)
	}
	defer rows.Close()
	found := map[string]string{}
	for rows.Next() {
		var id string
		var parent *string
		if err := rows.Scan(&id, &parent); err != nil {
			return nil, fmt.Errorf("parents of the listed %s records: %w", o.spec.Object, err)
		}
		if parent != nil && *parent != "" {
			found[id] = *parent
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("parents of the listed %s records: %w", o.spec.Object, err)
	}
	var parents []string
	for _, id := range ids {
		p, ok := found[id]
		if !ok {
			return nil, nil
		}
		parents = append(parents, p)
	}
	slices.Sort(parents)
	return map[string][]string{field: slices.Compact(parents)}, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
