package records

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"mapsync/connectors"
	"mapsync/dsl/exprenv"
	"mapsync/engine/plan"
)

// Derived objects (plan.Object.Derive) have no records of their own in
// their system: each record of a source object gives zero or more records
// of the derived object, made by the derive's expressions:
//
//   - each, over record (the source record, raw) and settings, returns a
//     list of maps, the items; nil items are skipped;
//   - id, over record and item, returns the derived record's id (a string
//     or a number); an empty id skips the item.
//
// The fields of the derived object read the item. The stored form of a
// derived record (Row.Raw, the staging's _raw) is the item plus a member
// DerivedKey holding {id, from, source_id, rank}: the id (the object's id
// path reads it), the source object and record it was made from and the
// rank of its derive (0 = the first declared). Two items of one id are one
// record: the one of the lowest rank wins, then of the lowest source id
// (shorter first, so numeric ids order as numbers); the other items do not
// contribute values (docs/mapping-language.md "Derived objects").
const DerivedKey = "_derived"

// DerivedIDPath is where a derived record's id is read.
const DerivedIDPath = DerivedKey + ".id"

type deriveSource struct {
	plan.Derive
	rank   int
	idPath string // the id path of the source object
	each   *exprenv.Program
	id     *exprenv.Program
}

// buildDerives compiles the object's derives.
func buildDerives(spec Spec, obj *plan.Object, at func(string, string) plan.Place) ([]deriveSource, []plan.Problem) {
	var out []deriveSource
	var probs []plan.Problem
	for i, d := range obj.Derive {
		src := objectOf(spec.System, d.From)
		if src == nil || src.Derived() || d.From == obj.Name {
			probs = append(probs, plan.Problem{Place: at("", "derive"), Message: fmt.Sprintf("derive source %q is not a listed object of %s", d.From, spec.System.Name)})
			continue
		}
		ds := deriveSource{Derive: d, rank: i, idPath: src.ID}
		if ds.idPath == "" {
			ds.idPath = "id"
		}
		var err error
		if ds.each, err = exprenv.Compile(exprenv.DeriveEach, d.Each, exprenv.Shape{Settings: spec.Settings}); err != nil {
			probs = append(probs, plan.Problem{Place: at("", "derive"), Message: fmt.Sprintf("derive from %q: each: %v", d.From, err)})
			continue
		}
		if ds.id, err = exprenv.Compile(exprenv.DeriveID, d.ID, exprenv.Shape{}); err != nil {
			probs = append(probs, plan.Problem{Place: at("", "derive"), Message: fmt.Sprintf("derive from %q: id: %v", d.From, err)})
			continue
		}
		out = append(out, ds)
	}
	for _, f := range obj.Fields {
		if f.Fetch != "" {
			probs = append(probs, plan.Problem{Place: at(f.Name, "fetch"), Message: fmt.Sprintf("field %q: a derived object has no records to fetch a sub-resource of", f.Name)})
		}
	}
	return out, probs
}

// Derived reports whether the mapper's object is derived.
func (m *Mapper) Derived() bool { return len(m.derives) > 0 }

// Sources lists the source objects of a derived object, in precedence
// order (nil for a listed object).
func (m *Mapper) Sources() []string {
	var out []string
	for _, d := range m.derives {
		out = append(out, d.From)
	}
	return out
}

