package dsl_test

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mapsync/engine/plan"
)

var (
	vocabMarker = regexp.MustCompile(`^<!-- vocab: ([a-z_ ]+) -->$`)
	vocabRow    = regexp.MustCompile("^\\| `([^`]+)` \\|")
)

// The language reference has, for every vocabulary of the plan, a table
// preceded by <!-- vocab: WHAT --> whose first column lists exactly the
// vocabulary's names, in its order.
func TestDocsListEveryVocabulary(t *testing.T) {
	f, err := os.Open(languageDoc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tables := map[string][]string{}
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := vocabMarker.FindStringSubmatch(line); m != nil {
			if _, dup := tables[m[1]]; dup {
				t.Errorf("two tables for %s", m[1])
			}
			cur = m[1]
			tables[cur] = []string{}
			continue
		}
		if cur == "" {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if len(tables[cur]) > 0 {
				cur = ""
			}
			continue
		}
		if m := vocabRow.FindStringSubmatch(line); m != nil {
			tables[cur] = append(tables[cur], m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, v := range plan.Vocabularies {
		got, ok := tables[v.What()]
		if !ok {
			t.Errorf("%s: no <!-- vocab: %s --> table in %s", v.What(), v.What(), languageDoc)
			continue
		}
		if !slices.Equal(got, v.Names()) {
			t.Errorf("%s: the docs list %v, the vocabulary is %v", v.What(), got, v.Names())
		}
		delete(tables, v.What())
	}
	for what := range tables {
		t.Errorf("docs table %q is no vocabulary of the plan", what)
	}
}
