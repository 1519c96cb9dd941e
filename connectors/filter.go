package connectors

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"mapsync/engine/plan"
)

// conditionsParam is the query parameter of the conditions dialect.
const conditionsParam = "conditions"

// bodyFilterMember holds the filter items in a JSON query body; bodyFilterParam
// carries that body on a GET.
const (
	bodyFilterMember = "filter"
	bodyFilterParam  = "search"
)

// Op is a filter operator.
type Op string

const (
	OpEq       Op = "eq"
	OpNe       Op = "ne"
	OpGt       Op = "gt"
	OpGte      Op = "gte"
	OpLt       Op = "lt"
	OpLte      Op = "lte"
	OpIn       Op = "in"       // Value is a slice
	OpContains Op = "contains" // substring
)

// Filter is a server-side filter on a record path, rendered in the
// system's dialect. Values may be strings, numbers, bools, time.Time, nil or
// (for OpIn) slices of those.
type Filter struct {
	Field string `json:"field"` // dotted path as the system names it ("company.id")
	Op    Op     `json:"op"`
	Value any    `json:"value"`
}

// listFilters is what the filters of one list become on the wire.
type listFilters struct {
	params    url.Values          // plain query parameters
	fragments map[string][]string // conditions-dialect fragments by parameter, and-ed
	items     []any               // body filter items
	local     []Filter            // filters applied to listed records (dialect none)
}

func (c *Client) timeLayout(override string) string {
	switch {
	case override != "":
		return override
	case c.sys.TimeFormat != "":
		return c.sys.TimeFormat
	default:
		return time.RFC3339
	}
}

// dialect is how one filter dialect (plan.FilterDialects) puts filters on
// the wire. Every name of the vocabulary has one; see TestDialectsMatchVocab.
type dialect struct {
	// exprParam is the query parameter holding an and-ed filter
	// expression (conditions): a static query value for it and the
	// changed-since fragment join that expression.
	exprParam string
	// changed adds the rendered changed_since template.
	changed func(lf *listFilters, obj *plan.Object, cs *plan.ChangedSince, frag string) error
	// filter adds one caller filter.
	filter func(c *Client, lf *listFilters, f Filter) error
}

var dialects = map[string]dialect{
	plan.FilterConditions: {exprParam: conditionsParam, changed: changedFragment, filter: conditionsFilter},
	plan.FilterJSONAPI:    {changed: changedParam, filter: jsonapiFilter},
	plan.FilterQueryBody:  {changed: changedBodyItem, filter: bodyFilter},
	plan.FilterQuery:      {changed: changedParam, filter: queryFilter},
	// none: no filter syntax. The changed_since template is sent as written
	// (param=template); other filters are applied to the listed records.
	plan.FilterNone: {changed: changedParam, filter: localFilter},
}

func (c *Client) dialect() (dialect, error) {
	d, ok := dialects[c.sys.FilterDialect()]
	if !ok {
		return d, configError("filter", "%v", plan.FilterDialects.Check(c.sys.Filter))
	}
	return d, nil
}

// renderFilters turns the object's static query, the changed-since cursor
// (since, and until for ${until}) and the caller's filters into wire form.
func (c *Client) renderFilters(obj *plan.Object, since, until time.Time, filters []Filter) (*listFilters, error) {
	lf := &listFilters{params: url.Values{}, fragments: map[string][]string{}}
	d, err := c.dialect()
	if err != nil {
		return nil, err
	}
	lf.addQuery(d, obj.Query)
	if cs := obj.ChangedSince; cs != nil && !since.IsZero() {
		switch cs.Mode {
		case plan.ChangedFilter:
			layout := c.timeLayout(cs.Format)
			frag := strings.ReplaceAll(cs.Template, "${cursor}", since.UTC().Format(layout))
			if !until.IsZero() {
				frag = strings.ReplaceAll(frag, "${until}", until.UTC().Format(layout))
			}
			if err := d.changed(lf, obj, cs, frag); err != nil {
				return nil, err
			}
		case plan.ChangedSortDesc:
			// Records are read newest first; the pager stops at the watermark.
			lf.params.Set(cs.SortParam, cs.SortValue)
		}
	}
	for _, f := range filters {
		if err := d.filter(c, lf, f); err != nil {
			return nil, err
		}
	}
	return lf, nil
}

