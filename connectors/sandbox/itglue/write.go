package itglue

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// writeOpts are the sandbox options that shape writes.
type writeOpts struct {
	ignoreUnknown bool // drop unknown attributes instead of answering 422
	psaRestrict   bool // enforce IT Glue's rules for PSA-synced records
}

const unprocessable = http.StatusUnprocessableEntity

// checkType verifies the type member of a resource object, when given.
func checkType(res *resource, in inResource) *apiError {
	if in.typ == "" || in.typ == res.typ || in.typ == snake(res.typ) {
		return nil
	}
	return newErr(unprocessable, "type %q does not match this endpoint (%q)", in.typ, res.typ).at(in.pointer + "/type")
}

// prepare turns the attributes of a resource object into stored values by
// kebab-case attribute name. The "id" attribute (bulk updates, and some
// clients' single PATCH) is returned apart: 0 when absent.
func prepare(res *resource, in inResource, o writeOpts) (vals map[string]any, id int64, errs []*apiError) {
	vals = map[string]any{}
	seen := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(in.attrs)) {
		v := in.attrs[key]
		ptr := in.pointer + "/attributes/" + key
		name := kebab(key)
		if name == "id" {
			n, ok := resourceID(v)
			if !ok {
				errs = append(errs, newErr(unprocessable, "id must be a positive integer").at(ptr))
				continue
			}
			id = n
			continue
		}
		if prev, dup := seen[name]; dup {
			errs = append(errs, newErr(unprocessable, "attribute %q is given twice (as %q and %q)", name, prev, key).at(ptr))
			continue
		}
		seen[name] = key
		a := res.attr(name)
		switch {
		case a == nil && o.ignoreUnknown:
			continue
		case a == nil:
			errs = append(errs, newErr(unprocessable, "%s has no attribute %q", res.typ, key).at(ptr))
			continue
		case a.readOnly:
			continue // server-maintained (created-at, *-name, ...): ignored like IT Glue does
		}
		cv, err := coerce(a, v)
		if err != nil {
			errs = append(errs, newErr(unprocessable, "%s %v", name, err).at(ptr))
			continue
		}
		vals[name] = cv
	}
	return vals, id, errs
}

// pointerOf finds the pointer of attribute name in the request (the key
// the client used), defaulting to the kebab-case name.
func pointerOf(in inResource, name string) string {
	for key := range in.attrs {
		if kebab(key) == name {
			return in.pointer + "/attributes/" + key
		}
	}
	return in.pointer + "/attributes/" + name
}

// validate checks the final values of a record being created (old == nil)
// or updated: required attributes, that references exist, and that scoped
// references agree with the record (a location of the same organization,
// a model of the same manufacturer). Only references that changed, or
// whose scope changed, are checked on update.
func (st *store) validate(res *resource, in inResource, vals map[string]any, old *record) []*apiError {
	var errs []*apiError
	changed := func(name string) bool {
		if old == nil {
			return true
		}
		return !equalValue(old.vals[name], vals[name])
	}
	for _, a := range res.attrs {
		if a.kind == kDerived {
			continue
		}
		v, set := vals[a.name]
		if a.required && (!set || v == nil || v == "") {
			errs = append(errs, newErr(unprocessable, "%s can't be blank", a.name).at(pointerOf(in, a.name)))
			continue
		}
		if !set || v == nil {
			continue
		}
		switch a.kind {
		case kRef:
			if !changed(a.name) && (a.scope[1] == "" || !changed(a.scope[1])) {
				continue
			}
			id := v.(int64)
			target := st.get(a.ref, id)
			if target == nil {
				errs = append(errs, newErr(unprocessable, "%s %d does not exist (no such %s)", a.name, id, a.ref).at(pointerOf(in, a.name)))
				continue
			}
			if a.scope[0] != "" {
				own, ok := vals[a.scope[1]]
				if ok && own != nil && !equalValue(target.vals[a.scope[0]], own) {
					errs = append(errs, newErr(unprocessable, "%s %d belongs to another %s (%v, not %v)",
						a.name, id, a.scope[0], jsonValue(target.vals[a.scope[0]]), own).at(pointerOf(in, a.name)))
				}
			}
		case kRefList:
			if !changed(a.name) {
				continue
			}
			for _, id := range v.([]int64) {
				if st.get(a.ref, id) == nil {
					errs = append(errs, newErr(unprocessable, "%s: %d does not exist (no such %s)", a.name, id, a.ref).at(pointerOf(in, a.name)))
				}
			}
		}
	}
	if res.typ == "organizations" {
		if p, ok := vals["parent-id"].(int64); ok && changed("parent-id") && old != nil {
			for cur, hops := p, 0; hops < 10_000; hops++ {
				if cur == old.id {
					errs = append(errs, newErr(unprocessable, "parent-id %d would make organization %d its own ancestor", p, old.id).at(pointerOf(in, "parent-id")))
					break
				}
				pr := st.get("organizations", cur)
				if pr == nil {
					break
				}
				next, ok := pr.vals["parent-id"].(int64)
				if !ok {
					break
				}
				cur = next
			}
		}
	}
	return errs
}

