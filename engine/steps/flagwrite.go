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
		mem, ok := b.flagMem[f.Name][op.TargetID]
		if !ok {
			var err error
			if mem, err = b.r.db.SyncedValue(ctx, b.o.spec.Object, side, op.TargetID, f.Name); err != nil {
				return nil, err
			}
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

// flagOp is an update with the flag references taken out of its values.
type flagOp struct {
	op     match.Op
	vals   map[string]any
	writes []flagWrite
}

// sendAllFlags writes the flag references of a batch's updates: every
// set first, then every clear (so no parent is left without its flagged
// record in between), each round one connector call per referenced object
// (its bulk route, else parallel requests). It returns the op keys whose
// writes went through: a refused set rejects its op (a refused clear is let
// go: that record no longer holds the reference or is gone), a retryable
// failure is added to failed and the op is not applied.
func (b *batch) sendAllFlags(ctx context.Context, side match.Side, prep []flagOp, failed *failures) (map[string]bool, error) {
	ok := map[string]bool{}
	var keys []string
	for _, p := range prep {
		if len(p.writes) > 0 {
			keys = append(keys, p.op.Key)
			ok[p.op.Key] = true
		}
	}
	if len(keys) == 0 {
		return ok, nil
	}
	if err := b.r.db.MarkSending(ctx, b.name(), keys, b.r.cfg.Now()); err != nil {
		return nil, ledgerError("ledger", err)
	}
	type owner struct {
		key string
		fw  flagWrite
	}
	for _, clears := range []bool{false, true} {
		ups := map[string][]connectors.Update{}
		owners := map[string][]owner{}
		var refs []string
		for _, p := range prep {
			for _, fw := range p.writes {
				for _, u := range fw.sets {
					if (u.Fields[fw.field.Flag] == false) != clears {
						continue
					}
					if _, seen := ups[fw.field.Ref]; !seen {
						refs = append(refs, fw.field.Ref)
					}
					ups[fw.field.Ref] = append(ups[fw.field.Ref], u)
					owners[fw.field.Ref] = append(owners[fw.field.Ref], owner{key: p.op.Key, fw: fw})
				}
			}
		}
		for _, ref := range refs {
			list, who := ups[ref], owners[ref]
			// An op whose set failed sends no clear.
			if clears {
				var keep []connectors.Update
				var keepWho []owner
				for i, u := range list {
					if ok[who[i].key] {
						keep, keepWho = append(keep, u), append(keepWho, who[i])
					}
				}
				list, who = keep, keepWho
			}
			for i, res := range b.r.clients[side].Update(ctx, ref, list) {
				o, u := who[i], list[i]
				switch res.Status {
				case connectors.StatusOK:
				case connectors.StatusRejected:
					if clears {
						continue
					}
					if ok[o.key] {
						b.rejected(o.key, fmt.Sprintf("%s (the %s flag of %s %s): %s", o.fw.field.Name, o.fw.field.Flag, o.fw.field.Ref, u.ID, systemMessage(res)))
					}
					ok[o.key] = false
				default:
					if ok[o.key] {
						failed.add(res)
					}
					ok[o.key] = false
				}
			}
		}
	}
	return ok, nil
}

// readFlagMemory reads, in one query per flag field, what the links
// remember of the flag fields for the targets of ops (flagWrites clears
// the record the memory names).
func (b *batch) readFlagMemory(ctx context.Context, side match.Side, ops []match.Op) error {
	flags := b.o.mappers[side].FlagFields()
	if len(flags) == 0 || len(ops) == 0 {
		return nil
	}
	ids := make([]string, 0, len(ops))
	for _, op := range ops {
		ids = append(ids, op.TargetID)
	}
	b.flagMem = map[string]map[string]string{}
	for _, f := range flags {
		m, err := b.r.db.SyncedValues(ctx, b.o.spec.Object, side, f.Name, ids)
		if err != nil {
			return err
		}
		b.flagMem[f.Name] = m
	}
	return nil
}
