package autotask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
)

// queryModel is the body of /query (or the search parameter).
type queryModel struct {
	Filter        []*filter `json:"filter"`
	IncludeFields []string  `json:"includeFields"`
	MaxRecords    *int      `json:"maxRecords"`
}

// filter is one condition or an and/or group.
type filter struct {
	Op    string          `json:"op"`
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
	UDF   bool            `json:"udf"`
	Items []*filter       `json:"items"`
}

// cond is a compiled filter.
type cond struct {
	op    string // lower case
	fl    *field // nil for groups and UDFs
	udf   string
	val   any   // decoded value
	vals  []any // in / notIn
	items []*cond
}

// paging is the cursor carried by nextPageUrl and prevPageUrl: pages are
// windows of the id-ordered result, so records written meanwhile never
// shift a page.
type paging struct {
	PageSize int   `json:"pageSize"`
	AfterID  int64 `json:"afterId,omitempty"`
	BeforeID int64 `json:"beforeId,omitempty"`
}

// readQuery reads the QueryModel from the search parameter or, for a
// POST, from the body (field names without regard to case, as the
// real API's JSON reader does).
func readQuery(r *http.Request) (*queryModel, []byte, error) {
	var raw []byte
	if r.Method == http.MethodPost {
		b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			return nil, nil, fmt.Errorf("read body: %w", err)
		}
		raw = bytes.TrimSpace(b)
	}
	if len(raw) == 0 {
		raw = []byte(r.URL.Query().Get("search"))
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil, fmt.Errorf("a search with a filter is required")
	}
	var q queryModel
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&q); err != nil {
		return nil, nil, fmt.Errorf("the search is not valid JSON: %v", err)
	}
	return &q, raw, nil
}

func (sb *Sandbox) compile(e *entity, fs []*filter, udfs *int) ([]*cond, error) {
	var out []*cond
	for _, f := range fs {
		if f == nil {
			continue
		}
		c, err := sb.compileOne(e, f, udfs)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (sb *Sandbox) compileOne(e *entity, f *filter, udfs *int) (*cond, error) {
	op := strings.ToLower(f.Op)
	c := &cond{op: op}
	switch op {
	case "and", "or":
		if len(f.Items) == 0 {
			return nil, fmt.Errorf("the %s group has no items", f.Op)
		}
		items, err := sb.compile(e, f.Items, udfs)
		if err != nil {
			return nil, err
		}
		c.items = items
		return c, nil
	case "eq", "noteq", "gt", "gte", "lt", "lte", "beginswith", "endswith", "contains", "exist", "notexist", "in", "notin":
	default:
		return nil, fmt.Errorf("the operator '%s' is not valid", f.Op)
	}
	if f.Field == "" {
		return nil, fmt.Errorf("the filter with operator '%s' has no field", f.Op)
	}
	typ := tString
	if f.UDF {
		d := e.udf(f.Field)
		if d == nil {
			return nil, fmt.Errorf("unable to find the user-defined field %s in the %s entity", f.Field, e.name)
		}
		if *udfs++; *udfs > 1 {
			return nil, fmt.Errorf("only one user-defined field can be queried at a time")
		}
		c.udf = d.name
	} else {
		fl := e.field(f.Field)
		if fl == nil {
			return nil, fmt.Errorf("unable to find %s in the %s entity", f.Field, e.name)
		}
		c.fl, typ = fl, fl.typ
	}
	if op == "exist" || op == "notexist" {
		return c, nil
	}
	var v any
	if len(f.Value) > 0 {
		dec := json.NewDecoder(bytes.NewReader(f.Value))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("the value of %s is not valid", f.Field)
		}
	}
	if op == "in" || op == "notin" {
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("the %s operator needs an array value for %s", f.Op, f.Field)
		}
		for _, x := range arr {
			cv, err := filterValue(typ, f.Field, x)
			if err != nil {
				return nil, err
			}
			c.vals = append(c.vals, cv)
		}
		return c, nil
	}
	cv, err := filterValue(typ, f.Field, v)
	if err != nil {
		return nil, err
	}
	switch op {
	case "beginswith", "endswith", "contains":
		if _, ok := cv.(string); !ok {
			return nil, fmt.Errorf("the %s operator needs a string field; %s is %s", f.Op, f.Field, typ)
		}
	}
	c.val = cv
	return c, nil
}

