package itglue

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// record is one stored resource. vals holds the stored attributes by their
// kebab-case name with normalised values (string, int64, bool, time.Time,
// []int64, []map[string]any); an absent key renders as null. Derived
// attributes (*-name, created-at, ...) are never stored.
//
// Records are mutated in place under the store's write lock; readers hold
// the read lock. The rendered list form is cached per record and per
// store generation (see store.gen).
type record struct {
	id      int64
	vals    map[string]any
	created time.Time
	updated time.Time
	psaType string // IT Glue's own PSA link: integration type ("manage", ...)
	psaID   string // ... and the id of the PSA record
	key     string // the msp generator key the record was seeded from ("" if none)
	cache   atomic.Pointer[rendered]
}

type rendered struct {
	gen uint64
	b   []byte
}

// table holds the records of one resource type in ascending id order, with
// an index by parent id for nested routes.
type table struct {
	res      *resource
	recs     []*record
	byID     map[int64]*record
	byParent map[int64][]*record // ascending id; only when res.parentAttr != ""
	nextID   int64
	version  uint64 // bumped by every write to the table
}

func newTable(res *resource) *table {
	t := &table{res: res, byID: map[int64]*record{}, nextID: res.idBase}
	if res.parentAttr != "" {
		t.byParent = map[int64][]*record{}
	}
	return t
}

func cmpRecID(r *record, id int64) int {
	switch {
	case r.id < id:
		return -1
	case r.id > id:
		return 1
	}
	return 0
}

// insertSorted puts r into an id-ordered slice.
func insertSorted(s []*record, r *record) []*record {
	if n := len(s); n == 0 || s[n-1].id < r.id {
		return append(s, r)
	}
	i, found := slices.BinarySearchFunc(s, r.id, cmpRecID)
	if found {
		s[i] = r
		return s
	}
	return slices.Insert(s, i, r)
}

func removeSorted(s []*record, id int64) []*record {
	i, found := slices.BinarySearchFunc(s, id, cmpRecID)
	if !found {
		return s
	}
	return slices.Delete(s, i, i+1)
}

func (t *table) parentOf(r *record) (int64, bool) {
	if t.byParent == nil {
		return 0, false
	}
	p, ok := r.vals[t.res.parentAttr].(int64)
	return p, ok
}

// put stores r (its id set), replacing a record with the same id.
func (t *table) put(r *record) {
	if old, ok := t.byID[r.id]; ok {
		t.unindex(old)
	}
	t.recs = insertSorted(t.recs, r)
	t.byID[r.id] = r
	if p, ok := t.parentOf(r); ok {
		t.byParent[p] = insertSorted(t.byParent[p], r)
	}
	if r.id >= t.nextID {
		t.nextID = r.id + 1
	}
}

func (t *table) unindex(r *record) {
	if p, ok := t.parentOf(r); ok {
		if s := removeSorted(t.byParent[p], r.id); len(s) == 0 {
			delete(t.byParent, p)
		} else {
			t.byParent[p] = s
		}
	}
}

func (t *table) remove(r *record) {
	t.unindex(r)
	delete(t.byID, r.id)
	t.recs = removeSorted(t.recs, r.id)
}

// reparent moves r in the parent index after its parent attribute changed
// from old.
func (t *table) reparent(r *record, old any) {
	if t.byParent == nil {
		return
	}
	if p, ok := old.(int64); ok {
		if s := removeSorted(t.byParent[p], r.id); len(s) == 0 {
			delete(t.byParent, p)
		} else {
			t.byParent[p] = s
		}
	}
	if p, ok := t.parentOf(r); ok {
		t.byParent[p] = insertSorted(t.byParent[p], r)
	}
}

// keyRef locates the record seeded from an msp key.
type keyRef struct {
	typ string
	id  int64
}

// store is the sandbox state: one table per resource type.
type store struct {
	mu     sync.RWMutex
	sc     *schema
	tables map[string]*table
	// gen is bumped by writes to a table other records derive attributes
	// from (organization names, type names, ...): every cached rendering
	// older than gen is stale.
	gen        uint64
	referenced map[string]bool // types some kRef points at
	keys       map[string]keyRef

	sortMu sync.Mutex
	sorted map[string]sortedList
}

// sortedList caches a table sorted by one sort expression.
type sortedList struct {
	version, gen uint64
	recs         []*record
}

func newStore(sc *schema) *store {
	st := &store{sc: sc, referenced: map[string]bool{}}
	for _, res := range sc.list {
		for _, a := range res.attrs {
			if a.kind == kRef {
				st.referenced[a.ref] = true
			}
		}
	}
	st.resetLocked()
	return st
}

// resetLocked empties every table; st.mu must be held (or st unshared).
func (st *store) resetLocked() {
	st.tables = map[string]*table{}
	for _, res := range st.sc.list {
		st.tables[res.typ] = newTable(res)
	}
	st.keys = map[string]keyRef{}
	st.gen++
	st.sortMu.Lock()
	st.sorted = map[string]sortedList{}
	st.sortMu.Unlock()
}

func (st *store) table(typ string) *table { return st.tables[typ] }

func (st *store) get(typ string, id int64) *record {
	t := st.tables[typ]
	if t == nil {
		return nil
	}
	return t.byID[id]
}

// touched records that t changed: its version moves on, and if other
// records derive attributes from t, every cached rendering goes stale.
func (st *store) touched(t *table) {
	t.version++
	if st.referenced[t.res.typ] {
		st.gen++
	}
}

// value returns attribute name of r (stored or derived).
func (st *store) value(res *resource, r *record, name string) any {
	if name == "id" {
		return r.id
	}
	a := res.byName[name]
	if a == nil {
		return nil
	}
	if a.kind == kDerived {
		return a.derive(st, r)
	}
	return r.vals[name]
}

// label is the display name of record id of type typ, or nil.
func (st *store) label(typ string, id int64) any {
	r := st.get(typ, id)
	if r == nil {
		return nil
	}
	res := st.sc.get(typ)
	return st.value(res, r, res.label)
}

// attrOf returns attribute name of record id of type typ, or nil.
func (st *store) attrOf(typ string, id int64, name string) any {
	r := st.get(typ, id)
	if r == nil {
		return nil
	}
	return st.value(st.sc.get(typ), r, name)
}

// countRefs counts records of typ whose attribute name equals id.
func (st *store) countRefs(typ, name string, id int64) int {
	n := 0
	for _, r := range st.tables[typ].recs {
		if v, ok := r.vals[name].(int64); ok && v == id {
			n++
		}
	}
	return n
}
