package records

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"mapsync/connectors"
	"mapsync/dsl/exprenv"
	"mapsync/engine/plan"
)

// Lookups reads a system's lookup tables and creates missing values;
// *connectors.Client implements it.
type Lookups interface {
	Lookup(ctx context.Context, name string) (*connectors.LookupTable, error)
	CreateLookupValue(ctx context.Context, name, label, parent string) (connectors.LookupEntry, error)
}

// WriterOptions configure a Writer.
type WriterOptions struct {
	// DryRun never creates lookup values: a value that a real write would
	// create (missing = "create") is reported in Outcome.Pending instead.
	// Lookup tables are still read.
	DryRun bool
}

// Writer turns canonical values into one system's write fields. It loads
// each lookup table once and is safe for concurrent use.
type Writer struct {
	m   *Mapper
	lk  Lookups
	dry bool

	mu     sync.Mutex
	tables map[string]*connectors.LookupTable
	parent map[string]*field // lookup name -> the field of this object that uses it
}

// Change is one record to write: a create, or the changed fields of an
// update. Values are canonical and, for references, already in the target
// system's id space.
type Change struct {
	Create bool
	Fields map[string]any // canonical field -> value (nil clears the field)
	// Record is the whole canonical record (what from_canonical sees as
	// record, and where a scoped lookup finds its parent's label); nil
	// means Fields.
	Record map[string]any
}

// Outcome is what to send for one Change, or why not to send it.
type Outcome struct {
	Fields map[string]any `json:"fields"` // write path -> wire value, for connectors.WriteRecord / Update
	// Skip, when set, says the record is left out on purpose (a lookup
	// value with missing = "skip"): nothing is sent, this is not an error.
	Skip string `json:"skip,omitempty"`
	// SkipField is the field whose value made Skip.
	SkipField string `json:"skip_field,omitempty"`
	// Invalid lists fields that make the write impossible (a required
	// field is empty, a lookup value is missing with missing = "error", a
	// transform failed): nothing may be sent.
	Invalid map[string]string `json:"invalid,omitempty"`
	// Omitted lists fields not sent and why (create_only on an update,
	// read-only, missing = "empty", not supported yet).
	Omitted map[string]string `json:"omitted,omitempty"`
	// Cleared lists fields sent empty although their value was not: a
	// lookup scoped under a parent lookup (region under country) whose
	// value does not resolve under the parent the same write sets, with
	// missing = "empty". The target then holds empty for them.
	Cleared map[string]string `json:"cleared,omitempty"`
	Pending []LookupValue     `json:"pending,omitempty"` // dry run: values a real write would create first
	Created []LookupValue     `json:"created,omitempty"` // values created (missing = "create")
}

// OK reports whether the write may be sent.
func (o Outcome) OK() bool { return o.Skip == "" && len(o.Invalid) == 0 }

// LookupValue is a lookup value created, or to be created, for a field.
type LookupValue struct {
	Field  string `json:"field"`
	Lookup string `json:"lookup"`
	Label  string `json:"label"`
	Parent string `json:"parent,omitempty"`
	ID     string `json:"id,omitempty"`
}

// NewWriter returns the writer of the mapper's object. lk may be nil only
// when the object has no lookup field.
func (m *Mapper) NewWriter(lk Lookups, opts WriterOptions) (*Writer, error) {
	w := &Writer{m: m, lk: lk, dry: opts.DryRun, tables: map[string]*connectors.LookupTable{}, parent: map[string]*field{}}
	for _, f := range m.fields {
		if f.Lookup != "" {
			w.parent[f.Lookup] = f
		}
	}
	for _, f := range m.fields {
		if f.Lookup == "" {
			continue
		}
		if lk == nil {
			return nil, fmt.Errorf("records: %s %s: field %q uses lookup %q but no lookup source was given", m.spec.System.Name, m.spec.Object, f.Name, f.Lookup)
		}
	}
	if probs := m.checkWriter(); len(probs) > 0 {
		return nil, fmt.Errorf("records: %s %s: %w", m.spec.System.Name, m.spec.Object, messages(probs))
	}
	return w, nil
}

// checkWriter lists what NewWriter refuses in the mapping (Check reports
// it too): a lookup scoped under a parent lookup that no field of the
// object uses, so the parent's value is never known.
func (m *Mapper) checkWriter() []plan.Problem {
	used := map[string]bool{}
	for _, f := range m.fields {
		if f.Lookup != "" {
			used[f.Lookup] = true
		}
	}
	var out []plan.Problem
	for _, f := range m.fields {
		if f.Lookup == "" {
			continue
		}
		if p := m.lookups[f.Lookup].Parent; p != "" && !used[p] {
			out = append(out, plan.Problem{
				Place:   plan.Place{System: m.spec.System.Name, Object: m.spec.Object, Field: f.Name, Attr: "lookup"},
				Message: fmt.Sprintf("field %q: lookup %q is scoped under %q, which no field of %s uses", f.Name, f.Lookup, p, m.spec.Object),
			})
		}
	}
	return append(out, m.checkRelated()...)
}

