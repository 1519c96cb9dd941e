package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/records"
)

// AdoptedMessage marks a create found on the target after its response
// was lost (it is applied, with the found record's id).
const AdoptedMessage = "adopted: the record was found on the target after its create response was lost"

// ApplyInput asks Apply for the planned ops of one object in a seq range
// (match.Run.Batches cuts them).
type ApplyInput struct {
	Object string
	Range  match.SeqRange
	// LastAttempt is the caller's final try: ops that still fail
	// retryably are recorded as failed (they go to the errors file) and
	// Apply succeeds, instead of returning a retryable error.
	LastAttempt bool
}

// ApplyResult counts the outcome of the ops of a range, whichever attempt
// applied them.
type ApplyResult struct {
	Created  int64 `json:"created"`
	Updated  int64 `json:"updated"`
	Orphaned int64 `json:"orphaned"`
	Adopted  int64 `json:"adopted"`  // lost creates found on the target instead of created again
	Rejected int64 `json:"rejected"` // record-level failures, rejected or given up (errors file)
	Failed   int64 `json:"failed"`   // of Rejected, those given up after retryable errors
}

// Apply sends the planned ops of one object in a seq range: creates and
// updates through the target system's connector (bulk where it has bulk
// routes, concurrent under its rate limit otherwise); orphans are recorded,
// never sent (the documentation side is never deleted from).
//
// Each op is marked "sending" in the ledger before it goes out. Ops an
// earlier attempt applied, rejected or noted are skipped; a create found
// "sending" (or failed) is looked up on the target first, and so is a
// create whose response is lost in this attempt. Record-level failures
// (validation) are recorded and do not fail the step; retryable failures
// stay "sending" and Apply returns an *Error of KindSystem carrying the
// system's Retry-After, unless in.LastAttempt.
func (r *Run) Apply(ctx context.Context, in ApplyInput) (ApplyResult, error) {
	if r.cfg.DryRun {
		return ApplyResult{}, inputError("apply "+in.Object, "the run is a dry run")
	}
	o, err := r.object(in.Object)
	if err != nil {
		return ApplyResult{}, configError("apply", err)
	}
	ops, err := r.db.OpsInRange(ctx, in.Object, in.Range)
	if err != nil {
		return ApplyResult{}, ledgerError("read ops", err)
	}
	if len(ops) == 0 {
		return ApplyResult{}, &Error{Kind: KindLostLedger, What: "apply " + in.Object, Err: fmt.Errorf(
			"the run's ledger has no %s ops in %d..%d: its DuckDB file was lost or replaced", in.Object, in.Range.From, in.Range.To)}
	}
	b := &batch{r: r, o: o, noted: map[string]string{}, sent: map[string]sentOp{}, last: in.LastAttempt}
	creates, updates := map[match.Side][]match.Op{}, map[match.Side][]match.Op{}
	for _, op := range ops {
		switch op.Status {
		case match.StatusApplied, match.StatusRejected, match.StatusNoted:
			continue
		}
		switch op.Op {
		case match.OpOrphan:
			b.results = append(b.results, match.OpResult{Key: op.Key, Status: match.StatusApplied})
		case match.OpCreate:
			creates[op.TargetSide] = append(creates[op.TargetSide], op)
		case match.OpUpdate:
			updates[op.TargetSide] = append(updates[op.TargetSide], op)
		}
	}
	for _, side := range Sides {
		b.fail(b.creates(ctx, side, creates[side]))
		b.fail(b.updates(ctx, side, updates[side]))
	}
	if err := r.db.RecordResults(ctx, o.match, b.results); err != nil {
		return ApplyResult{}, ledgerError("record results", err)
	}
	if err := r.rememberCleared(ctx, o, b.results, b.cleared); err != nil {
		return ApplyResult{}, ledgerError("record results", err)
	}
	if err := r.db.NoteOps(ctx, in.Object, b.noted); err != nil {
		return ApplyResult{}, ledgerError("record results", err)
	}
	if b.err != nil {
		return ApplyResult{}, b.err
	}
	c, err := r.db.RangeOutcome(ctx, in.Object, in.Range, adoptedPrefix)
	if err != nil {
		return ApplyResult{}, ledgerError("count results", err)
	}
	r.progress(Progress{Step: "apply", Object: in.Object, Records: len(ops), Done: true})
	return ApplyResult{Created: c.Created, Updated: c.Updated, Orphaned: c.Orphaned, Adopted: c.Adopted, Rejected: c.Rejected, Failed: c.Failed}, nil
}