// filterValue turns a filter value into the comparable form of the field
// type: float64, string (lower case), bool or time.Time.
func filterValue(typ, name string, v any) (any, error) {
	if v == nil {
		if typ == tBool {
			return nil, fmt.Errorf("the value of %s must be true or false", name)
		}
		return nil, fmt.Errorf("the value of %s is required", name)
	}
	switch typ {
	case tInt, tLong, tDouble:
		if x, ok := asFloat(v); ok {
			return x, nil
		}
	case tBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("the value of %s must be true or false", name)
	case tDateTime:
		if str, ok := v.(string); ok {
			if t, ok := parseTime(str); ok {
				return t, nil
			}
		}
	default:
		switch x := v.(type) {
		case string:
			return strings.ToLower(x), nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	}
	return nil, fmt.Errorf("the value %s is not valid for %s (%s)", jsonText(v), name, typ)
}

// recordValue is a record's comparable value of a condition's field; nil
// when unset.
func recordValue(c *cond, data map[string]any) any {
	var v any
	typ := tString
	if c.fl != nil {
		v, typ = data[c.fl.name], c.fl.typ
	} else {
		udfs, _ := data["userDefinedFields"].([]any)
		for _, u := range udfs {
			m, _ := u.(map[string]any)
			if n, _ := m["name"].(string); strings.EqualFold(n, c.udf) {
				v = m["value"]
			}
		}
	}
	if v == nil {
		return nil
	}
	switch typ {
	case tInt, tLong, tDouble:
		if x, ok := asFloat(v); ok {
			return x
		}
	case tBool:
		if b, ok := v.(bool); ok {
			return b
		}
	case tDateTime:
		if str, ok := v.(string); ok {
			if t, ok := parseTime(str); ok {
				return t
			}
		}
	default:
		switch x := v.(type) {
		case string:
			if x == "" {
				return nil
			}
			return strings.ToLower(x)
		default:
			return strings.ToLower(fmt.Sprint(x))
		}
	}
	return nil
}

// compare orders two comparable values of one type (-2: not comparable).
func compare(a, b any) int {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return -2
		}
		return cmp3(x < y, x > y)
	case string:
		y, ok := b.(string)
		if !ok {
			return -2
		}
		return strings.Compare(x, y)
	case bool:
		y, ok := b.(bool)
		if !ok {
			return -2
		}
		return cmp3(!x && y, x && !y)
	case time.Time:
		y, ok := b.(time.Time)
		if !ok {
			return -2
		}
		return x.Compare(y)
	}
	return -2
}

func cmp3(lt, gt bool) int {
	switch {
	case lt:
		return -1
	case gt:
		return 1
	}
	return 0
}

// match evaluates a condition with SQL NULL rules: an unset field matches
// only notExist (and noteq / notIn, as "is distinct from").
func (c *cond) match(data map[string]any) bool {
	switch c.op {
	case "and":
		for _, it := range c.items {
			if !it.match(data) {
				return false
			}
		}
		return true
	case "or":
		for _, it := range c.items {
			if it.match(data) {
				return true
			}
		}
		return false
	}
	v := recordValue(c, data)
	switch c.op {
	case "exist":
		return v != nil
	case "notexist":
		return v == nil
	case "noteq":
		return v == nil || compare(v, c.val) != 0
	case "in", "notin":
		in := false
		for _, x := range c.vals {
			if v != nil && compare(v, x) == 0 {
				in = true
				break
			}
		}
		return in == (c.op == "in")
	}
	if v == nil {
		return false
	}
	switch c.op {
	case "eq":
		return compare(v, c.val) == 0
	case "gt":
		return compare(v, c.val) == 1
	case "gte":
		k := compare(v, c.val)
		return k == 0 || k == 1
	case "lt":
		return compare(v, c.val) == -1
	case "lte":
		k := compare(v, c.val)
		return k == 0 || k == -1
	case "beginswith", "endswith", "contains":
		s, _ := v.(string)
		p, _ := c.val.(string)
		switch c.op {
		case "beginswith":
			return strings.HasPrefix(s, p)
		case "endswith":
			return strings.HasSuffix(s, p)
		}
		return strings.Contains(s, p)
	}
	return false
}

