package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// planArgs plans the shipped sync against a fresh, small sandbox pair.
func planArgs(results string, extra ...string) []string {
	return append([]string{"plan", "--dir", "../../mappings", "--sandbox", "--sandbox-companies", "20", "--results", results}, extra...)
}

func TestPlanAndSQLOnSandbox(t *testing.T) {
	results := t.TempDir()
	plans := make([]string, 2)
	for i := range plans {
		code, out, errOut := runCLI(planArgs(results)...)
		if code != exitOK {
			t.Fatalf("plan %d: exit %d\n%s%s", i+1, code, out, errOut)
		}
		if errOut != "" {
			t.Errorf("plan %d: stderr is not a terminal, so nothing should be written there: %q", i+1, errOut)
		}
		plans[i] = out
	}
	if plans[0] != plans[1] {
		t.Fatalf("two plans in a row differ:\n--- first\n%s\n--- second\n%s", plans[0], plans[1])
	}
	text := plans[0]
	s := shippedSync(t)
	for _, want := range []string{
		"Nothing was written to either system.",
		// A multi-MAC configuration is planned without its MAC, with the reason.
		"in " + s.Doc + " primary_mac: MAC address field holds more than one MAC address or is not a MAC address",
		// Prospects, vendors, inactive companies and personal devices are listed with reasons.
		s.PSA + " organization type or status is not set to sync",
		s.PSA + " configuration type or status is not set to sync",
		s.PSA + " its organization is out of scope: organization type or status is not set to sync",
		// Records the doc side already has are matched, not created.
		"by name",
		"by type_and_name",
		"Results: " + filepath.Join(results, s.Name, "results.duckdb"),
	} {
		// Columns are padded: any run of spaces matches one space.
		re := regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(want), " ", ` +`))
		if !re.MatchString(text) {
			t.Errorf("the plan lacks %q:\n%s", want, text)
		}
	}

	var reports [2]map[string]any
	var raw [2]string
	for i := range reports {
		code, out, errOut := runCLI(planArgs(results, "--json")...)
		if code != exitOK {
			t.Fatalf("plan --json: exit %d\n%s", code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &reports[i]); err != nil {
			t.Fatalf("plan --json is not JSON: %v\n%s", err, out)
		}
		raw[i] = out
	}
	if raw[0] != raw[1] {
		t.Fatalf("two JSON plans in a row differ:\n%s\n%s", raw[0], raw[1])
	}
	if objs, _ := reports[0]["objects"].([]any); len(objs) != 5 {
		t.Errorf("the JSON plan has %d objects, want 5", len(objs))
	}

	t.Run("sql after a plan", func(t *testing.T) {
		code, out, errOut := runCLI("sql", "--results", results, "select rule, count(*) from match_decisions group by all order by all")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"rule", "count_star()", "name", "type_and_name", "rows)"} {
			if !strings.Contains(out, want) {
				t.Errorf("table lacks %q:\n%s", want, out)
			}
		}
		code, out, _ = runCLI("sql", "--results", results, "--json", "select op, count(*) as n from ops where op = 'invalid' group by all")
		var rows []map[string]any
		if code != exitOK || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0]["op"] != "invalid" {
			t.Errorf("--json: exit %d, %q", code, out)
		}
		code, out, _ = runCLI("sql", "--results", results, "--csv", "select 'a,b' as x, null as y")
		if code != exitOK || out != "x,y\n\"a,b\",\n" {
			t.Errorf("--csv: exit %d, %q", code, out)
		}
	})

	t.Run("sql errors", func(t *testing.T) {
		code, _, errOut := runCLI("sql", "--results", results, "select nope from ops")
		if code != exitFailure || !strings.Contains(errOut, "query failed") || !strings.Contains(errOut, `"nope"`) {
			t.Errorf("a bad query: exit %d, %q", code, errOut)
		}
		code, _, errOut = runCLI("sql", "--results", results, "create table x (a int)")
		if code != exitFailure || !strings.Contains(errOut, "read-only") {
			t.Errorf("a write: exit %d, %q", code, errOut)
		}
	})

	t.Run("parquet files are readable by another process", func(t *testing.T) {
		files, err := filepath.Glob(filepath.Join(results, shippedSync(t).Name, "runs", "*", "*.parquet"))
		if err != nil || len(files) < 4*4 {
			t.Fatalf("parquet files: %v, %v", files, err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperReadParquet$", "-test.v")
		cmd.Env = append(os.Environ(), "MAPSYNC_TEST_PARQUET="+strings.Join(files, string(os.PathListSeparator)))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child process: %v\n%s", err, out)
		}
		if n := strings.Count(string(out), "read "); n != len(files) {
			t.Errorf("the child read %d of %d files:\n%s", n, len(files), out)
		}
	})
}

