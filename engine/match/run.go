package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	// The DuckDB driver: cgo, bundled static library, parquet and json built in.
	_ "github.com/duckdb/duckdb-go/v2"
)

// Config locates one run of one sync.
type Config struct {
	// Dir is the sync's directory. It holds results.duckdb (the published
	// results), runs/<run-id>/*.parquet and work/<run-id>.duckdb (the
	// scratch database of a run in progress).
	Dir   string
	Sync  string // sync name, recorded in every row
	RunID string // letters, digits, '.', '_', '-'

	Threads     int    // DuckDB threads; 0 = one per core
	MemoryLimit string // DuckDB memory_limit, e.g. "1GB"; "" = DuckDB's default (80% of RAM)
	// KeepRuns bounds the history kept in results.duckdb to the newest N
	// runs (the Parquet files keep every run); 0 keeps all.
	KeepRuns int

	// Trace, if set, is told how long each SQL step took (bench, tuning).
	Trace func(step string, elapsed time.Duration)
}

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

const (
	resultsFile    = "results.duckdb"
	resultsTmpFile = "results.tmp.duckdb"
)

// Run is the DuckDB working area of one sync run: staging tables, the
// links carried over from the published results, and this run's
// decisions and ops. It is file-backed (work/<run-id>.duckdb) so the
// activities of a run can reopen it; the published results are never
// kept open.
type Run struct {
	cfg  Config
	db   *sql.DB
	path string

	// hashMod, when set (tests only), reduces the phase hash modulo this
	// number, forcing key groups to collide and the exact fallback to run.
	hashMod uint64

	// everyLink, when set (tests only), makes Match and Plan look at
	// every link of an object, as a run did before they were restricted
	// to the links whose records were listed: the reference the
	// incremental results are compared with.
	everyLink bool

	// pairCells, when set (tests only), replaces pairChunkCells: how many
	// values (pairs × fields) one chunk of the diff's pair values holds.
	pairCells int

	// pushes are the confirmations of waiting doc records given for this
	// run, per object (SetPushes).
	pushes map[string]Pushes
}

// OpenRun opens (or creates) the scratch database of a run. On first open
// it copies the links of the sync from the published results, if any.
func OpenRun(ctx context.Context, cfg Config) (*Run, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "work"), 0o755); err != nil {
		return nil, fmt.Errorf("open run: %w", err)
	}
	path := ScratchPath(cfg.Dir, cfg.RunID)
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)
	// The scratch database is written once and read a few times: its
	// tables are stored uncompressed, which halves the CPU cost of
	// staging and of the result rows (the published file is compressed).
	db, err := openDB(path, cfg, false, "force_compression=uncompressed")
	if err != nil {
		return nil, fmt.Errorf("open run %s: %w", cfg.RunID, err)
	}
	r := &Run{cfg: cfg, db: db, path: path}
	if err := r.init(ctx); err != nil {
		db.Close()
		if created {
			// Nothing of the run is in it yet: do not leave it behind
			// (a damaged results file would leave one per attempt).
			for _, p := range []string{path, path + ".wal"} {
				_ = os.Remove(p)
			}
		}
		return nil, fmt.Errorf("open run %s: %w", cfg.RunID, err)
	}
	return r, nil
}

func (c Config) check() error {
	if c.Dir == "" {
		return errors.New("config: Dir is empty")
	}
	if strings.ContainsAny(c.Dir, "?#\x00") {
		return fmt.Errorf("config: Dir %q must not contain '?', '#' or NUL", c.Dir)
	}
	if err := checkName("sync", c.Sync); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if !runIDPattern.MatchString(c.RunID) {
		return fmt.Errorf("config: run id %q: want letters, digits, '.', '_', '-'", c.RunID)
	}
	if c.Threads < 0 || c.KeepRuns < 0 {
		return errors.New("config: Threads and KeepRuns must not be negative")
	}
	if strings.ContainsAny(c.MemoryLimit, "&?#=") {
		return fmt.Errorf("config: MemoryLimit %q", c.MemoryLimit)
	}
	return nil
}

