package match

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"mapsync/engine/plan"
)

// Side names one of the two systems of a sync. The package never names a
// product: a sync pairs a PSA with a documentation system.
type Side string

const (
	PSA Side = "psa"
	Doc Side = "doc"
)

func (s Side) other() Side {
	if s == PSA {
		return Doc
	}
	return PSA
}

func (s Side) valid() bool { return s == PSA || s == Doc }

// Object is the matching and diff specification of one object type of a
// sync, checked once against its canonical type. Build it with NewObject.
type Object struct {
	spec   plan.ObjectSync
	canon  plan.CanonicalType
	fields map[string]plan.CanonicalField

	source Side // the side whose records claim targets (psa, or doc for to_psa objects)

	keyFields []string       // every field used as a key (scope, rule keys, narrow), first use first
	keyIndex  map[string]int // field -> index in keyFields (column k<i> in the match tables)
	phases    []phase
	rules     []rule
	norm      map[string]string

	diff []diffField // the fields the pair maps, with their effective direction

	// runWritten are fields the run itself writes on doc records it does
	// not own (SetRunWritten): their change is no user's edit.
	runWritten map[string]bool
}

type rule struct {
	name string
	keys []string // scope field first, then the rule's keys
}

// phase is one narrowing step: a rule's keys plus, optionally, one narrow
// field. Phases run in order; each only sees what earlier phases left.
type phase struct {
	no     int // 1-based; 0 is "existing links"
	rule   string
	name   string // "name+serial_number", or the rule name for the plain key
	keys   []string
	narrow string // "" for the plain key
}

type diffField struct {
	name      string
	typ       string
	ref       string // canonical type referenced, for ref fields
	direction string // effective: two_way | to_doc | to_psa | none
	winner    Side
	// clear: written empty on the doc record when the link is
	// disconnected (plan.FieldSync.ClearOnDisconnect).
	clear bool
}

// CheckObject lists what NewObject refuses in an object's sync spec (at
// most one problem: NewObject stops at the first). engine.LoadDir calls it
// so validate reports it at its place; the Place has no Sync, the caller
// knows it.
func CheckObject(spec plan.ObjectSync, canon plan.CanonicalType) []plan.Problem {
	_, err := NewObject(spec, canon)
	if err == nil {
		return nil
	}
	var p plan.Problem
	if errors.As(err, &p) {
		return []plan.Problem{p}
	}
	return []plan.Problem{{Place: plan.Place{Object: spec.Object}, Message: err.Error()}}
}

// problem is an error at a place of the object's spec: attr is the
// attribute of the sync object ("direction", "match.narrow"), value the
// list element concerned.
func problem(object, attr, value string, err error) error {
	var p plan.Problem
	if errors.As(err, &p) {
		p.Place.Object = object
		return p
	}
	return plan.Problem{Place: plan.Place{Object: object, Attr: attr, Value: value}, Message: err.Error()}
}

// NewObject checks an ObjectSync against the canonical type of its object
// and prepares the matching phases. Every name is validated here so that
// later SQL generation cannot fail on the plan.
func NewObject(spec plan.ObjectSync, canon plan.CanonicalType) (*Object, error) {
	if err := checkName("object", spec.Object); err != nil {
		return nil, problem(spec.Object, "", "", err)
	}
	if spec.Object != canon.Name {
		return nil, problem(spec.Object, "", "", fmt.Errorf("canonical type is %q", canon.Name))
	}
	o := &Object{
		spec:     spec,
		canon:    canon,
		fields:   make(map[string]plan.CanonicalField, len(canon.Fields)),
		keyIndex: map[string]int{},
		norm:     map[string]string{},
		source:   PSA,
	}
	for _, f := range canon.Fields {
		if err := checkName("field", f.Name); err != nil {
			return nil, problem(spec.Object, "", "", err)
		}
		if strings.HasPrefix(f.Name, "_") {
			return nil, problem(spec.Object, "", "", fmt.Errorf("field %q: names starting with _ are reserved for staging metadata", f.Name))
		}
		if _, dup := o.fields[f.Name]; dup {
			return nil, problem(spec.Object, "", "", fmt.Errorf("field %q declared twice", f.Name))
		}
		if _, err := columnType(f.Type); err != nil {
			return nil, problem(spec.Object, "", "", fmt.Errorf("field %q: %w", f.Name, err))
		}
		if f.Type == plan.TypeRef {
			if err := checkName("referenced object", f.Ref); err != nil {
				return nil, problem(spec.Object, "", "", fmt.Errorf("field %q: %w", f.Name, err))
			}
		}
		o.fields[f.Name] = f
	}
	if err := plan.Directions.Check(spec.Direction); err != nil {
		return nil, problem(spec.Object, "direction", "", err)
	}
	if spec.Direction == plan.DirToPSA {
		o.source = Doc
	}
	switch spec.CreateInPSA {
	case "", plan.CreateAlways, plan.CreateConfirmed, plan.CreateNever:
	default:
		return nil, problem(spec.Object, "create_in_psa", "", fmt.Errorf("unknown create_in_psa %q", spec.CreateInPSA))
	}
	if err := o.prepareMatch(); err != nil {
		return nil, problem(spec.Object, "match", "", err)
	}
	if err := o.prepareDiff(); err != nil {
		return nil, problem(spec.Object, "", "", err)
	}
	return o, nil
}

