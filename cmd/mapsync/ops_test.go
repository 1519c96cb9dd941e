package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"mapsync/engine"
)

// writeResults makes DIR/<sync>/results.duckdb with a small links table.
func writeResults(t *testing.T, root, sync string) string {
	t.Helper()
	dir := filepath.Join(root, sync)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "results.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE links AS SELECT 'org' AS object, 'syncing' AS state, ? AS sync`, sync); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSQLIsReadOnly: mapsync sql answers SELECTs on the results but can
// neither write a file, read another file, attach a database, turn
// external access back on, nor install or load an extension.
func TestSQLIsReadOnly(t *testing.T) {
	root := t.TempDir()
	writeResults(t, root, "s1")
	code, out, errOut := runCLI("sql", "--results", root, "--csv", "select object, state from links")
	if code != exitOK || !strings.Contains(out, "org,syncing") {
		t.Fatalf("a SELECT: exit %d\n%s%s", code, out, errOut)
	}
	outside := filepath.Join(t.TempDir(), "out.csv")
	other := filepath.Join(t.TempDir(), "other.duckdb")
	for _, q := range []string{
		"COPY (SELECT 42) TO '" + outside + "'",
		"SELECT * FROM read_csv('/etc/hostname')",
		"SELECT * FROM read_text('/etc/hostname')",
		"ATTACH '" + other + "' AS o",
		"SET enable_external_access = true",
		"SET lock_configuration = false",
		"INSTALL httpfs",
		"LOAD httpfs",
		"CREATE TABLE x AS SELECT 1",
	} {
		code, out, errOut := runCLI("sql", "--results", root, q)
		if code != exitFailure {
			t.Errorf("%s: exit %d, want %d (refused)\n%s%s", q, code, exitFailure, out, errOut)
		}
	}
	for _, p := range []string{outside, other} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
}

// TestStatusAndSQLOnDamagedResults: a truncated results file makes status
// exit 1 and both commands say what happened and how to rebuild it.
func TestStatusAndSQLOnDamagedResults(t *testing.T) {
	data := t.TempDir()
	syncs := filepath.Join(data, "syncs")
	writeResults(t, syncs, "good")
	code, out, errOut := runCLI("status", "--data-dir", data, "--temporal", "127.0.0.1:1")
	if code != exitOK {
		t.Fatalf("status on readable results: exit %d\n%s%s", code, out, errOut)
	}
	path := writeResults(t, syncs, "bad")
	if err := os.Truncate(path, 100); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI("status", "--data-dir", data, "--temporal", "127.0.0.1:1")
	if code != exitFailure || !strings.Contains(errOut, path) || !strings.Contains(errOut, "mapsync repair "+filepath.Join(syncs, "bad")) {
		t.Errorf("status on a truncated results file: exit %d, want %d with the file and the repair command\n%s%s", code, exitFailure, out, errOut)
	}
	code, out, errOut = runCLI("sql", "--results", syncs, "--sync", "bad", "select 1")
	if code != exitFailure || !strings.Contains(errOut, "mapsync repair "+filepath.Join(syncs, "bad")) {
		t.Errorf("sql on a truncated results file: exit %d\n%s%s", code, out, errOut)
	}
}

// TestAskInterrupt: what Ctrl+C does to a running sync, per mode.
func TestAskInterrupt(t *testing.T) {
	cases := []struct {
		name        string
		input       string
		interactive bool
		detach      bool
		want        interruptAction
		prompt      bool
	}{
		{"--detach leaves the run going, no question", "y\n", true, true, actDetach, false},
		{"no terminal: cancel", "", false, false, actCancel, false},
		{"y cancels", "y\n", true, false, actCancel, true},
		{"yes cancels", "YES\n", true, false, actCancel, true},
		{"n leaves it running", "n\n", true, false, actDetach, true},
		{"Enter keeps waiting", "\n", true, false, actWait, true},
		{"end of input cancels", "", true, false, actCancel, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out strings.Builder
			got := askInterrupt(strings.NewReader(c.input), &out, c.interactive, c.detach, "run-1")
			if got != c.want {
				t.Errorf("action %d, want %d", got, c.want)
			}
			if asked := strings.Contains(out.String(), "Cancel run run-1?"); asked != c.prompt {
				t.Errorf("prompt shown %v, want %v: %q", asked, c.prompt, out.String())
			}
		})
	}
}

// TestWorkerEnvWarning: variables set in the CLI's environment while
// another process's worker serves the queue are named (never their values).
func TestWorkerEnvWarning(t *testing.T) {
	p := engine.MustLoadDir("../../mappings")
	var envs []string
	for _, v := range p.Variables {
		if v.Env != "" {
			envs = append(envs, v.Env)
		}
	}
	if len(envs) == 0 {
		t.Fatal("the shipped plan reads no environment variable")
	}
	var out strings.Builder
	workerEnvWarning(&out, p, func(name string) (string, bool) {
		if name == envs[0] {
			return "s3cret-value", true
		}
		return "", false
	})
	if !strings.Contains(out.String(), envs[0]) || !strings.Contains(out.String(), "ITS environment") || strings.Contains(out.String(), "s3cret-value") {
		t.Errorf("warning: %q", out.String())
	}
	out.Reset()
	workerEnvWarning(&out, p, func(string) (string, bool) { return "", false })
	if out.String() != "" {
		t.Errorf("nothing set here: no warning, got %q", out.String())
	}
}