// create validates in and stores a new record. parentID (> 0) comes from a
// nested route and sets the parent attribute. st.mu must be held for
// writing.
func (st *store) create(res *resource, in inResource, parentID int64, now time.Time, o writeOpts) (*record, []*apiError) {
	if e := checkType(res, in); e != nil {
		return nil, []*apiError{e}
	}
	vals, _, errs := prepare(res, in, o)
	if parentID > 0 {
		if v, ok := vals[res.parentAttr]; ok && v != nil && v != parentID {
			errs = append(errs, newErr(unprocessable, "%s %v does not match the %s of the route (%d)", res.parentAttr, v, res.parent, parentID).at(pointerOf(in, res.parentAttr)))
		}
		vals[res.parentAttr] = parentID
	}
	for _, a := range res.attrs {
		if _, set := vals[a.name]; !set && a.def != nil {
			vals[a.name] = a.def
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if errs := st.validate(res, in, vals, nil); len(errs) > 0 {
		return nil, errs
	}
	t := st.table(res.typ)
	r := &record{id: t.nextID, vals: vals, created: now, updated: now}
	t.put(r)
	st.touched(t)
	return r, nil
}

// update applies a partial update to r: attributes not given stay as they
// are. updated-at moves only when a value actually changes. st.mu must be
// held for writing.
func (st *store) update(res *resource, r *record, in inResource, now time.Time, o writeOpts) []*apiError {
	if e := checkType(res, in); e != nil {
		return []*apiError{e}
	}
	if in.relationships {
		return []*apiError{newErr(unprocessable, "relationships cannot be changed with PATCH").at(in.pointer + "/relationships")}
	}
	if in.hasID {
		if id, ok := resourceID(in.id); !ok || id != r.id {
			return []*apiError{newErr(unprocessable, "id %v does not match the record being updated (%d)", in.id, r.id).at(in.pointer + "/id")}
		}
	}
	changes, id, errs := prepare(res, in, o)
	if id != 0 && id != r.id {
		errs = append(errs, newErr(unprocessable, "id %d does not match the record being updated (%d)", id, r.id).at(pointerOf(in, "id")))
	}
	if len(errs) > 0 {
		return errs
	}
	merged := maps.Clone(r.vals)
	var changed []string
	for _, name := range slices.Sorted(maps.Keys(changes)) {
		v := changes[name]
		if equalValue(r.vals[name], v) {
			continue
		}
		changed = append(changed, name)
		if v == nil {
			delete(merged, name)
		} else {
			merged[name] = v
		}
	}
	if o.psaRestrict && r.psaType != "" {
		for _, name := range changed {
			if !res.psaEditable[name] {
				errs = append(errs, newErr(unprocessable, "%s cannot be changed: this %s is synced with the PSA (%s)",
					name, res.typ, r.psaType).at(pointerOf(in, name)))
			}
		}
		if len(errs) > 0 {
			return errs
		}
	}
	if errs := st.validate(res, in, merged, r); len(errs) > 0 {
		return errs
	}
	if len(changed) == 0 {
		return nil
	}
	t := st.table(res.typ)
	oldParent := r.vals[res.parentAttr]
	r.vals = merged
	r.updated = now
	if res.parentAttr != "" && !equalValue(oldParent, merged[res.parentAttr]) {
		t.reparent(r, oldParent)
	}
	r.cache.Store(nil)
	st.touched(t)
	return nil
}

// deleteRecords removes records of res, with everything nested under them
// (an organization takes its configurations, contacts, locations and
// tickets along), and clears references to anything removed. st.mu must
// be held for writing.
func (st *store) deleteRecords(res *resource, recs []*record) {
	gone := map[string]map[int64]bool{}
	var collect func(res *resource, r *record)
	collect = func(res *resource, r *record) {
		if gone[res.typ] == nil {
			gone[res.typ] = map[int64]bool{}
		}
		if gone[res.typ][r.id] {
			return
		}
		gone[res.typ][r.id] = true
		for _, child := range st.sc.list {
			if child.parent != res.typ {
				continue
			}
			for _, c := range st.table(child.typ).byParent[r.id] {
				collect(child, c)
			}
		}
	}
	for _, r := range recs {
		collect(res, r)
	}
	for typ, ids := range gone {
		t := st.table(typ)
		for id := range ids {
			r := t.byID[id]
			if r == nil {
				continue
			}
			if r.key != "" {
				delete(st.keys, r.key)
			}
			t.remove(r)
		}
		st.touched(t)
	}
	// Clear references to what is gone.
	for _, other := range st.sc.list {
		t := st.table(other.typ)
		dirty := false
		for _, a := range other.attrs {
			ids := gone[a.ref]
			if ids == nil || (a.kind != kRef && a.kind != kRefList) {
				continue
			}
			for _, r := range t.recs {
				switch v := r.vals[a.name].(type) {
				case int64:
					if ids[v] {
						delete(r.vals, a.name)
						if a.name == other.parentAttr {
							t.reparent(r, v)
						}
						r.cache.Store(nil)
						dirty = true
					}
				case []int64:
					kept := slices.DeleteFunc(slices.Clone(v), func(id int64) bool { return ids[id] })
					if len(kept) != len(v) {
						r.vals[a.name] = kept
						r.cache.Store(nil)
						dirty = true
					}
				}
			}
		}
		if dirty {
			st.touched(t)
		}
	}
}

// idString formats a record id as JSON:API wants it.
func idString(id int64) string { return strconv.FormatInt(id, 10) }

// describe is used in errors about a record that was not found.
func describe(res *resource, id any) string { return fmt.Sprintf("%s %v", res.typ, id) }