// Prepare builds the write of one Change. The error is for failures that
// are not the record's (a lookup table that cannot be read, a lookup value
// whose creation failed for a reason other than validation); everything
// about the record itself is in the Outcome.
func (w *Writer) Prepare(ctx context.Context, ch Change) (Outcome, error) {
	out := Outcome{Fields: map[string]any{}}
	rec := ch.Record
	if rec == nil {
		rec = ch.Fields
	}
	st := &prepare{w: w, ch: ch, rec: rec, out: &out, ids: map[string]lookupResult{}}
	for _, f := range w.m.fields {
		val, ok := ch.Fields[f.Name]
		if !ok {
			// Coupled fields are written together: a lookup field scoped
			// under a parent lookup whose field changes is sent too, its
			// value (from Record) resolved under the new parent, so the
			// target never holds a child of the old parent under the new.
			pf := w.parentField(f)
			if pf == nil {
				continue
			}
			if _, changes := ch.Fields[pf.Name]; !changes {
				continue
			}
			val = rec[f.Name]
		}
		if err := st.field(ctx, f, val); err != nil {
			return Outcome{}, err
		}
	}
	for name := range ch.Fields {
		if _, ok := w.m.byName[name]; !ok {
			st.omit(name, fmt.Sprintf("%s %s does not map this field", w.m.spec.System.Name, w.m.spec.Object))
		}
	}
	if ch.Create && out.Skip == "" {
		st.required()
	}
	return out, nil
}

// parentField is the field of the parent lookup of a lookup field scoped
// under another (a region under its country), nil for other fields.
func (w *Writer) parentField(f *field) *field {
	if f.Lookup == "" || f.Access == plan.FieldRead {
		return nil
	}
	l := w.m.lookups[f.Lookup]
	if l.Parent == "" {
		return nil
	}
	return w.parent[l.Parent]
}

// Coupled lists the fields of lookups scoped under a parent lookup with
// their parent's field (child -> parent): Prepare writes such a child
// whenever its parent changes, and needs the parent's value (in
// Change.Record) to write the child alone.
func (w *Writer) Coupled() map[string]string {
	out := map[string]string{}
	for _, f := range w.m.fields {
		if pf := w.parentField(f); pf != nil {
			out[f.Name] = pf.Name
		}
	}
	return out
}

// prepare is the state of one Prepare call.
type prepare struct {
	w       *Writer
	ch      Change
	rec     map[string]any
	out     *Outcome
	ids     map[string]lookupResult // lookup name -> resolution for this record
	pending map[string]bool         // write paths whose value is a pending lookup
	related map[string]bool         // lookups read through (lookup_label) already written
}

type lookupResult struct {
	id      string
	pending bool   // dry run: would be created
	skip    string // set when the value is missing and the policy leaves the record out
	invalid string
	omit    string
	clear   string // the value is missing and its parent changes: send it empty
}

func (p *prepare) invalid(field, why string) {
	if p.out.Invalid == nil {
		p.out.Invalid = map[string]string{}
	}
	p.out.Invalid[field] = why
}

func (p *prepare) omit(field, why string) {
	if p.out.Omitted == nil {
		p.out.Omitted = map[string]string{}
	}
	p.out.Omitted[field] = why
}

