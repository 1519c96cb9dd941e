package connectwise

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Conditions is a parsed ConnectWise `conditions` (or `childConditions`)
// expression.
//
// Grammar (keywords are case-insensitive):
//
//	expr       = and { "or" and }
//	and        = unary { "and" unary }
//	unary      = "not" unary | "(" expr ")" | comparison
//	comparison = path op value
//	           | path ["not"] "in" "(" value { "," value } ")"
//	op         = "=" | "!=" | "<" | "<=" | ">" | ">=" | ["not"] "like" | ["not"] "contains"
//	path       = name { "/" name }           e.g. company/id, _info/lastUpdated
//	value      = "double" | 'single' | number | true | false | null | [2026-01-01T00:00:00Z]
//
// Semantics, as far as they are known from ConnectWise's SQL back end:
// string comparisons ignore case; `like` takes `*` and `%` as wildcards
// for any run of characters; a path through an array (types/name) matches
// when any element matches; a missing or null field matches only `= null`
// and satisfies `!= null` (SQL NULL rules: every other comparison with it
// is false, negated ones too).
type Conditions struct {
	src  string
	root node
}

// ConditionError is a syntax error with its 1-based character position.
type ConditionError struct {
	Pos int
	Msg string
}

// Error renders "at position N: message".
func (e *ConditionError) Error() string {
	return fmt.Sprintf("at position %d: %s", e.Pos, e.Msg)
}

// ParseConditions parses a conditions expression.
func ParseConditions(src string) (*Conditions, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	if p.peek().kind == tEOF {
		return nil, p.errAt(p.peek(), "empty expression")
	}
	root, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, fmt.Sprintf("unexpected %s after a complete expression; join conditions with 'and' or 'or'", t.describe()))
	}
	return &Conditions{src: src, root: root}, nil
}

// String returns the source text.
func (c *Conditions) String() string { return c.src }

// Match reports whether a record (a decoded JSON object) satisfies the
// conditions.
func (c *Conditions) Match(rec map[string]any) bool { return c.root.eval(env{rec: rec}) }

// MatchChild evaluates childConditions: the record matches when one element
// of the array the paths start with (e.g. communicationItems) satisfies the
// whole expression on its own.
func (c *Conditions) MatchChild(rec map[string]any) bool {
	roots := c.Roots()
	if len(roots) != 1 {
		return false
	}
	arr, _ := rec[roots[0]].([]any)
	for _, el := range arr {
		m, ok := el.(map[string]any)
		if ok && c.root.eval(env{rec: rec, bindName: roots[0], bind: m}) {
			return true
		}
	}
	return false
}

// Paths returns every field path the expression names.
func (c *Conditions) Paths() [][]string {
	var out [][]string
	c.root.paths(&out)
	return out
}

// Roots returns the distinct first segments of the paths, in order of
// appearance.
func (c *Conditions) Roots() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range c.Paths() {
		if !seen[p[0]] {
			seen[p[0]] = true
			out = append(out, p[0])
		}
	}
	return out
}

// Rewrite replaces a path's first segment when alias returns a
// replacement (used for lastUpdated → _info/lastUpdated).
func (c *Conditions) Rewrite(alias func(path []string) []string) {
	c.root.rewrite(alias)
}

// ---- lexer ----

type tokKind int

const (
	tEOF tokKind = iota
	tPath
	tString
	tNumber
	tDate
	tOp // = != < <= > >=
	tLParen
	tRParen
	tComma
	tAnd
	tOr
	tNot
	tLike
	tContains
	tIn
	tTrue
	tFalse
	tNull
)

type token struct {
	kind tokKind
	text string // path, operator, string contents, number or date text
	pos  int    // 1-based character position
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return fmt.Sprintf("string %q", t.text)
	case tPath:
		return fmt.Sprintf("%q", t.text)
	case tDate:
		return "[" + t.text + "]"
	}
	return fmt.Sprintf("%q", t.text)
}

var keywords = map[string]tokKind{
	"and": tAnd, "or": tOr, "not": tNot, "like": tLike, "contains": tContains,
	"in": tIn, "true": tTrue, "false": tFalse, "null": tNull,
}

