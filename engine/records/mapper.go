package records

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"mapsync/connectors"
	"mapsync/dsl/exprenv"
	"mapsync/engine/plan"
)

// Spec says what a Mapper maps: one object of one system, in one sync.
type Spec struct {
	System    plan.System // the system (its objects, lookups and time format)
	Object    string      // canonical object name, e.g. "configuration"
	Canonical plan.CanonicalType
	// Settings are the sync's settings, seen by every expression.
	Settings map[string]any
	// Scope and ScopeReason come from plan.ObjectSync; an empty Scope
	// keeps every record in scope.
	Scope       string
	ScopeReason string
}

// Row is one record in canonical form. It has the fields of match.Row, so
// a Row converts to one with match.Row(row).
type Row struct {
	ID      string
	Created time.Time
	Updated time.Time
	Values  map[string]any
	Raw     []byte
	Invalid map[string]string
	// InvalidValues holds the source value of each Invalid field, as read
	// (what the warnings show).
	InvalidValues map[string]any
	ScopeReason   string
}

// RecordError is a record that cannot be mapped at all (it has no id, or
// its raw form cannot be encoded). The caller counts it and goes on with
// the next record.
type RecordError struct {
	ID     string // "" when the record has none
	Reason string
}

func (e *RecordError) Error() string {
	if e.ID == "" {
		return "record without id: " + e.Reason
	}
	return "record " + e.ID + ": " + e.Reason
}

// Fetched holds, per Fetch field, the values read from its sub-resource
// for one record: the value at the field's path in each item, as
// connectors.Client.Fetch returns them (see plan.Field.Fetch). A field
// absent from the map was not fetched and stays unknown (NULL).
type Fetched map[string][]any

// Mapper maps the records of one object of one system. It is immutable
// after New and safe for concurrent use.
type Mapper struct {
	spec      Spec
	obj       plan.Object
	layout    string
	fields    []*field          // declaration order
	byName    map[string]*field // canonical name -> field
	canonical map[string]plan.CanonicalField
	lookups   map[string]plan.Lookup
	scope     *exprenv.Program
	derives   []deriveSource // a derived object's sources (derive.go)
	related   *relatedSet    // rows of the lookups read through (related.go)
}

type field struct {
	plan.Field
	typ        string // canonical type
	to         *exprenv.Program
	from       *exprenv.Program
	fromRecord bool // from_canonical reads the whole canonical record
}

// readable reports whether the field is read from records.
func (f *field) readable() bool { return f.Access != plan.FieldWrite && f.Flag == "" }

// New checks the spec against the plan and compiles every expression.
// Features the runtime does not implement yet are errors here, never
// silently wrong data later.
func New(spec Spec) (*Mapper, error) {
	m, probs := build(spec)
	if len(probs) > 0 {
		return nil, fmt.Errorf("records: %s %s: %w", spec.System.Name, spec.Object, messages(probs))
	}
	return m, nil
}

// Check lists what New, and NewWriter, refuse in the spec. engine.LoadDir
// calls it so validate reports these problems at their place. A problem of
// the sync's scope has no System in its Place (the caller knows the sync).
func Check(spec Spec) []plan.Problem {
	m, probs := build(spec)
	if m != nil {
		probs = append(probs, m.checkWriter()...)
	}
	return probs
}

