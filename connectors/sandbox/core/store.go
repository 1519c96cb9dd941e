package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotFound is returned for an id a Table does not hold.
var ErrNotFound = errors.New("record not found")

// Record is one stored JSON object. A stored Record is never modified:
// every write stores a new *Record, so a *Record obtained from a Table may
// be read without locks and its rendered JSON cached.
type Record struct {
	ID      int64
	Created time.Time // UTC
	Updated time.Time // UTC
	// Data is the JSON object (maps, slices, strings, float64/int/
	// json.Number, bools, nil). Treat it as read-only once stored.
	Data map[string]any

	render func(*Record) ([]byte, error)
	json   atomic.Pointer[[]byte]
}

// JSON returns the record rendered by the table's Render function (by
// default the JSON encoding of Data). The result is computed once per
// record version and shared: do not modify it.
func (r *Record) JSON() ([]byte, error) {
	if b := r.json.Load(); b != nil {
		return *b, nil
	}
	var b []byte
	var err error
	if r.render != nil {
		b, err = r.render(r)
	} else {
		b, err = json.Marshal(r.Data)
	}
	if err != nil {
		return nil, fmt.Errorf("render record %d: %w", r.ID, err)
	}
	r.json.Store(&b)
	return b, nil
}

// TableOptions configure a Table. Every field is optional.
type TableOptions struct {
	// Clock gives the time of writes; default time.Now.
	Clock func() time.Time
	// Stamp runs on every Insert and Update just before the record is
	// stored, after ID, Created and Updated are set: it can write system
	// fields (an id, timestamps) into r.Data.
	Stamp func(r *Record)
	// Render turns a record into its wire form; default json.Marshal(Data).
	Render func(r *Record) ([]byte, error)
}

// Table is a thread-safe collection of records ordered by ascending id.
// Ids are assigned from 1 upwards and never reused.
type Table struct {
	opts    TableOptions
	mu      sync.RWMutex
	recs    []*Record // ascending ID
	byID    map[int64]*Record
	nextID  int64
	version uint64 // incremented by every change
}

// NewTable returns an empty Table.
func NewTable(opts TableOptions) *Table {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Table{opts: opts, byID: map[int64]*Record{}, nextID: 1}
}

// Now returns the table clock's current time in UTC.
func (t *Table) Now() time.Time { return t.opts.Clock().UTC() }

// Insert stores data under the next id with Created = Updated = now.
// The table takes ownership of data.
func (t *Table) Insert(data map[string]any) *Record {
	now := t.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	r := &Record{ID: t.nextID, Created: now, Updated: now, Data: data, render: t.opts.Render}
	t.nextID++
	if t.opts.Stamp != nil {
		t.opts.Stamp(r)
	}
	t.recs = append(t.recs, r)
	t.byID[r.ID] = r
	t.version++
	return r
}

// Put stores a record exactly as given (id and timestamps included),
// replacing any record with that id; Stamp is not run. Seeding and
// fixtures use it. The next assigned id stays above every stored id.
func (t *Table) Put(id int64, created, updated time.Time, data map[string]any) (*Record, error) {
	if id <= 0 {
		return nil, fmt.Errorf("put record: id %d must be positive", id)
	}
	r := &Record{ID: id, Created: created.UTC(), Updated: updated.UTC(), Data: data, render: t.opts.Render}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.store(r)
	if id >= t.nextID {
		t.nextID = id + 1
	}
	return r, nil
}

// store puts r in place; t.mu must be held.
func (t *Table) store(r *Record) {
	t.version++
	if _, ok := t.byID[r.ID]; ok {
		i, _ := slices.BinarySearchFunc(t.recs, r.ID, cmpID)
		t.recs[i] = r
	} else if n := len(t.recs); n == 0 || t.recs[n-1].ID < r.ID {
		t.recs = append(t.recs, r)
	} else {
		i, _ := slices.BinarySearchFunc(t.recs, r.ID, cmpID)
		t.recs = slices.Insert(t.recs, i, r)
	}
	t.byID[r.ID] = r
}

func cmpID(r *Record, id int64) int {
	switch {
	case r.ID < id:
		return -1
	case r.ID > id:
		return 1
	}
	return 0
}

// Get returns the record with this id.
func (t *Table) Get(id int64) (*Record, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	r, ok := t.byID[id]
	return r, ok
}

// Update applies fn to a deep copy of the record's data and stores the
// result with Updated = now. If fn returns an error nothing changes and the
// error is returned. A missing id gives ErrNotFound.
func (t *Table) Update(id int64, fn func(data map[string]any) error) (*Record, error) {
	now := t.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.byID[id]
	if !ok {
		return nil, fmt.Errorf("update %d: %w", id, ErrNotFound)
	}
	data := DeepCopy(old.Data)
	if err := fn(data); err != nil {
		return nil, err
	}
	r := &Record{ID: id, Created: old.Created, Updated: now, Data: data, render: t.opts.Render}
	if t.opts.Stamp != nil {
		t.opts.Stamp(r)
	}
	t.store(r)
	return r, nil
}

// Delete removes the record with this id and reports whether it existed.
func (t *Table) Delete(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byID[id]; !ok {
		return false
	}
	delete(t.byID, id)
	i, _ := slices.BinarySearchFunc(t.recs, id, cmpID)
	t.recs = slices.Delete(t.recs, i, i+1)
	t.version++
	return true
}

// All returns the records in ascending id order: a snapshot that later
// writes do not change.
func (t *Table) All() []*Record {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Clone(t.recs)
}

// Range returns up to n records starting at position from (0-based, in
// id order) and the total number of records, from one consistent view.
// It copies only the window, so paging a large table stays cheap.
func (t *Table) Range(from, n int) ([]*Record, int) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	total := len(t.recs)
	if from < 0 || from >= total || n <= 0 {
		return nil, total
	}
	return slices.Clone(t.recs[from:min(from+n, total)]), total
}

// After returns up to n records with ids greater than id, in id order,
// and whether more follow them.
func (t *Table) After(id int64, n int) ([]*Record, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	i, found := slices.BinarySearchFunc(t.recs, id, cmpID)
	if found {
		i++
	}
	if n <= 0 || i >= len(t.recs) {
		return nil, i < len(t.recs)
	}
	end := min(i+n, len(t.recs))
	return slices.Clone(t.recs[i:end]), end < len(t.recs)
}

// Len returns the number of records.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.recs)
}

// Version changes whenever the table's content changes, so callers can
// cache what they computed from it.
func (t *Table) Version() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.version
}

// NextID returns the id the next Insert will assign.
func (t *Table) NextID() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.nextID
}

// Reset removes every record and restarts ids at 1.
func (t *Table) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recs, t.byID, t.nextID = nil, map[int64]*Record{}, 1
	t.version++
}

// restore replaces the whole content; used by fixture loading.
func (t *Table) restore(recs []*Record, nextID int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recs, t.byID, t.nextID = nil, make(map[int64]*Record, len(recs)), 1
	t.version++
	for _, r := range recs {
		r.render = t.opts.Render
		t.store(r)
		if r.ID >= t.nextID {
			t.nextID = r.ID + 1
		}
	}
	if nextID > t.nextID {
		t.nextID = nextID
	}
}

// DeepCopy copies a JSON-like value: maps and slices are copied
// recursively, everything else is shared (strings, numbers, bools are
// immutable).
func DeepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return DeepCopy(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyValue(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = DeepCopy(e)
		}
		return out
	}
	return v
}