func lex(src string) ([]token, error) {
	if !utf8.ValidString(src) {
		return nil, &ConditionError{Pos: 1, Msg: "conditions are not valid UTF-8"}
	}
	var toks []token
	runes := []rune(src)
	for i := 0; i < len(runes); {
		r := runes[i]
		pos := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(':
			toks = append(toks, token{tLParen, "(", pos})
			i++
		case r == ')':
			toks = append(toks, token{tRParen, ")", pos})
			i++
		case r == ',':
			toks = append(toks, token{tComma, ",", pos})
			i++
		case r == '=':
			toks = append(toks, token{tOp, "=", pos})
			i++
		case r == '!':
			if i+1 < len(runes) && runes[i+1] == '=' {
				toks = append(toks, token{tOp, "!=", pos})
				i += 2
			} else {
				return nil, &ConditionError{pos, "'!' must be followed by '=' (use != or not)"}
			}
		case r == '<' || r == '>':
			op := string(r)
			i++
			if i < len(runes) && runes[i] == '=' {
				op += "="
				i++
			}
			toks = append(toks, token{tOp, op, pos})
		case r == '"' || r == '\'':
			s, n, err := lexString(runes[i:], pos)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tString, s, pos})
			i += n
		case r == '[':
			j := i + 1
			for j < len(runes) && runes[j] != ']' {
				j++
			}
			if j == len(runes) {
				return nil, &ConditionError{pos, "unterminated date: '[' without ']'"}
			}
			toks = append(toks, token{tDate, strings.TrimSpace(string(runes[i+1 : j])), pos})
			i = j + 1
		case r == '-' || r == '.' || unicode.IsDigit(r):
			j := i + 1
			for j < len(runes) && (unicode.IsDigit(runes[j]) || runes[j] == '.') {
				j++
			}
			if j < len(runes) && isNameRune(runes[j]) {
				return nil, &ConditionError{pos, fmt.Sprintf("malformed number %q; string values must be quoted", string(runes[i:j+1]))}
			}
			toks = append(toks, token{tNumber, string(runes[i:j]), pos})
			i = j
		case isNameStart(r):
			j := i + 1
			for j < len(runes) && (isNameRune(runes[j]) || runes[j] == '/') {
				j++
			}
			word := string(runes[i:j])
			if k, ok := keywords[strings.ToLower(word)]; ok {
				toks = append(toks, token{k, word, pos})
			} else {
				if strings.HasSuffix(word, "/") || strings.Contains(word, "//") {
					return nil, &ConditionError{pos, fmt.Sprintf("malformed field path %q", word)}
				}
				toks = append(toks, token{tPath, word, pos})
			}
			i = j
		default:
			return nil, &ConditionError{pos, fmt.Sprintf("unexpected character %q", r)}
		}
	}
	toks = append(toks, token{tEOF, "", len(runes) + 1})
	return toks, nil
}

func isNameStart(r rune) bool { return r == '_' || r < 128 && unicode.IsLetter(r) }
func isNameRune(r rune) bool  { return isNameStart(r) || r < 128 && unicode.IsDigit(r) }

// lexString reads a quoted string starting at runes[0]; a backslash
// escapes the next character and a doubled quote stands for one quote.
func lexString(runes []rune, pos int) (string, int, error) {
	q := runes[0]
	var b strings.Builder
	for i := 1; i < len(runes); i++ {
		switch r := runes[i]; {
		case r == '\\' && i+1 < len(runes):
			b.WriteRune(runes[i+1])
			i++
		case r == q:
			if i+1 < len(runes) && runes[i+1] == q {
				b.WriteRune(q)
				i++
				continue
			}
			return b.String(), i + 1, nil
		default:
			b.WriteRune(r)
		}
	}
	return "", 0, &ConditionError{pos, fmt.Sprintf("unterminated string: missing closing %c", q)}
}

// ---- parser ----

type parser struct {
	src  string
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token, msg string) error { return &ConditionError{Pos: t.pos, Msg: msg} }

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 100

func (p *parser) expr(depth int) (node, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tOr {
		p.next()
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = &orNode{left, right}
	}
	return left, nil
}

func (p *parser) and(depth int) (node, error) {
	left, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tAnd {
		p.next()
		right, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		left = &andNode{left, right}
	}
	return left, nil
}

func (p *parser) unary(depth int) (node, error) {
	if depth > maxDepth {
		return nil, p.errAt(p.peek(), fmt.Sprintf("expression nested deeper than %d levels", maxDepth))
	}
	switch t := p.peek(); t.kind {
	case tNot:
		p.next()
		e, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &notNode{e}, nil
	case tLParen:
		p.next()
		e, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errAt(c, fmt.Sprintf("expected ')' to close the '(' at position %d, found %s", t.pos, c.describe()))
		}
		return e, nil
	case tPath:
		return p.comparison()
	case tEOF:
		return nil, p.errAt(t, "expected a condition such as name = \"value\", found end of input")
	default:
		return nil, p.errAt(t, fmt.Sprintf("expected a field name, found %s", t.describe()))
	}
}

