package records

import (
	"encoding/json"
	"reflect"
)

// MergeList merges a source's list field into the target's current list
// (a sync field with merge_by = key): each side owns the entries it maps,
// the rest stay. target is the target's current list, base the source's
// list as last synced (nil when there is no memory yet), source the
// source's current list; entries are objects matched by their value at
// key.
//
//   - An entry of the target whose key the source never mapped stays, with
//     all its attributes (the other entries and their labels survive).
//   - An entry the source held at its last sync and no longer holds is
//     removed (a deliberate deletion on the source).
//   - An entry both hold is the target's, with the attributes the source
//     changed since its last sync set from the source; without a last sync,
//     the source only fills the target's empty attributes.
//   - Entries only the source holds are appended, in the source's order.
//
// When a list is not a list of objects carrying the key (the field is not
// shaped as merge_by says), the source's list replaces the target's, as
// without merge_by. An empty result is nil, the canonical empty list.
func MergeList(key string, target, base, source any) any {
	t, okT := entries(key, target)
	b, okB := entries(key, base)
	s, okS := entries(key, source)
	if !okT || !okB || !okS {
		return source
	}
	inSource := map[string]map[string]any{}
	for _, e := range s {
		inSource[entryKey(e[key])] = e
	}
	inBase := map[string]map[string]any{}
	for _, e := range b {
		inBase[entryKey(e[key])] = e
	}
	inTarget := map[string]bool{}
	var out []any
	for _, te := range t {
		k := entryKey(te[key])
		inTarget[k] = true
		se, held := inSource[k]
		if !held {
			if _, had := inBase[k]; had {
				continue // the source deleted it
			}
			out = append(out, te)
			continue
		}
		out = append(out, mergeEntry(te, inBase[k], se))
	}
	for _, se := range s {
		if !inTarget[entryKey(se[key])] {
			out = append(out, se)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mergeEntry is the target's entry with the source's changes since its
// last sync (b, nil when none) applied.
func mergeEntry(t, b, s map[string]any) map[string]any {
	out := make(map[string]any, len(t)+len(s))
	for k, v := range t {
		out[k] = v
	}
	attrs := map[string]bool{}
	for k := range s {
		attrs[k] = true
	}
	for k := range b {
		attrs[k] = true
	}
	for a := range attrs {
		sv := s[a]
		switch {
		case b == nil:
			if isEmpty(out[a]) && !isEmpty(sv) {
				out[a] = sv
			}
		case !reflect.DeepEqual(sv, b[a]):
			out[a] = sv
		}
	}
	return out
}

// entries reads a canonical list of objects that all carry key; nil is
// the empty list.
func entries(key string, v any) ([]map[string]any, bool) {
	if v == nil {
		return nil, true
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok || m[key] == nil {
			return nil, false
		}
		out = append(out, m)
	}
	return out, true
}

// entryKey compares entry keys by their JSON text.
func entryKey(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