// openDB opens a DuckDB file with the run's settings.
func openDB(path string, cfg Config, readOnly bool, extra ...string) (*sql.DB, error) {
	q := append([]string{"preserve_insertion_order=false"}, extra...)
	if cfg.Threads > 0 {
		q = append(q, "threads="+strconv.Itoa(cfg.Threads))
	}
	if cfg.MemoryLimit != "" {
		q = append(q, "memory_limit="+cfg.MemoryLimit)
	}
	if readOnly {
		q = append(q, "access_mode=read_only")
	}
	db, err := sql.Open("duckdb", path+"?"+strings.Join(q, "&"))
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (r *Run) init(ctx context.Context) (err error) {
	stmts := []string{metaDDL}
	for _, t := range resultTables {
		stmts = append(stmts, t.ddl)
	}
	for _, t := range scratchTables {
		stmts = append(stmts, t.ddl)
	}
	// A scratch database a run began before the column existed.
	stmts = append(stmts, linksUpgrade...)
	if err := execAll(ctx, r.db, "create result tables", stmts...); err != nil {
		return err
	}
	var done sql.NullString
	err = r.db.QueryRowContext(ctx, `SELECT value FROM _meta WHERE key = 'imported'`).Scan(&done)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read run meta: %w", err)
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	prev := filepath.Join(r.cfg.Dir, resultsFile)
	havePrev := false
	if _, err := os.Stat(prev); err == nil {
		// A read-only attach takes a shared lock: analysts reading the
		// published file at the same time are fine. DuckDB cannot detach
		// a database inside the transaction that read it: attach before,
		// detach after.
		if err := execAll(ctx, conn, "attach published results",
			`ATTACH `+lit(prev)+` AS _prev (READ_ONLY)`); err != nil {
			return damagedResults(prev, err)
		}
		havePrev = true
		defer func() {
			if derr := execAll(context.WithoutCancel(ctx), conn, "detach published results", `DETACH _prev`); err == nil {
				err = derr
			}
		}()
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("published results: %w", err)
	}
	return withTx(ctx, conn, func() error {
		if havePrev {
			if _, err := exec(ctx, conn, "import links",
				`INSERT INTO links BY NAME SELECT * FROM _prev.links WHERE sync = ?`, r.cfg.Sync); err != nil {
				return err
			}
			if err := importStarts(ctx, conn, r.cfg.Sync); err != nil {
				return err
			}
			if err := importControls(ctx, conn, r.cfg.Sync, ""); err != nil {
				return err
			}
			if _, err := exec(ctx, conn, "remember links",
				`INSERT INTO links_start SELECT object, psa_id, doc_id, state, json_keys(psa_synced), json_keys(doc_synced) FROM links`); err != nil {
				return err
			}
		}
		if _, err := exec(ctx, conn, "record run", `INSERT INTO runs (run, sync, started_at) VALUES (?, ?, ?)`,
			r.cfg.RunID, r.cfg.Sync, time.Now().UTC()); err != nil {
			return err
		}
		_, err := exec(ctx, conn, "mark import", `INSERT INTO _meta VALUES ('imported', 'true')`)
		return err
	})
}

// DB is the scratch database, for queries over staging and result tables
// (tests, the bench, an explain command). Writes outside this package's
// API are the caller's responsibility.
func (r *Run) DB() *sql.DB { return r.db }

// ID is the run id.
func (r *Run) ID() string { return r.cfg.RunID }

// Close closes the scratch database; it stays on disk, so the run can be
// reopened by a later activity.
func (r *Run) Close() error {
	if err := r.db.Close(); err != nil {
		return fmt.Errorf("close run %s: %w", r.cfg.RunID, err)
	}
	return nil
}

// Remove closes the run and deletes its scratch database (after Publish,
// or to abandon the run).
func (r *Run) Remove() error {
	cerr := r.db.Close()
	// A Stager's spill files left by a crash mid-batch hold nothing
	// committed; they go with the run.
	spills, _ := filepath.Glob(filepath.Join(r.cfg.Dir, "work", r.cfg.RunID+".stage-*.csv"))
	for _, p := range append([]string{r.path, r.path + ".wal", r.path + ".tmp"}, spills...) {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove run %s: %w", r.cfg.RunID, err)
		}
	}
	if cerr != nil {
		return fmt.Errorf("remove run %s: close: %w", r.cfg.RunID, cerr)
	}
	return nil
}
