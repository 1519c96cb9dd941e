package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const unformatted = "system \"acme\" {\nrole = \"psa\"\n  base_url=\"https://acme.test\"\n}\n"
const formatted = "system \"acme\" {\n  role     = \"psa\"\n  base_url = \"https://acme.test\"\n}\n"

// fmtDir makes a directory tree of mapping files: one formatted, one not
// (in a subdirectory: fmt recurses), one that is not a mapping file.
func fmtDir(t *testing.T) (dir, bad, good string) {
	t.Helper()
	dir = t.TempDir()
	good = filepath.Join(dir, "good.hcl")
	bad = filepath.Join(dir, "sub", "bad.hcl")
	must(t, os.MkdirAll(filepath.Dir(bad), 0o755))
	must(t, os.WriteFile(good, []byte(formatted), 0o644))
	must(t, os.WriteFile(bad, []byte(unformatted), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte(unformatted), 0o644))
	return dir, bad, good
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFmtCheck(t *testing.T) {
	dir, bad, _ := fmtDir(t)
	for _, flag := range []string{"-check", "--check"} {
		code, out, errOut := runCLI("fmt", flag, dir)
		if code != exitFailure {
			t.Fatalf("%s: exit %d, want %d\n%s%s", flag, code, exitFailure, out, errOut)
		}
		if strings.TrimSpace(out) != bad {
			t.Errorf("%s lists the unformatted file only:\n%s", flag, out)
		}
		if b, _ := os.ReadFile(bad); string(b) != unformatted {
			t.Errorf("%s wrote a file", flag)
		}
	}
}

func TestFmtWritesThenChecksClean(t *testing.T) {
	dir, bad, _ := fmtDir(t)
	code, out, errOut := runCLI("fmt", dir)
	if code != exitOK || strings.TrimSpace(out) != bad {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(bad); string(b) != formatted {
		t.Errorf("not rewritten:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != unformatted {
		t.Errorf("a file that is not *.hcl was rewritten")
	}
	if code, out, _ := runCLI("fmt", "-check", dir); code != exitOK || out != "" {
		t.Errorf("after fmt, -check: exit %d\n%s", code, out)
	}
}

func TestFmtDiffWithoutWrite(t *testing.T) {
	dir, bad, _ := fmtDir(t)
	code, out, _ := runCLI("fmt", "-diff", "-write=false", dir)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--- old/" + bad, "+++ new/" + bad, "-role = \"psa\"", "+  role     = \"psa\""} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	if b, _ := os.ReadFile(bad); string(b) != unformatted {
		t.Errorf("-write=false wrote the file")
	}
}

func TestFmtSyntaxError(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "broken.hcl")
	must(t, os.WriteFile(name, []byte("system \"x\" {\n  role = \"psa\n}\n"), 0o644))
	code, _, errOut := runCLI("fmt", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d", code, exitFailure)
	}
	if !strings.HasPrefix(errOut, name+":2:14: error: ") {
		t.Errorf("syntax error without file:line:col:\n%s", errOut)
	}
}

func TestFmtUsage(t *testing.T) {
	if code, _, _ := runCLI("fmt", "-nope"); code != exitUsage {
		t.Errorf("unknown flag: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runCLI("fmt", filepath.Join(t.TempDir(), "missing")); code != exitUsage {
		t.Errorf("missing path: exit %d, want %d", code, exitUsage)
	}
}

// The shipped mapping files are formatted: `mapsync fmt -check mappings`
// passes, as CI runs it.
func TestFmtCheckShipped(t *testing.T) {
	if code, out, errOut := runCLI("fmt", "-check", "../../mappings"); code != exitOK {
		t.Errorf("exit %d: run `go run ./cmd/mapsync fmt mappings`\n%s%s", code, out, errOut)
	}
}

// fmt - reads standard input and writes the formatted text; with -check it
// writes nothing and fails when the input is not formatted.
func TestFmtStdin(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		in, want string
		code     int
	}{
		{[]string{"fmt", "-"}, unformatted, formatted, exitOK},
		{[]string{"fmt", "-"}, formatted, formatted, exitOK},
		{[]string{"fmt", "-check", "-"}, unformatted, "<stdin>\n", exitFailure},
		{[]string{"fmt", "-check", "-"}, formatted, "", exitOK},
	} {
		var out, errOut strings.Builder
		root := newRootCmd(&out, &errOut)
		root.SetIn(strings.NewReader(tc.in))
		root.SetArgs(tc.args)
		code := exitOK
		if err := root.Execute(); err != nil {
			code = exitInternal
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			}
		}
		if code != tc.code || out.String() != tc.want {
			t.Errorf("%v on %q: exit %d, out %q; want %d, %q (%s)", tc.args, tc.in, code, out.String(), tc.code, tc.want, errOut.String())
		}
	}
}