// Derive maps one raw record of the source object into the derived
// records it gives, in canonical form. A source record that cannot be
// derived from (no id, each not giving a list of maps, an id failing) is
// a *RecordError: none of its items are staged; an item that cannot be
// mapped is one too, and the others are still returned.
func (m *Mapper) Derive(source string, raw map[string]any) ([]Row, []error) {
	var ds *deriveSource
	for i := range m.derives {
		if m.derives[i].From == source {
			ds = &m.derives[i]
		}
	}
	if ds == nil {
		return nil, []error{fmt.Errorf("records: %s is not derived from %q", m.spec.Object, source)}
	}
	items, err := ds.items(raw, m.spec.Settings)
	if err != nil {
		return nil, []error{err}
	}
	var rows []Row
	var errs []error
	for _, it := range items {
		row, err := m.Map(it, nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// items runs each and id over one source record: the items with their
// DerivedKey member set.
func (ds *deriveSource) items(raw map[string]any, settings map[string]any) (out []map[string]any, err error) {
	v, _ := connectors.Value(raw, ds.idPath)
	sid := connectors.IDString(v)
	fail := func(format string, args ...any) error {
		return &RecordError{ID: sid, Reason: fmt.Sprintf("derive from %s: ", ds.From) + fmt.Sprintf(format, args...)}
	}
	if sid == "" {
		return nil, &RecordError{Reason: fmt.Sprintf("derive from %s: no id at %q", ds.From, ds.idPath)}
	}
	defer func() { // expressions are guarded, but a record must never take a run down
		if r := recover(); r != nil {
			out, err = nil, fail("%v", r)
		}
	}()
	res, err := ds.each.Run(exprenv.Env{Record: raw, Settings: settings})
	if err != nil {
		return nil, fail("each: %v", err)
	}
	if res == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(res)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fail("each gave %T, not a list", res)
	}
	for i := range rv.Len() {
		el := rv.Index(i).Interface()
		if el == nil {
			continue
		}
		item, ok := asMap(el)
		if !ok {
			return nil, fail("item %d of each is %T, not a map", i, el)
		}
		idv, err := ds.id.Run(exprenv.Env{Record: raw, Item: item})
		if err != nil {
			return nil, fail("id: %v", err)
		}
		id := strings.TrimSpace(connectors.IDString(idv))
		if id == "" {
			continue
		}
		item[DerivedKey] = map[string]any{"id": id, "from": ds.From, "source_id": sid, "rank": ds.rank}
		out = append(out, item)
	}
	return out, nil
}

// asMap copies a map item (as expr builds them, or decoded JSON) into a
// fresh map[string]any, so that adding DerivedKey never writes into the
// source record. Other maps go through JSON.
func asMap(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		out := make(map[string]any, len(m)+1)
		for k, x := range m {
			out[k] = x
		}
		return out, true
	}
	if reflect.ValueOf(v).Kind() != reflect.Map {
		return nil, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil || out == nil {
		return nil, false
	}
	return out, true
}

// CheckDerived lists what a run refuses about the derived objects of a
// sync: nothing may be written to a derived object (its system does not
// store it), so the object's and its fields' directions never point at the
// side where it is derived; and its sources must be listed on their own
// (not under a parent, whose listing a derived object does not know).
func CheckDerived(s plan.Sync, psa, doc plan.System) []plan.Problem {
	var out []plan.Problem
	for _, o := range s.Objects {
		for _, side := range []struct {
			sys    plan.System
			toward string
		}{{psa, plan.DirToPSA}, {doc, plan.DirToDoc}} {
			obj := objectOf(side.sys, o.Object)
			if obj == nil || !obj.Derived() {
				continue
			}
			froms := make([]string, len(obj.Derive))
			for i, d := range obj.Derive {
				froms[i] = d.From
				if src := objectOf(side.sys, d.From); src != nil {
					if r, err := plan.ParseRoute(src.ListPath); err == nil && len(r.Refs()) > 0 {
						out = append(out, plan.Problem{Place: plan.Place{System: side.sys.Name, Object: o.Object, Attr: "derive"},
							Message: fmt.Sprintf("derive source %q is listed under a parent (%s); a derived object's sources are listed on their own", d.From, src.ListPath)})
					}
				}
			}
			writes := o.Direction == plan.DirTwoWay || o.Direction == side.toward
			for _, f := range o.Fields {
				if f.Direction == plan.DirTwoWay || f.Direction == side.toward {
					writes = true
				}
			}
			if writes {
				out = append(out, plan.Problem{Place: plan.Place{Sync: s.Name, Object: o.Object, Attr: "direction"},
					Message: fmt.Sprintf("object %q is derived in system %s (from %s) and cannot be written there: give it a direction toward the other system only",
						o.Object, side.sys.Name, strings.Join(froms, ", "))})
			}
		}
	}
	return out
}

// objectOf returns the system's object of that name, or nil.
func objectOf(sys plan.System, name string) *plan.Object {
	for i := range sys.Objects {
		if sys.Objects[i].Name == name {
			return &sys.Objects[i]
		}
	}
	return nil
}
