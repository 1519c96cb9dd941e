package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors"
	"mapsync/engine/match"
)

// FoundMessage marks a create that was not sent because the target
// already held a record with the same match key, which the run had not
// listed (an incremental, record or doc-only run): the op is applied as a
// link to that record. It starts like AdoptedMessage: both count as
// adopted.
const FoundMessage = "adopted: a record with the same match key was found on the target, which this run did not list in full"

// adoptedPrefix starts the message of every create applied as a link to a
// record found on the target.
const adoptedPrefix = "adopted:"

// findUnlisted looks on the target (side) for records matching fresh
// create ops when this run did not list the target in full: a record the
// run did not see may be the one the op would create (a doc record pushed
// by an incremental run whose psa twin was not changed since the cursor,
// a psa record created in a doc-only run). A full listing needs no look:
// matching saw every record. It returns op key -> the found record's id.
//
// Cost: one listing of the target object per Apply batch that holds such
// creates, narrowed to the ops' scope parents when the plan allows it
// (scopeFilter): a nested list reads one paged series per parent; a
// target that filters on record paths gets one "in" filter on the scope
// field; otherwise the object is listed in full.
func (r *Run) findUnlisted(ctx context.Context, o *object, side match.Side, ops []match.Op) (map[string]string, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	complete, err := r.db.ListedComplete(ctx, o.spec.Object, side)
	if err != nil {
		return nil, ledgerError("listing of "+o.spec.Object, err)
	}
	if complete {
		return nil, nil
	}
	return r.findOnTarget(ctx, o, side, ops, time.Time{}, "look up "+o.spec.Object+" records not listed by this run", r.db.PairedIDs)
}

// scopeFilter narrows a lookup listing of the target to the scope parents
// the ops name, when the list is not already read under them (nested) and
// the target's filter dialect filters on record paths.
func (r *Run) scopeFilter(o *object, side match.Side, nested bool, sent []map[string]any, q *connectors.ListQuery) {
	scope := o.spec.Match.ScopeBy
	if scope == "" || nested || !r.systems[side].FiltersOnRecordPaths() {
		return
	}
	var path string
	for _, f := range o.mappers[side].Object().Fields {
		if f.Name == scope && f.Flag == "" && f.Fetch == "" && f.ToCanonical == "" {
			path = f.Path
		}
	}
	if path == "" {
		return
	}
	seen := map[string]bool{}
	var ids []any
	for _, vals := range sent {
		v := vals[scope]
		if v == nil {
			// An op without a parent: the listing stays unfiltered.
			return
		}
		id := strings.TrimSpace(fmt.Sprint(v))
		if id == "" {
			return
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		// Numeric ids compare as numbers on the target.
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			ids = append(ids, n)
		} else {
			ids = append(ids, id)
		}
	}
	q.Filters = append(q.Filters, connectors.Filter{Field: path, Op: connectors.OpIn, Value: ids})
}
