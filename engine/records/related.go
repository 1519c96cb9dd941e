package records

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"mapsync/connectors"
	"mapsync/dsl/exprenv"
	"mapsync/engine/plan"
)

// Reading and writing through a related record.
//
// A field with lookup and lookup_label reads, at its path, the id of a row
// of the lookup (a product) and its canonical value is that row's member
// at lookup_label (the product's manufacturerName). The fields of an
// object that read one lookup so form a composite: a write sends the id of
// the row whose members equal all their values (the product of this
// manufacturer and model) at their common write path, applying the
// lookup's missing policy when there is none. to_canonical programs read
// any member of a row with related(lookup, id).
//
// The rows come from the lookup's list route, every page, once per Mapper
// (LoadRelated): a run loads them before it maps or writes, never per
// record.

// RelatedSource reads every row of a system's lookup, as its list route
// returns them; *connectors.Client implements it.
type RelatedSource interface {
	LookupRows(ctx context.Context, name string) ([]map[string]any, error)
}

// RelatedTable is the rows of one lookup, by id.
type RelatedTable struct {
	lookup plan.Lookup
	rows   []map[string]any
	byID   map[string]int

	mu      sync.Mutex
	indexes map[string]map[string]string // member paths -> their texts -> id of the first row
}

// NewRelatedTable indexes rows of a lookup by their id (the lookup's id
// path); rows without an id are left out, the first row of an id wins.
func NewRelatedTable(l plan.Lookup, rows []map[string]any) *RelatedTable {
	t := &RelatedTable{lookup: l, byID: map[string]int{}}
	for _, row := range rows {
		id := rowID(l, row)
		if id == "" {
			continue
		}
		if _, dup := t.byID[id]; dup {
			continue
		}
		t.byID[id] = len(t.rows)
		t.rows = append(t.rows, row)
	}
	return t
}

func rowID(l plan.Lookup, row map[string]any) string {
	p := l.ID
	if p == "" {
		p = "id"
	}
	v, _ := connectors.Value(row, p)
	return connectors.IDString(v)
}

// Len is the number of rows.
func (t *RelatedTable) Len() int { return len(t.rows) }

// Row is the row of an id (a string or a number), nil when there is none.
func (t *RelatedTable) Row(id any) map[string]any {
	i, ok := t.byID[connectors.IDString(id)]
	if !ok {
		return nil
	}
	return t.rows[i]
}

// Find returns the id of the first row (in load order) whose member at
// each path of want has that text (trimmed); a blank wanted value equals a
// blank or missing member. The rows are indexed by the paths asked for on
// first use, so a write costs a map look-up, not a scan.
func (t *RelatedTable) Find(want map[string]string) (string, bool) {
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	vals := make([]string, len(paths))
	for i, p := range paths {
		vals[i] = strings.TrimSpace(want[p])
	}
	idx := t.index(paths)
	id, ok := idx[strings.Join(vals, "\x00")]
	return id, ok
}

func (t *RelatedTable) index(paths []string) map[string]string {
	key := strings.Join(paths, "\x00")
	t.mu.Lock()
	defer t.mu.Unlock()
	if idx, ok := t.indexes[key]; ok {
		return idx
	}
	idx := make(map[string]string, len(t.rows))
	vals := make([]string, len(paths))
	for _, row := range t.rows {
		for i, p := range paths {
			v, _ := connectors.Value(row, p)
			vals[i] = strings.TrimSpace(memberText(v))
		}
		k := strings.Join(vals, "\x00")
		if _, dup := idx[k]; !dup {
			idx[k] = rowID(t.lookup, row)
		}
	}
	if t.indexes == nil {
		t.indexes = map[string]map[string]string{}
	}
	t.indexes[key] = idx
	return idx
}

func memberText(v any) string {
	s, err := text(v)
	if err != nil || s == nil {
		return ""
	}
	return s.(string)
}

// relatedSet holds a Mapper's loaded tables; shared by the Mapper's
// copies and safe for concurrent use.
type relatedSet struct {
	mu     sync.Mutex
	tables map[string]*RelatedTable
}

func (s *relatedSet) get(name string) *RelatedTable {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tables[name]
}