func build(spec Spec) (*Mapper, []plan.Problem) {
	var obj *plan.Object
	for i := range spec.System.Objects {
		if spec.System.Objects[i].Name == spec.Object {
			obj = &spec.System.Objects[i]
		}
	}
	at := func(field, attr string) plan.Place {
		return plan.Place{System: spec.System.Name, Object: spec.Object, Field: field, Attr: attr}
	}
	if obj == nil {
		return nil, []plan.Problem{{Place: plan.Place{System: spec.System.Name}, Message: fmt.Sprintf("no object %q", spec.Object)}}
	}
	if spec.Canonical.Name != spec.Object {
		return nil, []plan.Problem{{Place: at("", ""), Message: fmt.Sprintf("canonical type is %q", spec.Canonical.Name)}}
	}
	m := &Mapper{
		spec:      spec,
		obj:       *obj,
		layout:    spec.System.TimeFormat,
		byName:    map[string]*field{},
		canonical: map[string]plan.CanonicalField{},
		lookups:   map[string]plan.Lookup{},
		related:   &relatedSet{tables: map[string]*RelatedTable{}},
	}
	for _, cf := range spec.Canonical.Fields {
		m.canonical[cf.Name] = cf
	}
	for _, l := range spec.System.Lookups {
		m.lookups[l.Name] = l
	}
	shape := exprenv.ShapeOf(spec.Canonical, spec.Settings)
	var probs []plan.Problem
	if obj.Derived() {
		m.derives, probs = buildDerives(spec, obj, at)
	}
	bad := func(pl plan.Place, format string, args ...any) {
		probs = append(probs, plan.Problem{Place: pl, Message: fmt.Sprintf(format, args...)})
	}
	for _, pf := range obj.Fields {
		cf, ok := m.canonical[pf.Name]
		if !ok {
			bad(at(pf.Name, ""), "field %q is not a field of canonical %s", pf.Name, spec.Object)
			continue
		}
		f := &field{Field: pf, typ: cf.Type}
		if attr, err := m.checkField(f, cf); err != nil {
			bad(at(pf.Name, attr), "field %q: %v", pf.Name, err)
			continue
		}
		if pf.ToCanonical != "" {
			p, err := exprenv.Compile(exprenv.ToCanonical, pf.ToCanonical, exprenv.Shape{Settings: spec.Settings, Result: cf.Type})
			if err != nil {
				bad(at(pf.Name, "to_canonical"), "field %q: to_canonical: %v", pf.Name, err)
				continue
			}
			f.to = p
		}
		if pf.FromCanonical != "" {
			p, err := exprenv.Compile(exprenv.FromCanonical, pf.FromCanonical, shape)
			if err != nil {
				bad(at(pf.Name, "from_canonical"), "field %q: from_canonical: %v", pf.Name, err)
				continue
			}
			f.from = p
			f.fromRecord = readsRecord(pf.FromCanonical)
		}
		if _, dup := m.byName[pf.Name]; dup {
			bad(at(pf.Name, ""), "field %q is declared twice", pf.Name)
			continue
		}
		m.fields = append(m.fields, f)
		m.byName[pf.Name] = f
	}
	if spec.Scope != "" {
		p, err := exprenv.Compile(exprenv.Scope, spec.Scope, shape)
		if err != nil {
			bad(plan.Place{Object: spec.Object, Attr: "scope"}, "scope: %v", err)
		}
		m.scope = p
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return m, nil
}

// messages joins the problems' messages (New's error already names the
// system and object, and each message names its field).
func messages(probs []plan.Problem) error {
	errs := make([]error, len(probs))
	for i, p := range probs {
		errs[i] = errors.New(p.Message)
	}
	return errors.Join(errs...)
}

// readsRecord reports whether an expression refers to the record variable.
func readsRecord(src string) bool {
	tree, err := parser.Parse(src)
	if err != nil {
		return true // it compiled, so this does not happen; assume the worst
	}
	v := &identFinder{name: "record"}
	ast.Walk(&tree.Node, v)
	return v.found
}

type identFinder struct {
	name  string
	found bool
}

func (v *identFinder) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok && id.Value == v.name {
		v.found = true
	}
}

