package steps

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"mapsync/connectors"
	"mapsync/engine/match"
)

// findCreated looks on the target (side) for records that in-doubt creates
// may have made: created records whose response was lost, or creates an
// attempt died sending. It lists the target's records changed since the
// first send (less the lookback), maps them to canonical form and takes,
// for each op, the oldest record that agrees with the op's values on
// every key of one of the object's match rules (and its scope) and is not
// linked yet. It returns op key -> target id for the ops it found.
//
// The systems here cannot carry our idempotency key on a record, so the
// match key is what identifies a lost create: the same key that would
// have matched the record on the next run anyway.
func (r *Run) findCreated(ctx context.Context, o *object, side match.Side, ops []match.Op) (map[string]string, error) {
	object := o.spec.Object
	var keysets [][]string
	for _, rule := range o.spec.Match.Rules {
		var ks []string
		if o.spec.Match.ScopeBy != "" {
			ks = append(ks, o.spec.Match.ScopeBy)
		}
		keysets = append(keysets, append(ks, rule.Keys...))
	}
	want := make([]map[string]string, len(ops))
	keys := make([]string, len(ops))
	for i, op := range ops {
		vals, err := newValues(op.Fields)
		if err != nil {
			return nil, ledgerError("look up lost creates of "+object, err)
		}
		want[i] = canonicalText(vals)
		keys[i] = op.Key
	}
	since, err := r.db.FirstSent(ctx, keys)
	if err != nil {
		return nil, ledgerError("look up lost creates of "+object, err)
	}
	if !since.IsZero() {
		since = since.Add(-r.cfg.Lookback)
	}
	m := o.mappers[side]
	// A list under parents (sites under their company) is read for the
	// parents the ops name (their ref values are in the target's ids).
	q := connectors.ListQuery{Since: since}
	for _, field := range routeRefs(m.Object().ListPath) {
		if q.Parents == nil {
			q.Parents = map[string][]string{}
		}
		seen := map[string]bool{}
		for _, w := range want {
			var id string
			if json.Unmarshal([]byte(w[field]), &id) == nil && id != "" && !seen[id] {
				seen[id] = true
				q.Parents[field] = append(q.Parents[field], id)
			}
		}
	}
	type cand struct {
		id      string
		created time.Time
	}
	cands := make([][]cand, len(ops))
	for page, err := range r.clients[side].List(ctx, object, q) {
		if err != nil {
			return nil, Classify("look up lost creates of "+object, err)
		}
		for _, raw := range page.Records {
			row, err := m.Map(raw, nil)
			if err != nil {
				continue
			}
			have := canonicalText(row.Values)
			for i := range ops {
				if agrees(want[i], have, keysets) {
					cands[i] = append(cands[i], cand{id: row.ID, created: row.Created})
				}
			}
		}
	}
	var all []string
	for _, cs := range cands {
		for _, c := range cs {
			all = append(all, c.id)
		}
	}
	taken, err := r.db.LinkedIDs(ctx, object, side, all)
	if err != nil {
		return nil, ledgerError("look up lost creates of "+object, err)
	}
	found := map[string]string{}
	for i, cs := range cands {
		sort.Slice(cs, func(x, y int) bool {
			if !cs[x].created.Equal(cs[y].created) {
				return cs[x].created.Before(cs[y].created)
			}
			return cs[x].id < cs[y].id
		})
		for _, c := range cs {
			if !taken[c.id] {
				found[ops[i].Key] = c.id
				taken[c.id] = true
				break
			}
		}
	}
	return found, nil
}

// canonicalText renders canonical values as JSON text for comparison
// (numbers of any Go type and strings compare by value).
func canonicalText(vals map[string]any) map[string]string {
	out := make(map[string]string, len(vals))
	for k, v := range vals {
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok {
			v = strings.TrimSpace(s)
		}
		b, err := json.Marshal(v)
		if err != nil {
			continue
		}
		out[k] = string(b)
	}
	return out
}

// agrees reports whether have equals want on every key of some key set.
func agrees(want, have map[string]string, keysets [][]string) bool {
	for _, ks := range keysets {
		ok := len(ks) > 0
		for _, k := range ks {
			w, wok := want[k]
			if !wok || have[k] != w {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
