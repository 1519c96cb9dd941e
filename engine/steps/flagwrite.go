package steps

import (
	"context"
	"encoding/json"
	"fmt"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/records"
)

// flagWrite is a flag reference of an update, written on the flagged
// records: the flag is set on the new one, then cleared on the one that
// held it before (a system that moves the flag by itself finds it
// cleared already; one that does not keeps a single flagged record).
type flagWrite struct {
	field records.FlagField
	sets  []connectors.Update
}

// flagWrites takes the flag references out of an update's values (vals
// loses them) and returns the writes to the flagged records that carry
// them. The op's old value (the target's current one) and the link's
// memory of the field name the records whose flag is cleared.
func (b *batch) flagWrites(ctx context.Context, side match.Side, op match.Op, vals map[string]any) ([]flagWrite, error) {
	flags := b.o.mappers[side].FlagFields()
	if len(flags) == 0 {
		return nil, nil
	}
	var old map[string]struct {
		Old json.RawMessage `json:"old"`
	}
	if len(op.Fields) > 0 {
		if err := json.Unmarshal(op.Fields, &old); err != nil {
			return nil, fmt.Errorf("op fields: %w", err)
		}
	}
	var out []flagWrite
	for _, f := range flags {
		v, ok := vals[f.Name]
		if !ok {
			continue
		}
		delete(vals, f.Name)
		target, ok := b.r.objects[f.Ref]
		if !ok {
			return nil, fmt.Errorf("%s: the flagged object %s is not synced", f.Name, f.Ref)
		}
		refs := map[string]string{}
		if back := backRef(target, b.o.spec.Object); back != "" {
			refs[back] = op.TargetID
		}
		fw := flagWrite{field: f}
		newID := idString(v)
		if newID != "" {
			fw.sets = append(fw.sets, connectors.Update{ID: newID, Key: op.Key, Fields: map[string]any{f.Flag: true}, Refs: refs})
		}
		// The flagged record before: the target's value the op saw, and
		// the one the link remembers (an incremental listing that did not
		// list the flagged records reads the value as empty).
		var was any
		if o, ok := old[f.Name]; ok && len(o.Old) > 0 {
			_ = json.Unmarshal(o.Old, &was) // not JSON: nothing to clear
		}
		mem, err := b.r.db.SyncedValue(ctx, b.o.spec.Object, side, op.TargetID, f.Name)
		if err != nil {
			return nil, err
		}
		cleared := map[string]bool{newID: true, "": true}
		for _, oldID := range []string{idString(was), mem} {
			if !cleared[oldID] {
				cleared[oldID] = true
				fw.sets = append(fw.sets, connectors.Update{ID: oldID, Key: op.Key, Fields: map[string]any{f.Flag: false}, Refs: refs})
			}
		}
		out = append(out, fw)
	}
	return out, nil
}

// idString is a reference value as an id ("" when empty).
func idString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return fmt.Sprintf("%.0f", x)
	default:
		return fmt.Sprint(x)
	}
}

// sendFlags writes the flag references of one op, in order (set, then
// clear). It reports whether the op's writes went through: a refused set
// rejects the op (a refused clear is let go: that record no longer holds
// the reference or is gone), a retryable failure is added to failed.
func (b *batch) sendFlags(ctx context.Context, side match.Side, writes []flagWrite, failed *failures) bool {
	for _, fw := range writes {
		for _, u := range fw.sets {
			res := b.r.clients[side].Update(ctx, fw.field.Ref, []connectors.Update{u})[0]
			switch res.Status {
			case connectors.StatusOK:
			case connectors.StatusRejected:
				if u.Fields[fw.field.Flag] == false {
					// The record that held the flag is gone or refuses
					// the change: the new flag is set, which is what counts.
					continue
				}
				b.rejected(u.Key, fmt.Sprintf("%s (the %s flag of %s %s): %s", fw.field.Name, fw.field.Flag, fw.field.Ref, u.ID, systemMessage(res)))
				return false
			default:
				failed.add(res)
				return false
			}
		}
	}
	return true
}