// checkField checks one field; on error it also names the attribute at
// fault ("" = the field block).
func (m *Mapper) checkField(f *field, cf plan.CanonicalField) (string, error) {
	switch {
	case f.Flag != "" && (f.Fetch != "" || f.Path != ""):
		return "flag", errors.New("a flag field has no path and no fetch")
	case f.Flag != "" && cf.Ref == "":
		return "flag", errors.New("a flag field must be a reference")
	case f.Flag == "" && f.Path == "" && f.Access != plan.FieldWrite && f.ToCanonical == "":
		return "", errors.New("no path")
	case f.Flag == "" && f.Path == "" && f.Access != plan.FieldRead && f.WritePath == "":
		// path = "" reads the whole record (for a to_canonical that builds
		// the value from several members); it cannot be written back there.
		return "path", errors.New(`a field read from the whole record (path = "") has nowhere to be written: set access = "read" or a write_path`)
	case f.Fetch != "" && !strings.Contains(f.Fetch, "{id}"):
		return "fetch", fmt.Errorf("fetch %q has no {id}", f.Fetch)
	case f.Fetch != "" && cf.Type != plan.TypeList && cf.Type != plan.TypeJSON:
		return "fetch", fmt.Errorf("a fetch field gives a list, but the canonical field is a %s", cf.Type)
	}
	if f.Lookup != "" {
		l, ok := m.lookups[f.Lookup]
		if !ok {
			return "lookup", fmt.Errorf("lookup %q is not declared by %s", f.Lookup, m.spec.System.Name)
		}
		switch l.Missing {
		case "", plan.MissingCreate, plan.MissingSkip, plan.MissingEmpty, plan.MissingError:
		default:
			return "lookup", fmt.Errorf("lookup %q: unknown missing policy %q", l.Name, l.Missing)
		}
	}
	return "", nil
}

// Object is the system's object the mapper reads.
func (m *Mapper) Object() plan.Object { return m.obj }

// FetchField is a field read from a sub-resource, once per record.
type FetchField struct {
	Name string // canonical field
	Path string // the sub-resource path, "{id}" = the record's id
}

// FetchFields lists the fields that need a sub-resource read per record.
func (m *Mapper) FetchFields() []FetchField {
	var out []FetchField
	for _, f := range m.fields {
		if f.Fetch != "" && f.Access != plan.FieldWrite {
			out = append(out, FetchField{Name: f.Name, Path: f.Fetch})
		}
	}
	return out
}

// FlagField is a reference the system keeps as a flag on the referenced
// records instead of on this record (plan.Field.Flag).
type FlagField struct {
	Name string // canonical field of this object, e.g. "primary_location"
	Ref  string // the referenced object, e.g. "location"
	Flag string // path of the boolean in the referenced records, e.g. "attributes.primary"
}

// FlagFields lists the flag fields. Map leaves them unset: their value is
// known only once the referenced object is staged.
func (m *Mapper) FlagFields() []FlagField {
	var out []FlagField
	for _, f := range m.fields {
		if f.Flag != "" {
			out = append(out, FlagField{Name: f.Name, Ref: f.Ref, Flag: f.Flag})
		}
	}
	return out
}

// IDPath is the path of the id in a record.
func (m *Mapper) IDPath() string {
	if m.obj.Derived() {
		return DerivedIDPath
	}
	if m.obj.ID == "" {
		return "id"
	}
	return m.obj.ID
}

// RecordID returns the id of a raw record ("" if it has none).
func (m *Mapper) RecordID(raw map[string]any) string {
	v, _ := connectors.Value(raw, m.IDPath())
	return connectors.IDString(v)
}

// Map turns one raw record into a Row. fetched holds the sub-resource
// items of the record's Fetch fields (nil when there are none). An error
// is always a *RecordError: the record cannot be staged.
func (m *Mapper) Map(raw map[string]any, fetched Fetched) (row Row, err error) {
	id := m.RecordID(raw)
	defer func() { // expressions are guarded, but a record must never take a run down
		if r := recover(); r != nil {
			row, err = Row{}, &RecordError{ID: id, Reason: fmt.Sprintf("mapping failed: %v", r)}
		}
	}()
	if id == "" {
		return Row{}, &RecordError{Reason: fmt.Sprintf("no id at %q", m.IDPath())}
	}
	row = Row{ID: id, Values: make(map[string]any, len(m.fields))}
	row.Created = m.timeAt(raw, m.obj.Created)
	row.Updated = m.timeAt(raw, m.obj.Updated)
	for _, f := range m.fields {
		if !f.readable() {
			continue
		}
		var v any
		if f.Fetch != "" {
			vals, ok := fetched[f.Name]
			if !ok {
				continue // not fetched: unknown
			}
			v = vals
		} else {
			v, _ = connectors.Value(raw, f.Path)
		}
		val, reason := m.toCanonical(f, v, raw)
		if reason != "" {
			if row.Invalid == nil {
				row.Invalid = map[string]string{}
			}
			row.Invalid[f.Name] = reason
			if row.InvalidValues == nil {
				row.InvalidValues = map[string]any{}
			}
			row.InvalidValues[f.Name] = v
			continue
		}
		row.Values[f.Name] = val
	}
	row.ScopeReason = m.scopeReason(row.Values)
	b, err := json.Marshal(raw)
	if err != nil {
		return Row{}, &RecordError{ID: id, Reason: fmt.Sprintf("raw record cannot be encoded: %v", err)}
	}
	row.Raw = b
	return row, nil
}

