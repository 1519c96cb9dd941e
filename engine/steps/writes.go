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

// opsPage is how many ops checkWrites reads at a time.
const opsPage = 1000

// opReview is a planned op that the target's mapping changes.
type opReview struct {
	Seq    int64  `json:"seq"`
	Op     string `json:"op"`
	Status string `json:"status"`
	Reason string `json:"reason"`
	Fields string `json:"fields"`
	// After, when set, replaces the op's after: the target's memory of
	// the fields the writer leaves out is what the target holds.
	After string `json:"after"`
	held  bool   // an update whose values the target cannot store: remembered, not sent
}

// writer returns the writer of an object on a side, loading the target's
// lookup tables through its connector on first use: a dry-run one (Diff
// reviews planned ops with it) or, when live, one that writes (Apply).
func (r *Run) writer(o *object, side match.Side, live bool) (*records.Writer, error) {
	r.writerMu.Lock()
	defer r.writerMu.Unlock()
	k := sideObject{side, o.spec.Object, live}
	if w, ok := r.writers[k]; ok {
		return w, nil
	}
	w, err := o.mappers[side].NewWriter(r.clients[side], records.WriterOptions{DryRun: !live})
	if err != nil {
		return nil, err
	}
	r.writers[k] = w
	return w, nil
}

// checkWrites prepares every planned create and update of an object as the
// target system would receive it (dry run: lookup tables are read, nothing
// is written) and records what the mapping changes: invalid and skipped
// writes, fields that cannot be sent, lookup values a write would create.
//
// deferred reviews only the ops of a deferred pass (DiffDeferred): the
// object's other ops were reviewed by its Diff.
func (r *Run) checkWrites(ctx context.Context, o *object, deferred bool) error {
	var reviews []opReview
	var warnings []match.Warning
	var after int64
	for {
		ops, err := r.db.Ops(ctx, match.OpFilter{Object: o.spec.Object, Status: match.StatusPlanned, After: after, Limit: opsPage})
		if err != nil {
			return err
		}
		if len(ops) == 0 {
			break
		}
		for _, op := range ops {
			after = op.Seq
			if op.Op != match.OpCreate && op.Op != match.OpUpdate {
				continue
			}
			if deferred != strings.HasPrefix(op.Reason, match.DeferredReason) {
				continue
			}
			rv, ws, err := r.review(ctx, o, op)
			if err != nil {
				return err
			}
			if rv != nil {
				reviews = append(reviews, *rv)
			}
			warnings = append(warnings, ws...)
		}
	}
	if err := r.storeReviews(ctx, reviews); err != nil {
		return err
	}
	if err := r.db.AddWarnings(ctx, o.match, warnings); err != nil {
		return err
	}
	var held []int64
	for _, rv := range reviews {
		if rv.held {
			held = append(held, rv.Seq)
		}
	}
	return r.db.RememberHeld(ctx, o.spec.Object, held)
}

// opField is one field of an op: {old, new} for updates, {new} for creates.
type opField struct {
	Old json.RawMessage `json:"old,omitempty"`
	New json.RawMessage `json:"new"`
}

