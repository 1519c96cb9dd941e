package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl"
	"mapsync/engine"
	"mapsync/engine/plan"
)

// jsonDiagnostic is the --json form of a diagnostic, for editors and CI.
type jsonDiagnostic struct {
	Severity  string `json:"severity"` // error | warning
	Summary   string `json:"summary"`
	Detail    string `json:"detail,omitempty"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	EndLine   int    `json:"end_line,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
}

func severity(d *hcl.Diagnostic) string {
	if d.Severity == hcl.DiagWarning {
		return "warning"
	}
	return "error"
}

// writeDiagnostics prints one diagnostic per entry as
//
//	file:line:col: error: summary
//	    detail
//
// Diagnostics without a position are attributed to where (the directory).
func writeDiagnostics(w io.Writer, diags hcl.Diagnostics, where string) {
	for _, d := range diags {
		loc := where
		if d.Subject != nil {
			loc = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(w, "%s: %s: %s\n", loc, severity(d), d.Summary)
		if d.Detail != "" {
			fmt.Fprintf(w, "    %s\n", strings.ReplaceAll(d.Detail, "\n", "\n    "))
		}
	}
}

func writeDiagnosticsJSON(w io.Writer, diags hcl.Diagnostics) error {
	out := make([]jsonDiagnostic, 0, len(diags))
	for _, d := range diags {
		jd := jsonDiagnostic{Severity: severity(d), Summary: d.Summary, Detail: d.Detail}
		if d.Subject != nil {
			jd.File, jd.Line, jd.Column = d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column
			jd.EndLine, jd.EndColumn = d.Subject.End.Line, d.Subject.End.Column
		}
		out = append(out, jd)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write diagnostics: %w", err)
	}
	return nil
}

// loadPlan loads and compiles the mapping files of dir. A dir that does not
// exist is a usage error; problems in the files come back as diagnostics.
func loadPlan(dir string) (*dsl.Config, *plan.Plan, hcl.Diagnostics, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, nil, usageErr("mapping directory: %v", err)
	}
	if !st.IsDir() {
		return nil, nil, nil, usageErr("%s is not a directory", dir)
	}
	l := engine.LoadDir(dir)
	return l.Config, l.Plan, l.Diags, nil
}

func countSeverities(diags hcl.Diagnostics) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			warns++
		} else {
			errs++
		}
	}
	return errs, warns
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