// batch is one Apply attempt.
type batch struct {
	r       *Run
	o       *object
	results []match.OpResult
	noted   map[string]string
	sent    map[string]sentOp  // op key -> the op as prepared, for what the target holds once applied
	cleared map[string]cleared // op key -> coupled fields sent empty (Outcome.Cleared)
	err     error              // the first failure that fails the attempt
	last    bool               // the final attempt: retryable failures are recorded as failed ops
	// flagMem holds, per flag field, the links' memory of it by target id
	// for the ops of the batch (read once: flagWrites).
	flagMem map[string]map[string]string
}

func (b *batch) fail(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// sentOp is an op about to be sent and the fields its writer left out.
type sentOp struct {
	op      match.Op
	omitted []string
}

func (b *batch) applied(key, id, msg string) { b.appliedHolding(key, id, msg, nil) }

// appliedHolding records an applied op; rec is the record the target
// returned, if any. The target's memory of the op's fields becomes what
// it holds (value rule 3): the returned record's values, else the value
// before the write (update) or empty (create) for fields the writer left
// out, else the value sent.
func (b *batch) appliedHolding(key, id, msg string, rec connectors.Record) {
	res := match.OpResult{Key: key, Status: match.StatusApplied, TargetID: id, Message: msg}
	if s, ok := b.sent[key]; ok {
		var held map[string]json.RawMessage
		if rec != nil {
			held = map[string]json.RawMessage{}
			vals := b.o.mappers[s.op.TargetSide].ReadBack(rec, afterFields(s.op))
			for name, v := range vals {
				if j, err := json.Marshal(v); err == nil {
					held[name] = j
				}
			}
		}
		after, err := match.StoredAfter(s.op, s.omitted, held)
		if err != nil {
			// The op was applied: keep its planned memory rather than
			// lose the result.
			after = nil
		}
		res.After = after
	}
	b.results = append(b.results, res)
}

// afterFields are the fields the target's memory names in an op's after.
func afterFields(op match.Op) []string {
	var after map[string]map[string]json.RawMessage
	if json.Unmarshal(op.After, &after) != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(after[string(op.TargetSide)]))
}

func (b *batch) rejected(key, msg string) {
	b.results = append(b.results, match.OpResult{Key: key, Status: match.StatusRejected, Message: msg})
}

func (b *batch) name() string { return b.o.spec.Object }

// creates applies the create ops bound for one side.
func (b *batch) creates(ctx context.Context, side match.Side, ops []match.Op) error {
	if len(ops) == 0 {
		return nil
	}
	w, err := b.r.writer(b.o, side, true)
	if err != nil {
		return configError("writer "+b.name(), err)
	}
	if err := b.r.loadRelated(ctx, b.o, side); err != nil {
		return err
	}
	var doubt, fresh []match.Op
	for _, op := range ops {
		if op.Status == match.StatusSending || op.Status == match.StatusFailed {
			doubt = append(doubt, op)
		} else {
			fresh = append(fresh, op)
		}
	}
	if len(doubt) > 0 {
		// An earlier attempt sent these (or died sending them): look them
		// up before creating anything again.
		found, err := b.r.findCreated(ctx, b.o, side, doubt)
		if err != nil {
			return err
		}
		for _, op := range doubt {
			if id, ok := found[op.Key]; ok {
				b.applied(op.Key, id, AdoptedMessage)
			} else {
				fresh = append(fresh, op)
			}
		}
	}
	// A target this run did not list in full may hold the record already.
	if len(fresh) > 0 {
		found, err := b.r.findUnlisted(ctx, b.o, side, fresh)
		if err != nil {
			return err
		}
		kept := fresh[:0]
		for _, op := range fresh {
			if id, ok := found[op.Key]; ok {
				b.applied(op.Key, id, FoundMessage)
			} else {
				kept = append(kept, op)
			}
		}
		fresh = kept
	}
	var recs []connectors.WriteRecord
	for _, op := range fresh {
		vals, err := newValues(op.Fields)
		if err != nil {
			b.rejected(op.Key, err.Error())
			continue
		}
		if err := b.r.translateListRefs(ctx, b.o, side, vals); err != nil {
			return ledgerError("prepare "+b.name(), err)
		}
		out, err := w.Prepare(ctx, records.Change{Create: true, Fields: vals})
		if err != nil {
			return Classify("prepare "+b.name(), err)
		}
		if b.prepared(op, out) && b.stored(op, out) {
			recs = append(recs, connectors.WriteRecord{Key: op.Key, Fields: out.Fields})
		}
	}
	if len(recs) == 0 {
		return nil
	}
	keys := make([]string, len(recs))
	for i, rec := range recs {
		keys[i] = rec.Key
	}
	if err := b.r.db.MarkSending(ctx, b.name(), keys, b.r.cfg.Now()); err != nil {
		return ledgerError("ledger", err)
	}
	byKey := make(map[string]match.Op, len(fresh))
	for _, op := range fresh {
		byKey[op.Key] = op
	}
	var lost []match.Op
	var failed failures
	for _, res := range b.r.clients[side].Create(ctx, b.name(), recs) {
		switch {
		case res.Status == connectors.StatusOK && res.ID != "":
			b.appliedHolding(res.Key, res.ID, "", res.Record)
		case res.Status == connectors.StatusRejected:
			b.rejected(res.Key, systemMessage(res))
		case res.Status == connectors.StatusAmbiguous, res.Status == connectors.StatusOK:
			lost = append(lost, byKey[res.Key])
		default:
			failed.add(res)
		}
	}
	if len(lost) > 0 {
		found, err := b.r.findCreated(ctx, b.o, side, lost)
		if err != nil {
			return err
		}
		for _, op := range lost {
			if id, ok := found[op.Key]; ok {
				b.applied(op.Key, id, AdoptedMessage)
			} else {
				// Not there (yet): the next attempt looks again, then creates.
				failed.addKey(op.Key, "create response lost and the record was not found on the target")
			}
		}
	}
	return b.settle("create "+b.name(), failed)
}