// TestHelperReadParquet runs in a child process (see above): it opens the
// Parquet files a plan wrote with a fresh DuckDB and counts their rows.
func TestHelperReadParquet(t *testing.T) {
	files := os.Getenv("MAPSYNC_TEST_PARQUET")
	if files == "" {
		t.Skip("only runs as the child of TestPlanAndSQLOnSandbox")
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range filepath.SplitList(files) {
		var n int64
		if err := db.QueryRow(`SELECT count(*) FROM read_parquet('` + strings.ReplaceAll(f, "'", "''") + `')`).Scan(&n); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Logf("read %s: %d rows", filepath.Base(f), n)
	}
}

func TestSQLUsageAndMissingResults(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no query", []string{"sql"}, exitUsage, "exactly one argument"},
		{"two queries", []string{"sql", "select 1", "select 2"}, exitUsage, "exactly one argument"},
		{"csv and json", []string{"sql", "--csv", "--json", "select 1"}, exitUsage, "cannot be combined"},
		{"no results directory", []string{"sql", "--results", filepath.Join(empty, "nowhere"), "select 1"}, exitFailure, "run 'mapsync plan' first"},
		{"no results yet", []string{"sql", "--results", empty, "select 1"}, exitFailure, "no results under"},
		{"no results for the sync", []string{"sql", "--results", empty, "--sync", shippedSync(t).Name, "select 1"}, exitFailure,
			"no results at " + filepath.Join(empty, shippedSync(t).Name, "results.duckdb")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestPlanNeedsItsVariables(t *testing.T) {
	// Every variable without a default must be reported by its
	// environment variable, for both systems.
	var need []string
	for _, v := range shippedVariables(t) {
		if v.Env == "" {
			continue
		}
		t.Setenv(v.Env, "")
		os.Unsetenv(v.Env)
		if !v.HasDefault {
			need = append(need, v.Env)
		}
	}
	if len(need) < 2 {
		t.Fatalf("the shipped mappings have %d variables without default: %v", len(need), need)
	}
	code, _, errOut := runCLI("plan", "--dir", "../../mappings", "--sync", shippedSync(t).Name, "--results", t.TempDir())
	if code != exitFailure {
		t.Errorf("exit %d, %q", code, errOut)
	}
	// Both systems are reported, each with a variable to set (one
	// template reports its first missing variable only).
	s := shippedSync(t)
	for _, sys := range []string{s.PSA, s.Doc} {
		asked := false
		for _, env := range need {
			asked = asked || strings.Contains(errOut, "system "+sys+": ") && strings.Contains(errOut, "set "+env)
		}
		if !asked {
			t.Errorf("the error asks for no variable of system %s: %q", sys, errOut)
		}
	}
	for _, m := range regexp.MustCompile(`set (\w+)`).FindAllStringSubmatch(errOut, -1) {
		if !slices.Contains(need, m[1]) {
			t.Errorf("the error asks to set %s, not a variable without default: %q", m[1], errOut)
		}
	}
}