func matchAll(cs []*cond, data map[string]any) bool {
	for _, c := range cs {
		if !c.match(data) {
			return false
		}
	}
	return true
}

// query serves /query, /query/count, /query/next and /query/prev.
func (sb *Sandbox) query(w http.ResponseWriter, r *http.Request, rt route) {
	e := rt.ent
	q, raw, err := readQuery(r)
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "%v", err)
		return
	}
	if len(q.Filter) == 0 {
		writeErrors(w, http.StatusInternalServerError, "A filter is required: the search must contain at least one filter item.")
		return
	}
	udfs := 0
	conds, err := sb.compile(e, q.Filter, &udfs)
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "%v", err)
		return
	}
	recs := sb.table(e.name).All()
	if rt.kind == kCount {
		n := 0
		for _, rec := range recs {
			if matchAll(conds, rec.Data) {
				n++
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"queryCount": n})
		return
	}
	var include map[string]bool
	if len(q.IncludeFields) > 0 {
		include = map[string]bool{}
		for _, name := range q.IncludeFields {
			if e.field(name) == nil && !strings.EqualFold(name, "userDefinedFields") {
				writeErrors(w, http.StatusInternalServerError, "unable to find %s in the %s entity", name, e.name)
				return
			}
			include[strings.ToLower(name)] = true
		}
	}
	size := MaxPageSize
	if q.MaxRecords != nil {
		if *q.MaxRecords < 0 {
			writeErrors(w, http.StatusInternalServerError, "maxRecords must be between 1 and %d", MaxPageSize)
			return
		}
		if *q.MaxRecords > 0 {
			size = min(*q.MaxRecords, MaxPageSize)
		}
	}
	var pg paging
	if rt.kind == kNext || rt.kind == kPrev {
		if err := json.Unmarshal([]byte(r.URL.Query().Get("paging")), &pg); err != nil || pg.PageSize <= 0 {
			writeErrors(w, http.StatusInternalServerError, "the paging parameter is missing or not valid")
			return
		}
		size = min(pg.PageSize, MaxPageSize)
	}
	var page []*core.Record
	more, before := false, false
	if rt.kind == kPrev {
		// the size records before BeforeID, still in ascending order
		var hits []*core.Record
		for _, rec := range recs {
			if rec.ID >= pg.BeforeID {
				break
			}
			if matchAll(conds, rec.Data) {
				hits = append(hits, rec)
			}
		}
		from := max(0, len(hits)-size)
		page, before, more = hits[from:], from > 0, true
	} else {
		for _, rec := range recs {
			if rec.ID <= pg.AfterID || !matchAll(conds, rec.Data) {
				continue
			}
			if len(page) == size {
				more = true
				break
			}
			page = append(page, rec)
		}
		before = pg.AfterID > 0
	}
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i, rec := range page {
		if i > 0 {
			b.WriteByte(',')
		}
		var item []byte
		if include != nil {
			item, err = renderFields(e, rec.Data, include)
		} else {
			item, err = rec.JSON()
		}
		if err != nil {
			writeErrors(w, http.StatusInternalServerError, "%v", err)
			return
		}
		b.Write(item)
	}
	b.WriteString(`],"pageDetails":`)
	details := map[string]any{"count": len(page), "requestCount": size, "prevPageUrl": nil, "nextPageUrl": nil}
	if len(page) > 0 {
		base := serverRoot(r) + rt.prefix + "/" + e.name + "/query/"
		search := "&search=" + url.QueryEscape(string(compactJSON(raw)))
		if more {
			p, _ := json.Marshal(paging{PageSize: size, AfterID: page[len(page)-1].ID})
			details["nextPageUrl"] = base + "next?paging=" + url.QueryEscape(string(p)) + search
		}
		if before {
			p, _ := json.Marshal(paging{PageSize: size, BeforeID: page[0].ID})
			details["prevPageUrl"] = base + "prev?paging=" + url.QueryEscape(string(p)) + search
		}
	}
	d, _ := json.Marshal(details)
	b.Write(d)
	b.WriteByte('}')
	writeRaw(w, http.StatusOK, b.Bytes())
}