// toCanonical applies the field's transform and normalises the result to
// the canonical type. A non-empty reason means the value is invalid.
func (m *Mapper) toCanonical(f *field, v any, raw map[string]any) (any, string) {
	if f.LookupLabel != "" {
		var reason string
		if v, reason = m.readRelated(f, v); reason != "" {
			return nil, reason
		}
	}
	if f.to != nil {
		out, err := f.to.Run(exprenv.Env{Value: v, Record: raw, Settings: m.spec.Settings, Related: m.relatedFunc()})
		if err != nil {
			return nil, "to_canonical failed: " + err.Error()
		}
		if r, ok := exprenv.AsRejection(out); ok {
			return nil, r.Reason
		}
		v = out
	}
	val, err := Canonical(f.typ, f.Ref != "", v)
	if err != nil {
		return nil, fmt.Sprintf("%s value at %q: %v", f.typ, f.Path, err)
	}
	return val, ""
}

// scopeReason evaluates the scope on a canonical record.
func (m *Mapper) scopeReason(values map[string]any) string {
	if m.scope == nil {
		return ""
	}
	in, err := m.scope.RunBool(exprenv.Env{Record: values, Settings: m.spec.Settings})
	switch {
	case err != nil:
		return "scope could not be evaluated: " + err.Error()
	case in:
		return ""
	case m.spec.ScopeReason != "":
		return m.spec.ScopeReason
	}
	return "not in scope: " + m.spec.Scope
}

func (m *Mapper) timeAt(raw map[string]any, path string) time.Time {
	if path == "" {
		return time.Time{}
	}
	v, ok := connectors.Value(raw, path)
	if !ok || v == nil {
		return time.Time{}
	}
	if s, ok := v.(string); ok && m.layout != "" {
		if t, err := time.Parse(m.layout, s); err == nil {
			return t.UTC()
		}
	}
	t, ok, err := exprenv.ParseTime(v)
	if err != nil || !ok {
		return time.Time{}
	}
	return t
}

// ReadBack maps the record a system returned after a write (the created
// or updated record) to canonical values of the named fields: what the
// system really holds. A field is left out when the record does not carry
// its path (a partial response), when it is not read from records (write
// only, fetched sub-resource, flag) or when its value is invalid, and so
// are date and time fields (their canonical text is the stager's). Lookup
// fields are read by label like any other field.
func (m *Mapper) ReadBack(raw map[string]any, names []string) map[string]any {
	out := map[string]any{}
	if raw == nil {
		return out
	}
	defer func() { // expressions are guarded, but a response must never take a run down
		if r := recover(); r != nil {
			clear(out)
		}
	}()
	for _, name := range names {
		f, ok := m.byName[name]
		if !ok || !f.readable() || f.Fetch != "" || f.typ == plan.TypeDate || f.typ == plan.TypeDateTime {
			continue
		}
		v, ok := connectors.Value(raw, f.Path)
		if !ok {
			continue
		}
		val, reason := m.toCanonical(f, v, raw)
		if reason != "" {
			continue
		}
		out[name] = val
	}
	return out
}