// review checks one op; nil means it stands as planned. It also lists
// the fields the op leaves out (the sync's warnings).
func (r *Run) review(ctx context.Context, o *object, op match.Op) (*opReview, []match.Warning, error) {
	var fields map[string]opField
	if len(op.Fields) > 0 {
		if err := json.Unmarshal(op.Fields, &fields); err != nil {
			return nil, nil, fmt.Errorf("op %d: fields: %w", op.Seq, err)
		}
	}
	values := make(map[string]any, len(fields))
	for name, f := range fields {
		var v any
		if err := json.Unmarshal(f.New, &v); err != nil {
			return nil, nil, fmt.Errorf("op %d: field %s: %w", op.Seq, name, err)
		}
		values[name] = v
	}
	// Flag references are written on the flagged records (Apply,
	// flagWrites), not in the record's body.
	flagged := false
	for _, f := range o.mappers[op.TargetSide].FlagFields() {
		if _, ok := values[f.Name]; ok {
			delete(values, f.Name)
			flagged = true
		}
	}
	if flagged && len(values) == 0 {
		return nil, nil, nil
	}
	held, err := r.mergeLists(ctx, o, op, fields, values)
	if err != nil {
		return nil, nil, err
	}
	w, err := r.writer(o, op.TargetSide, false)
	if err != nil {
		return nil, nil, err
	}
	ch := records.Change{Create: op.Op == match.OpCreate, Fields: values}
	if !ch.Create {
		// As Apply prepares it: a split pair of coupled fields is written
		// (or resolved) with the source record's other half; otherwise a
		// from_canonical that reads the whole record gets the target's
		// record with the op's values over it.
		if ch.Record, err = r.coupledRecord(ctx, o, op.TargetSide, w, op, values); err != nil {
			return nil, nil, err
		}
		if ch.Record == nil && w.NeedsRecord(slices.Collect(maps.Keys(values))) {
			if ch.Record, err = r.WriteRecord(ctx, o.spec.Object, op); err != nil {
				return nil, nil, err
			}
			for name := range held {
				ch.Record[name] = values[name]
			}
		}
	}
	out, err := w.Prepare(ctx, ch)
	if err != nil {
		return nil, nil, fmt.Errorf("op %d: %w", op.Seq, err)
	}
	rv, err := r.reviewOutcome(op, fields, held, out)
	if err != nil {
		return nil, nil, err
	}
	return rv, leftOut(op, fields, out, r.systems[op.TargetSide].Name), nil
}

// reviewOutcome turns the target's answer to an op into its review (nil:
// the op stands as planned).
func (r *Run) reviewOutcome(op match.Op, fields map[string]opField, held map[string]json.RawMessage, out records.Outcome) (*opReview, error) {
	verb := "update"
	if op.Op == match.OpCreate {
		verb = "create"
	}
	notes := []string{}
	if op.Reason != "" {
		notes = append(notes, op.Reason)
	}
	target := r.systems[op.TargetSide].Name
	switch {
	case out.Skip != "":
		return &opReview{Seq: op.Seq, Op: match.OpSkip, Status: match.StatusNoted,
			Reason: strings.Join(append(notes, "not "+verb+"d: "+out.Skip), "; "), Fields: string(op.Fields)}, nil
	case len(out.Invalid) > 0:
		inv := map[string]map[string]string{}
		var why []string
		for _, f := range slices.Sorted(maps.Keys(out.Invalid)) {
			inv[f] = map[string]string{"reason": out.Invalid[f]}
			why = append(why, f+": "+out.Invalid[f])
		}
		b, _ := json.Marshal(inv)
		return &opReview{Seq: op.Seq, Op: match.OpInvalid, Status: match.StatusNoted,
			Reason: strings.Join(append(notes, "cannot "+verb+" in "+target+": "+strings.Join(why, "; ")), "; "), Fields: string(b)}, nil
	}
	changed := len(held) > 0
	kept := fields
	if changed {
		notes = append(notes, mergedNote(held))
	}
	after := ""
	if len(out.Omitted) > 0 || len(held) > 0 {
		kept = map[string]opField{}
		var why []string
		for _, f := range slices.Sorted(maps.Keys(fields)) {
			if reason, gone := out.Omitted[f]; gone {
				why = append(why, f+" ("+reason+")")
				continue
			}
			kept[f] = fields[f]
		}
		if len(why) > 0 {
			changed = true
			notes = append(notes, "not sent: "+strings.Join(why, ", "))
		}
		for name := range out.Omitted {
			delete(held, name) // not sent: the target keeps what it holds
		}
		stored, err := match.StoredAfter(op, slices.Sorted(maps.Keys(out.Omitted)), held)
		if err != nil {
			return nil, err
		}
		after = string(stored)
		if len(kept) == 0 && op.Op == match.OpUpdate {
			// Nothing the target can store: nothing is sent, and the
			// link remembers the source's value and what the target
			// holds (storeReviews), so it is not planned again.
			return &opReview{Seq: op.Seq, Op: match.OpSkip, Status: match.StatusNoted,
				Reason: strings.Join(notes, "; "), Fields: string(op.Fields), After: after, held: true}, nil
		}
	}
	for _, p := range out.Pending {
		changed = true
		notes = append(notes, fmt.Sprintf("creates %s %q in %s first", p.Lookup, p.Label, target))
	}
	if !changed {
		return nil, nil
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, fmt.Errorf("op %d: %w", op.Seq, err)
	}
	return &opReview{Seq: op.Seq, Op: op.Op, Status: op.Status, Reason: strings.Join(notes, "; "), Fields: string(b), After: after}, nil
}

