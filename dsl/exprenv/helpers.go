package exprenv

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr"
)

// Rejection is what reject(reason) returns: the field is invalid, the record
// still syncs without it, and the reason is kept for the report.
type Rejection struct {
	Reason string `json:"reason"`
}

// AsRejection reports whether a program result is a rejection.
func AsRejection(v any) (Rejection, bool) {
	switch r := v.(type) {
	case Rejection:
		return r, true
	case *Rejection:
		if r != nil {
			return *r, true
		}
	}
	return Rejection{}, false
}

// helper is one function of the environment. sig is a nil function value
// whose type tells the expr checker the parameter and result types.
type helper struct {
	name string
	fn   func(params ...any) (any, error)
	sig  any
	doc  string
}

func helpers() []helper {
	return []helper{
		{"is_mac", hIsMAC, new(func(any) bool), "is_mac(s): s holds exactly one MAC address (aa:bb:.., aa-bb-.., aabb.ccdd.eeff or 12 hex digits)"},
		{"mac", hMAC, new(func(any) string), "mac(s): the single MAC address in s as upper-case colon form AA:BB:CC:DD:EE:FF; nil for nil or \"\"; an error otherwise"},
		{"macs", hMACs, new(func(any) []string), "macs(s): every MAC address found in s (separated by , ; | or spaces), normalised"},
		{"reject", hReject, new(func(string) Rejection), "reject(reason): the field is invalid; the record syncs without it and the reason is kept"},
		{"trim", hTrim, new(func(any) string), "trim(s): s without leading and trailing white space (\"\" for nil)"},
		{"lower", hLower, new(func(any) string), "lower(s): s in lower case (\"\" for nil)"},
		{"upper", hUpper, new(func(any) string), "upper(s): s in upper case (\"\" for nil)"},
		{"digits", hDigits, new(func(any) string), "digits(s): only the digits 0-9 of s (\"\" for nil)"},
		{"coalesce", hCoalesce, new(func(...any) any), "coalesce(a, b, ...): the first argument that is neither nil nor \"\""},
		{"join", hJoin, new(func(any, string) string), "join(list, sep): the non-empty elements of list joined with sep"},
		{"split", hSplit, new(func(any, string) []string), "split(s, sep): s cut at every sep, each part trimmed, empty parts dropped"},
		{"date", hDate, new(func(any) string), "date(v): v as YYYY-MM-DD (accepts RFC 3339, YYYY-MM-DD, \"YYYY-MM-DD hh:mm:ss\", MM/DD/YYYY, time values); nil for nil or \"\""},
		{"datetime", hDateTime, new(func(any) string), "datetime(v): v as RFC 3339 in UTC (YYYY-MM-DDThh:mm:ssZ); nil for nil or \"\""},
		{"date_format", hDateFormat, new(func(any, string) string), "date_format(v, layout): v formatted with a Go time layout, in UTC"},
		{"drop_extension", hDropExtension, new(func(any) string), "drop_extension(s): a phone number without a trailing extension (x12, ext. 12, extension 12, #12), trimmed (\"\" for nil)"},
		{"date_parse", hDateParse, new(func(any, string) string), "date_parse(s, layout): s read with a Go time layout, as RFC 3339 UTC"},
	}
}

// HelperNames lists the helper functions, sorted.
func HelperNames() []string {
	var out []string
	for _, h := range helpers() {
		out = append(out, h.name)
	}
	sort.Strings(out)
	return out
}

// HelperDocs maps each helper to a one-line description (for docs and
// `mapsync` help output).
func HelperDocs() map[string]string {
	out := map[string]string{}
	for _, h := range helpers() {
		out[h.name] = h.doc
	}
	return out
}

func functionOptions() []expr.Option {
	var opts []expr.Option
	for _, h := range helpers() {
		opts = append(opts, expr.Function(h.name, h.fn, h.sig))
	}
	return opts
}

// str turns a scalar into a string; nil is "".
func str(v any) string {
	switch s := v.(type) {
	case nil:
		return ""
	case string:
		return s
	case fmt.Stringer:
		return s.String()
	case float64:
		if s == float64(int64(s)) {
			return fmt.Sprintf("%d", int64(s))
		}
	}
	return fmt.Sprint(v)
}

