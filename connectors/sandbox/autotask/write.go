package autotask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// write serves POST (create), PATCH (change the fields sent) and PUT
// (replace: writable fields not sent become null) on /{Entity} and on
// /{Parent}/{parentId}/{Sub}. Success is {"itemId": n}; a refused write
// is 500 with {"errors": [...]}, as the real API answers.
func (sb *Sandbox) write(w http.ResponseWriter, r *http.Request, rt route) {
	e := rt.ent
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "read body: %v", err)
		return
	}
	var in map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil || in == nil {
		writeErrors(w, http.StatusInternalServerError, "The request body is not a valid %s object.", strings.TrimSuffix(e.name, "s"))
		return
	}
	if (r.Method == http.MethodPost && !e.canCreate) || (r.Method != http.MethodPost && !e.canUpdate) {
		writeErrors(w, http.StatusMethodNotAllowed, "The requested resource does not support http method '%s'.", r.Method)
		return
	}
	// field names are matched without regard to case
	fields := map[string]any{}
	var udfs []any
	hasUDFs := false
	var idVal any
	for k, v := range in {
		switch {
		case strings.EqualFold(k, "id"):
			idVal = v
		case strings.EqualFold(k, "userDefinedFields"):
			hasUDFs = true
			arr, ok := v.([]any)
			if v != nil && !ok {
				writeErrors(w, http.StatusInternalServerError, "userDefinedFields must be an array of {name, value}")
				return
			}
			udfs = arr
		default:
			if fl := e.field(k); fl != nil {
				fields[fl.name] = v
			} // unknown properties are ignored, as the real API's reader does
		}
	}
	if rt.kind == kChildWrite {
		if _, ok := sb.table(e.parent).Get(rt.parentID); !ok {
			writeErrors(w, http.StatusInternalServerError, "%s: the parent %s %d does not exist.", e.name, e.parent, rt.parentID)
			return
		}
		if r.Method == http.MethodPost {
			fields[e.parentField] = rt.parentID
		}
	}
	sb.writeMu.Lock()
	defer sb.writeMu.Unlock()
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	var old map[string]any
	var id int64
	if r.Method != http.MethodPost {
		n, ok := asInt(idVal)
		if !ok || n <= 0 {
			writeErrors(w, http.StatusInternalServerError, "%s: the id of the entity to update is required.", e.name)
			return
		}
		rec, found := sb.table(e.name).Get(n)
		if found && rt.kind == kChildWrite {
			if p, _ := asInt(rec.Data[e.parentField]); p != rt.parentID {
				found = false
			}
		}
		if !found {
			writeErrors(w, http.StatusInternalServerError, "%s: no entity with id %d was found to update.", e.name, n)
			return
		}
		id, old = n, rec.Data
	}
	next := map[string]any{}
	if old != nil {
		for k, v := range old {
			next[k] = v
		}
	}
	for _, fl := range e.fields {
		v, sent := fields[fl.name]
		switch {
		case fl.readOnly:
			continue // ignored
		case !sent && r.Method == http.MethodPut && !fl.createOnly:
			next[fl.name] = nil
			continue
		case !sent:
			continue
		}
		cv, err := coerce(e, &fl, v)
		if err != nil {
			fail("%v", err)
			continue
		}
		if fl.createOnly && old != nil {
			if o, _ := asInt(old[fl.name]); cv != nil && !eqInt(cv, o) {
				fail("%s: %s cannot be changed once the entity is created.", e.name, fl.name)
			}
			continue
		}
		next[fl.name] = cv
	}
	if hasUDFs {
		merged, err := mergeUDFs(e, next["userDefinedFields"], udfs)
		if err != nil {
			fail("%v", err)
		} else {
			next["userDefinedFields"] = merged
		}
	} else if old == nil && len(e.udfs) > 0 {
		next["userDefinedFields"] = emptyUDFs(e)
	}
	for _, fl := range e.fields {
		v := next[fl.name]
		if fl.required && (v == nil || v == "") {
			if r.Method != http.MethodPatch || fields[fl.name] != nil || sentNull(fields, fl.name) {
				fail("%s: Missing Required Field: %s", e.name, fl.name)
			}
			continue
		}
		if v == nil {
			continue
		}
		n, _ := asInt(v)
		switch {
		case fl.picklist && !sb.validPick(e, fl.name, n):
			fail("%s: Value %d does not exist in the picklist for %s.", e.name, n, fl.name)
		case fl.ref != "" && !sb.exists(fl.ref, n):
			fail("Value does not reference an existing entity for %s.", fl.name)
		}
	}
	if msg := sb.crossCheck(e, next); msg != "" {
		fail("%s", msg)
	}
	if len(errs) > 0 {
		writeErrList(w, http.StatusInternalServerError, errs)
		return
	}
	sb.derive(e, next, old)
	t := sb.table(e.name)
	if old == nil {
		delete(next, "id")
		id = t.Insert(next).ID
	} else if _, err := t.Update(id, func(d map[string]any) error {
		clear(d)
		for k, v := range next {
			d[k] = v
		}
		return nil
	}); err != nil {
		writeErrors(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"itemId": id})
}

