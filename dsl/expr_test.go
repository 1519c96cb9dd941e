package dsl_test

import (
	"strings"
	"testing"

	"mapsync/dsl"
)

// Expression errors point at the column inside the string, counting
// characters (not bytes), on the right line of a heredoc; with escapes in
// the string they fall back to the start of the string.
func TestExpressionPositions(t *testing.T) {
	const head = `
canonical "thing" {
  field "name" {
    type = "string"
  }
}
system "s" {
  role     = "psa"
  base_url = "https://s.example.test"
  write    = "put"
  paging "none" {}
  object "thing" {
    list_path = "/things"
    field "name" {
      path         = "name"
`
	tests := []struct {
		name, attr string
		line, col  int
	}{
		{"ascii", `      to_canonical = "trim(valeu)"`, 16, 28},
		{"after non-ascii text", `      to_canonical = "'çà' + valeu"`, 16, 30},
		{"escaped quotes", `      to_canonical = "\"x\" + valeu"`, 16, 22},
		{"heredoc", "      to_canonical = <<EOT\ncoalesce(\n  value,\n  valeu\n)\nEOT", 19, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + tt.attr + "\n    }\n  }\n}\n"
			_, diags := dsl.LoadFiles(map[string][]byte{"x.hcl": []byte(src)})
			if len(diags) != 1 || diags[0].Summary != "Invalid expression" || !strings.Contains(diags[0].Detail, "valeu") {
				t.Fatalf("want one expression error, got %s", diags.Error())
			}
			if s := diags[0].Subject; s.Start.Line != tt.line || s.Start.Column != tt.col {
				t.Errorf("at %d:%d, want %d:%d", s.Start.Line, s.Start.Column, tt.line, tt.col)
			}
		})
	}
}