// updates applies the update ops bound for one side. Updates are
// idempotent: a retried attempt sends them again.
func (b *batch) updates(ctx context.Context, side match.Side, ops []match.Op) error {
	if len(ops) == 0 {
		return nil
	}
	w, err := b.r.writer(b.o, side, true)
	if err != nil {
		return configError("writer "+b.name(), err)
	}
	if err := b.r.loadRelated(ctx, b.o, side); err != nil {
		return err
	}
	refs, err := b.r.updateRefs(ctx, b.o, side, ops)
	if err != nil {
		return ledgerError("update refs "+b.name(), err)
	}
	var ups []connectors.Update
	var flagFailed failures
	// Flag references are written on the flagged records, before the
	// records' own fields: every op's at once (one ledger mark, the
	// connector's bulk route or parallel requests).
	var prep []flagOp
	if err := b.readFlagMemory(ctx, side, ops); err != nil {
		return ledgerError("flag references "+b.name(), err)
	}
	for _, op := range ops {
		vals, err := newValues(op.Fields)
		if err != nil {
			b.rejected(op.Key, err.Error())
			continue
		}
		fws, err := b.flagWrites(ctx, side, op, vals)
		if err != nil {
			return ledgerError("flag references "+b.name(), err)
		}
		prep = append(prep, flagOp{op: op, vals: vals, writes: fws})
	}
	flagged, err := b.sendAllFlags(ctx, side, prep, &flagFailed) // op keys whose flag references were written
	if err != nil {
		return err
	}
	for _, p := range prep {
		op, vals := p.op, p.vals
		if len(p.writes) > 0 {
			if !flagged[op.Key] {
				continue
			}
			if len(vals) == 0 {
				b.applied(op.Key, "", "")
				continue
			}
		}
		// A field coupled to another (a lookup scoped under a parent
		// lookup) whose pair the change splits is prepared from the source
		// record; a from_canonical that reads the whole record (one system
		// list built from several canonical fields) gets the target's
		// record with the op's values over it.
		rec, err := b.r.coupledRecord(ctx, b.o, side, w, op, vals)
		if err != nil {
			return ledgerError("prepare "+b.name(), err)
		}
		if rec == nil && w.NeedsRecord(slices.Collect(maps.Keys(vals))) {
			if rec, err = b.r.WriteRecord(ctx, b.name(), op); err != nil {
				return ledgerError("source record "+b.name(), err)
			}
		}
		out, err := w.Prepare(ctx, records.Change{Fields: vals, Record: rec})
		if err != nil {
			return Classify("prepare "+b.name(), err)
		}
		if !b.prepared(op, out) || !b.stored(op, out) {
			continue
		}
		if len(out.Cleared) > 0 {
			b.clear(op, out)
		}
		if len(out.Fields) == 0 {
			b.applied(op.Key, "", "nothing to send: every changed field is read-only on the target")
			continue
		}
		ups = append(ups, connectors.Update{ID: op.TargetID, Key: op.Key, Fields: out.Fields, Refs: refs[op.Key]})
	}
	if err := b.settle("update "+b.name(), flagFailed); err != nil {
		return err
	}
	if len(ups) == 0 {
		return nil
	}
	keys := make([]string, len(ups))
	for i, u := range ups {
		keys[i] = u.Key
	}
	if err := b.r.db.MarkSending(ctx, b.name(), keys, b.r.cfg.Now()); err != nil {
		return ledgerError("ledger", err)
	}
	var failed failures
	for _, res := range b.r.clients[side].Update(ctx, b.name(), ups) {
		switch res.Status {
		case connectors.StatusOK:
			rec := res.Record
			if flagged[res.Key] {
				rec = nil // the record does not hold its flag references: keep the planned memory
			}
			b.appliedHolding(res.Key, "", "", rec)
		case connectors.StatusRejected:
			b.rejected(res.Key, systemMessage(res))
		default:
			failed.add(res)
		}
	}
	return b.settle("update "+b.name(), failed)
}