// Name is the canonical object name.
func (o *Object) Name() string { return o.spec.Object }

// Source is the side whose records claim records of the other side.
func (o *Object) Source() Side { return o.source }

func (o *Object) field(name string) (plan.CanonicalField, error) {
	f, ok := o.fields[name]
	if !ok {
		return f, fmt.Errorf("unknown field %q", name)
	}
	return f, nil
}

func (o *Object) addKey(name string) error {
	f, err := o.field(name)
	if err != nil {
		return err
	}
	switch f.Type {
	case plan.TypeList, plan.TypeJSON:
		return fmt.Errorf("field %q of type %s cannot be a match key", name, f.Type)
	}
	if _, ok := o.keyIndex[name]; !ok {
		o.keyIndex[name] = len(o.keyFields)
		o.keyFields = append(o.keyFields, name)
	}
	return nil
}

func (o *Object) prepareMatch() error {
	m := o.spec.Match
	if err := plan.Ties.Check(m.Tie); m.Tie != "" && err != nil {
		return problem("", "match.tie", "", err)
	}
	if len(m.Rules) == 0 {
		return problem("", "match", "", fmt.Errorf("no match rule"))
	}
	if m.ScopeBy != "" {
		f, err := o.field(m.ScopeBy)
		if err != nil {
			return problem("", "match.scope_by", "", fmt.Errorf("scope_by: %w", err))
		}
		if f.Type != plan.TypeRef {
			return problem("", "match.scope_by", "", fmt.Errorf("scope_by field %q is a %s, not a ref", f.Name, f.Type))
		}
		if err := o.addKey(m.ScopeBy); err != nil {
			return problem("", "match.scope_by", "", err)
		}
	}
	names := map[string]bool{}
	for _, r := range m.Rules {
		if err := checkName("rule", r.Name); err != nil {
			return plan.Problem{Place: plan.Place{Rule: r.Name}, Message: err.Error()}
		}
		if names[r.Name] {
			return plan.Problem{Place: plan.Place{Rule: r.Name}, Message: "declared twice"}
		}
		names[r.Name] = true
		if len(r.Keys) == 0 {
			return plan.Problem{Place: plan.Place{Rule: r.Name, Attr: "keys"}, Message: "no keys"}
		}
		var keys []string
		if m.ScopeBy != "" {
			keys = append(keys, m.ScopeBy)
		}
		for _, k := range r.Keys {
			if err := o.addKey(k); err != nil {
				return plan.Problem{Place: plan.Place{Rule: r.Name, Attr: "keys", Value: k}, Message: err.Error()}
			}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		o.rules = append(o.rules, rule{name: r.Name, keys: keys})
	}
	for _, n := range m.Narrow {
		if err := o.addKey(n); err != nil {
			return problem("", "match.narrow", n, fmt.Errorf("narrow: %w", err))
		}
	}
	for f, n := range m.Normalize {
		if _, ok := normalizerSQL[n]; !ok {
			return problem("", "match.normalize", f, fmt.Errorf("normalize %q: %w", f, plan.Normalizers.Check(n)))
		}
		if _, err := o.field(f); err != nil {
			return problem("", "match.normalize", f, fmt.Errorf("normalize: %w", err))
		}
		o.norm[f] = n
	}
	no := 1
	for _, r := range o.rules {
		for _, n := range m.Narrow {
			if slices.Contains(r.keys, n) {
				continue
			}
			o.phases = append(o.phases, phase{no: no, rule: r.name, name: r.name + "+" + n, keys: append(slices.Clone(r.keys), n), narrow: n})
			no++
		}
		o.phases = append(o.phases, phase{no: no, rule: r.name, name: r.name, keys: r.keys})
		no++
	}
	return nil
}

func (o *Object) prepareDiff() error {
	seen := map[string]bool{}
	for _, fs := range o.spec.Fields {
		f, err := o.field(fs.Name)
		if err != nil {
			return fmt.Errorf("field sync: %w", err)
		}
		if seen[fs.Name] {
			return fmt.Errorf("field sync %q declared twice", fs.Name)
		}
		seen[fs.Name] = true
		dir, err := effectiveDirection(o.spec.Direction, fs.Direction)
		if err != nil {
			return plan.Problem{Place: plan.Place{Field: fs.Name, Attr: "direction"}, Message: fmt.Sprintf("field %q: %v", fs.Name, err)}
		}
		winner := PSA
		switch fs.Winner {
		case "", "psa":
		case "doc":
			winner = Doc
		default:
			return plan.Problem{Place: plan.Place{Field: fs.Name, Attr: "winner"}, Message: fmt.Sprintf("field %q: unknown winner %q", fs.Name, fs.Winner)}
		}
		if fs.MergeBy != "" && f.Type != plan.TypeJSON {
			return plan.Problem{Place: plan.Place{Field: fs.Name, Attr: "merge_by"},
				Message: fmt.Sprintf("field %q: merge_by needs a json field (a list of objects), not %s", fs.Name, f.Type)}
		}
		if fs.ClearOnDisconnect && dir != plan.DirToDoc {
			return plan.Problem{Place: plan.Place{Field: fs.Name, Attr: "clear_on_disconnect"},
				Message: fmt.Sprintf("field %q: clear_on_disconnect needs a field that flows only to the documentation side (to_doc), not %s", fs.Name, dir)}
		}
		o.diff = append(o.diff, diffField{name: f.Name, typ: f.Type, ref: f.Ref, direction: dir, winner: winner, clear: fs.ClearOnDisconnect})
	}
	return nil
}

// effectiveDirection clamps a field's direction to its object's
// (plan.ClampDirection): a two-way field of a to_doc object only flows to
// the doc side, and so on.
func effectiveDirection(object, field string) (string, error) {
	if field != "" {
		if err := plan.Directions.Check(field); err != nil {
			return "", err
		}
	}
	dir, _ := plan.ClampDirection(object, field)
	return dir, nil
}

// createAction says what happens to an unmatched, in-scope record of side s.
func (o *Object) createAction(s Side) (action, why string) {
	dir := o.spec.Direction
	if s == PSA {
		if dir == plan.DirToPSA || dir == plan.DirNone {
			return actionNone, "the object does not flow to the doc side"
		}
		if !o.spec.CreateInDoc {
			return actionNone, "create_in_doc is off"
		}
		return actionCreate, ""
	}
	if dir == plan.DirToDoc || dir == plan.DirNone {
		return actionNone, "the object does not flow to the psa side"
	}
	switch o.spec.CreateInPSA {
	case plan.CreateAlways:
		return actionCreate, ""
	case plan.CreateConfirmed:
		return actionNotYetPushed, "create_in_psa = confirmed: waits for a confirmation or a one-time push"
	}
	return actionNone, "create_in_psa = never"
}

// Unmatched actions.
const (
	actionCreate       = "create"
	actionNone         = "none"
	actionNotYetPushed = "not_yet_pushed"
	actionExcluded     = "excluded"
)

// normalizerSQL is the SQL of each normalizer (plan.Normalizers; the
// vocabulary documents what each does), applied to a text expression.
// TestNormalizersMatchVocab keeps the two in step.
var normalizerSQL = map[string]func(v string) string{
	plan.NormMAC: func(v string) string {
		return `upper(replace(replace(replace(replace(` + v + `, ':', ''), '-', ''), '.', ''), ' ', ''))`
	},
	plan.NormLower:  func(v string) string { return "lower(" + v + ")" },
	plan.NormTrim:   func(v string) string { return `regexp_replace(` + v + `, '^\s+|\s+$', '', 'g')` },
	plan.NormDigits: func(v string) string { return `regexp_replace(` + v + `, '[^0-9]', '', 'g')` },
	plan.NormCollapseSpace: func(v string) string {
		return `regexp_replace(regexp_replace(` + v + `, '\s+', ' ', 'g'), '^ | $', '', 'g')`
	},
}

// normSQL applies the field's normaliser to a text expression.
func (o *Object) normSQL(field, v string) string {
	if sql, ok := normalizerSQL[o.norm[field]]; ok {
		return sql(v)
	}
	return v
}

// blankSQL maps a normalised key column to the match key. Blank (NULL,
// empty, only spaces) becomes the empty string for ordinary fields, so a blank component (an
// empty Address 2) equals another blank one; it is NULL for ref fields,
// which must hold a linked id to match. matcher.usable says which keys may
// match at all.
func (o *Object) blankSQL(field, v string) string {
	if o.isRef(field) {
		return `CASE WHEN trim(` + v + `) = '' THEN NULL ELSE ` + v + ` END`
	}
	// trim only runs on the rare values that start with a space.
	return `CASE WHEN ` + v + ` IS NULL OR ` + v + ` = '' OR (ascii(` + v + `) = 32 AND trim(` + v + `) = '') THEN '' ELSE ` + v + ` END`
}

func (o *Object) isRef(field string) bool { return o.fields[field].Type == plan.TypeRef }
