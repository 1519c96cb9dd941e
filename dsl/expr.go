package dsl

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl/exprenv"
)

// Expr is a per-record expression (an expr-lang program) written as a string
// attribute. It is compiled during validation; Program is then set.
type Expr struct {
	Source  string
	Attr    string    // attribute name, e.g. "to_canonical"
	Range   hcl.Range // the string literal holding the program
	Program *exprenv.Program
}

func decodeExpr(attr *hcl.Attribute) (*Expr, hcl.Diagnostics) {
	if len(attr.Expr.Variables()) > 0 {
		return nil, hcl.Diagnostics{errorAt(attr.Expr.Range(), "Expression must be a string",
			"%s is a program written inside a string, for example %s = \"record.type == 'Server'\" (use single quotes for text inside it).", attr.Name, attr.Name)}
	}
	s, diags := decodeString(attr)
	if diags.HasErrors() {
		return nil, diags
	}
	return &Expr{Source: s, Attr: attr.Name, Range: attr.Expr.Range()}, diags
}

// exprDiagnostic turns a compile error into a diagnostic that points inside
// the string, at the column expr reports, when the program text can be found
// verbatim in the file (no escape sequences); otherwise at the whole string.
func exprDiagnostic(files map[string]*hcl.File, e *Expr, ce *exprenv.CompileError, summary, context string) *hcl.Diagnostic {
	subject := e.Range
	if f, ok := files[e.Range.Filename]; ok && f != nil {
		if r, ok := rangeInside(f.Bytes, e.Range, e.Source, ce.Offset, ce.Length); ok {
			subject = r
		}
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   context + ": " + sentence(ce.Message),
		Subject:  &subject,
		Context:  e.Range.Ptr(),
	}
}

// rangeInside finds src (the decoded program) in the raw bytes of rng and
// returns the range of runes [offset, offset+length) of src in the file.
func rangeInside(file []byte, rng hcl.Range, src string, offset, length int) (hcl.Range, bool) {
	if rng.Start.Byte < 0 || rng.End.Byte > len(file) || rng.Start.Byte > rng.End.Byte {
		return hcl.Range{}, false
	}
	raw := file[rng.Start.Byte:rng.End.Byte]
	idx := bytes.Index(raw, []byte(src))
	if idx < 0 || src == "" {
		return hcl.Range{}, false
	}
	startByte := rng.Start.Byte + idx + runeBytes(src, offset)
	endByte := rng.Start.Byte + idx + runeBytes(src, offset+max(length, 1))
	if endByte <= startByte { // error at the very end of the program
		endByte = startByte
	}
	start := advance(file, rng.Start, startByte)
	end := advance(file, start, endByte)
	return hcl.Range{Filename: rng.Filename, Start: start, End: end}, true
}

// runeBytes returns the byte length of the first n runes of s.
func runeBytes(s string, n int) int {
	b := 0
	for i := 0; i < n && b < len(s); i++ {
		_, size := utf8.DecodeRuneInString(s[b:])
		b += size
	}
	return b
}

// advance moves a position forward to byte offset to, counting lines and
// columns (one column per character).
func advance(file []byte, from hcl.Pos, to int) hcl.Pos {
	p := from
	for p.Byte < to && p.Byte < len(file) {
		r, size := utf8.DecodeRune(file[p.Byte:])
		p.Byte += size
		if r == '\n' {
			p.Line++
			p.Column = 1
		} else {
			p.Column++
		}
	}
	return p
}

// sentence ends a message with a full stop unless it already ends with
// punctuation.
func sentence(s string) string {
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".?!") {
		return s
	}
	return s + "."
}