func (p *prepare) field(ctx context.Context, f *field, val any) error {
	sys := p.w.m.spec.System.Name
	switch {
	case f.Access == plan.FieldRead:
		p.omit(f.Name, "read-only in "+sys)
		return nil
	case f.Fetch != "":
		p.omit(f.Name, "not supported yet: writing a fetched sub-resource")
		return nil
	case f.Flag != "":
		p.omit(f.Name, fmt.Sprintf("a flag reference: written on the %s record (%s) once it is linked, not in this record", f.Ref, f.Flag))
		return nil
	case !p.ch.Create && f.CreateOnly:
		p.omit(f.Name, "can only be set when the record is created")
		return nil
	}
	if f.LookupLabel != "" {
		return p.writeRelated(ctx, f) // with the other fields of its lookup
	}
	v := val
	if f.fromRecord && p.ch.Record == nil && !p.ch.Create {
		p.invalid(f.Name, "from_canonical reads the whole record, and the update carries only the changed fields (set Change.Record)")
		return nil
	}
	if f.from != nil {
		res, err := f.from.Run(exprenv.Env{Value: val, Record: p.rec, Settings: p.w.m.spec.Settings})
		if err != nil {
			p.invalid(f.Name, "from_canonical failed: "+err.Error())
			return nil
		}
		if r, ok := exprenv.AsRejection(res); ok {
			p.invalid(f.Name, r.Reason)
			return nil
		}
		v = res
	}
	path := f.WritePath
	if path == "" {
		path = f.Path
	}
	switch {
	case f.Lookup != "":
		r, err := p.resolve(ctx, f, v, 0)
		if err != nil {
			return err
		}
		switch {
		case r.skip != "":
			if p.out.Skip == "" {
				p.out.Skip, p.out.SkipField = r.skip, f.Name
			}
			return nil
		case r.invalid != "":
			p.invalid(f.Name, r.invalid)
			return nil
		case r.omit != "":
			p.omit(f.Name, r.omit)
			return nil
		case r.clear != "":
			p.out.Fields[path] = nil
			if p.out.Cleared == nil {
				p.out.Cleared = map[string]string{}
			}
			p.out.Cleared[f.Name] = r.clear
			return nil
		case r.pending:
			if p.pending == nil {
				p.pending = map[string]bool{}
			}
			p.pending[path] = true
			return nil
		case r.id == "":
			p.out.Fields[path] = nil // the label was empty: clear the field
			return nil
		}
		v = WireID(r.id)
	case f.Ref != "":
		v = wireIDs(v)
	}
	p.out.Fields[path] = v
	return nil
}

// resolve turns the label of a lookup field into an id, applying the
// lookup's missing-value policy. depth guards parent chains.
func (p *prepare) resolve(ctx context.Context, f *field, label any, depth int) (lookupResult, error) {
	if r, ok := p.ids[f.Lookup]; ok {
		return r, nil
	}
	if depth > 4 {
		return lookupResult{}, fmt.Errorf("records: lookup %q: parent chain too deep", f.Lookup)
	}
	l := p.w.m.lookups[f.Lookup]
	s, _ := text(label)
	lbl, _ := s.(string)
	if label != nil && s == nil {
		return lookupResult{invalid: fmt.Sprintf("lookup %s needs a label, got %s", l.Name, kindOf(label))}, nil
	}
	if lbl == "" {
		r := lookupResult{}
		p.ids[f.Lookup] = r
		return r, nil
	}
	parent := ""
	if l.Parent != "" {
		pf := p.w.parent[l.Parent]
		pr, err := p.resolve(ctx, pf, p.rec[pf.Name], depth+1)
		if err != nil {
			return lookupResult{}, err
		}
		switch {
		case pr.pending:
			r := lookupResult{pending: true}
			p.out.Pending = append(p.out.Pending, LookupValue{Field: f.Name, Lookup: l.Name, Label: lbl})
			p.ids[f.Lookup] = r
			return r, nil
		case pr.id == "":
			r := p.missing(ctx, f, l, lbl, "", " (its "+pf.Name+" "+describeLabel(p.rec[pf.Name])+")")
			p.ids[f.Lookup] = r
			return r, nil
		}
		parent = pr.id
	}
	t, err := p.w.table(ctx, l.Name)
	if err != nil {
		return lookupResult{}, err
	}
	if id, ok := t.ID(lbl, parent); ok {
		r := lookupResult{id: id}
		p.ids[f.Lookup] = r
		return r, nil
	}
	if l.Missing == plan.MissingCreate && !p.w.dry {
		e, err := p.w.lk.CreateLookupValue(ctx, l.Name, lbl, parent)
		if err != nil {
			if k := connectors.KindOf(err); k == connectors.KindRejected || k == connectors.KindConfig {
				r := lookupResult{invalid: fmt.Sprintf("cannot create %s %q in %s: %v", l.Name, lbl, p.w.m.spec.System.Name, err)}
				p.ids[f.Lookup] = r
				return r, nil
			}
			return lookupResult{}, fmt.Errorf("records: create %s %q: %w", l.Name, lbl, err)
		}
		t.Add(e)
		p.out.Created = append(p.out.Created, LookupValue{Field: f.Name, Lookup: l.Name, Label: lbl, Parent: parent, ID: e.ID})
		r := lookupResult{id: e.ID}
		p.ids[f.Lookup] = r
		return r, nil
	}
	r := p.missing(ctx, f, l, lbl, parent, "")
	p.ids[f.Lookup] = r
	return r, nil
}