func compactJSON(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// get serves /{Entity}/{id} and /{Parent}/{parentId}/{Sub}/{id}.
func (sb *Sandbox) get(w http.ResponseWriter, rt route) {
	rec, ok := sb.table(rt.ent.name).Get(rt.id)
	if ok && rt.kind == kChildGet {
		if p, _ := asInt(rec.Data[rt.ent.parentField]); p != rt.parentID {
			ok = false
		}
	}
	if !ok {
		writeErrors(w, http.StatusNotFound, "%s with id %d was not found.", rt.ent.name, rt.id)
		return
	}
	item, err := rec.JSON()
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeRaw(w, http.StatusOK, append(append([]byte(`{"item":`), item...), '}'))
}

// childList serves GET /{Parent}/{parentId}/{Sub}: the parent's children.
func (sb *Sandbox) childList(w http.ResponseWriter, r *http.Request, rt route) {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	n := 0
	for _, rec := range sb.table(rt.ent.name).All() {
		if p, _ := asInt(rec.Data[rt.ent.parentField]); p != rt.parentID {
			continue
		}
		item, err := rec.JSON()
		if err != nil {
			writeErrors(w, http.StatusInternalServerError, "%v", err)
			return
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(item)
		n++
	}
	fmt.Fprintf(&b, `],"pageDetails":{"count":%d,"requestCount":%d,"prevPageUrl":null,"nextPageUrl":null}}`, n, MaxPageSize)
	writeRaw(w, http.StatusOK, b.Bytes())
}

// info serves entityInformation, /fields and /userDefinedFields.
func (sb *Sandbox) info(w http.ResponseWriter, rt route) {
	e := rt.ent
	switch rt.kind {
	case kInfo:
		writeJSON(w, http.StatusOK, map[string]any{"info": map[string]any{
			"name": e.name, "canCreate": e.canCreate, "canDelete": false, "canQuery": true, "canUpdate": e.canUpdate,
			"userAccessForCreate": "All", "userAccessForDelete": "None", "userAccessForQuery": "All", "userAccessForUpdate": "All",
			"hasUserDefinedFields": len(e.udfs) > 0, "supportsWebhookCallouts": false,
		}})
	case kFields:
		out := make([]map[string]any, 0, len(e.fields))
		for _, fl := range e.fields {
			m := map[string]any{
				"name": fl.name, "dataType": fl.typ, "length": fl.length, "isRequired": fl.required, "isReadOnly": fl.readOnly,
				"isQueryable": true, "isReference": fl.ref != "", "referenceEntityType": fl.ref, "isPickList": fl.picklist,
				"picklistValues": nil, "picklistParentValueField": "", "isSupportedWebhookField": false,
			}
			if fl.picklist {
				vs := sb.picklist(e, fl.name)
				if vs == nil {
					vs = []pickValue{}
				}
				m["picklistValues"] = vs
			}
			out = append(out, m)
		}
		writeJSON(w, http.StatusOK, map[string]any{"fields": out})
	case kUDFs:
		out := make([]map[string]any, 0, len(e.udfs))
		for _, u := range e.udfs {
			out = append(out, map[string]any{
				"name": u.name, "label": u.label, "type": u.typ, "length": u.length, "description": "", "isRequired": false,
				"isReadOnly": false, "isQueryable": true, "isReference": false, "referenceEntityType": "", "isPickList": false,
				"picklistValues": nil, "picklistParentValueField": "", "defaultValue": nil, "isSupportedWebhookField": false,
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"fields": out})
	}
}
