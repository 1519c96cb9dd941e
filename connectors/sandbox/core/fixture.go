package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// DB is a named set of Tables that are dumped to and loaded from one
// fixture document together. It is safe for concurrent use, but Dump and
// Load are not atomic across tables: quiesce writers first.
type DB struct {
	mu     sync.RWMutex
	tables map[string]*Table
}

// NewDB returns an empty DB.
func NewDB() *DB { return &DB{tables: map[string]*Table{}} }

// Add registers t under name (replacing any table of that name) and
// returns t.
func (db *DB) Add(name string, t *Table) *Table {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.tables[name] = t
	return t
}

// Table returns the table registered under name, or nil.
func (db *DB) Table(name string) *Table {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.tables[name]
}

// Names returns the registered table names, sorted.
func (db *DB) Names() []string {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return slices.Sorted(maps.Keys(db.tables))
}

// Fixture is the JSON form of a DB's state: every table's records and the
// next id it will assign.
type Fixture struct {
	// Format names the producer and version, e.g. "mapsync-sandbox/connectwise/1".
	Format string                  `json:"format"`
	Tables map[string]FixtureTable `json:"tables"`
}

// FixtureTable is one table in a Fixture.
type FixtureTable struct {
	NextID  int64           `json:"next_id"`
	Records []FixtureRecord `json:"records"`
}

// FixtureRecord is one record in a Fixture. Times are RFC 3339 with
// nanoseconds, UTC.
type FixtureRecord struct {
	ID      int64          `json:"id"`
	Created time.Time      `json:"created"`
	Updated time.Time      `json:"updated"`
	Data    map[string]any `json:"data"`
}

// Dump writes the state of every table as an indented Fixture with the
// given format name. The output is deterministic: dumping, loading and
// dumping again gives the same bytes.
func (db *DB) Dump(w io.Writer, format string) error {
	fx := Fixture{Format: format, Tables: map[string]FixtureTable{}}
	for _, name := range db.Names() {
		t := db.Table(name)
		t.mu.RLock()
		ft := FixtureTable{NextID: t.nextID, Records: make([]FixtureRecord, 0, len(t.recs))}
		for _, r := range t.recs {
			ft.Records = append(ft.Records, FixtureRecord{ID: r.ID, Created: r.Created, Updated: r.Updated, Data: r.Data})
		}
		t.mu.RUnlock()
		fx.Tables[name] = ft
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(fx); err != nil {
		return fmt.Errorf("dump fixture: %w", err)
	}
	return nil
}

// Load replaces the state of every registered table with the fixture's
// (tables the fixture does not name become empty). The fixture's format
// must equal format unless format is "". Numbers keep their exact text
// (json.Number). Nothing changes when the fixture is invalid.
func (db *DB) Load(r io.Reader, format string) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var fx Fixture
	if err := dec.Decode(&fx); err != nil {
		return fmt.Errorf("load fixture: %w", err)
	}
	if format != "" && fx.Format != format {
		return fmt.Errorf("load fixture: format %q, want %q", fx.Format, format)
	}
	names := db.Names()
	for name := range fx.Tables {
		if !slices.Contains(names, name) {
			return fmt.Errorf("load fixture: unknown table %q (known: %v)", name, names)
		}
	}
	for name, ft := range fx.Tables {
		seen := map[int64]bool{}
		for i, fr := range ft.Records {
			if fr.ID <= 0 || seen[fr.ID] {
				return fmt.Errorf("load fixture: table %q record %d: id %d is not positive or repeated", name, i, fr.ID)
			}
			seen[fr.ID] = true
		}
	}
	for _, name := range names {
		ft := fx.Tables[name]
		recs := make([]*Record, 0, len(ft.Records))
		for _, fr := range ft.Records {
			data := fr.Data
			if data == nil {
				data = map[string]any{}
			}
			recs = append(recs, &Record{ID: fr.ID, Created: fr.Created.UTC(), Updated: fr.Updated.UTC(), Data: data})
		}
		db.Table(name).restore(recs, ft.NextID)
	}
	return nil
}

// DumpBytes is Dump into a byte slice.
func (db *DB) DumpBytes(format string) ([]byte, error) {
	var b bytes.Buffer
	if err := db.Dump(&b, format); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// volatileField names the fields that differ between two sandboxes that
// received the same writes in another order or at other times: ids and
// references to ids, creation and update stamps.
var volatileField = regexp.MustCompile(`(?i)(^id$|[-_]ids?$|[a-z]Ids?$|^_|created|updated|^resource-url$|^dateEntered$|^lastUpdated$|^enteredBy$|^updatedBy$)`)

// StableRecords reads a fixture dump (DumpFixture's JSON) and returns each
// table's records as JSON without their volatile fields, sorted, so two
// sandboxes that received the same writes, in any order and under other
// ids, compare equal (tests of retries, faults and worker crashes).
func StableRecords(dump []byte) (map[string][]string, error) {
	var fx Fixture
	if err := json.Unmarshal(dump, &fx); err != nil {
		return nil, fmt.Errorf("stable records: %w", err)
	}
	out := make(map[string][]string, len(fx.Tables))
	for name, tbl := range fx.Tables {
		recs := make([]string, 0, len(tbl.Records))
		for _, r := range tbl.Records {
			b, err := json.Marshal(withoutVolatile(r.Data))
			if err != nil {
				return nil, fmt.Errorf("stable records: %s: %w", name, err)
			}
			recs = append(recs, string(b))
		}
		sort.Strings(recs)
		out[name] = recs
	}
	return out, nil
}

func withoutVolatile(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			if !volatileField.MatchString(k) {
				m[k] = withoutVolatile(val)
			}
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i := range x {
			l[i] = withoutVolatile(x[i])
		}
		return l
	}
	return v
}

// DiffStable describes how b's records differ from a's, both from
// StableRecords: per table, the counts and a few missing and extra
// records ("" when equal).
func DiffStable(a, b map[string][]string) string {
	names := map[string]bool{}
	for n := range a {
		names[n] = true
	}
	for n := range b {
		names[n] = true
	}
	var out []string
	for n := range names {
		count := map[string]int{}
		for _, r := range a[n] {
			count[r]++
		}
		for _, r := range b[n] {
			count[r]--
		}
		var missing, extra []string
		for r, c := range count {
			for ; c > 0; c-- {
				missing = append(missing, r)
			}
			for ; c < 0; c++ {
				extra = append(extra, r)
			}
		}
		if len(missing)+len(extra) == 0 {
			continue
		}
		sort.Strings(missing)
		sort.Strings(extra)
		out = append(out, fmt.Sprintf("%s: %d vs %d records; %d missing, %d extra\n  missing e.g. %v\n  extra e.g. %v",
			n, len(a[n]), len(b[n]), len(missing), len(extra), missing[:min(2, len(missing))], extra[:min(2, len(extra))]))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
