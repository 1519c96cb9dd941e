package main

import (
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
