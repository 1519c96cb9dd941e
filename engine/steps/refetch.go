package steps

import (
	"context"
	"fmt"

	"mapsync/connectors"
)

// refetch ends an incremental listing of an object with a field whose
// sub-resource changes without moving the record's updated date
// (plan.Field.RefetchQuery: a ticket's configurations): it lists the
// records the field's query selects (open tickets), at most RefetchLimit,
// leaves out those the listing staged already, and stages the others with
// their sub-resources read again. The diff then writes what changed, like
// for any listed record. It returns the records staged.
func (r *Run) refetch(ctx context.Context, ex *extraction, q connectors.ListQuery) (int, error) {
	var fields []int
	for i, f := range ex.mapper.Object().Fields {
		if f.Fetch != "" && len(f.RefetchQuery) > 0 {
			fields = append(fields, i)
		}
	}
	if len(fields) == 0 {
		return 0, nil
	}
	table, err := r.stageTable(ctx, ex.o, ex.side)
	if err != nil {
		return 0, err
	}
	staged := map[string]bool{}
	rows, err := r.db.DB().QueryContext(ctx, `SELECT _id FROM `+table)
	if err != nil {
		return 0, fmt.Errorf("refetch: staged ids: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("refetch: staged ids: %w", err)
		}
		staged[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("refetch: staged ids: %w", err)
	}
	stager, err := r.db.Stager(ctx, ex.o.match, ex.side)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, fi := range fields {
		f := ex.mapper.Object().Fields[fi]
		lq := connectors.ListQuery{Query: f.RefetchQuery, Parents: q.Parents, PageSize: q.PageSize}
		listed := 0
		for page, err := range ex.client.List(ctx, ex.o.spec.Object, lq) {
			if err != nil {
				stager.Close()
				return n, fmt.Errorf("refetch %s: %w", f.Name, err)
			}
			var recs []connectors.Record
			for _, rec := range page.Records {
				if listed >= f.RefetchLimit {
					break
				}
				listed++
				id := ex.mapper.RecordID(rec)
				if id == "" || staged[id] {
					continue
				}
				staged[id] = true
				recs = append(recs, rec)
			}
			mapped, err := ex.page(ctx, recs)
			if err != nil {
				stager.Close()
				return n, fmt.Errorf("refetch %s: %w", f.Name, err)
			}
			if err := stager.Append(ctx, mapped); err != nil {
				stager.Close()
				return n, fmt.Errorf("refetch %s: %w", f.Name, err)
			}
			n += len(mapped)
			if listed >= f.RefetchLimit {
				break
			}
		}
	}
	if err := stager.Close(); err != nil {
		return n, err
	}
	return n, nil
}
