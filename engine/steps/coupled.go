package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"mapsync/engine/match"
	"mapsync/engine/records"
)

// cleared is an update that sent coupled fields empty (records.Outcome.Cleared).
type cleared struct {
	side   match.Side
	id     string
	fields []string
}

func (b *batch) clear(op match.Op, out records.Outcome) {
	if b.cleared == nil {
		b.cleared = map[string]cleared{}
	}
	b.cleared[op.Key] = cleared{side: op.TargetSide, id: op.TargetID, fields: slices.Sorted(maps.Keys(out.Cleared))}
}

// rememberCleared sets the target side's memory of the coupled fields an
// applied update sent empty (a region that is not one of the new
// country's) to empty: the target now holds empty, and its memory must
// say so, or the next run would read the empty value as a blanking made
// on the target and carry it back to the source. The source keeps its
// memory, so the value is written again only when it changes there.
func (r *Run) rememberCleared(ctx context.Context, o *object, results []match.OpResult, byKey map[string]cleared) error {
	if len(byKey) == 0 {
		return nil
	}
	db := r.db.DB()
	for _, res := range results {
		c, ok := byKey[res.Key]
		if !ok || res.Status != match.StatusApplied || c.id == "" {
			continue
		}
		col := string(c.side) + "_synced"
		var raw *string
		err := db.QueryRowContext(ctx, `SELECT CAST(`+col+` AS VARCHAR) FROM links WHERE object = ? AND `+string(c.side)+`_id = ? LIMIT 1`,
			o.spec.Object, c.id).Scan(&raw)
		if err != nil {
			return fmt.Errorf("memory of %s %s: %w", o.spec.Object, c.id, err)
		}
		mem := map[string]any{}
		if raw != nil && *raw != "" {
			if err := json.Unmarshal([]byte(*raw), &mem); err != nil {
				return fmt.Errorf("memory of %s %s: %w", o.spec.Object, c.id, err)
			}
		}
		for _, f := range c.fields {
			mem[f] = nil
		}
		b, err := json.Marshal(mem)
		if err != nil {
			return fmt.Errorf("memory of %s %s: %w", o.spec.Object, c.id, err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE links SET `+col+` = CAST(? AS JSON) WHERE object = ? AND `+string(c.side)+`_id = ?`,
			string(b), o.spec.Object, c.id); err != nil {
			return fmt.Errorf("memory of %s %s: %w", o.spec.Object, c.id, err)
		}
	}
	return nil
}
