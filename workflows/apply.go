package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/records"
)

// adoptedMessage marks a create found on the target after its response
// was lost (it is applied, with the found record's id).
const adoptedMessage = "adopted: the record was found on the target after its create response was lost"

// Apply sends the planned ops of one object in a seq range: creates and
// updates through the target system's connector (bulk where it has bulk
// routes, concurrent under its rate limit otherwise); orphans are recorded,
// never sent (the documentation side is never deleted from).
//
// Each op is marked "sending" in the ledger before it goes out. Ops a
// retried attempt finds applied, rejected or noted are skipped; a create
// it finds "sending" is looked up on the target first. Record-level
// failures (validation) are recorded and do not fail the activity;
// retryable failures are recorded nowhere (they stay "sending") and fail
// the activity, to be retried after the system's Retry-After.
func (a *Activities) Apply(ctx context.Context, in ApplyInput) (ApplyResult, error) {
	ctx, counter := withCounter(ctx)
	env, err := a.open(ctx, in.Run)
	if err != nil {
		return ApplyResult{}, err
	}
	if env.ref.DryRun {
		return ApplyResult{}, temporal.NewNonRetryableApplicationError("apply in a dry run", errInput, nil)
	}
	obj, err := env.matchObject(in.Object)
	if err != nil {
		return ApplyResult{}, err
	}
	ops, err := opsInRange(ctx, env.run, in.Object, in.Range)
	if err != nil {
		return ApplyResult{}, ledgerError("read ops", err)
	}
	if len(ops) == 0 {
		return ApplyResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"the run's ledger has no %s ops in %d..%d: its DuckDB file was lost or replaced", in.Object, in.Range.From, in.Range.To), errLedger, nil)
	}
	hb := startHeartbeat(ctx, nil)
	defer hb.close()
	b := &batch{a: a, env: env, obj: obj, object: in.Object, noted: map[string]string{},
		last: in.MaxAttempts > 0 && activity.GetInfo(ctx).Attempt >= in.MaxAttempts}
	creates, updates := map[string][]match.Op{}, map[string][]match.Op{}
	for _, op := range ops {
		switch op.Status {
		case match.StatusApplied, match.StatusRejected, match.StatusNoted:
			continue
		}
		switch op.Op {
		case match.OpOrphan:
			b.results = append(b.results, match.OpResult{Key: op.Key, Status: match.StatusApplied})
		case match.OpCreate:
			creates[string(op.TargetSide)] = append(creates[string(op.TargetSide)], op)
		case match.OpUpdate:
			updates[string(op.TargetSide)] = append(updates[string(op.TargetSide)], op)
		}
	}
	for _, side := range []string{SidePSA, SideDoc} {
		if err := b.creates(ctx, side, creates[side]); err != nil {
			b.fail(err)
		}
		if err := b.updates(ctx, side, updates[side]); err != nil {
			b.fail(err)
		}
	}
	if err := env.run.RecordResults(ctx, obj, b.results); err != nil {
		return ApplyResult{}, ledgerError("record results", err)
	}
	if err := setNoted(ctx, env.run, in.Object, b.noted); err != nil {
		return ApplyResult{}, ledgerError("record results", err)
	}
	if b.err != nil {
		return ApplyResult{}, b.err
	}
	res, err := rangeOutcome(ctx, env.run, in.Object, in.Range)
	if err != nil {
		return ApplyResult{}, ledgerError("count results", err)
	}
	res.Requests = counter.n.Load()
	return res, nil
}

// batch is one Apply attempt.
type batch struct {
	a       *Activities
	env     *runEnv
	obj     *match.Object
	object  string
	results []match.OpResult
	noted   map[string]string
	err     error // the first retryable failure
	// last is the final attempt: retryable failures are recorded as
	// failed ops (they go to the errors table) and the run goes on.
	last bool
}

func (b *batch) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *batch) applied(key, id, msg string) {
	b.results = append(b.results, match.OpResult{Key: key, Status: match.StatusApplied, TargetID: id, Message: msg})
}

func (b *batch) rejected(key, msg string) {
	b.results = append(b.results, match.OpResult{Key: key, Status: match.StatusRejected, Message: msg})
}

