package steps

import (
	"context"

	"mapsync/engine/match"
)

// loadRelated reads the rows of the lookups the object's records are read
// through on a side (fields with lookup_label, related(...) in
// to_canonical): every page of each lookup's list, once for the run,
// before any record is mapped or written; never per record. Objects that
// read through nothing read nothing.
func (r *Run) loadRelated(ctx context.Context, o *object, side match.Side) error {
	if err := o.mappers[side].LoadRelated(ctx, r.clients[side]); err != nil {
		return Classify("read the related rows of "+o.spec.Object, err)
	}
	return nil
}
