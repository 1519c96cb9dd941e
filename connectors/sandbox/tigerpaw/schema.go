package tigerpaw

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
)

// kind is the type of a record field.
type kind int

const (
	kString  kind = iota // string or null
	kBool                // true/false
	kInt                 // integer or null (a reference to another record)
	kAddress             // address block or null
	kPhones              // list of phone numbers
	kEmails              // list of e-mail addresses
	kNumber              // the record's own number (read-only)
	kTime                // DateCreated / DateModified (read-only)
)

// field is one field of a record.
type field struct {
	name       string
	kind       kind
	max        int    // strings: maximum length (0: none)
	required   bool   // must be present and not null or blank
	readOnly   bool   // set by the server
	createOnly bool   // settable on create, fixed afterwards
	list       string // strings: the reference list the value must be in
}

// schema describes one collection's records.
type schema struct {
	singular string // "Account"
	idField  string // "AccountNumber"
	fields   []field
	byName   map[string]*field
}

func newSchema(singular, idField string, fields []field) *schema {
	s := &schema{singular: singular, idField: idField, fields: fields, byName: map[string]*field{}}
	for i := range s.fields {
		s.byName[s.fields[i].name] = &s.fields[i]
	}
	return s
}

var accountSchema = newSchema("Account", "AccountNumber", []field{
	{name: "AccountNumber", kind: kNumber, readOnly: true},
	{name: "AccountID", kind: kString, max: 30},
	{name: "AccountName", kind: kString, max: 100, required: true},
	{name: "AccountType", kind: kString, required: true, list: "accounttypes"},
	{name: "Status", kind: kString, required: true, list: "accountstatuses"},
	{name: "ParentAccountNumber", kind: kInt},
	{name: "Address", kind: kAddress},
	{name: "PhoneNumbers", kind: kPhones},
	{name: "WebSite", kind: kString, max: 255},
	{name: "DateCreated", kind: kTime, readOnly: true},
	{name: "DateModified", kind: kTime, readOnly: true},
	{name: "CreatedBy", kind: kString, readOnly: true},
	{name: "ModifiedBy", kind: kString, readOnly: true},
})

var contactSchema = newSchema("Contact", "ContactNumber", []field{
	{name: "ContactNumber", kind: kNumber, readOnly: true},
	{name: "AccountNumber", kind: kInt, required: true, createOnly: true},
	{name: "FirstName", kind: kString, max: 50, required: true},
	{name: "LastName", kind: kString, max: 50, required: true},
	{name: "Title", kind: kString, max: 100},
	{name: "ContactType", kind: kString, list: "contacttypes"},
	{name: "PersonalNotes", kind: kString, max: 4000},
	{name: "Active", kind: kBool},
	{name: "EmailAddresses", kind: kEmails},
	{name: "PhoneNumbers", kind: kPhones},
	{name: "Address", kind: kAddress},
	{name: "DateCreated", kind: kTime, readOnly: true},
	{name: "DateModified", kind: kTime, readOnly: true},
	{name: "CreatedBy", kind: kString, readOnly: true},
	{name: "ModifiedBy", kind: kString, readOnly: true},
})

// Address block fields with their maximum lengths.
var addressFields = []struct {
	name string
	max  int
}{{"Address1", 100}, {"Address2", 100}, {"City", 50}, {"State", 50}, {"ZipCode", 20}, {"Country", 50}}

// Reference lists (GET /<name>): the values reference-checked fields accept.
var referenceLists = map[string][]string{
	"accounttypes":    {"Customer", "Prospect", "Vendor", "Partner", "Competitor"},
	"accountstatuses": {"Active", "Inactive", "Not Approved", "On Hold"},
	"contacttypes":    {"Primary Contact", "Billing", "Technical", "End User", "Decision Maker"},
	"phonetypes":      {"Main", "Business", "Direct", "Mobile", "Home", "Fax", "Toll Free", "Pager", "Other"},
	"emailtypes":      {"Business", "Personal", "Other"},
}

// canonical returns the list's spelling of v (compared case-insensitively).
func canonical(list, v string) (string, bool) {
	for _, x := range referenceLists[list] {
		if strings.EqualFold(x, v) {
			return x, true
		}
	}
	return "", false
}

// timeFormat renders stored times: RFC 3339, UTC, milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// stamp writes the number and the dates into a record about to be stored.
func stamp(sc *schema) func(r *core.Record) {
	return func(r *core.Record) {
		r.Data[sc.idField] = r.ID
		r.Data["DateCreated"] = fmtTime(r.Created)
		r.Data["DateModified"] = fmtTime(r.Updated)
	}
}

