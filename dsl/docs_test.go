package dsl_test

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl"
	"mapsync/dsl/exprenv"
	"mapsync/engine"
)

// The language reference's examples are tests. An ```hcl block preceded by
//
//	<!-- example: NAME -->        is part of the complete example set NAME;
//	<!-- example-invalid: NAME -->  is loaded as example.hcl together with
//	                                set NAME and must give exactly the
//	                                diagnostics of the ```text block after it.
const languageDoc = "../docs/mapping-language.md"

var exampleMarker = regexp.MustCompile(`^<!-- (example|example-invalid): ([a-z0-9_-]+) -->$`)

type docExamples struct {
	sets    map[string][]string // set -> hcl blocks
	invalid []invalidExample
}

type invalidExample struct {
	base, src, want string
	line            int
}

func readDocExamples(t *testing.T) docExamples {
	t.Helper()
	f, err := os.Open(languageDoc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	fence := func(i int, lang string) (string, int) {
		if i >= len(lines) || lines[i] != "```"+lang {
			t.Fatalf("%s:%d: want a ```%s block", languageDoc, i+1, lang)
		}
		var b strings.Builder
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			b.WriteString(lines[i] + "\n")
		}
		return b.String(), i + 1
	}
	ex := docExamples{sets: map[string][]string{}}
	for i := 0; i < len(lines); i++ {
		m := exampleMarker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		src, next := fence(i+1, "hcl")
		if m[1] == "example" {
			ex.sets[m[2]] = append(ex.sets[m[2]], src)
			continue
		}
		want, after := fence(next+skipBlank(lines, next), "text")
		ex.invalid = append(ex.invalid, invalidExample{base: m[2], src: src, want: want, line: i + 1})
		i = after - 1
	}
	return ex
}

func skipBlank(lines []string, i int) int {
	n := 0
	for i+n < len(lines) && strings.TrimSpace(lines[i+n]) == "" {
		n++
	}
	return n
}

func (ex docExamples) files(set string) map[string][]byte {
	files := map[string][]byte{}
	for i, src := range ex.sets[set] {
		files[fmt.Sprintf("%s-%d.hcl", set, i+1)] = []byte(src)
	}
	return files
}

func TestDocExamplesAreValid(t *testing.T) {
	ex := readDocExamples(t)
	if len(ex.sets) == 0 || len(ex.invalid) == 0 {
		t.Fatalf("the reference must hold complete and invalid examples")
	}
	for name := range ex.sets {
		cfg, diags := dsl.LoadFiles(ex.files(name))
		if len(diags) > 0 {
			t.Errorf("example set %q: %s", name, formatDiags(diags))
			continue
		}
		if _, cdiags := engine.Compile(cfg); len(cdiags) > 0 {
			t.Errorf("example set %q does not compile: %s", name, formatDiags(cdiags))
		}
	}
}

func TestDocDiagnosticsAreReal(t *testing.T) {
	ex := readDocExamples(t)
	for _, inv := range ex.invalid {
		files := ex.files(inv.base)
		if len(files) == 0 {
			t.Fatalf("%s:%d: no example set %q", languageDoc, inv.line, inv.base)
		}
		files["example.hcl"] = []byte(inv.src)
		_, diags := dsl.LoadFiles(files)
		if got := formatDiags(diags); got != inv.want {
			t.Errorf("%s:%d: the diagnostics shown are not the real ones.\ngot:\n%s\nshown:\n%s", languageDoc, inv.line, got, inv.want)
		}
	}
}

func TestDocListsEveryHelper(t *testing.T) {
	doc, err := os.ReadFile(languageDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range exprenv.HelperNames() {
		if !strings.Contains(string(doc), "`"+name+"(") {
			t.Errorf("helper %s is not documented", name)
		}
	}
}

func formatDiags(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		loc := "-"
		if d.Subject != nil {
			loc = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(&b, "%s: %s: %s\n    %s\n", loc, sev, d.Summary, d.Detail)
	}
	return b.String()
}
