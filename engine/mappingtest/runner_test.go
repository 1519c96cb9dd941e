package mappingtest_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"mapsync/engine"
	"mapsync/engine/mappingtest"
)

// Wrong expectations fail, each at its read or write block's
// file:line:col, with a diff of expected against got; the right ones pass.
func TestWrongExpectationsFail(t *testing.T) {
	dir := "testdata/failing"
	l := engine.LoadDir(dir)
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags.Error())
	}
	results := mappingtest.Run(context.Background(), l.Config, l.Plan)
	if len(results) != 3 || !results[0].Passed() || results[1].Passed() || results[2].Passed() {
		t.Fatalf("want test 1 to pass and tests 2 and 3 to fail: %+v", results)
	}
	var out bytes.Buffer
	if n := mappingtest.Report(&out, results); n != 2 {
		t.Errorf("Report counts %d failed tests, want 2", n)
	}
	got := out.String()
	for _, want := range []string{
		`PASS  testdata/failing/tests.hcl:1:1: test "passes" (2 cases)`,
		`FAIL  testdata/failing/tests.hcl:21:1: test "wrong expectations"`,
		// read: a wrong value and a wrong expectation of to_canonical
		"    testdata/failing/tests.hcl:26:3: read: canonical values differ\n",
		`-  "name": "Acme Inc"`, `+  "name": "Acme"`, `-  "active": true,`, `+  "active": false,`,
		// write: the body the connector builds, compared structurally
		"    testdata/failing/tests.hcl:31:3: write create: the request differs\n",
		`-    "id": 2`, `+    "id": 1`,
		// a write expected to be left out is sent, and the other way round
		"    testdata/failing/tests.hcl:39:3: write create: the write is sent\n",
		"+POST /companies\n",
		"    testdata/failing/tests.hcl:45:3: write create: the write is not sent\n",
		`+skip: `,
		// a batch the connector cannot send in one request
		"write create: the connector sends 2 requests for these 2 records, not one",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if f := results[1].Failures; len(f) != 4 {
		t.Errorf("want 4 failing cases, got %d", len(f))
	}
}

// Each write style sends what its connector sends: put reads the record
// (the test's current record) and sends it whole, partial_patch sends the
// id with the changes.
func TestWriteStyles(t *testing.T) {
	l := engine.LoadDir("testdata/styles")
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags.Error())
	}
	results := mappingtest.Run(context.Background(), l.Config, l.Plan)
	var out bytes.Buffer
	if len(results) != 2 || mappingtest.Report(&out, results) > 0 {
		t.Errorf("%d tests:\n%s", len(results), out.String())
	}
}