func empty(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

// ParseMAC returns the upper-case colon form of s when s is exactly one MAC
// address.
func ParseMAC(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var hex string
	switch {
	case len(s) == 17 && (allSep(s, ':') || allSep(s, '-')):
		hex = s[0:2] + s[3:5] + s[6:8] + s[9:11] + s[12:14] + s[15:17]
	case len(s) == 14 && s[4] == '.' && s[9] == '.':
		hex = s[0:4] + s[5:9] + s[10:14]
	case len(s) == 12:
		hex = s
	default:
		return "", false
	}
	for _, r := range hex {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return "", false
		}
	}
	hex = strings.ToUpper(hex)
	parts := make([]string, 6)
	for i := range parts {
		parts[i] = hex[2*i : 2*i+2]
	}
	return strings.Join(parts, ":"), true
}

func allSep(s string, sep byte) bool {
	for i := 2; i < len(s); i += 3 {
		if s[i] != sep {
			return false
		}
	}
	return true
}

func hIsMAC(p ...any) (any, error) {
	s, ok := p[0].(string)
	if !ok {
		return false, nil
	}
	_, ok = ParseMAC(s)
	return ok, nil
}

func hMAC(p ...any) (any, error) {
	if empty(p[0]) {
		return nil, nil
	}
	m, ok := ParseMAC(str(p[0]))
	if !ok {
		return nil, fmt.Errorf("mac: %q is not a single MAC address", str(p[0]))
	}
	return m, nil
}

func hMACs(p ...any) (any, error) {
	out := []string{}
	for _, part := range strings.FieldsFunc(str(p[0]), func(r rune) bool {
		return r == ',' || r == ';' || r == '|' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		if m, ok := ParseMAC(part); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func hReject(p ...any) (any, error) {
	return Rejection{Reason: str(p[0])}, nil
}

func hTrim(p ...any) (any, error)  { return strings.TrimSpace(str(p[0])), nil }
func hLower(p ...any) (any, error) { return strings.ToLower(str(p[0])), nil }
func hUpper(p ...any) (any, error) { return strings.ToUpper(str(p[0])), nil }

func hDigits(p ...any) (any, error) {
	var b strings.Builder
	for _, r := range str(p[0]) {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

func hCoalesce(p ...any) (any, error) {
	for _, v := range p {
		if s, ok := v.(string); ok && s == "" {
			continue
		}
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

// list turns a slice of any element type into []any; nil is an empty list.
func list(v any) ([]any, error) {
	if v == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fmt.Errorf("expected a list, got %T", v)
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}

func hJoin(p ...any) (any, error) {
	items, err := list(p[0])
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	var parts []string
	for _, it := range items {
		if s := str(it); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, str(p[1])), nil
}

func hSplit(p ...any) (any, error) {
	sep := str(p[1])
	if sep == "" {
		return nil, fmt.Errorf("split: empty separator")
	}
	out := []string{}
	for _, part := range strings.Split(str(p[0]), sep) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out, nil
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"01/02/2006",
}

// ParseTime reads the date and time formats the helpers accept.
func ParseTime(v any) (time.Time, bool, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return t.UTC(), true, nil
	case *time.Time:
		if t == nil {
			return time.Time{}, false, nil
		}
		return t.UTC(), true, nil
	}
	s := strings.TrimSpace(str(v))
	if s == "" {
		return time.Time{}, false, nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date or time", s)
}

func timeHelper(name string, p []any, layout string) (any, error) {
	t, ok, err := ParseTime(p[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !ok {
		return nil, nil
	}
	return t.Format(layout), nil
}

func hDate(p ...any) (any, error)     { return timeHelper("date", p, "2006-01-02") }
func hDateTime(p ...any) (any, error) { return timeHelper("datetime", p, time.RFC3339) }

func hDateFormat(p ...any) (any, error) {
	return timeHelper("date_format", p, str(p[1]))
}

func hDateParse(p ...any) (any, error) {
	if empty(p[0]) {
		return nil, nil
	}
	t, err := time.Parse(str(p[1]), strings.TrimSpace(str(p[0])))
	if err != nil {
		return nil, fmt.Errorf("date_parse: %w", err)
	}
	return t.UTC().Format(time.RFC3339), nil
}
