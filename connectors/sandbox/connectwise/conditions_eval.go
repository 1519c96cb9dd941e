package connectwise

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

type litKind int

const (
	litString litKind = iota
	litNumber
	litBool
	litNull
	litDate
)

type literal struct {
	kind litKind
	s    string
	n    float64
	b    bool
	t    time.Time
	pos  int
}

func (l literal) describe() string {
	switch l.kind {
	case litNumber:
		return "the number " + l.s
	case litBool:
		return fmt.Sprintf("the boolean %v", l.b)
	case litNull:
		return "null"
	case litDate:
		return "the date [" + l.s + "]"
	}
	return fmt.Sprintf("the string %q", l.s)
}

type env struct {
	rec      map[string]any
	bindName string         // childConditions: the array being iterated
	bind     map[string]any // and its current element
}

type node interface {
	eval(e env) bool
	paths(out *[][]string)
	rewrite(alias func([]string) []string)
}

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ e node }

func (n *andNode) eval(e env) bool { return n.l.eval(e) && n.r.eval(e) }
func (n *orNode) eval(e env) bool  { return n.l.eval(e) || n.r.eval(e) }
func (n *notNode) eval(e env) bool { return !n.e.eval(e) }

func (n *andNode) paths(o *[][]string) { n.l.paths(o); n.r.paths(o) }
func (n *orNode) paths(o *[][]string)  { n.l.paths(o); n.r.paths(o) }
func (n *notNode) paths(o *[][]string) { n.e.paths(o) }

func (n *andNode) rewrite(a func([]string) []string) { n.l.rewrite(a); n.r.rewrite(a) }
func (n *orNode) rewrite(a func([]string) []string)  { n.l.rewrite(a); n.r.rewrite(a) }
func (n *notNode) rewrite(a func([]string) []string) { n.e.rewrite(a) }

type cmpNode struct {
	path []string
	op   string // = != < <= > >= like contains in
	neg  bool   // not like / not contains / not in
	val  literal
	list []literal
	pos  int
}

func (n *cmpNode) paths(o *[][]string) { *o = append(*o, n.path) }
func (n *cmpNode) rewrite(a func([]string) []string) {
	if p := a(n.path); p != nil {
		n.path = p
	}
}

func (n *cmpNode) eval(e env) bool {
	root, path := e.rec, n.path
	if e.bind != nil && n.path[0] == e.bindName {
		root, path = e.bind, n.path[1:]
	}
	if v, ok := lookupScalar(root, path); ok { // the common case, no allocation
		return n.test(v)
	}
	vals := resolve(root, path, nil)
	if len(vals) == 0 {
		vals = []any{nil}
	}
	for _, v := range vals {
		if n.test(v) {
			return true
		}
	}
	return false
}

// lookupScalar follows path through objects only; ok is false when it
// meets an array (resolve handles those).
func lookupScalar(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, p := range path {
		obj, isObj := cur.(map[string]any)
		if !isObj {
			if _, isArr := cur.([]any); isArr {
				return nil, false
			}
			return nil, true // a scalar has no fields: null
		}
		v, ok := obj[p]
		if !ok {
			return nil, true
		}
		cur = v
	}
	if _, isArr := cur.([]any); isArr {
		return nil, false
	}
	return cur, true
}

// resolve collects the values at path, descending into arrays.
func resolve(v any, path []string, out []any) []any {
	if len(path) == 0 {
		if arr, ok := v.([]any); ok {
			return append(out, arr...)
		}
		return append(out, v)
	}
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[path[0]]
		if !ok {
			return out
		}
		return resolve(child, path[1:], out)
	case []any:
		for _, el := range x {
			out = resolve(el, path, out)
		}
	}
	return out
}

func (n *cmpNode) test(v any) bool {
	if n.op == "in" {
		if v == nil {
			return false
		}
		for _, l := range n.list {
			if l.kind != litNull && compare(v, l) == 0 {
				return !n.neg
			}
		}
		return n.neg
	}
	if n.val.kind == litNull {
		if n.op == "=" {
			return v == nil
		}
		return v != nil
	}
	if v == nil {
		return false
	}
	switch n.op {
	case "like":
		s, ok := asString(v)
		return ok && likeMatch(strings.ToLower(n.val.s), strings.ToLower(s)) != n.neg
	case "contains":
		s, ok := asString(v)
		return ok && strings.Contains(strings.ToLower(s), strings.ToLower(n.val.s)) != n.neg
	}
	if n.val.kind == litString && (n.op == "=" || n.op == "!=") {
		s, ok := asString(v)
		return ok && strings.EqualFold(s, n.val.s) == (n.op == "=")
	}
	c := compare(v, n.val)
	switch n.op {
	case "=":
		return c == 0
	case "!=":
		return c != 0 && c != incomparable
	case "<":
		return c == -1
	case "<=":
		return c == -1 || c == 0
	case ">":
		return c == 1
	case ">=":
		return c == 1 || c == 0
	}
	return false
}

const incomparable = 2

// compare orders a record value against a literal: -1, 0, 1, or
// incomparable when the types do not meet.
func compare(v any, l literal) int {
	switch l.kind {
	case litNumber:
		f, ok := asNumber(v)
		if !ok {
			return incomparable
		}
		return cmp3(f < l.n, f > l.n)
	case litBool:
		b, ok := v.(bool)
		if !ok {
			return incomparable
		}
		return cmp3(!b && l.b, b && !l.b)
	case litDate:
		s, ok := v.(string)
		if !ok {
			return incomparable
		}
		if sec, ok := fastUTC(s); ok { // ConnectWise's own layout, no allocation
			ls, ln := l.t.Unix(), l.t.Nanosecond()
			return cmp3(sec < ls || sec == ls && ln > 0, sec > ls)
		}
		t, err := parseCWTime(s)
		if err != nil {
			return incomparable
		}
		return cmp3(t.Before(l.t), t.After(l.t))
	case litString:
		s, ok := asString(v)
		if !ok {
			return incomparable
		}
		if strings.EqualFold(s, l.s) {
			return 0
		}
		a, b := strings.ToLower(s), strings.ToLower(l.s)
		return cmp3(a < b, a > b)
	}
	return incomparable
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// likeMatch matches s against a pattern where '*' and '%' stand for any
// run of characters. Both are lower-cased by the caller.
func likeMatch(pat, s string) bool {
	// Iterative wildcard matching with backtracking to the last star.
	p, i, star, mark := 0, 0, -1, 0
	pr, sr := []rune(pat), []rune(s)
	for i < len(sr) {
		switch {
		case p < len(pr) && (pr[p] == '*' || pr[p] == '%'):
			star, mark = p, i
			p++
		case p < len(pr) && pr[p] == sr[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pr) && (pr[p] == '*' || pr[p] == '%') {
		p++
	}
	return p == len(pr)
}
