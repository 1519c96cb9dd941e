package exprenv

import (
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"
)

// RelatedVar is the variable of to_canonical programs that reads a
// related record: related(lookup, id) is the row of the system's lookup
// (read once per run, all pages) whose id equals id, or nil. The row is
// the record as the lookup's list returns it, so any of its members can
// be read: related('product', record.productID)?.manufacturerName.
const RelatedVar = "related"

// RelatedFunc is the run-time value of related: lookup name and id to
// row (nil when the lookup has no row of that id).
type RelatedFunc func(lookup string, id any) map[string]any

var relatedType = types.TypeOf(RelatedFunc(nil))

// noRelated is related when the caller gives none: every record is
// unknown.
func noRelated(string, any) map[string]any { return nil }

// RelatedCall is one call of related in a program.
type RelatedCall struct {
	// Lookup is the lookup named; "" when the first argument is not a
	// string literal (which the loader refuses: the name must be known
	// when the files are loaded).
	Lookup string
	Offset int // runes from the start of the program: of the lookup's name, else of related
	Length int // runes covered, at least 1
}

// RelatedCalls lists the calls of related in a program, in source order.
// A program that does not parse has none (Compile reports it).
func RelatedCalls(src string) []RelatedCall {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	v := &relatedFinder{src: src}
	ast.Walk(&tree.Node, v)
	return v.calls
}

type relatedFinder struct {
	src   string
	calls []RelatedCall
}

func (v *relatedFinder) Visit(n *ast.Node) {
	call, ok := (*n).(*ast.CallNode)
	if !ok {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != RelatedVar {
		return
	}
	c := RelatedCall{Length: utf8.RuneCountInString(RelatedVar)}
	at := id.Location()
	if len(call.Arguments) > 0 {
		if s, ok := call.Arguments[0].(*ast.StringNode); ok {
			at = s.Location()
			c.Lookup = s.Value
			c.Length = utf8.RuneCountInString(s.Value) + 2
		}
	}
	c.Offset = at.From
	if c.Offset < 0 {
		c.Offset = 0
	}
	v.calls = append(v.calls, c)
}

// relatedKind reports whether programs of a kind see related.
func relatedKind(k Kind) bool { return k == ToCanonical }