// addQuery adds static query parameters: the dialect's expression
// parameter (conditions) is and-ed with what it already holds, any other
// parameter is set.
func (lf *listFilters) addQuery(d dialect, query map[string]string) {
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if d.exprParam != "" && k == d.exprParam {
			lf.fragments[k] = append(lf.fragments[k], query[k])
			continue
		}
		lf.params.Set(k, query[k])
	}
}

func changedFragment(lf *listFilters, _ *plan.Object, cs *plan.ChangedSince, frag string) error {
	lf.fragments[cs.Param] = append(lf.fragments[cs.Param], frag)
	return nil
}

func changedParam(lf *listFilters, _ *plan.Object, cs *plan.ChangedSince, frag string) error {
	lf.params.Add(cs.Param, frag)
	return nil
}

func changedBodyItem(lf *listFilters, obj *plan.Object, _ *plan.ChangedSince, frag string) error {
	var item any
	if err := json.Unmarshal([]byte(frag), &item); err != nil {
		return configError("changed_since", "object %q: template is not a JSON filter item: %v", obj.Name, err)
	}
	lf.items = append(lf.items, item)
	return nil
}

func (c *Client) unsupported(f Filter, why string) error {
	return configError("filter", "filter %s %s is not supported by the %q dialect: %s", f.Field, f.Op, c.sys.FilterDialect(), why)
}

func conditionsFilter(c *Client, lf *listFilters, f Filter) error {
	frag, err := c.condition(f)
	if err != nil {
		return err
	}
	lf.fragments[conditionsParam] = append(lf.fragments[conditionsParam], frag)
	return nil
}

func jsonapiFilter(c *Client, lf *listFilters, f Filter) error {
	key := "filter[" + f.Field + "]"
	switch f.Op {
	case OpEq:
		lf.params.Add(key, c.plainValue(f.Value))
	case OpIn:
		lf.params.Add(key, strings.Join(c.listValues(f.Value), ","))
	default:
		return c.unsupported(f, "only eq and in")
	}
	return nil
}

func bodyFilter(c *Client, lf *listFilters, f Filter) error {
	op, ok := map[Op]string{OpEq: "eq", OpNe: "noteq", OpGt: "gt", OpGte: "gte", OpLt: "lt", OpLte: "lte", OpIn: "in", OpContains: "contains"}[f.Op]
	if !ok {
		return c.unsupported(f, "unknown operator")
	}
	lf.items = append(lf.items, map[string]any{"op": op, "field": f.Field, "value": c.jsonValue(f.Value)})
	return nil
}

func queryFilter(c *Client, lf *listFilters, f Filter) error {
	if f.Op != OpEq {
		return c.unsupported(f, "only eq")
	}
	lf.params.Add(f.Field, c.plainValue(f.Value))
	return nil
}

func localFilter(c *Client, lf *listFilters, f Filter) error {
	if !knownOps[f.Op] {
		return c.unsupported(f, "unknown operator")
	}
	lf.local = append(lf.local, f)
	return nil
}

var knownOps = map[Op]bool{OpEq: true, OpNe: true, OpGt: true, OpGte: true, OpLt: true, OpLte: true, OpIn: true, OpContains: true}

// keepLocal drops the records a client-side filter rejects.
func (c *Client) keepLocal(local []Filter, recs []Record) []Record {
	if len(local) == 0 {
		return recs
	}
	out := recs[:0]
	for _, rec := range recs {
		keep := true
		for _, f := range local {
			if !c.matches(rec, f) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, rec)
		}
	}
	return out
}

// matches evaluates a filter on a listed record: numbers compare as
// numbers, times as times (the value at the path parsed with the system's
// time format), anything else as text; contains ignores case. A missing
// value equals only nil.
func (c *Client) matches(rec Record, f Filter) bool {
	got, _ := Value(rec, f.Field)
	switch f.Op {
	case OpIn:
		for _, v := range toSlice(f.Value) {
			if cmp, ok := c.compare(got, v); ok && cmp == 0 {
				return true
			}
		}
		return false
	case OpContains:
		return got != nil && strings.Contains(strings.ToLower(IDString(got)), strings.ToLower(c.plainValue(f.Value)))
	}
	cmp, ok := c.compare(got, f.Value)
	switch f.Op {
	case OpEq:
		return ok && cmp == 0
	case OpNe:
		return !ok || cmp != 0
	case OpGt:
		return ok && cmp > 0
	case OpGte:
		return ok && cmp >= 0
	case OpLt:
		return ok && cmp < 0
	case OpLte:
		return ok && cmp <= 0
	}
	return false
}

