package match

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func openResults(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := OpenResults(context.Background(), dir)
	if err != nil {
		t.Fatalf("OpenResults: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// readerEnv makes the test binary act as an analyst's reader process.
const readerEnv = "MAPSYNC_MATCH_TEST_READER"

// TestReaderProcess is not a test: re-executed with readerEnv set to a
// results directory, it opens results.duckdb read-only, prints the number
// of links, then waits for a line on stdin (holding the file open) and
// prints the number again.
func TestReaderProcess(t *testing.T) {
	dir := os.Getenv(readerEnv)
	if dir == "" {
		t.Skip("helper process")
	}
	db, err := OpenResults(context.Background(), dir)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	count := func() {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM links").Scan(&n); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("links", n)
	}
	count()
	bufio.NewReader(os.Stdin).ReadString('\n')
	count()
	db.Close()
	os.Exit(0)
}

// The worker publishes by rename; a reader in another process opens the
// published file read-only, keeps reading while the next run publishes,
// and a new reader sees the new results.
func TestPublishAndReadOnlyReaderInAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	runCycle(t, dir, "r1", o, full, []Row{rec("p1", 1, "name", "A")}, []Row{rec("d1", 1, "name", "A")})

	cmd := osexec.Command(os.Args[0], "-test.run=^TestReaderProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), readerEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	if line, _ := out.ReadString('\n'); strings.TrimSpace(line) != "links 1" {
		t.Fatalf("reader: %q", line)
	}
	// While the reader holds results.duckdb open, run 2 imports the links
	// (read-only attach) and publishes (rename over the file).
	runCycle(t, dir, "r2", o, full, []Row{rec("p1", 1, "name", "A"), rec("p2", 2, "name", "B")},
		[]Row{rec("d1", 1, "name", "A"), rec("d2", 2, "name", "B")})
	io.WriteString(stdin, "\n")
	if line, _ := out.ReadString('\n'); strings.TrimSpace(line) != "links 1" {
		t.Errorf("reader after the publish (still the old file): %q", line)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("reader process: %v", err)
	}

	db := openResults(t, dir)
	var links, runs, decisions int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM links), (SELECT count(DISTINCT run) FROM runs WHERE published_at IS NOT NULL),
		(SELECT count(*) FROM match_decisions)`).Scan(&links, &runs, &decisions); err != nil {
		t.Fatal(err)
	}
	if links != 2 || runs != 2 || decisions != 3 {
		t.Errorf("published: %d links, %d runs, %d decisions; want 2, 2, 3", links, runs, decisions)
	}
	for _, f := range []string{"results.tmp.duckdb", "results.tmp.duckdb.wal", "results.duckdb.wal"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
	// Each run's tables as Parquet, readable without the database.
	for _, table := range []string{"links", "match_decisions", "unmatched", "ops"} {
		path := filepath.Join(dir, "runs", "r2", table+".parquet")
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM read_parquet(?)`, path).Scan(&n); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	var parquetDecisions int
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet(?) WHERE outcome = 'matched'`,
		filepath.Join(dir, "runs", "r2", "match_decisions.parquet")).Scan(&parquetDecisions); err != nil {
		t.Fatal(err)
	}
	if parquetDecisions != 1 {
		t.Errorf("run 2 parquet: %d matched decisions, want 1", parquetDecisions)
	}
}

func TestKeepRunsBoundsHistory(t *testing.T) {
	dir := t.TempDir()
	o := object(t, "organization")
	ctx := context.Background()
	for _, run := range []string{"r1", "r2", "r3"} {
		r, err := OpenRun(ctx, Config{Dir: dir, Sync: "s", RunID: run, Threads: 2, KeepRuns: 2})
		if err != nil {
			t.Fatal(err)
		}
		stageRows(t, r, o, PSA, rec("p1", 1, "name", "A"))
		stageRows(t, r, o, Doc, rec("d1", 1, "name", "A"))
		mustMatch(t, r, o, full)
		if _, err := r.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.Remove(); err != nil {
			t.Fatal(err)
		}
	}
	db := openResults(t, dir)
	var runs string
	if err := db.QueryRow(`SELECT string_agg(DISTINCT run, ',' ORDER BY run) FROM match_decisions`).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	if runs != "r2,r3" {
		t.Errorf("runs kept: %s, want r2,r3", runs)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs", "r1", "ops.parquet")); err != nil {
		t.Errorf("parquet of r1 should stay: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "work", "r3.duckdb")); err == nil {
		t.Error("Remove left the scratch database")
	}
}
