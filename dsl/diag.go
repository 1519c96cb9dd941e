package dsl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl/internal/suggest"
)

func errorAt(rng hcl.Range, summary, detail string, args ...any) *hcl.Diagnostic {
	r := rng
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: &r}
}

func warningAt(rng hcl.Range, summary, detail string, args ...any) *hcl.Diagnostic {
	r := rng
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: &r}
}

// at formats a range as FILE:LINE for "already declared at" messages.
func at(rng hcl.Range) string {
	return fmt.Sprintf("%s:%d", rng.Filename, rng.Start.Line)
}

// duplicate reports a second declaration of a name, citing the first.
func duplicate(kind, name string, first, second hcl.Range) *hcl.Diagnostic {
	return errorAt(second, "Duplicate "+kind, "%s %s named %q was already declared at %s. Names must be unique.", article(kind), kind, name, at(first))
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "An"
	}
	return "A"
}

// unknownName reports a reference to a name that is not declared, with a
// did-you-mean when a declared name is close.
func unknownName(rng hcl.Range, summary, what, name string, known []string) *hcl.Diagnostic {
	detail := fmt.Sprintf("There is no %s named %q.", what, name)
	if hint := suggest.Hint(name, known); hint != "" {
		detail += hint
	} else if len(known) > 0 && len(known) <= 12 {
		detail += " Declared: " + quoteList(known) + "."
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

func quoteList(names []string) string {
	s := append([]string(nil), names...)
	sort.Strings(s)
	q := make([]string, len(s))
	for i, n := range s {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SortDiagnostics orders diagnostics by file, line and column (diagnostics
// without a range first), so output is stable whatever order files were read.
func SortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		case a.Start.Line != b.Start.Line:
			return a.Start.Line < b.Start.Line
		default:
			return a.Start.Column < b.Start.Column
		}
	})
}

// decodeUnique decodes every block of type typ (all blocks when typ is "")
// with decode and keeps them in order, reporting a second block with the
// same name as a duplicate of the first.
func decodeUnique[T any](blocks hcl.Blocks, typ, kind string, decode func(*hcl.Block) (T, hcl.Diagnostics), name func(T) (string, hcl.Range)) ([]T, hcl.Diagnostics) {
	var out []T
	var diags hcl.Diagnostics
	first := map[string]hcl.Range{}
	for _, b := range blocks {
		if typ != "" && b.Type != typ {
			continue
		}
		v, d := decode(b)
		diags = append(diags, d...)
		n, r := name(v)
		if prev, dup := first[n]; dup {
			diags = append(diags, duplicate(kind, n, prev, r))
			continue
		}
		first[n] = r
		out = append(out, v)
	}
	return out, diags
}

// unclosedBlock sharpens the parser's "Unclosed configuration block", which
// points at the outermost block left open (the system), when the brace
// really missing is an inner block's: it looks for the first block whose
// closing brace is indented differently from its opening line (the brace
// that closes it belongs to an enclosing block) and points there.
func unclosedBlock(src []byte, d *hcl.Diagnostic) *hcl.Diagnostic {
	if d.Summary != "Unclosed configuration block" || d.Subject == nil {
		return d
	}
	type open struct{ line, indent, col, byte int }
	var stack []open
	offset := 0
	for i, line := range strings.Split(string(src), "\n") {
		lineStart := offset
		offset += len(line) + 1
		text := line
		if c := strings.Index(text, "#"); c >= 0 && !strings.Contains(text[:c], `"`) {
			text = text[:c]
		}
		trimmed := strings.TrimSpace(text)
		indent := len(text) - len(strings.TrimLeft(text, " \t"))
		switch {
		case strings.HasSuffix(trimmed, "{") && !strings.HasPrefix(trimmed, "}"):
			stack = append(stack, open{line: i + 1, indent: indent, col: indent + 1, byte: lineStart + indent})
		case trimmed == "}" && len(stack) > 0:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.indent != indent {
				fixed := *d
				r := *d.Subject
				r.Start = hcl.Pos{Line: top.line, Column: top.col, Byte: top.byte}
				r.End = r.Start
				fixed.Subject = &r
				fixed.Detail = fmt.Sprintf("This block seems to have no closing brace: the one at line %d is indented like an enclosing block's.", i+1)
				return &fixed
			}
		}
	}
	return d
}
