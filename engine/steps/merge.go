package steps

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"mapsync/engine/match"
	"mapsync/engine/records"
)

// mergeLists applies merge_by (plan.FieldSync.MergeBy) to an update: each
// list field that is merged gets, as its new value, the source's entries
// merged into the target's current list (records.MergeList; the base is
// the source's memory of the field in the link). fields and values are
// changed in place; the result is the merged values (what the target will
// hold), by field, for the target's memory.
func (r *Run) mergeLists(ctx context.Context, o *object, op match.Op, fields map[string]opField, values map[string]any) (map[string]json.RawMessage, error) {
	if op.Op != match.OpUpdate {
		return nil, nil
	}
	var held map[string]json.RawMessage
	for _, fs := range o.spec.Fields {
		f, ok := fields[fs.Name]
		if fs.MergeBy == "" || !ok {
			continue
		}
		var old any
		if len(f.Old) > 0 {
			if err := json.Unmarshal(f.Old, &old); err != nil {
				return nil, fmt.Errorf("op %d: field %s: %w", op.Seq, fs.Name, err)
			}
		}
		base, err := r.sourceMemory(ctx, o, op, fs.Name)
		if err != nil {
			return nil, err
		}
		merged := records.MergeList(fs.MergeBy, old, base, values[fs.Name])
		b, err := json.Marshal(merged)
		if err != nil {
			return nil, fmt.Errorf("op %d: field %s: %w", op.Seq, fs.Name, err)
		}
		values[fs.Name] = merged
		f.New = b
		fields[fs.Name] = f
		if held == nil {
			held = map[string]json.RawMessage{}
		}
		held[fs.Name] = b
	}
	return held, nil
}

// sourceMemory is the source side's memory of a field in the op's link
// (nil when none).
func (r *Run) sourceMemory(ctx context.Context, o *object, op match.Op, field string) (any, error) {
	psa, doc := op.SourceID, op.TargetID
	if op.SourceSide == match.Doc {
		psa, doc = doc, psa
	}
	col := "psa_synced"
	if op.SourceSide == match.Doc {
		col = "doc_synced"
	}
	var raw sql.NullString
	err := r.db.DB().QueryRowContext(ctx, `SELECT CAST(json_extract(`+col+`, CAST(? AS VARCHAR)) AS VARCHAR) FROM links
		WHERE object = ? AND psa_id = ? AND doc_id = ?`, "/"+field, o.spec.Object, psa, doc).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !raw.Valid) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("op %d: memory of %s: %w", op.Seq, field, err)
	}
	var v any
	if err := json.Unmarshal([]byte(raw.String), &v); err != nil {
		return nil, fmt.Errorf("op %d: memory of %s: %w", op.Seq, field, err)
	}
	return v, nil
}

// mergedNote says which fields were merged into the target's list.
func mergedNote(held map[string]json.RawMessage) string {
	return "merged into the target's list: " + strings.Join(slices.Sorted(maps.Keys(held)), ", ")
}