// prepared records what the writer decided about an op and reports
// whether it is to be sent.
func (b *batch) prepared(op match.Op, out records.Outcome) bool {
	switch {
	case out.Skip != "":
		b.noted[op.Key] = "not sent: " + out.Skip
		return false
	case len(out.Invalid) > 0:
		b.rejected(op.Key, "invalid: "+describe(out.Invalid))
		return false
	}
	return true
}

// stored notes an op about to be sent and the fields its writer leaves
// out: when the op is applied, the target's memory of them is what the
// target holds (value rule 3). It reports whether the op is to be sent.
func (b *batch) stored(op match.Op, out records.Outcome) bool {
	b.sent[op.Key] = sentOp{op: op, omitted: slices.Sorted(maps.Keys(out.Omitted))}
	return true
}

// failures collects the retryable failures of one request set.
type failures struct {
	n     int
	msg   string
	delay time.Duration
	keys  map[string]string // op key -> message
	// refused is the message of a write the system refused for its
	// credentials (HTTP 401): no retry helps, the run stops.
	refused string
}

func (f *failures) add(r connectors.WriteResult) {
	if r.HTTPStatus == http.StatusUnauthorized && f.refused == "" {
		f.refused = systemMessage(r)
	}
	f.addKey(r.Key, systemMessage(r))
	f.delay = max(f.delay, r.RetryAfter)
}

func (f *failures) addKey(key, msg string) {
	f.n++
	if f.msg == "" {
		f.msg = msg
	}
	if f.keys == nil {
		f.keys = map[string]string{}
	}
	f.keys[key] = msg
}

// settle ends a request set: on the last attempt the failures are
// recorded as failed ops; otherwise they fail the attempt, to be retried
// after the system's Retry-After.
func (b *batch) settle(what string, f failures) error {
	if f.n == 0 {
		return nil
	}
	if f.refused != "" {
		// Credentials refused while writing (they worked while reading,
		// or were changed since): retrying cannot help, and recording the
		// ops as failed would only hide it. The ops stay due.
		return &Error{Kind: KindAccess, What: what, Err: fmt.Errorf("the system refused the credentials: %s", f.refused)}
	}
	if b.last {
		for _, key := range slices.Sorted(maps.Keys(f.keys)) {
			b.results = append(b.results, match.OpResult{Key: key, Status: match.StatusFailed, Message: "gave up after retries: " + f.keys[key]})
		}
		return nil
	}
	return &Error{Kind: KindSystem, What: what, RetryAfter: f.delay, Err: fmt.Errorf("%d records failed, e.g.: %s", f.n, f.msg)}
}

// newValues reads the new canonical values of an op's fields
// ({field: {old, new}} or {field: {new}}).
func newValues(raw json.RawMessage) (map[string]any, error) {
	var fields map[string]struct {
		New json.RawMessage `json:"new"`
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("op fields: %w", err)
	}
	out := make(map[string]any, len(fields))
	for name, f := range fields {
		var v any
		if len(f.New) > 0 {
			if err := json.Unmarshal(f.New, &v); err != nil {
				return nil, fmt.Errorf("op field %s: %w", name, err)
			}
		}
		out[name] = v
	}
	return out, nil
}

func systemMessage(r connectors.WriteResult) string {
	msg := r.Message
	if msg == "" {
		msg = string(r.Status)
	}
	if r.HTTPStatus != 0 {
		return fmt.Sprintf("HTTP %d: %s", r.HTTPStatus, msg)
	}
	return msg
}

func describe(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+": "+m[k])
	}
	return strings.Join(parts, "; ")
}
