package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"mapsync/engine"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

const fourProblems = "../../testdata/mappings/invalid/four_problems"

func TestValidateReportsEveryProblem(t *testing.T) {
	code, out, _ := runCLI("validate", fourProblems)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, out)
	}
	want := []string{
		fourProblems + "/canonical.hcl:16:5: error: Reference cycle between canonical types",
		fourProblems + "/sync.hcl:3:9: error: Reference to undeclared system",
		fourProblems + "/systems.hcl:16:35: error: Invalid expression",
		fourProblems + "/systems.hcl:34:5: error: Unsupported argument",
	}
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, ": error: ") || strings.Contains(line, ": warning: ") {
			got = append(got, line)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(out, "    An argument named \"updatd\" is not expected here. Did you mean \"updated\"?") {
		t.Errorf("each diagnostic is followed by its indented detail:\n%s", out)
	}
	if !strings.Contains(out, "4 errors, 0 warnings") {
		t.Errorf("missing the summary line:\n%s", out)
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, _ := runCLI("validate", "--json", fourProblems)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d", code, exitFailure)
	}
	var diags []jsonDiagnostic
	if err := json.Unmarshal([]byte(out), &diags); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(diags) != 4 {
		t.Fatalf("got %d diagnostics, want 4", len(diags))
	}
	d := diags[3]
	if d.Severity != "error" || d.Summary != "Unsupported argument" || !strings.HasSuffix(d.File, "systems.hcl") ||
		d.Line != 34 || d.Column != 5 || d.EndLine != 34 || d.EndColumn != 11 || !strings.Contains(d.Detail, "updatd") {
		t.Errorf("unexpected diagnostic %+v", d)
	}
}

func TestValidateShippedMappings(t *testing.T) {
	files, err := filepath.Glob("../../mappings/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	p := engine.MustLoadDir("../../mappings")
	want := fmt.Sprintf("../../mappings: valid (%s, %s, %s, 0 warnings; plan %s)",
		plural(len(files), "file"), plural(len(p.Systems), "system"), plural(len(p.Syncs), "sync"), p.Hash[:12])
	code, out, errOut := runCLI("validate", "../../mappings")
	if code != exitOK || !strings.Contains(out, want) || len(p.Syncs) == 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI("validate", "--json", "../../mappings")
	if code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Fatalf("exit %d, JSON %q; want 0 and []", code, out)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "no/such/dir"},
		{"validate", "validate_test.go"},
		{"validate", "a", "b"},
		{"validate", "--nope"},
	} {
		if code, _, _ := runCLI(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestMappingsShow(t *testing.T) {
	code, out, errOut := runCLI("mappings", "show", "--dir", "../../mappings", "--sync", shippedSync(t).Name, "configuration")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"configuration  stage 3, two_way", "Primary MAC Address", "macAddress", "attributes.mac-address", "Notes", " ->  to_doc"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\norganization  stage") {
		t.Errorf("only the requested object is shown")
	}

	code, _, errOut = runCLI("mappings", "show", "--dir", "../../mappings", "--sync", shippedSync(t).Name, "widget")
	if code != exitUsage || !strings.Contains(errOut, "configuration, contact, location, organization, ticket") {
		t.Fatalf("unknown object: exit %d, %s", code, errOut)
	}
	if code, _, _ = runCLI("mappings", "show", "--dir", "../../mappings", "--sync", "nope"); code != exitUsage {
		t.Errorf("unknown sync: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ = runCLI("mappings", "show", "--dir", fourProblems); code != exitFailure {
		t.Errorf("invalid mappings: exit %d, want %d", code, exitFailure)
	}
}

func TestMappingsShowJSONHidesSecrets(t *testing.T) {
	for _, v := range shippedVariables(t) {
		if v.Sensitive && v.Env != "" {
			t.Setenv(v.Env, "very-secret-value")
		}
	}
	code, out, errOut := runCLI("mappings", "show", "--json", "--dir", "../../mappings", "--sync", shippedSync(t).Name)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var view showView
	if err := json.Unmarshal([]byte(out), &view); err != nil {
		t.Fatal(err)
	}
	if len(view.Objects) != 5 || view.Objects[0].Object != "organization" {
		t.Fatalf("objects %+v", view.Objects)
	}
	fields := 0
	for _, o := range view.Objects {
		fields += len(o.Fields)
	}
	if fields < 48 {
		t.Errorf("%d fields shown, want at least the 48 rows of the field tables", fields)
	}
	sensitive := 0
	for _, v := range view.Variables {
		if v.Sensitive {
			sensitive++
			if v.Default != "" {
				t.Errorf("variable %s: a sensitive default is shown", v.Name)
			}
		}
	}
	if sensitive < 2 || strings.Contains(out, "very-secret-value") {
		t.Errorf("%d sensitive variables; the secret value must never be printed", sensitive)
	}
}

// validate runs the runtime's own checks: a set a run would refuse exits 1
// with the refusal at its file:line:col.
func TestValidateRuntimeChecks(t *testing.T) {
	const set = "../../testdata/mappings/invalid/match_key_json"
	code, out, _ := runCLI("validate", set)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, out)
	}
	if !strings.Contains(out, set+"/set.hcl:56:25: error: Refused by the runtime") || !strings.Contains(out, "cannot be a match key") {
		t.Errorf("want the refusal at set.hcl:56:25:\n%s", out)
	}
}
