package mappingtest_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"mapsync/engine"
	"mapsync/engine/mappingtest"
	"mapsync/mappings"
)

// The shipped mapping files' test blocks pass, with the messages `mapsync
// test` prints.
func TestShippedMappingTests(t *testing.T) {
	l := engine.LoadFiles(mappings.Files())
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags.Error())
	}
	results := mappingtest.Run(context.Background(), l.Config, l.Plan)
	if len(results) < 10 {
		t.Fatalf("only %d test blocks in the shipped mappings", len(results))
	}
	var out bytes.Buffer
	if n := mappingtest.Report(&out, results); n > 0 {
		t.Errorf("%d shipped mapping tests fail:\n%s", n, out.String())
	}
}

// notCoveredYet names shipped systems whose test blocks are still being
// written, with the reason; every other shipped system must be covered.
// Keep it empty.
var notCoveredYet = map[string]string{}

// Every system the shipped mappings declare is covered by its test blocks:
// each field read (read case), each field a sync writes into the system
// (write case), a create and an update of each object written.
func TestShippedMappingTestsCoverEveryField(t *testing.T) {
	l := engine.LoadFiles(mappings.Files())
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags.Error())
	}
	for _, s := range l.Plan.Systems {
		if why, ok := notCoveredYet[s.Name]; ok {
			t.Logf("%s: coverage not checked: %s", s.Name, why)
			continue
		}
		if gaps := mappingtest.Coverage(l.Config, l.Plan, s.Name); len(gaps) > 0 {
			t.Errorf("test blocks of %s leave %d gaps:\n\t%s", s.Name, len(gaps), strings.Join(gaps, "\n\t"))
		}
	}
}
