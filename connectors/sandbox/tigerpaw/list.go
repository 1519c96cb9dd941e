package tigerpaw

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
)

// param kinds of list filters.
type param int

const (
	pList   param = iota // repeatable, reference-list value (name of the list in listOf)
	pString              // exact, case-insensitive
	pInts                // repeatable integers
	pBool                // true / false
	pTime                // RFC 3339 or a bare date
)

// filterSpec is one list filter: its query name, kind, record field and,
// for pList, the reference list.
type filterSpec struct {
	name  string
	kind  param
	field string
	list  string
}

var accountFilters = []filterSpec{
	{name: "accountType", kind: pList, field: "AccountType", list: "accounttypes"},
	{name: "status", kind: pList, field: "Status", list: "accountstatuses"},
	{name: "accountName", kind: pString, field: "AccountName"},
	{name: "accountId", kind: pString, field: "AccountID"},
	{name: "modifiedAfter", kind: pTime},
}

var contactFilters = []filterSpec{
	{name: "accountNumber", kind: pInts, field: "AccountNumber"},
	{name: "active", kind: pBool, field: "Active"},
	{name: "modifiedAfter", kind: pTime},
}

// query is a parsed list request.
type query struct {
	page, size int
	conds      []func(*core.Record) bool
}

// parseQuery reads page, pageSize and the filters; anything else, a
// malformed value or a value outside its list is a 400.
func parseQuery(r *http.Request, filters []filterSpec) (*query, *apiError) {
	q := &query{page: 1, size: DefaultPageSize}
	vals := r.URL.Query()
	for name, vs := range vals {
		var spec *filterSpec
		for i := range filters {
			if filters[i].name == name {
				spec = &filters[i]
			}
		}
		repeatable := spec != nil && (spec.kind == pList || spec.kind == pInts)
		if len(vs) > 1 && !repeatable {
			return nil, badParam(name, "given %d times; it takes one value", len(vs))
		}
		v := vs[0]
		switch {
		case name == "page" || name == "pageSize":
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, badParam(name, "%q is not an integer", v)
			}
			if name == "page" {
				if n < 1 {
					return nil, badParam(name, "%d is below 1 (pages count from 1)", n)
				}
				q.page = n
			} else {
				if n < 1 || n > MaxPageSize {
					return nil, badParam(name, "%d is outside 1..%d", n, MaxPageSize)
				}
				q.size = n
			}
		case spec == nil:
			known := []string{"page", "pageSize"}
			for _, f := range filters {
				known = append(known, f.name)
			}
			return nil, badParam(name, "unknown parameter (known: %s; names are case-sensitive)", strings.Join(known, ", "))
		default:
			cond, e := spec.cond(vs)
			if e != nil {
				return nil, e
			}
			q.conds = append(q.conds, cond)
		}
	}
	return q, nil
}

// cond builds the record test of one filter.
func (f *filterSpec) cond(vs []string) (func(*core.Record) bool, *apiError) {
	switch f.kind {
	case pList:
		want := map[string]bool{}
		for _, v := range vs {
			c, ok := canonical(f.list, v)
			if !ok {
				return nil, badParam(f.name, "%q is not one of /%s: %s", v, f.list, strings.Join(referenceLists[f.list], ", "))
			}
			want[c] = true
		}
		return func(r *core.Record) bool { s, _ := r.Data[f.field].(string); return want[s] }, nil
	case pString:
		v := vs[0]
		if v == "" {
			return nil, badParam(f.name, "empty value")
		}
		return func(r *core.Record) bool { s, _ := r.Data[f.field].(string); return strings.EqualFold(s, v) }, nil
	case pInts:
		want := map[int64]bool{}
		for _, v := range vs {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return nil, badParam(f.name, "%q is not a positive integer", v)
			}
			want[n] = true
		}
		return func(r *core.Record) bool { n, _ := asInt(r.Data[f.field]); return want[n] }, nil
	case pBool:
		b, err := strconv.ParseBool(vs[0])
		if err != nil || (vs[0] != "true" && vs[0] != "false") {
			return nil, badParam(f.name, "%q is neither true nor false", vs[0])
		}
		return func(r *core.Record) bool { x, _ := r.Data[f.field].(bool); return x == b }, nil
	case pTime:
		t, err := parseTime(vs[0])
		if err != nil {
			return nil, badParam(f.name, "%q is neither RFC 3339 with a zone (2026-01-02T15:04:05Z) nor a date (2026-01-02)", vs[0])
		}
		return func(r *core.Record) bool { return r.Updated.After(t) }, nil
	}
	return nil, badParam(f.name, "unsupported")
}

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}