// compare orders a record value against a filter value; ok is false when
// they cannot be compared (a missing value against a non-nil one).
func (c *Client) compare(got, want any) (int, bool) {
	if got == nil || want == nil {
		if got == nil && want == nil {
			return 0, true
		}
		return 0, false
	}
	if t, isTime := want.(time.Time); isTime {
		s := IDString(got)
		g, err := time.Parse(c.timeLayout(""), s)
		if err != nil {
			if g, err = time.Parse(time.RFC3339, s); err != nil {
				return 0, false
			}
		}
		return g.Compare(t), true
	}
	if w, err := strconv.ParseFloat(IDString(want), 64); err == nil {
		if _, isBool := want.(bool); !isBool {
			if g, err := strconv.ParseFloat(IDString(got), 64); err == nil {
				switch {
				case g < w:
					return -1, true
				case g > w:
					return 1, true
				}
				return 0, true
			}
		}
	}
	return strings.Compare(IDString(got), IDString(want)), true
}

// condition renders one conditions-dialect comparison: nested fields with
// "/", strings double-quoted, datetimes in [brackets].
func (c *Client) condition(f Filter) (string, error) {
	field := strings.ReplaceAll(f.Field, ".", "/")
	ops := map[Op]string{OpEq: "=", OpNe: "!=", OpGt: ">", OpGte: ">=", OpLt: "<", OpLte: "<=", OpContains: "contains", OpIn: "in"}
	op, ok := ops[f.Op]
	if !ok {
		return "", configError("filter", "operator %q is not supported by the conditions dialect", f.Op)
	}
	if f.Op == OpIn {
		vals := toSlice(f.Value)
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = c.conditionLiteral(v)
		}
		return fmt.Sprintf("%s in (%s)", field, strings.Join(parts, ",")), nil
	}
	return fmt.Sprintf("%s %s %s", field, op, c.conditionLiteral(f.Value)), nil
}

func (c *Client) conditionLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return `"` + strings.ReplaceAll(strings.ReplaceAll(x, `\`, `\\`), `"`, `\"`) + `"`
	case time.Time:
		return "[" + x.UTC().Format(c.timeLayout("")) + "]"
	case bool:
		return strconv.FormatBool(x)
	default:
		return IDString(x)
	}
}

// plainValue prints a value for a query parameter.
func (c *Client) plainValue(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(c.timeLayout(""))
	}
	return IDString(v)
}

func (c *Client) listValues(v any) []string {
	vals := toSlice(v)
	out := make([]string, len(vals))
	for i, x := range vals {
		out[i] = c.plainValue(x)
	}
	return out
}

// jsonValue prepares a value for a JSON body (times formatted).
func (c *Client) jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(c.timeLayout(""))
	case []any, []string, []int, []int64, []float64:
		vals := toSlice(x)
		out := make([]any, len(vals))
		for i, el := range vals {
			out[i] = c.jsonValue(el)
		}
		return out
	}
	return v
}

func toSlice(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []int:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []int64:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []float64:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

// encode puts the conditions fragments into the query parameters: several
// fragments of one parameter are and-ed (parenthesised when they hold an
// "or").
func (lf *listFilters) encode() url.Values {
	q := url.Values{}
	for k, vs := range lf.params {
		q[k] = append([]string(nil), vs...)
	}
	for k, frags := range lf.fragments {
		if len(frags) == 1 {
			q.Set(k, frags[0])
			continue
		}
		parts := make([]string, len(frags))
		for i, f := range frags {
			if strings.Contains(strings.ToLower(f), " or ") {
				f = "(" + f + ")"
			}
			parts[i] = f
		}
		q.Set(k, strings.Join(parts, " and "))
	}
	return q
}