// SourceRecord is the staged canonical record an op was planned from, with
// the op's new values over it. Its ref values other than the op's are in
// the source system's id space.
func (r *Run) SourceRecord(ctx context.Context, object string, op match.Op) (map[string]any, error) {
	return r.stagedRecord(ctx, object, op, op.SourceSide, op.SourceID)
}

// WriteRecord is the whole canonical record a from_canonical may read
// (records.Change.Record, when records.Writer.NeedsRecord says so) for an
// update: the target's staged record with the op's new values over it, so
// fields the update does not change keep the target's values (a list built
// from several canonical fields keeps the parts that did not change; its
// ref values are the target's). A create, or a target record not staged,
// gets the source's record (SourceRecord).
func (r *Run) WriteRecord(ctx context.Context, object string, op match.Op) (map[string]any, error) {
	if op.Op == match.OpUpdate && op.TargetID != "" {
		rec, err := r.stagedRecord(ctx, object, op, op.TargetSide, op.TargetID)
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return r.SourceRecord(ctx, object, op)
}

func (r *Run) stagedRecord(ctx context.Context, object string, op match.Op, side match.Side, id string) (map[string]any, error) {
	o, err := r.object(object)
	if err != nil {
		return nil, err
	}
	table, err := r.stageTable(ctx, o, side)
	if err != nil {
		return nil, err
	}
	var raw string
	err = r.db.DB().QueryRowContext(ctx, `SELECT CAST(to_json(x) AS VARCHAR) FROM `+table+` x WHERE _id = ?`, id).Scan(&raw)
	if err != nil {
		return nil, fmt.Errorf("op %d: %s record %s: %w", op.Seq, side, id, err)
	}
	rec := map[string]any{}
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return nil, fmt.Errorf("op %d: %s record %s: %w", op.Seq, side, id, err)
	}
	for k := range rec {
		if strings.HasPrefix(k, "_") {
			delete(rec, k)
		}
	}
	for _, cf := range o.canon.Fields {
		if cf.Type == "json" {
			if s, ok := rec[cf.Name].(string); ok { // JSON columns come back as JSON text
				var v any
				if json.Unmarshal([]byte(s), &v) == nil {
					rec[cf.Name] = v
				}
			}
		}
	}
	var fields map[string]opField
	if err := json.Unmarshal(op.Fields, &fields); err != nil {
		return nil, fmt.Errorf("op %d: fields: %w", op.Seq, err)
	}
	for name, f := range fields {
		var v any
		if err := json.Unmarshal(f.New, &v); err == nil {
			rec[name] = v
		}
	}
	return rec, nil
}

// storeReviews writes the reviewed ops back in one statement per chunk.
func (r *Run) storeReviews(ctx context.Context, reviews []opReview) error {
	for start := 0; start < len(reviews); start += opsPage {
		chunk := reviews[start:min(start+opsPage, len(reviews))]
		b, err := json.Marshal(chunk)
		if err != nil {
			return fmt.Errorf("store reviewed ops: %w", err)
		}
		_, err = r.db.DB().ExecContext(ctx, `UPDATE ops SET op = u.op, status = u.status, reason = nullif(u.reason, ''), fields = CAST(u.fields AS JSON),
				after = CASE WHEN coalesce(u.after, '') = '' THEN ops.after ELSE CAST(u.after AS JSON) END
			FROM (SELECT unnest(from_json(?, '[{"seq":"BIGINT","op":"VARCHAR","status":"VARCHAR","reason":"VARCHAR","fields":"VARCHAR","after":"VARCHAR"}]'), recursive := true)) u
			WHERE ops.run = ? AND ops.seq = u.seq`, string(b), r.cfg.RunID)
		if err != nil {
			return fmt.Errorf("store reviewed ops: %w", err)
		}
	}
	return nil
}