// noQuery refuses every query parameter (single-record routes take none).
func noQuery(r *http.Request) *apiError {
	for name := range r.URL.Query() {
		return badParam(name, "this route takes no query parameters")
	}
	return nil
}

// filter returns the records of t passing every condition, in number order.
func (q *query) filter(t *core.Table, extra ...func(*core.Record) bool) []*core.Record {
	conds := append(append([]func(*core.Record) bool{}, q.conds...), extra...)
	all := t.All()
	if len(conds) == 0 {
		return all
	}
	out := make([]*core.Record, 0, len(all))
next:
	for _, r := range all {
		for _, c := range conds {
			if !c(r) {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

// page is the list envelope.
type page struct {
	Items      []json.RawMessage `json:"Items"`
	Page       int               `json:"Page"`
	PageSize   int               `json:"PageSize"`
	TotalCount int               `json:"TotalCount"`
	TotalPages int               `json:"TotalPages"`
}

// writeRecords answers one page of recs.
func writeRecords(w http.ResponseWriter, q *query, recs []*core.Record) {
	p := page{Items: []json.RawMessage{}, Page: q.page, PageSize: q.size, TotalCount: len(recs), TotalPages: (len(recs) + q.size - 1) / q.size}
	from := (q.page - 1) * q.size
	for i := from; i < len(recs) && i < from+q.size; i++ {
		b, err := recs[i].JSON()
		if err != nil {
			writeError(w, newError(http.StatusInternalServerError, "ServerError", "%v", err))
			return
		}
		p.Items = append(p.Items, b)
	}
	writeValue(w, http.StatusOK, p)
}

// writePage answers one page of plain values.
func writePage(w http.ResponseWriter, q *query, vals []any) {
	p := page{Items: []json.RawMessage{}, Page: q.page, PageSize: q.size, TotalCount: len(vals), TotalPages: (len(vals) + q.size - 1) / q.size}
	from := (q.page - 1) * q.size
	for i := from; i < len(vals) && i < from+q.size; i++ {
		b, _ := json.Marshal(vals[i])
		p.Items = append(p.Items, b)
	}
	writeValue(w, http.StatusOK, p)
}

func (s *Sandbox) listAccounts(w http.ResponseWriter, r *http.Request) {
	q, e := parseQuery(r, accountFilters)
	if e != nil {
		writeError(w, e)
		return
	}
	writeRecords(w, q, q.filter(s.accounts))
}

func (s *Sandbox) listContacts(w http.ResponseWriter, r *http.Request) {
	q, e := parseQuery(r, contactFilters)
	if e != nil {
		writeError(w, e)
		return
	}
	writeRecords(w, q, q.filter(s.contacts))
}

func (s *Sandbox) listAccountContacts(w http.ResponseWriter, r *http.Request) {
	acc, e := s.record(r, s.accounts, accountSchema, "accountNumber")
	if e != nil {
		writeError(w, e)
		return
	}
	q, e := parseQuery(r, contactFilters[1:])
	if e != nil {
		writeError(w, e)
		return
	}
	writeRecords(w, q, q.filter(s.contacts, func(c *core.Record) bool { n, _ := asInt(c.Data["AccountNumber"]); return n == acc.ID }))
}

// record loads the record named by a path value, or answers 404.
func (s *Sandbox) record(r *http.Request, t *core.Table, sc *schema, param string) (*core.Record, *apiError) {
	raw := r.PathValue(param)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		return nil, notFound(sc, strconv.Quote(raw))
	}
	rec, ok := t.Get(id)
	if !ok {
		return nil, notFound(sc, raw)
	}
	return rec, nil
}

func (s *Sandbox) getAccount(w http.ResponseWriter, r *http.Request) {
	s.getOne(w, r, s.accounts, accountSchema, "accountNumber")
}

func (s *Sandbox) getContact(w http.ResponseWriter, r *http.Request) {
	s.getOne(w, r, s.contacts, contactSchema, "contactNumber")
}

func (s *Sandbox) getOne(w http.ResponseWriter, r *http.Request, t *core.Table, sc *schema, param string) {
	if e := noQuery(r); e != nil {
		writeError(w, e)
		return
	}
	rec, e := s.record(r, t, sc, param)
	if e != nil {
		writeError(w, e)
		return
	}
	b, err := rec.JSON()
	if err != nil {
		writeError(w, newError(http.StatusInternalServerError, "ServerError", "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, b)
}