// creates applies the create ops bound for one side.
func (b *batch) creates(ctx context.Context, side string, ops []match.Op) error {
	if len(ops) == 0 {
		return nil
	}
	w, err := b.a.writer(b.env, side, b.object)
	if err != nil {
		return err
	}
	client, err := b.a.client(b.env, side)
	if err != nil {
		return err
	}
	var doubt, fresh []match.Op
	for _, op := range ops {
		if op.Status == statusSending || op.Status == match.StatusFailed {
			doubt = append(doubt, op)
		} else {
			fresh = append(fresh, op)
		}
	}
	if len(doubt) > 0 {
		// An earlier attempt sent these (or died sending them): look them
		// up before creating anything again.
		found, err := b.a.findCreated(ctx, b.env, side, b.object, doubt)
		if err != nil {
			return err
		}
		for _, op := range doubt {
			if id, ok := found[op.Key]; ok {
				b.applied(op.Key, id, adoptedMessage)
			} else {
				fresh = append(fresh, op)
			}
		}
	}
	var recs []connectors.WriteRecord
	for _, op := range fresh {
		vals, err := newValues(op.Fields)
		if err != nil {
			b.rejected(op.Key, err.Error())
			continue
		}
		if err := translateListRefs(ctx, b.env, side, b.object, vals); err != nil {
			return retryable("prepare "+b.object, err)
		}
		out, err := w.Prepare(ctx, records.Change{Create: true, Fields: vals})
		if err != nil {
			return retryable("prepare "+b.object, err)
		}
		if !b.prepared(op, out) {
			continue
		}
		recs = append(recs, connectors.WriteRecord{Key: op.Key, Fields: out.Fields})
	}
	if len(recs) == 0 {
		return nil
	}
	if err := markSending(ctx, b.env.run, b.object, writeKeys(recs), b.a.cfg.Now()); err != nil {
		return ledgerError("ledger", err)
	}
	var lost []match.Op
	var failed failures
	byKey := opsByKey(fresh)
	for _, r := range client.Create(ctx, b.object, recs) {
		switch {
		case r.Status == connectors.StatusOK && r.ID != "":
			b.applied(r.Key, r.ID, "")
		case r.Status == connectors.StatusRejected:
			b.rejected(r.Key, systemMessage(r))
		case r.Status == connectors.StatusAmbiguous, r.Status == connectors.StatusOK:
			lost = append(lost, byKey[r.Key])
		default:
			failed.add(r)
		}
	}
	if len(lost) > 0 {
		found, err := b.a.findCreated(ctx, b.env, side, b.object, lost)
		if err != nil {
			return err
		}
		for _, op := range lost {
			if id, ok := found[op.Key]; ok {
				b.applied(op.Key, id, adoptedMessage)
			} else {
				// Not there (yet): the next attempt looks again, then creates.
				failed.addKey(op.Key, "create response lost and the record was not found on the target")
			}
		}
	}
	return b.settle("create "+b.object, failed)
}

// updates applies the update ops bound for one side. Updates are
// idempotent: a retried attempt sends them again.
func (b *batch) updates(ctx context.Context, side string, ops []match.Op) error {
	if len(ops) == 0 {
		return nil
	}
	w, err := b.a.writer(b.env, side, b.object)
	if err != nil {
		return err
	}
	client, err := b.a.client(b.env, side)
	if err != nil {
		return err
	}
	refs, err := updateRefs(ctx, b.env.run, b.env, side, b.object, ops)
	if err != nil {
		return err
	}
	var ups []connectors.Update
	for _, op := range ops {
		vals, err := newValues(op.Fields)
		if err != nil {
			b.rejected(op.Key, err.Error())
			continue
		}
		out, err := w.Prepare(ctx, records.Change{Fields: vals})
		if err != nil {
			return retryable("prepare "+b.object, err)
		}
		if !b.prepared(op, out) {
			continue
		}
		if len(out.Fields) == 0 {
			b.applied(op.Key, "", "nothing to send: every changed field is read-only on the target")
			continue
		}
		ups = append(ups, connectors.Update{ID: op.TargetID, Key: op.Key, Fields: out.Fields, Refs: refs[op.Key]})
	}
	if len(ups) == 0 {
		return nil
	}
	keys := make([]string, len(ups))
	for i, u := range ups {
		keys[i] = u.Key
	}
	if err := markSending(ctx, b.env.run, b.object, keys, b.a.cfg.Now()); err != nil {
		return ledgerError("ledger", err)
	}
	var failed failures
	for _, r := range client.Update(ctx, b.object, ups) {
		switch r.Status {
		case connectors.StatusOK:
			b.applied(r.Key, "", "")
		case connectors.StatusRejected:
			b.rejected(r.Key, systemMessage(r))
		default:
			failed.add(r)
		}
	}
	return b.settle("update "+b.object, failed)
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

// failures collects the retryable failures of one request set.
type failures struct {
	n     int
	msg   string
	delay time.Duration
	keys  map[string]string // op key -> message
}

func (f *failures) add(r connectors.WriteResult) {
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
	if b.last {
		for key, msg := range f.keys {
			b.results = append(b.results, match.OpResult{Key: key, Status: match.StatusFailed, Message: "gave up after retries: " + msg})
		}
		return nil
	}
	return retryAfter(what, fmt.Errorf("%d records failed, e.g.: %s", f.n, f.msg), f.delay)
}

// rangeOutcome counts the outcome of every op of a range, whichever
// attempt applied it.
func rangeOutcome(ctx context.Context, run *match.Run, object string, r SeqRange) (ApplyResult, error) {
	var res ApplyResult
	err := run.DB().QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE op = 'create' AND status = 'applied' AND coalesce(message, '') <> ?),
			count(*) FILTER (WHERE op = 'update' AND status = 'applied'),
			count(*) FILTER (WHERE op = 'orphan' AND status = 'applied'),
			count(*) FILTER (WHERE op = 'create' AND status = 'applied' AND message = ?),
			count(*) FILTER (WHERE op IN ('create', 'update') AND status IN ('rejected', 'failed'))
		FROM ops WHERE run = ? AND object = ? AND seq BETWEEN ? AND ?`,
		adoptedMessage, adoptedMessage, run.ID(), object, r.From, r.To).
		Scan(&res.Created, &res.Updated, &res.Orphaned, &res.Adopted, &res.Rejected)
	return res, err
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
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + m[k]
	}
	return strings.Join(parts, "; ")
}

func writeKeys(recs []connectors.WriteRecord) []string {
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	return keys
}

func opsByKey(ops []match.Op) map[string]match.Op {
	m := make(map[string]match.Op, len(ops))
	for _, op := range ops {
		m[op.Key] = op
	}
	return m
}
