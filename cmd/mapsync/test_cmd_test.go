package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestTestCmdShipped(t *testing.T) {
	code, out, errOut := runCLI("test", "../../mappings")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "PASS  ../../mappings/") || !strings.Contains(out, "0 tests failed") {
		t.Errorf("output:\n%s", out)
	}
}

func TestTestCmdFailing(t *testing.T) {
	dir := "../../engine/mappingtest/testdata/failing"
	code, out, _ := runCLI("test", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, out)
	}
	for _, want := range []string{
		"FAIL  " + dir + "/tests.hcl:21:1: test \"wrong expectations\"",
		"    " + dir + "/tests.hcl:31:3: write create: the request differs",
		"1 test passed, 2 tests failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTestCmdInvalidMappings(t *testing.T) {
	dir := "../../testdata/mappings/invalid/test_blocks"
	code, out, _ := runCLI("test", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, out)
	}
	if !strings.Contains(out, dir+"/tests.hcl:4:12: error: Reference to undeclared system") || !strings.Contains(out, "no test run") {
		t.Errorf("output:\n%s", out)
	}
}

func TestTestCmdCoverageAndRun(t *testing.T) {
	code, out, _ := runCLI("test", "--coverage", "../../mappings")
	if code != exitOK || !strings.Contains(out, "coverage: 0 gaps") {
		t.Errorf("shipped: exit %d\n%s", code, out)
	}
	// The ticket tests alone leave the other objects' fields unchecked.
	code, out, _ = runCLI("test", "--coverage", "--run", " ticket$", "../../mappings")
	if code != exitFailure || !regexp.MustCompile(`\d+ tests passed, 0 tests failed`).MatchString(out) ||
		!strings.Contains(out, " organization: field name is read by no read test") ||
		strings.Contains(out, " ticket: field summary is read by no read test") {
		t.Errorf("--run with --coverage: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI("test", "--run", "(", "../../mappings"); code != exitUsage {
		t.Errorf("bad --run: exit %d, want %d", code, exitUsage)
	}
}
