package format_test

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mapsync/dsl/format"
	"mapsync/mappings"
)

var update = flag.Bool("update", false, "rewrite the golden *.out.hcl files")

// Each testdata/fmt/NAME.in.hcl formats to NAME.out.hcl, and the golden
// output is a fixed point.
func TestGolden(t *testing.T) {
	ins, err := filepath.Glob("testdata/fmt/*.in.hcl")
	if err != nil || len(ins) < 4 {
		t.Fatalf("golden inputs: %v (%d)", err, len(ins))
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.hcl")
		t.Run(name, func(t *testing.T) {
			src := read(t, in)
			got, diags := format.Source(in, src)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			golden := strings.TrimSuffix(in, ".in.hcl") + ".out.hcl"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := read(t, golden)
			if d := format.Diff("want", "got", want, got); d != "" {
				t.Errorf("%s formats differently from %s:\n%s", in, golden, d)
			}
			if string(src) == string(want) {
				t.Errorf("%s is already formatted: the case tests nothing", in)
			}
			again, _ := format.Source(golden, want)
			if d := format.Diff("once", "twice", want, again); d != "" {
				t.Errorf("formatting %s again changes it:\n%s", golden, d)
			}
		})
	}
}

// Formatting is idempotent over every mapping file of the repository (the
// shipped set, every fixture, every golden), and the shipped mapping files
// are formatted.
func TestIdempotentOverEveryMappingFile(t *testing.T) {
	var files []string
	for _, root := range []string{"../../mappings", "../../testdata", "testdata", "../testdata"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".hcl") {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) < 40 {
		t.Fatalf("found only %d mapping files", len(files))
	}
	parsed := 0
	for _, f := range files {
		once, diags := format.Source(f, read(t, f))
		if diags.HasErrors() {
			continue // the fixtures of syntax errors
		}
		parsed++
		twice, diags := format.Source(f, once)
		if diags.HasErrors() {
			t.Errorf("%s: formatted output does not parse: %s", f, diags.Error())
			continue
		}
		if d := format.Diff("once", "twice", once, twice); d != "" {
			t.Errorf("%s: formatting is not idempotent:\n%s", f, d)
		}
	}
	if parsed < len(files)-5 {
		t.Errorf("only %d of %d files parse", parsed, len(files))
	}
}

func TestShippedMappingsAreFormatted(t *testing.T) {
	files := mappings.Files()
	if len(files) < 4 {
		t.Fatalf("only %d shipped files", len(files))
	}
	for name, src := range files {
		got, diags := format.Source(name, src)
		if diags.HasErrors() {
			t.Errorf("%s: %s", name, diags.Error())
			continue
		}
		if d := format.Diff("mappings/"+name, "formatted", src, got); d != "" {
			t.Errorf("mappings/%s is not formatted; run `go run ./cmd/mapsync fmt mappings`:\n%s", name, d)
		}
	}
}

func TestSyntaxErrorHasPosition(t *testing.T) {
	out, diags := format.Source("bad.hcl", []byte("system \"x\" {\n  role = \"psa\n}\n"))
	if out != nil || !diags.HasErrors() {
		t.Fatalf("a file that does not parse is not formatted: %q %v", out, diags)
	}
	if len(diags) != 1 {
		t.Fatalf("only the first syntax error is reported, got %d", len(diags))
	}
	r := diags[0].Subject
	if r == nil || r.Filename != "bad.hcl" || r.Start.Line != 2 || r.Start.Column != 14 {
		t.Errorf("position: %+v", r)
	}
}

func TestDiff(t *testing.T) {
	if d := format.Diff("a", "b", []byte("x\n"), []byte("x\n")); d != "" {
		t.Errorf("equal texts have no diff: %q", d)
	}
	d := format.Diff("a", "b", []byte("x\ny\n"), []byte("x\nz\n"))
	for _, want := range []string{"--- a\n", "+++ b\n", "-y\n", "+z\n", " x\n"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