// empty returns a record with every field at its default.
func (sc *schema) empty() map[string]any {
	m := make(map[string]any, len(sc.fields))
	for _, f := range sc.fields {
		switch f.kind {
		case kPhones, kEmails:
			m[f.name] = []any{}
		case kBool:
			m[f.name] = true
		default:
			m[f.name] = nil
		}
	}
	return m
}

// fieldError is one entry of an error body's Errors.
type fieldError struct {
	Field   string `json:"Field"`
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

type errs []fieldError

func (e *errs) add(field, code, format string, a ...any) {
	*e = append(*e, fieldError{Field: field, Code: code, Message: fmt.Sprintf(format, a...)})
}

// merge applies a JSON merge patch (RFC 7396) body to a copy of current
// (an existing record, or sc.empty() for a create) and returns the result
// with every value normalised, and the field errors found on the way.
// Read-only fields (and create-only ones on an update) may only repeat
// their current value.
func (sc *schema) merge(current map[string]any, body map[string]any, create bool) (map[string]any, errs) {
	out := core.DeepCopy(current)
	var e errs
	for k, v := range body {
		f := sc.byName[k]
		if f == nil {
			e.add(k, "UnknownField", "%s has no field %q (field names are case-sensitive)", sc.singular, k)
			continue
		}
		if f.readOnly || (f.createOnly && !create) {
			if !sameValue(current[k], v) {
				why := "is set by the server"
				if !f.readOnly {
					why = "cannot change once the record exists"
				}
				e.add(k, "ReadOnly", "%s %s", k, why)
			}
			continue
		}
		switch f.kind {
		case kString:
			switch x := v.(type) {
			case nil:
				out[k] = nil
			case string:
				if x == "" {
					out[k] = nil
				} else {
					out[k] = x
				}
			default:
				e.add(k, "InvalidType", "%s must be a string or null", k)
			}
		case kBool:
			b, ok := v.(bool)
			if !ok {
				e.add(k, "InvalidType", "%s must be true or false", k)
				continue
			}
			out[k] = b
		case kInt:
			if v == nil {
				out[k] = nil
				continue
			}
			n, ok := asInt(v)
			if !ok {
				e.add(k, "InvalidType", "%s must be an integer or null", k)
				continue
			}
			out[k] = n
		case kAddress:
			out[k] = mergeAddress(k, current[k], v, &e)
		case kPhones:
			out[k] = phones(k, v, &e)
		case kEmails:
			out[k] = emails(k, v, &e)
		}
	}
	if len(e) > 0 {
		return nil, e
	}
	sc.check(out, &e)
	return out, e
}

// check validates a whole record: required fields, lengths, reference
// lists (values are rewritten to the list's spelling).
func (sc *schema) check(m map[string]any, e *errs) {
	for _, f := range sc.fields {
		if f.readOnly {
			continue
		}
		v := m[f.name]
		if f.required && (v == nil || (f.kind == kString && strings.TrimSpace(v.(string)) == "")) {
			e.add(f.name, "Required", "%s is required", f.name)
			continue
		}
		s, isStr := v.(string)
		if f.kind != kString || !isStr {
			continue
		}
		if f.max > 0 && len([]rune(s)) > f.max {
			e.add(f.name, "TooLong", "%s is longer than %d characters", f.name, f.max)
		}
		if f.list != "" {
			if c, ok := canonical(f.list, s); ok {
				m[f.name] = c
			} else {
				e.add(f.name, "NotInList", "%s %q is not one of /%s: %s", f.name, s, f.list, strings.Join(referenceLists[f.list], ", "))
			}
		}
	}
}

// mergeAddress merges an address patch into the current block.
func mergeAddress(path string, cur, v any, e *errs) any {
	if v == nil {
		return nil
	}
	patch, ok := v.(map[string]any)
	if !ok {
		e.add(path, "InvalidType", "%s must be an object or null", path)
		return nil
	}
	out := map[string]any{}
	if m, ok := cur.(map[string]any); ok {
		out = core.DeepCopy(m)
	}
	for _, af := range addressFields {
		if _, ok := out[af.name]; !ok {
			out[af.name] = nil
		}
	}
	for k, x := range patch {
		max := -1
		for _, af := range addressFields {
			if af.name == k {
				max = af.max
			}
		}
		p := path + "." + k
		switch {
		case max < 0:
			e.add(p, "UnknownField", "an address has no field %q (Address1, Address2, City, State, ZipCode, Country)", k)
		case x == nil || x == "":
			out[k] = nil
		default:
			s, ok := x.(string)
			if !ok {
				e.add(p, "InvalidType", "%s must be a string or null", p)
			} else if len([]rune(s)) > max {
				e.add(p, "TooLong", "%s is longer than %d characters", p, max)
			} else {
				out[k] = s
			}
		}
	}
	return out
}

// items checks that v is a list of objects with only the allowed keys.
func items(path string, v any, allowed []string, e *errs) []map[string]any {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		e.add(path, "InvalidType", "%s must be a list", path)
		return nil
	}
	out := make([]map[string]any, 0, len(list))
	for i, it := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		m, ok := it.(map[string]any)
		if !ok {
			e.add(p, "InvalidType", "%s must be an object", p)
			continue
		}
		for k := range m {
			if !contains(allowed, k) {
				e.add(p+"."+k, "UnknownField", "%s has no field %q (%s)", path, k, strings.Join(allowed, ", "))
			}
		}
		out = append(out, m)
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// str reads an optional string entry; ok is false (and an error added) for
// another type.
func str(m map[string]any, k, p string, max int, e *errs) (string, bool) {
	switch x := m[k].(type) {
	case nil:
		return "", true
	case string:
		if max > 0 && len([]rune(x)) > max {
			e.add(p+"."+k, "TooLong", "%s.%s is longer than %d characters", p, k, max)
			return "", false
		}
		return x, true
	}
	e.add(p+"."+k, "InvalidType", "%s.%s must be a string", p, k)
	return "", false
}

func flag(m map[string]any, k, p string, e *errs) bool {
	switch x := m[k].(type) {
	case nil:
		return false
	case bool:
		return x
	}
	e.add(p+"."+k, "InvalidType", "%s.%s must be true or false", p, k)
	return false
}

// phones normalises a PhoneNumbers list.
func phones(path string, v any, e *errs) []any {
	out := []any{}
	primaries := 0
	for i, m := range items(path, v, []string{"Type", "Number", "Extension", "IsPrimary"}, e) {
		p := fmt.Sprintf("%s[%d]", path, i)
		typ, _ := str(m, "Type", p, 0, e)
		num, _ := str(m, "Number", p, 30, e)
		ext, _ := str(m, "Extension", p, 10, e)
		primary := flag(m, "IsPrimary", p, e)
		c, ok := canonical("phonetypes", typ)
		switch {
		case typ == "":
			e.add(p+".Type", "Required", "%s.Type is required", p)
		case !ok:
			e.add(p+".Type", "NotInList", "%s.Type %q is not one of /phonetypes: %s", p, typ, strings.Join(referenceLists["phonetypes"], ", "))
		}
		if strings.TrimSpace(num) == "" {
			e.add(p+".Number", "Required", "%s.Number is required", p)
		}
		for _, r := range ext {
			if r < '0' || r > '9' {
				e.add(p+".Extension", "InvalidFormat", "%s.Extension must be digits", p)
				break
			}
		}
		if primary {
			primaries++
		}
		var x any
		if ext != "" {
			x = ext
		}
		out = append(out, map[string]any{"Type": c, "Number": num, "Extension": x, "IsPrimary": primary})
	}
	if primaries > 1 {
		e.add(path, "MultiplePrimary", "at most one of %s may be IsPrimary", path)
	}
	return out
}

// emails normalises an EmailAddresses list.
func emails(path string, v any, e *errs) []any {
	out := []any{}
	primaries := 0
	for i, m := range items(path, v, []string{"Address", "Type", "IsPrimary"}, e) {
		p := fmt.Sprintf("%s[%d]", path, i)
		addr, _ := str(m, "Address", p, 255, e)
		typ, _ := str(m, "Type", p, 0, e)
		primary := flag(m, "IsPrimary", p, e)
		if typ == "" {
			typ = "Business"
		}
		c, ok := canonical("emailtypes", typ)
		if !ok {
			e.add(p+".Type", "NotInList", "%s.Type %q is not one of /emailtypes: %s", p, typ, strings.Join(referenceLists["emailtypes"], ", "))
		}
		if at := strings.Index(addr, "@"); at <= 0 || at == len(addr)-1 || strings.ContainsAny(addr, " \t") {
			e.add(p+".Address", "InvalidFormat", "%s.Address %q is not an e-mail address", p, addr)
		}
		if primary {
			primaries++
		}
		out = append(out, map[string]any{"Address": addr, "Type": c, "IsPrimary": primary})
	}
	if primaries > 1 {
		e.add(path, "MultiplePrimary", "at most one of %s may be IsPrimary", path)
	}
	return out
}

// asInt reads an integer from a decoded JSON value (json.Number, float64,
// int, int64, or a numeric string).
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// sameValue compares a stored value with one from a request body.
func sameValue(stored, sent any) bool {
	if stored == nil || sent == nil {
		return stored == nil && sent == nil
	}
	if a, ok := asInt(stored); ok {
		b, ok := asInt(sent)
		return ok && a == b
	}
	sb, err1 := json.Marshal(stored)
	tb, err2 := json.Marshal(sent)
	return err1 == nil && err2 == nil && string(sb) == string(tb)
}
