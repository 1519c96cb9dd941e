package itglue

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// list runs q against the table of res and returns the total count of
// matches and the records of the requested page. st.mu must be held.
func (st *store) list(res *resource, q *listQuery) (int, []*record) {
	t := st.table(res.typ)
	var cands []*record
	subset := q.parents != nil
	if subset {
		for _, p := range q.parents {
			cands = append(cands, t.byParent[p]...)
		}
		if len(q.parents) > 1 {
			slices.SortFunc(cands, func(a, b *record) int { return cmp.Compare(a.id, b.id) })
		}
	} else {
		cands = t.recs
	}
	if len(q.sort) > 0 {
		if subset {
			cands = slices.Clone(cands)
			st.sortRecords(res, cands, q.sort)
		} else {
			cands = st.sortedTable(t, q)
		}
	}
	offset := (q.number - 1) * q.size
	total := 0
	var page []*record
next:
	for _, r := range cands {
		for _, p := range q.preds {
			if !p(st, r) {
				continue next
			}
		}
		if total >= offset && total < offset+q.size {
			page = append(page, r)
		}
		total++
	}
	return total, page
}

// sortedTable returns the whole table in q's sort order, cached until the
// table or anything it derives attributes from changes.
func (st *store) sortedTable(t *table, q *listQuery) []*record {
	key := t.res.typ + "|" + q.sortKey
	st.sortMu.Lock()
	defer st.sortMu.Unlock()
	if c, ok := st.sorted[key]; ok && c.version == t.version && c.gen == st.gen {
		return c.recs
	}
	recs := slices.Clone(t.recs)
	st.sortRecords(t.res, recs, q.sort)
	st.sorted[key] = sortedList{version: t.version, gen: st.gen, recs: recs}
	return recs
}

// sortRecords sorts by the terms, ties broken by ascending id. Nulls sort
// last ascending and first descending (PostgreSQL's default).
func (st *store) sortRecords(res *resource, recs []*record, terms []sortTerm) {
	type keyed struct {
		r    *record
		vals []any
	}
	ks := make([]keyed, len(recs))
	for i, r := range recs {
		ks[i] = keyed{r: r, vals: make([]any, len(terms))}
		for j, term := range terms {
			v := st.value(res, r, term.attr)
			if s, ok := v.(string); ok {
				v = strings.ToLower(s)
			}
			ks[i].vals[j] = v
		}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		for j, term := range terms {
			c := compareValues(a.vals[j], b.vals[j])
			if term.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.r.id, b.r.id)
	})
	for i := range ks {
		recs[i] = ks[i].r
	}
}

// compareValues orders two stored values of the same attribute; nil is
// greater than anything.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	switch x := a.(type) {
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case int64:
		y, _ := b.(int64)
		return cmp.Compare(x, y)
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case time.Time:
		y, _ := b.(time.Time)
		return x.Compare(y)
	}
	return 0
}