// missing applies the policy of a lookup whose label has no id.
func (p *prepare) missing(_ context.Context, f *field, l plan.Lookup, label, parent, detail string) lookupResult {
	sys := p.w.m.spec.System.Name
	unknown := fmt.Sprintf("%s %q does not exist in %s%s", l.Name, label, sys, detail)
	switch l.Missing {
	case plan.MissingCreate:
		if detail != "" {
			return lookupResult{invalid: unknown}
		}
		p.out.Pending = append(p.out.Pending, LookupValue{Field: f.Name, Lookup: l.Name, Label: label, Parent: parent})
		return lookupResult{pending: true}
	case plan.MissingSkip:
		if l.Reason != "" {
			return lookupResult{skip: fmt.Sprintf("%s (%q)", l.Reason, label)}
		}
		return lookupResult{skip: unknown}
	case plan.MissingEmpty:
		if l.Parent != "" && !p.ch.Create {
			if pf := p.w.parent[l.Parent]; pf != nil {
				if _, changes := p.ch.Fields[pf.Name]; changes {
					return lookupResult{clear: unknown + ": the field is sent empty, as its " + pf.Name + " changes"}
				}
			}
		}
		return lookupResult{omit: unknown + ": the field is left empty"}
	}
	return lookupResult{invalid: unknown}
}

// describeLabel says what a parent lookup's label is, for reasons.
func describeLabel(v any) string {
	switch x := v.(type) {
	case nil:
		return "is not in the change (the record's value is not known here)"
	case string:
		if strings.TrimSpace(x) == "" {
			return "is empty"
		}
		return fmt.Sprintf("%q is not known", x)
	}
	return fmt.Sprintf("%v is not known", v)
}

// required checks the fields a create needs.
func (p *prepare) required() {
	sys, obj := p.w.m.spec.System.Name, p.w.m.spec.Object
	for _, f := range p.w.m.fields {
		if !f.RequiredOnCreate || f.Access == plan.FieldRead {
			continue
		}
		if _, bad := p.out.Invalid[f.Name]; bad {
			continue
		}
		path := f.WritePath
		if path == "" {
			path = f.Path
		}
		if p.pending[path] {
			continue
		}
		if v, ok := p.out.Fields[path]; !ok || isEmpty(v) {
			why := fmt.Sprintf("required to create a %s in %s, but empty", obj, sys)
			if o, ok := p.out.Omitted[f.Name]; ok {
				why += " (" + o + ")"
			}
			p.invalid(f.Name, why)
		}
	}
}

// table returns a lookup table, loading it once.
func (w *Writer) table(ctx context.Context, name string) (*connectors.LookupTable, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.tables[name]; ok {
		return t, nil
	}
	t, err := w.lk.Lookup(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("records: load lookup %s of %s: %w", name, w.m.spec.System.Name, err)
	}
	if t == nil {
		return nil, errors.New("records: lookup source returned no table for " + name)
	}
	w.tables[name] = t
	return t, nil
}

// WireID is an id as a request body carries it: a JSON number when the id
// is a plain integer, otherwise the string.
func WireID(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && strconv.FormatInt(n, 10) == id {
		return n
	}
	return id
}

func wireIDs(v any) any {
	switch x := v.(type) {
	case string:
		return WireID(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = WireID(s)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, s := range x {
			if str, ok := s.(string); ok {
				out[i] = WireID(str)
			} else {
				out[i] = s
			}
		}
		return out
	}
	return v
}

// NeedsRecord reports whether writing any of these fields needs the whole
// canonical record (Change.Record): a from_canonical that reads record,
// e.g. one system list built from two canonical lists, or a lookup scoped
// under a parent lookup (a region under its country: the parent's label
// is the record's, also when the update does not change it).
func (w *Writer) NeedsRecord(fields []string) bool {
	for _, name := range fields {
		f, ok := w.m.byName[name]
		if !ok || f.Access == plan.FieldRead {
			continue
		}
		if f.fromRecord || f.LookupLabel != "" || (f.Lookup != "" && w.m.lookups[f.Lookup].Parent != "") {
			return true
		}
	}
	return false
}

// FieldNames returns the canonical fields the mapper reads, in declaration
// order.
func (m *Mapper) FieldNames() []string {
	out := make([]string, 0, len(m.fields))
	for _, f := range m.fields {
		out = append(out, f.Name)
	}
	return out
}

// Required returns the canonical fields a create in this system needs,
// sorted.
func (m *Mapper) Required() []string {
	var out []string
	for _, f := range m.fields {
		if f.RequiredOnCreate && f.Access != plan.FieldRead {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}
