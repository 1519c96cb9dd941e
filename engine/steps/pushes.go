package steps

import (
	"context"
	"errors"
	"slices"

	"mapsync/connectors"
	"mapsync/engine/controls"
	"mapsync/engine/match"
)

// loadPushes hands Match the push confirmations of object: the doc
// records users confirmed (mapsync push, in the sync's controls) and,
// when this run pushes all of the object's waiting records (Config.PushAll),
// that too.
func (r *Run) loadPushes(object string) error {
	set, err := controls.Load(r.cfg.Dir)
	if err != nil {
		return &Error{Kind: KindConfig, What: "push confirmations", Err: err}
	}
	var ids []string
	for _, p := range set.Pushes {
		if p.Object == object {
			ids = append(ids, p.ID)
		}
	}
	r.db.SetPushes(object, match.Pushes{Confirmed: ids, All: slices.Contains(r.cfg.PushAll, object)})
	return nil
}

// forgetPushed drops the push confirmations whose doc record is now
// linked (the confirmation did its work). A confirmation of a record that
// is still waiting stays for the next run.
func (r *Run) forgetPushed(ctx context.Context) error {
	set, err := controls.Load(r.cfg.Dir)
	if err != nil || len(set.Pushes) == 0 {
		return err
	}
	done := map[string][]string{}
	for _, p := range set.Pushes {
		if _, ok := r.objects[p.Object]; !ok {
			continue
		}
		_, linked, err := r.db.Counterpart(ctx, p.Object, match.Doc, p.ID)
		if err != nil {
			return err
		}
		if linked {
			done[p.Object] = append(done[p.Object], p.ID)
		}
	}
	if len(done) == 0 {
		return nil
	}
	_, err = controls.Update(r.cfg.Dir, func(s *controls.Set) error {
		for object, ids := range done {
			s.Forget(object, ids...)
		}
		return nil
	})
	return err
}

// noteUnsentPushes puts on the waiting link of each doc record confirmed
// for a push whose create will not be sent (a field the PSA requires is
// missing or invalid, its parent is not linked) the reason: the record
// keeps waiting, and says why.
func (r *Run) noteUnsentPushes(ctx context.Context, object string) error {
	_, err := r.db.DB().ExecContext(ctx, `UPDATE links SET reason = links.reason || '; not sent: ' || o.reason
		FROM ops o
		WHERE o.run = ? AND o.object = ? AND o.source_side = 'doc' AND o.target_side = 'psa' AND o.target_id IS NULL
			AND ((o.op = 'invalid' AND o.key IS NOT NULL) OR o.op = 'skip')
			AND links.object = o.object AND links.state = 'not_yet_pushed' AND links.doc_id = o.source_id`, r.cfg.RunID, object)
	if err != nil {
		return ledgerError("note unsent pushes", err)
	}
	return nil
}

// confirmed reads the doc records of the object confirmed for a push, one
// request each (a changed-since listing leaves out those that did not
// change). A record gone from the system (404) is left out: it has nothing
// to push.
func (ex *extraction) confirmed(ctx context.Context) ([]match.Row, error) {
	set, err := controls.Load(ex.r.cfg.Dir)
	if err != nil {
		return nil, &Error{Kind: KindConfig, What: "push confirmations", Err: err}
	}
	var recs []connectors.Record
	for _, p := range set.Pushes {
		if p.Object != ex.o.spec.Object {
			continue
		}
		rec, err := ex.client.Get(ctx, p.Object, p.ID)
		if errors.Is(err, connectors.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, Classify("read confirmed "+p.Object+" "+p.ID, err)
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	return ex.page(ctx, recs)
}

// byID reads records of the object one by one through the item route (a
// record run on a system whose filter dialect cannot select by id); a
// record not found is left out, as a listing would.
func (ex *extraction) byID(ctx context.Context, ids []string) ([]match.Row, error) {
	var recs []connectors.Record
	for _, id := range ids {
		rec, err := ex.client.Get(ctx, ex.o.spec.Object, id)
		if errors.Is(err, connectors.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, Classify("read "+ex.o.spec.Object+" "+id, err)
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	return ex.page(ctx, recs)
}