func sentNull(fields map[string]any, name string) bool {
	v, ok := fields[name]
	return ok && v == nil
}

func eqInt(v any, n int64) bool {
	m, ok := asInt(v)
	return ok && m == n
}

// exists reports whether an entity holds the id.
func (sb *Sandbox) exists(entityName string, id int64) bool {
	_, ok := sb.table(entityName).Get(id)
	return ok
}

// crossCheck holds the rules between fields: a location, contact or
// configuration item referenced by a record must belong to its company.
func (sb *Sandbox) crossCheck(e *entity, data map[string]any) string {
	company, ok := asInt(data["companyID"])
	if !ok {
		return ""
	}
	for _, k := range []string{"companyLocationID", "contactID", "configurationItemID"} {
		fl := e.field(k)
		if fl == nil || fl.ref == "" || e.name == fl.ref {
			continue
		}
		n, ok := asInt(data[fl.name])
		if !ok {
			continue
		}
		if rec, found := sb.table(fl.ref).Get(n); found {
			if c, _ := asInt(rec.Data["companyID"]); c != company {
				return fmt.Sprintf("%s: %s %d belongs to another company.", e.name, fl.name, n)
			}
		}
	}
	return ""
}

// derive sets what the real application derives on a write: a ticket's
// number and completion date.
func (sb *Sandbox) derive(e *entity, next, old map[string]any) {
	if e.name != "Tickets" {
		return
	}
	now := sb.now()
	if old == nil {
		n := sb.table("Tickets").NextID()
		next["ticketNumber"] = fmt.Sprintf("T%s.%04d", now.Format("20060102"), n%10000)
	}
	if st, _ := asInt(next["status"]); st == statusComplete {
		if next["completedDate"] == nil {
			next["completedDate"] = fmtTime(now)
		}
	} else {
		next["completedDate"] = nil
	}
}

const statusComplete = 5

func emptyUDFs(e *entity) []any {
	out := make([]any, 0, len(e.udfs))
	for _, u := range e.udfs {
		out = append(out, map[string]any{"name": u.name, "value": nil})
	}
	return out
}

// mergeUDFs applies the sent {name, value} pairs to the stored list.
func mergeUDFs(e *entity, stored any, sent []any) ([]any, error) {
	cur, _ := stored.([]any)
	if cur == nil {
		cur = emptyUDFs(e)
	}
	out := make([]any, len(cur))
	for i, u := range cur {
		m, _ := u.(map[string]any)
		out[i] = map[string]any{"name": m["name"], "value": m["value"]}
	}
	for _, s := range sent {
		m, ok := s.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("userDefinedFields items must be {name, value}")
		}
		var name string
		var value any
		for k, v := range m {
			switch strings.ToLower(k) {
			case "name":
				name, _ = v.(string)
			case "value":
				value = v
			}
		}
		d := e.udf(name)
		if d == nil {
			return nil, fmt.Errorf("%s: the user-defined field %q does not exist", e.name, name)
		}
		if value != nil {
			if n, ok := value.(json.Number); ok {
				value = n.String()
			}
			str, ok := value.(string)
			if !ok {
				str = fmt.Sprint(value)
			}
			value = str
		}
		i := slices.IndexFunc(out, func(u any) bool { n, _ := u.(map[string]any)["name"].(string); return n == d.name })
		out[i].(map[string]any)["value"] = value
	}
	return out, nil
}