func (p *parser) comparison() (node, error) {
	pt := p.next()
	c := &cmpNode{path: strings.Split(pt.text, "/"), pos: pt.pos}
	opTok := p.next()
	switch opTok.kind {
	case tOp:
		c.op = opTok.text
	case tLike:
		c.op = "like"
	case tContains:
		c.op = "contains"
	case tIn:
		c.op = "in"
	case tNot:
		nt := p.next()
		switch nt.kind {
		case tLike:
			c.op = "like"
		case tContains:
			c.op = "contains"
		case tIn:
			c.op = "in"
		default:
			return nil, p.errAt(nt, fmt.Sprintf("expected like, contains or in after 'not', found %s", nt.describe()))
		}
		c.neg = true
	default:
		return nil, p.errAt(opTok, fmt.Sprintf("expected an operator (=, !=, <, <=, >, >=, like, contains, in) after %q, found %s", pt.text, opTok.describe()))
	}
	if c.op == "in" {
		if t := p.next(); t.kind != tLParen {
			return nil, p.errAt(t, fmt.Sprintf("expected '(' after 'in', found %s", t.describe()))
		}
		for {
			v, err := p.value(c.op)
			if err != nil {
				return nil, err
			}
			c.list = append(c.list, v)
			t := p.next()
			if t.kind == tRParen {
				break
			}
			if t.kind != tComma {
				return nil, p.errAt(t, fmt.Sprintf("expected ',' or ')' in the 'in' list, found %s", t.describe()))
			}
		}
		return c, nil
	}
	v, err := p.value(c.op)
	if err != nil {
		return nil, err
	}
	if (c.op == "like" || c.op == "contains") && v.kind != litString {
		return nil, &ConditionError{v.pos, fmt.Sprintf("%s needs a quoted string, found %s", c.op, v.describe())}
	}
	if v.kind == litNull && c.op != "=" && c.op != "!=" {
		return nil, &ConditionError{v.pos, fmt.Sprintf("null can only be compared with = or !=, not %s", c.op)}
	}
	c.val = v
	return c, nil
}

func (p *parser) value(op string) (literal, error) {
	t := p.next()
	l := literal{pos: t.pos}
	switch t.kind {
	case tString:
		l.kind, l.s = litString, t.text
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) {
			return l, p.errAt(t, fmt.Sprintf("malformed number %q: numbers are digits with an optional '-' and decimal point", t.text))
		}
		l.kind, l.n, l.s = litNumber, f, t.text
	case tTrue, tFalse:
		l.kind, l.b = litBool, t.kind == tTrue
	case tNull:
		l.kind = litNull
	case tDate:
		tm, err := parseCWTime(t.text)
		if err != nil {
			return l, p.errAt(t, fmt.Sprintf("malformed date [%s]: use [2026-01-01T00:00:00Z]", t.text))
		}
		l.kind, l.t, l.s = litDate, tm, t.text
	case tPath:
		return l, p.errAt(t, fmt.Sprintf("expected a value after %s, found the bare word %q: string values must be quoted, dates written in [brackets]", op, t.text))
	case tEOF:
		return l, p.errAt(t, fmt.Sprintf("expected a value after %s, found end of input", op))
	default:
		return l, p.errAt(t, fmt.Sprintf("expected a value after %s, found %s", op, t.describe()))
	}
	return l, nil
}

// fastUTC reads "2006-01-02T15:04:05Z" into Unix seconds without
// allocating; ok is false for any other layout.
func fastUTC(s string) (int64, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return 0, false
	}
	n := func(i, j int) (int, bool) {
		v := 0
		for k := i; k < j; k++ {
			c := s[k]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := n(0, 4)
	mo, ok2 := n(5, 7)
	d, ok3 := n(8, 10)
	h, ok4 := n(11, 13)
	mi, ok5 := n(14, 16)
	se, ok6 := n(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59 {
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, se, 0, time.UTC)
	if t.Day() != d { // February 30th and the like
		return 0, false
	}
	return t.Unix(), true
}

// parseCWTime accepts RFC 3339 and a bare date (midnight UTC).
func parseCWTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}
