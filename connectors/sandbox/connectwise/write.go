package connectwise

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"mapsync/connectors/sandbox/core"
)

// create validates in and stores it as a new record of res. parent is the
// {parentId} record of a nested collection (nil otherwise). The caller
// holds s.writeMu.
func (s *Sandbox) create(res *resource, parent *core.Record, in map[string]any) (*core.Record, *apiError) {
	if res.readOnly {
		return nil, newAPIError(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s records cannot be created through the API", res.singular)
	}
	data, apiErr := s.prepare(res, parent, in, nil, 0)
	if apiErr != nil {
		return nil, apiErr
	}
	rec := res.table.Insert(data)
	s.afterWrite(res, rec, nil)
	return rec, nil
}

// replace validates in as the full new content of record id (PUT).
func (s *Sandbox) replace(res *resource, parent *core.Record, id int64, in map[string]any) (*core.Record, *apiError) {
	if res.readOnly {
		return nil, newAPIError(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s records cannot be changed through the API", res.singular)
	}
	old, ok := s.lookup(res, parent, id)
	if !ok {
		return nil, notFound(res, id)
	}
	data, apiErr := s.prepare(res, parent, in, old.Data, id)
	if apiErr != nil {
		return nil, apiErr
	}
	data["_info"] = old.Data["_info"]
	rec, err := res.table.Update(id, func(d map[string]any) error {
		clear(d)
		for k, v := range data {
			d[k] = v
		}
		return nil
	})
	if err != nil {
		return nil, notFound(res, id)
	}
	s.afterWrite(res, rec, old)
	return rec, nil
}

// lookup returns record id of res, checking it belongs to parent.
func (s *Sandbox) lookup(res *resource, parent *core.Record, id int64) (*core.Record, bool) {
	rec, ok := res.table.Get(id)
	if !ok {
		return nil, false
	}
	if parent != nil && parentIDOf(res, rec.Data) != parent.ID {
		return nil, false
	}
	return rec, true
}

func notFound(res *resource, id int64) *apiError {
	return newAPIError(http.StatusNotFound, "NotFound", "%s with id %d not found", capitalize(res.singular), id)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// prepare validates input and returns the data to store (without id and
// _info). old is the stored data for PUT/PATCH, nil for POST.
func (s *Sandbox) prepare(res *resource, parent *core.Record, in, old map[string]any, selfID int64) (map[string]any, *apiError) {
	v := &validator{s: s, res: res, in: in, old: old, out: map[string]any{}}
	// Pass 1: everything but references scoped by another field.
	for i := range res.fields {
		if f := &res.fields[i]; f.scopeBy == "" {
			v.field(f)
		}
	}
	if parent != nil {
		if res.parentInt {
			v.out[res.parentField] = parent.ID
		} else {
			v.out[res.parentField] = s.refTo(s.byName[res.parent], parent, res.parentField)
		}
	}
	s.defaults(res, v)
	// Pass 2: scoped references, now that their scope is known.
	for i := range res.fields {
		if f := &res.fields[i]; f.scopeBy != "" {
			v.field(f)
		}
	}
	s.checks(res, v, selfID)
	if len(v.errs) > 0 {
		return nil, invalid(res, v.errs)
	}
	return v.out, nil
}

// validator collects the output and the errors of one write.
type validator struct {
	s        *Sandbox
	res      *resource
	in, old  map[string]any
	out      map[string]any
	errs     []validationError
	resolved map[string]*core.Record // field → referenced record
}

func (v *validator) fail(code, field, format string, a ...any) {
	v.errs = append(v.errs, validationError{Code: code, Message: fmt.Sprintf(format, a...), Resource: v.res.singular, Field: field})
}

func (v *validator) field(f *field) {
	if f.readOnly {
		if v.old != nil {
			if ov, ok := v.old[f.name]; ok {
				v.out[f.name] = ov
			}
		}
		return
	}
	if f.postOnly && v.old != nil {
		if ov, ok := v.old[f.name]; ok {
			v.out[f.name] = ov
		}
		return
	}
	val, present := v.in[f.name]
	if s, ok := val.(string); ok && s == "" {
		present = false
	}
	if !present || val == nil {
		if f.required {
			v.fail("NullValue", f.name, "The %s field is required.", f.name)
		}
		return
	}
	switch f.kind {
	case fString:
		s, ok := val.(string)
		if !ok {
			v.fail("InvalidField", f.name, "The %s field must be a string.", f.name)
			return
		}
		if f.max > 0 && utf8.RuneCountInString(s) > f.max && (v.old == nil || v.old[f.name] != s) {
			v.fail("InvalidField", f.name, "The field %s must be a string with a maximum length of %d.", f.name, f.max)
			return
		}
		v.out[f.name] = s
	case fInt, fNumber:
		n, ok := val.(json.Number)
		if !ok {
			if x, isF := val.(float64); isF {
				n, ok = json.Number(strconv.FormatFloat(x, 'f', -1, 64)), true
			} else if x, isI := val.(int64); isI {
				n, ok = json.Number(strconv.FormatInt(x, 10)), true
			}
		}
		if !ok {
			v.fail("InvalidField", f.name, "The %s field must be a number.", f.name)
			return
		}
		if _, err := n.Int64(); f.kind == fInt && err != nil {
			v.fail("InvalidField", f.name, "The %s field must be a whole number.", f.name)
			return
		}
		v.out[f.name] = n
	case fBool:
		b, ok := val.(bool)
		if !ok {
			v.fail("InvalidField", f.name, "The %s field must be true or false.", f.name)
			return
		}
		v.out[f.name] = b
	case fDate:
		s, _ := val.(string)
		t, err := parseCWTime(s)
		if err != nil {
			v.fail("InvalidField", f.name, "The %s field must be a date-time like 2026-01-15T12:00:00Z.", f.name)
			return
		}
		v.out[f.name] = cwTime(t)
	case fRef:
		ref, rec := v.ref(f, val)
		if ref != nil {
			v.out[f.name] = ref
			if v.resolved == nil {
				v.resolved = map[string]*core.Record{}
			}
			v.resolved[f.name] = rec
		}
	case fRefList:
		arr, ok := val.([]any)
		if !ok {
			v.fail("InvalidField", f.name, "The %s field must be a list of references.", f.name)
			return
		}
		list := make([]any, 0, len(arr))
		for _, e := range arr {
			if ref, _ := v.ref(f, e); ref != nil {
				list = append(list, ref)
			}
		}
		v.out[f.name] = list
	case fArray:
		arr, ok := val.([]any)
		if !ok {
			v.fail("InvalidField", f.name, "The %s field must be a list.", f.name)
			return
		}
		v.out[f.name] = arr
	case fObject:
		m, ok := val.(map[string]any)
		if !ok {
			v.fail("InvalidField", f.name, "The %s field must be an object.", f.name)
			return
		}
		v.out[f.name] = m
	}
}

// ref resolves a reference given by id, identifier or name. For a scoped
// field the target must belong to the record the scope field references.
func (v *validator) ref(f *field, val any) (map[string]any, *core.Record) {
	target := v.s.byName[f.ref]
	m, ok := val.(map[string]any)
	if !ok {
		v.fail("InvalidField", f.name, "The %s field must be a reference object such as {\"id\": 1}.", f.name)
		return nil, nil
	}
	var scopeID int64 = -1
	var scopeField string
	if f.scopeBy != "" {
		sv, ok := v.out[f.scopeBy].(map[string]any)
		if !ok {
			v.fail("InvalidField", f.name, "The %s field needs %s to be set.", f.name, f.scopeBy)
			return nil, nil
		}
		n, _ := asNumber(sv["id"])
		scopeID = int64(n)
		scopeField = scopeFieldOf(target, v.s.byName[v.res.field(f.scopeBy).ref])
	}
	inScope := func(r *core.Record) bool {
		if scopeID < 0 {
			return true
		}
		pm, _ := r.Data[scopeField].(map[string]any)
		n, _ := asNumber(pm["id"])
		return int64(n) == scopeID
	}
	var rec *core.Record
	switch {
	case m["id"] != nil:
		n, ok := asNumber(m["id"])
		if !ok {
			v.fail("InvalidField", f.name, "The %s id must be a number.", f.name)
			return nil, nil
		}
		r, found := target.table.Get(int64(n))
		if !found {
			v.fail("InvalidField", f.name, "%s with id %v was not found.", capitalize(target.singular), m["id"])
			return nil, nil
		}
		if !inScope(r) {
			v.fail("InvalidField", f.name, "%s %d does not belong to the %s of this %s.", capitalize(target.singular), r.ID, f.scopeBy, v.res.singular)
			return nil, nil
		}
		rec = r
	case m["identifier"] != nil && target.identifier:
		want, _ := m["identifier"].(string)
		rec = findBy(target, func(r *core.Record) bool {
			s, _ := r.Data["identifier"].(string)
			return inScope(r) && strings.EqualFold(s, want)
		})
		if rec == nil {
			v.fail("InvalidField", f.name, "%s with identifier %q was not found.", capitalize(target.singular), want)
			return nil, nil
		}
	case m["name"] != nil:
		want, _ := m["name"].(string)
		rec = findBy(target, func(r *core.Record) bool {
			return inScope(r) && strings.EqualFold(displayName(target, r.Data), want)
		})
		if rec == nil {
			v.fail("InvalidField", f.name, "%s with name %q was not found.", capitalize(target.singular), want)
			return nil, nil
		}
	default:
		v.fail("InvalidField", f.name, "The %s reference needs an id, identifier or name.", f.name)
		return nil, nil
	}
	return v.s.refTo(target, rec, f.name), rec
}

// scopeFieldOf finds the field of target that references scopeRes.
func scopeFieldOf(target, scopeRes *resource) string {
	if target.parent == scopeRes.name {
		return target.parentField
	}
	for _, f := range target.fields {
		if f.kind == fRef && f.ref == scopeRes.name {
			return f.name
		}
	}
	return ""
}

// findBy returns the lowest-id record matching fn.
func findBy(res *resource, fn func(*core.Record) bool) *core.Record {
	for _, r := range res.table.All() {
		if fn(r) {
			return r
		}
	}
	return nil
}

// findDefault returns the lowest-id record with defaultFlag true, or the
// first record when none is flagged (nil for an empty collection).
func findDefault(res *resource, filter func(*core.Record) bool) *core.Record {
	var first *core.Record
	for _, r := range res.table.All() {
		if filter != nil && !filter(r) {
			continue
		}
		if first == nil {
			first = r
		}
		if b, _ := r.Data["defaultFlag"].(bool); b {
			return r
		}
	}
	return first
}
