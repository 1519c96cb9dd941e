// Package format rewrites mapping files in their canonical layout (the
// layout `mapsync fmt` writes): hclwrite's formatting (indentation,
// aligned equals signs, spacing inside expressions) and exactly one
// newline at the end of the file. Only layout changes: comments, the order
// of blocks and attributes and every value stay as written.
package format

import (
	"bytes"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/pmezard/go-difflib/difflib"
)

// Source formats one mapping file. A file that does not parse is not
// rewritten: the diagnostics say where (file name as given, line, column),
// and the output is nil.
func Source(name string, src []byte) ([]byte, hcl.Diagnostics) {
	_, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		// The first syntax error is the real one; what follows it cascades.
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				return nil, hcl.Diagnostics{d}
			}
		}
	}
	out := hclwrite.Format(src)
	out = bytes.TrimRight(out, " \t\r\n")
	if len(out) == 0 {
		return []byte{}, nil
	}
	return append(out, '\n'), nil
}

// Diff is a unified diff of two texts (empty when they are equal), with
// three lines of context, as `diff -u` prints it.
func Diff(fromName, toName string, from, to []byte) string {
	if bytes.Equal(from, to) {
		return ""
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: lines(from), B: lines(to),
		FromFile: fromName, ToFile: toName, Context: 3,
	})
	if err != nil { // writes to a strings.Builder do not fail
		return err.Error()
	}
	if d != "" && !strings.HasSuffix(d, "\n") {
		d += "\n"
	}
	return d
}

// lines splits a text after each newline; a last line without one gets it.
func lines(b []byte) []string {
	out := strings.SplitAfter(string(b), "\n")
	if out[len(out)-1] == "" {
		out = out[:len(out)-1]
	} else {
		out[len(out)-1] += "\n"
	}
	return out
}
