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

// Filter dialects (plan.System.Filter).
const (
	dialectConditions = "conditions" // conditions=field op value [and ...]
	dialectJSONAPI    = "jsonapi"    // filter[field]=value
	dialectBodyFilter = "autotask"   // {"filter":[{"op","field","value"}]} in a JSON query body
	dialectQuery      = "query"      // field=value query parameters
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

// renderFilters turns the object's static query, the changed-since cursor
// (since, and until for ${until}) and the caller's filters into wire form.
func (c *Client) renderFilters(obj *plan.Object, since, until time.Time, filters []Filter) (*listFilters, error) {
	lf := &listFilters{params: url.Values{}, fragments: map[string][]string{}}
	dialect := c.sys.Filter
	keys := make([]string, 0, len(obj.Query))
	for k := range obj.Query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if dialect == dialectConditions && k == conditionsParam {
			lf.fragments[k] = append(lf.fragments[k], obj.Query[k])
			continue
		}
		lf.params.Set(k, obj.Query[k])
	}
	if cs := obj.ChangedSince; cs != nil && !since.IsZero() {
		switch cs.Mode {
		case plan.ChangedFilter:
			layout := c.timeLayout(cs.Format)
			frag := strings.ReplaceAll(cs.Template, "${cursor}", since.UTC().Format(layout))
			if !until.IsZero() {
				frag = strings.ReplaceAll(frag, "${until}", until.UTC().Format(layout))
			}
			switch {
			case dialect == dialectBodyFilter:
				var item any
				if err := json.Unmarshal([]byte(frag), &item); err != nil {
					return nil, configError("changed_since", "object %q: template is not a JSON filter item: %v", obj.Name, err)
				}
				lf.items = append(lf.items, item)
			case dialect == dialectConditions:
				lf.fragments[cs.Param] = append(lf.fragments[cs.Param], frag)
			default:
				lf.params.Add(cs.Param, frag)
			}
		case plan.ChangedSortDesc:
			// Records are read newest first; the pager stops at the watermark.
			lf.params.Set(cs.SortParam, cs.SortValue)
		}
	}
	for _, f := range filters {
		if err := c.renderFilter(lf, f); err != nil {
			return nil, err
		}
	}
	return lf, nil
}

func (c *Client) renderFilter(lf *listFilters, f Filter) error {
	bad := func(why string) error {
		return configError("filter", "filter %s %s is not supported by the %q dialect: %s", f.Field, f.Op, c.sys.Filter, why)
	}
	switch c.sys.Filter {
	case dialectConditions:
		frag, err := c.condition(f)
		if err != nil {
			return err
		}
		lf.fragments[conditionsParam] = append(lf.fragments[conditionsParam], frag)
	case dialectJSONAPI:
		key := "filter[" + f.Field + "]"
		switch f.Op {
		case OpEq:
			lf.params.Add(key, c.plainValue(f.Value))
		case OpIn:
			lf.params.Add(key, strings.Join(c.listValues(f.Value), ","))
		default:
			return bad("only eq and in")
		}
	case dialectBodyFilter:
		op, ok := map[Op]string{OpEq: "eq", OpNe: "noteq", OpGt: "gt", OpGte: "gte", OpLt: "lt", OpLte: "lte", OpIn: "in", OpContains: "contains"}[f.Op]
		if !ok {
			return bad("unknown operator")
		}
		lf.items = append(lf.items, map[string]any{"op": op, "field": f.Field, "value": c.jsonValue(f.Value)})
	case dialectQuery:
		if f.Op != OpEq {
			return bad("only eq")
		}
		lf.params.Add(f.Field, c.plainValue(f.Value))
	default:
		return bad("the system declares no filter dialect")
	}
	return nil
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
