package dsl_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"mapsync/engine"
)

// fixtureRoot holds valid/ and invalid/ mapping sets. Each set is a folder of
// .hcl files; an expected.txt beside them lists the diagnostics loading must
// give, in order, one per line:
//
//	file.hcl:LINE:COL: error|warning: Summary
//	    text the detail must contain (optional, indented)
//
// A set without expected.txt must load and compile without any diagnostic.
const fixtureRoot = "../testdata/mappings"

type wantDiag struct {
	header  string
	details []string
}

func TestFixtures(t *testing.T) {
	for _, kind := range []string{"valid", "invalid"} {
		sets, err := os.ReadDir(filepath.Join(fixtureRoot, kind))
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range sets {
			if !set.IsDir() {
				continue
			}
			dir := filepath.Join(fixtureRoot, kind, set.Name())
			t.Run(kind+"/"+set.Name(), func(t *testing.T) {
				want := readExpected(t, filepath.Join(dir, "expected.txt"))
				got := loadAndCompile(dir)
				if kind == "valid" && got.HasErrors() {
					t.Errorf("a valid set must load without errors")
				}
				if kind == "invalid" && (!got.HasErrors() || len(want) == 0) {
					t.Errorf("an invalid set must give errors and list them in expected.txt")
				}
				compareDiagnostics(t, dir, got, want)
			})
		}
	}
}

// loadAndCompile loads a set the way validate does (engine.LoadDir: the
// language's checks, compilation, then the runtime's own checks).
func loadAndCompile(dir string) hcl.Diagnostics {
	return engine.LoadDir(dir).Diags
}

func header(dir string, d *hcl.Diagnostic) string {
	sev := "error"
	if d.Severity == hcl.DiagWarning {
		sev = "warning"
	}
	loc := "-"
	if d.Subject != nil {
		rel, err := filepath.Rel(dir, d.Subject.Filename)
		if err != nil {
			rel = d.Subject.Filename
		}
		loc = fmt.Sprintf("%s:%d:%d", rel, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	return fmt.Sprintf("%s: %s: %s", loc, sev, d.Summary)
}

func compareDiagnostics(t *testing.T, dir string, got hcl.Diagnostics, want []wantDiag) {
	t.Helper()
	var gotLines []string
	for _, d := range got {
		gotLines = append(gotLines, header(dir, d)+"\n    "+d.Detail)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(got), len(want), strings.Join(gotLines, "\n"))
	}
	for i, d := range got {
		if h := header(dir, d); h != want[i].header {
			t.Errorf("diagnostic %d:\n got  %s\n want %s\n (detail: %s)", i+1, h, want[i].header, d.Detail)
			continue
		}
		for _, sub := range want[i].details {
			if !strings.Contains(d.Detail, sub) {
				t.Errorf("diagnostic %d (%s): detail %q does not contain %q", i+1, want[i].header, d.Detail, sub)
			}
		}
	}
}

func readExpected(t *testing.T, path string) []wantDiag {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []wantDiag
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t"):
			if len(out) == 0 {
				t.Fatalf("%s: detail line before any diagnostic", path)
			}
			out[len(out)-1].details = append(out[len(out)-1].details, strings.TrimSpace(line))
		default:
			out = append(out, wantDiag{header: line})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
