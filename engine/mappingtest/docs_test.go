package mappingtest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"mapsync/engine"
	"mapsync/engine/mappingtest"
)

// The test blocks of the language reference's complete example (the
// `<!-- example: tour -->` blocks of docs/mapping-language.md) pass.
func TestDocExampleTestsPass(t *testing.T) {
	f, err := os.Open("../../docs/mapping-language.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	sc := bufio.NewScanner(f)
	var cur *strings.Builder
	marked := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "<!-- example: tour -->":
			marked = true
		case marked && line == "```hcl":
			cur, marked = &strings.Builder{}, false
		case cur != nil && line == "```":
			files[fmt.Sprintf("tour-%d.hcl", len(files)+1)] = []byte(cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	l := engine.LoadFiles(files)
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags.Error())
	}
	results := mappingtest.Run(context.Background(), l.Config, l.Plan)
	if len(results) == 0 {
		t.Fatal("the example holds no test block")
	}
	var out bytes.Buffer
	if mappingtest.Report(&out, results) > 0 {
		t.Errorf("the documented test fails:\n%s", out.String())
	}
}
