package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/records"
)

// findCreated looks on the target (side) for records that in-doubt creates
// may have made: created records whose response was lost, or creates an
// attempt died sending. It lists the target's records changed since the
// first send (less the lookback), maps them to canonical form and takes,
// for each op, the oldest record that agrees with the op on every key of
// one of the object's match rules (and its scope) and is not linked yet.
// It returns op key -> target id for the ops it found.
//
// The systems here cannot carry our idempotency key on a record, so the
// match key is what identifies a lost create: the same key that would
// have matched the record on the next run anyway. It is compared the way
// matching compares it (blank equals blank, the rule's normalisers), on
// the values the target was sent: a field the writer left out (a lookup
// value the target does not know with missing = "empty", a read-only
// field) is blank on the created record, whatever the source holds.
func (r *Run) findCreated(ctx context.Context, o *object, side match.Side, ops []match.Op) (map[string]string, error) {
	keys := make([]string, len(ops))
	for i, op := range ops {
		keys[i] = op.Key
	}
	since, err := r.db.FirstSent(ctx, keys)
	if err != nil {
		return nil, ledgerError("look up lost creates of "+o.spec.Object, err)
	}
	if !since.IsZero() {
		since = since.Add(-r.cfg.Lookback)
	}
	return r.findOnTarget(ctx, o, side, ops, since, "look up lost creates of "+o.spec.Object, r.db.LinkedIDs)
}

// findOnTarget lists the target (side) for records agreeing with create
// ops on a match key (see findCreated): changed since since (zero: all),
// under the ops' scope parents when the listing allows it (scopeQuery).
// taken says which found ids are no longer free.
func (r *Run) findOnTarget(ctx context.Context, o *object, side match.Side, ops []match.Op, since time.Time, what string,
	taken func(context.Context, string, match.Side, []string) (map[string]bool, error)) (map[string]string, error) {
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
	sent := make([]map[string]any, len(ops))
	for i, op := range ops {
		vals, err := r.sentValues(ctx, o, side, op)
		if err != nil {
			return nil, err
		}
		sent[i] = vals
		want[i] = r.keyText(o, vals)
	}
	m := o.mappers[side]
	if err := r.loadRelated(ctx, o, side); err != nil {
		return nil, err
	}
	// A list under parents (sites under their company) is read for the
	// parents the ops name (their ref values are in the target's ids).
	q := connectors.ListQuery{Since: since}
	for _, field := range routeRefs(m.Object().ListPath) {
		if q.Parents == nil {
			q.Parents = map[string][]string{}
		}
		seen := map[string]bool{}
		for _, vals := range sent {
			id := ""
			if v := vals[field]; v != nil {
				id = strings.TrimSpace(fmt.Sprint(v))
			}
			if id != "" && !seen[id] {
				seen[id] = true
				q.Parents[field] = append(q.Parents[field], id)
			}
		}
	}
	if since.IsZero() {
		r.scopeFilter(o, side, q.Parents != nil, sent, &q)
	}
	type cand struct {
		id      string
		created time.Time
	}
	cands := make([][]cand, len(ops))
	for page, err := range r.clients[side].List(ctx, object, q) {
		if err != nil {
			return nil, Classify(what, err)
		}
		for _, raw := range page.Records {
			row, err := m.Map(raw, nil)
			if err != nil {
				continue
			}
			have := r.keyText(o, row.Values)
			for i := range ops {
				if r.agrees(o, want[i], have, keysets) {
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
	used, err := taken(ctx, object, side, all)
	if err != nil {
		return nil, ledgerError(what, err)
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
			if !used[c.id] {
				found[ops[i].Key] = c.id
				used[c.id] = true
				break
			}
		}
	}
	return found, nil
}

// sentValues are the canonical values of a create op as the target was
// sent them: list references translated as the create translated them,
// and the fields the writer left out (the target stores nothing for
// them) blank.
func (r *Run) sentValues(ctx context.Context, o *object, side match.Side, op match.Op) (map[string]any, error) {
	object := o.spec.Object
	vals, err := newValues(op.Fields)
	if err != nil {
		return nil, ledgerError("look up lost creates of "+object, err)
	}
	if err := r.translateListRefs(ctx, o, side, vals); err != nil {
		return nil, ledgerError("look up lost creates of "+object, err)
	}
	w, err := r.writer(o, side, true)
	if err != nil {
		return nil, configError("writer "+object, err)
	}
	out, err := w.Prepare(ctx, records.Change{Create: true, Fields: maps.Clone(vals)})
	if err != nil {
		return nil, Classify("look up lost creates of "+object, err)
	}
	for f := range out.Omitted {
		vals[f] = nil
	}
	for f := range out.Cleared {
		vals[f] = nil
	}
	return vals, nil
}

// keyText renders the key fields of canonical values (the match rules'
// keys and the scope field) as text for comparison, the way matching
// sees them: blank (nil, empty or spaces-only text, empty list) is "",
// text is trimmed and put through the rule's normaliser, other values
// are their JSON (numbers of any Go type compare by value).
func (r *Run) keyText(o *object, vals map[string]any) map[string]string {
	out := map[string]string{}
	add := func(k string) {
		if _, done := out[k]; done {
			return
		}
		out[k] = keyValue(o.spec.Match.Normalize[k], vals[k])
	}
	if o.spec.Match.ScopeBy != "" {
		add(o.spec.Match.ScopeBy)
	}
	for _, rule := range o.spec.Match.Rules {
		for _, k := range rule.Keys {
			add(k)
		}
	}
	return out
}

func keyValue(norm string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return ""
		}
		if n, ok := normalizers[norm]; ok {
			s = n(s)
		}
		b, _ := json.Marshal(s)
		return string(b)
	case []any:
		if len(x) == 0 {
			return ""
		}
	case map[string]any:
		if len(x) == 0 {
			return ""
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// agrees reports whether have equals want on every key of some key set,
// as matching decides it: a reference key (the scope) must hold a value,
// blank equals blank for the others, and an all-blank key never agrees.
func (r *Run) agrees(o *object, want, have map[string]string, keysets [][]string) bool {
	for _, ks := range keysets {
		ok, some := len(ks) > 0, false
		for _, k := range ks {
			w := want[k]
			if have[k] != w {
				ok = false
				break
			}
			switch {
			case r.isRef(o, k):
				ok = ok && w != ""
			case w != "":
				some = true
			}
		}
		if ok && some {
			return true
		}
	}
	return false
}

// isRef reports whether a canonical field of the object is a reference.
func (r *Run) isRef(o *object, field string) bool {
	for _, f := range o.spec.Fields {
		if f.Name == field {
			return f.Type == plan.TypeRef
		}
	}
	return false
}

// normalizers are the match normalisers (plan.Normalizers) in Go, as
// engine/match applies them in SQL; TestLookupNormalizers keeps the two
// in step.
var normalizers = map[string]func(string) string{
	plan.NormMAC: func(s string) string {
		return strings.ToUpper(strings.NewReplacer(":", "", "-", "", ".", "", " ", "").Replace(s))
	},
	plan.NormLower: strings.ToLower,
	plan.NormTrim:  strings.TrimSpace,
	plan.NormDigits: func(s string) string {
		return strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' {
				return c
			}
			return -1
		}, s)
	},
	plan.NormCollapseSpace: func(s string) string { return strings.Join(strings.Fields(s), " ") },
}