// RelatedLookups lists, sorted, the lookups whose rows the mapper reads
// or writes through: those of lookup_label fields and those named by
// related(...) in to_canonical programs.
func (m *Mapper) RelatedLookups() []string {
	set := map[string]bool{}
	for _, f := range m.fields {
		if f.LookupLabel != "" && f.Lookup != "" {
			set[f.Lookup] = true
		}
		if f.ToCanonical != "" {
			for _, c := range exprenv.RelatedCalls(f.ToCanonical) {
				if _, ok := m.lookups[c.Lookup]; ok {
					set[c.Lookup] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LoadRelated reads the rows of every lookup in RelatedLookups that is not
// loaded yet, through src, each once for the life of the Mapper. A mapper
// without such lookups reads nothing (src may then be nil).
func (m *Mapper) LoadRelated(ctx context.Context, src RelatedSource) error {
	names := m.RelatedLookups()
	if len(names) == 0 {
		return nil
	}
	m.related.mu.Lock()
	defer m.related.mu.Unlock()
	for _, name := range names {
		if _, ok := m.related.tables[name]; ok {
			continue
		}
		if src == nil {
			return fmt.Errorf("records: %s %s: the rows of lookup %s are needed but no source was given", m.spec.System.Name, m.spec.Object, name)
		}
		rows, err := src.LookupRows(ctx, name)
		if err != nil {
			return fmt.Errorf("records: read the rows of lookup %s of %s: %w", name, m.spec.System.Name, err)
		}
		m.related.tables[name] = NewRelatedTable(m.lookups[name], rows)
	}
	return nil
}

// relatedFunc is to_canonical's related over the loaded tables.
func (m *Mapper) relatedFunc() exprenv.RelatedFunc {
	return func(lookup string, id any) map[string]any {
		t := m.related.get(lookup)
		if t == nil || id == nil {
			return nil
		}
		return t.Row(id)
	}
}

// readRelated turns the id read at a lookup_label field's path into the
// related row's member; a non-empty reason means the value is invalid.
func (m *Mapper) readRelated(f *field, id any) (any, string) {
	if id == nil || connectors.IDString(id) == "" {
		return nil, ""
	}
	t := m.related.get(f.Lookup)
	if t == nil {
		return nil, fmt.Sprintf("the rows of lookup %s were not read, so %s cannot be read through it", f.Lookup, f.Name)
	}
	row := t.Row(id)
	if row == nil {
		return nil, fmt.Sprintf("no %s with id %s in %s", f.Lookup, connectors.IDString(id), m.spec.System.Name)
	}
	v, _ := connectors.Value(row, f.LookupLabel)
	return v, ""
}

// checkRelated lists what the runtime refuses in fields read through a
// related record: the lookup must exist, be unscoped and not create rows
// (a row is found by several members; a create makes one from one label),
// the fields sharing a lookup must be written at one path, and such a
// field has a path (no fetch, no flag).
func (m *Mapper) checkRelated() []plan.Problem {
	var out []plan.Problem
	bad := func(f *field, attr, format string, args ...any) {
		out = append(out, plan.Problem{
			Place:   plan.Place{System: m.spec.System.Name, Object: m.spec.Object, Field: f.Name, Attr: attr},
			Message: fmt.Sprintf("field %q: ", f.Name) + fmt.Sprintf(format, args...),
		})
	}
	paths := map[string][]string{} // lookup -> write paths seen
	for _, f := range m.fields {
		if f.LookupLabel == "" {
			continue
		}
		l, ok := m.lookups[f.Lookup]
		switch {
		case f.Lookup == "":
			bad(f, "lookup_label", "lookup_label needs a lookup")
			continue
		case !ok:
			continue // reported by checkField
		case f.Fetch != "" || f.Flag != "":
			bad(f, "lookup_label", "a field read through a related record reads the row id at its path; it cannot be a fetch or a flag")
		case l.Missing == plan.MissingCreate:
			bad(f, "lookup_label", "lookup %q has missing = \"create\", but a row read through lookup_label is found by the values of every field of the lookup, and a create body makes one from a single label; use skip, empty or error", l.Name)
		case l.Parent != "":
			bad(f, "lookup_label", "lookup %q is scoped under %q; reading through a scoped lookup is not supported", l.Name, l.Parent)
		}
		p := writePath(f)
		if seen := paths[f.Lookup]; len(seen) > 0 && !slices.Contains(seen, p) {
			bad(f, "lookup_label", "the fields read through lookup %q write its row id at one path, but this one writes at %q and another at %q", f.Lookup, p, seen[0])
		}
		paths[f.Lookup] = append(paths[f.Lookup], p)
	}
	return out
}

func writePath(f *field) string {
	if f.WritePath != "" {
		return f.WritePath
	}
	return f.Path
}

// relatedGroup is the fields of the object read through one lookup, in
// declaration order.
func (m *Mapper) relatedGroup(lookup string) []*field {
	var out []*field
	for _, f := range m.fields {
		if f.LookupLabel != "" && f.Lookup == lookup && f.Access != plan.FieldRead {
			out = append(out, f)
		}
	}
	return out
}

// writeRelated writes the fields read through f's lookup, once per
// Prepare: the id of the row whose members equal their values, at their
// write path. Values come from the change, else from the whole record.
func (p *prepare) writeRelated(ctx context.Context, f *field) error {
	if p.related == nil {
		p.related = map[string]bool{}
	}
	if p.related[f.Lookup] {
		return nil
	}
	p.related[f.Lookup] = true
	m := p.w.m
	l := m.lookups[f.Lookup]
	group := m.relatedGroup(f.Lookup)
	want := map[string]string{}
	var described []string
	blank, required := true, false
	for _, g := range group {
		v, ok := p.ch.Fields[g.Name]
		if !ok {
			if p.ch.Record == nil && !p.ch.Create {
				p.invalid(g.Name, fmt.Sprintf("written with the other fields read through lookup %s, whose values the update does not carry (set Change.Record)", l.Name))
				return nil
			}
			v = p.rec[g.Name]
		}
		if g.from != nil {
			res, err := g.from.Run(exprenv.Env{Value: v, Record: p.rec, Settings: m.spec.Settings})
			if err != nil {
				p.invalid(g.Name, "from_canonical failed: "+err.Error())
				return nil
			}
			if r, ok := exprenv.AsRejection(res); ok {
				p.invalid(g.Name, r.Reason)
				return nil
			}
			v = res
		}
		s := memberText(v)
		if v != nil && s == "" && !isEmpty(v) {
			p.invalid(g.Name, fmt.Sprintf("lookup %s needs a text value, got %s", l.Name, kindOf(v)))
			return nil
		}
		if strings.TrimSpace(s) != "" {
			blank = false
		}
		if p.ch.Create && g.RequiredOnCreate && strings.TrimSpace(s) == "" {
			p.invalid(g.Name, fmt.Sprintf("required to create a %s in %s, but empty", m.spec.Object, m.spec.System.Name))
			required = true
		}
		want[g.LookupLabel] = s
		described = append(described, fmt.Sprintf("%s %q", g.Name, s))
	}
	path := writePath(f)
	if required {
		return nil // the create is not sent; no row is looked for
	}
	if blank {
		if !p.ch.Create {
			p.out.Fields[path] = nil // every value was emptied: clear the reference
		}
		return nil
	}
	src, _ := p.w.lk.(RelatedSource)
	if err := m.LoadRelated(ctx, src); err != nil {
		return err
	}
	t := m.related.get(l.Name)
	if id, ok := t.Find(want); ok {
		p.out.Fields[path] = WireID(id)
		return nil
	}
	unknown := fmt.Sprintf("no %s with %s in %s", l.Name, strings.Join(described, " and "), m.spec.System.Name)
	switch l.Missing {
	case plan.MissingSkip:
		if p.out.Skip == "" {
			reason := unknown
			if l.Reason != "" {
				reason = fmt.Sprintf("%s (%s)", l.Reason, strings.Join(described, ", "))
			}
			p.out.Skip, p.out.SkipField = reason, f.Name
		}
	case plan.MissingEmpty:
		for _, g := range group {
			p.omit(g.Name, unknown+": the field is left empty")
		}
	default:
		for _, g := range group {
			p.invalid(g.Name, unknown)
		}
	}
	return nil
}
