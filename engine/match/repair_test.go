package match

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedResultsHintAndRebuild: a truncated results.duckdb stops the
// next run with ErrDamagedResults and a message naming the file and the
// repair command; RebuildResults brings the links back (with their
// memories) from the per-run Parquet files, and the next run goes on.
func TestDamagedResultsHintAndRebuild(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	o := object(t, "organization")
	runCycle(t, dir, "r1", o, full, []Row{rec("p1", 1, "name", "A"), rec("p2", 2, "name", "B")},
		[]Row{rec("d1", 1, "name", "A"), rec("d2", 2, "name", "B")})
	want := linksSnapshot(t, dir)

	path := filepath.Join(dir, "results.duckdb")
	if err := os.Truncate(path, 5000); err != nil {
		t.Fatal(err)
	}
	_, err := OpenRun(ctx, Config{Dir: dir, Sync: "s", RunID: "r2", Threads: 2})
	if !errors.Is(err, ErrDamagedResults) || !strings.Contains(err.Error(), "mapsync repair "+dir) || !strings.Contains(err.Error(), path) {
		t.Fatalf("open run on a truncated results file: %v", err)
	}
	if _, err := os.Stat(ScratchPath(dir, "r2")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run that could not start left its scratch database: %v", err)
	}
	if _, err := OpenResults(ctx, dir); !errors.Is(err, ErrDamagedResults) {
		t.Errorf("OpenResults on a truncated file: %v", err)
	}

	rep, err := RebuildResults(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.LinksRun != "r1" || rep.Damaged == "" {
		t.Errorf("repaired %+v", rep)
	}
	if _, err := os.Stat(rep.Damaged); err != nil {
		t.Errorf("the damaged file must be kept aside: %v", err)
	}
	if got := linksSnapshot(t, dir); got != want {
		t.Errorf("links after the rebuild:\n%s\nwant\n%s", got, want)
	}
	runCycle(t, dir, "r2", o, full, []Row{rec("p1", 1, "name", "A")}, []Row{rec("d1", 1, "name", "A")})
}

func linksSnapshot(t *testing.T, dir string) string {
	t.Helper()
	db, err := OpenResults(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(`SELECT string_agg(concat_ws('|', object, psa_id, doc_id, state, psa_synced::VARCHAR, doc_synced::VARCHAR), E'\n' ORDER BY psa_id) FROM links`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
