package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/spf13/cobra"

	"mapsync/engine/match"
)

func init() { commands = append(commands, newSQLCmd) }

type sqlOptions struct {
	results string
	sync    string
	csv     bool
	json    bool
	sandbox bool
}

func newSQLCmd() *cobra.Command {
	var o sqlOptions
	cmd := &cobra.Command{
		Use:   `sql "SELECT ..."`,
		Short: "Query a sync's published results (read-only)",
		Long: `sql runs one SQL statement against <results>/<sync>/results.duckdb, opened
read-only (DuckDB dialect), and prints the rows as a table, CSV (--csv) or a
JSON array of objects (--json). The file is never locked for writing: a
'mapsync plan' or sync publishing at the same time replaces it atomically.

The query can read that file and nothing else: DuckDB's external access is
off and its configuration locked, so COPY ... TO, ATTACH, read_csv/read_text/
read_parquet of other files, INSTALL/LOAD and SET of those settings are
refused. The per-run Parquet files (<results>/<sync>/runs/<run>/) are for
other tools; their rows are in the history tables here too.

Tables: links (current pairs and their state), match_decisions (how each pair
came about, and the sources that lost their candidates), unmatched (records
in no pair, with the reason and the action), ops (planned and applied
writes), runs, controls (the pauses, link disables and disconnects the last
run applied to each object; mapsync status lists the current ones).

Exit status: 0 on success, 1 when the results are missing or the query
fails (the DuckDB message is printed), 2 on usage errors.`,
		Example: `  mapsync sql "select rule, count(*) from match_decisions group by all"
  mapsync sql --csv "select * from ops where op = 'invalid'" > invalid.csv
  mapsync sql --sandbox --json "select object, side, reason, count(*) n from unmatched group by all order by n desc"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("sql takes exactly one argument, the query (quote it); got %d\nRun 'mapsync sql --help' for usage.", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.csv && o.json {
				return usageErr("--csv and --json cannot be combined")
			}
			if strings.TrimSpace(args[0]) == "" {
				return usageErr("the query is empty")
			}
			if !cmd.Flags().Changed("results") && o.sandbox {
				o.results = defaultSandboxResults
			}
			return runSQL(cmd.Context(), cmd.OutOrStdout(), o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.results, "results", defaultResults, "results directory (a sync's results are in DIR/<sync>)")
	f.StringVar(&o.sync, "sync", "", "the sync whose results to query (default: the only one in the results directory)")
	f.BoolVar(&o.csv, "csv", false, "print CSV with a header line")
	f.BoolVar(&o.json, "json", false, "print a JSON array of objects")
	f.BoolVar(&o.sandbox, "sandbox", false, "query the results of 'mapsync plan --sandbox' (default results directory "+defaultSandboxResults+")")
	return cmd
}

func runSQL(ctx context.Context, w io.Writer, o sqlOptions, query string) error {
	dir, err := resultsDir(o.results, o.sync)
	if err != nil {
		return err
	}
	db, err := match.OpenResultsLocked(ctx, dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &exitError{code: exitFailure, err: fmt.Errorf("no results at %s: run 'mapsync plan' first", filepath.Join(dir, "results.duckdb"))}
		}
		return &exitError{code: exitFailure, err: err}
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("query failed: %v", err)}
	}
	defer rows.Close()
	out := newRowWriter(w, o)
	if err := out.write(rows); err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("query failed: %v", err)}
	}
	return nil
}

// resultsDir finds the directory of a sync's results: DIR/<sync>, or the
// only sync directory under DIR.
func resultsDir(root, syncName string) (string, error) {
	if syncName != "" {
		return filepath.Join(root, syncName), nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", &exitError{code: exitFailure, err: fmt.Errorf("no results directory %s: run 'mapsync plan' first (or pass --results)", root)}
		}
		return "", &exitError{code: exitFailure, err: err}
	}
	var syncs []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), "results.duckdb")); err == nil {
			syncs = append(syncs, e.Name())
		}
	}
	switch len(syncs) {
	case 0:
		return "", &exitError{code: exitFailure, err: fmt.Errorf("no results under %s: run 'mapsync plan' first (or pass --results)", root)}
	case 1:
		return filepath.Join(root, syncs[0]), nil
	}
	sort.Strings(syncs)
	return "", usageErr("%s holds the results of several syncs (%s): choose one with --sync", root, strings.Join(syncs, ", "))
}

// rowWriter prints query results in one of three formats.
type rowWriter struct {
	w    io.Writer
	mode string // table | csv | json
}

func newRowWriter(w io.Writer, o sqlOptions) *rowWriter {
	switch {
	case o.csv:
		return &rowWriter{w: w, mode: "csv"}
	case o.json:
		return &rowWriter{w: w, mode: "json"}
	}
	return &rowWriter{w: w, mode: "table"}
}

func (rw *rowWriter) write(rows *sql.Rows) error {
	cols, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var tw *tabwriter.Writer
	var cw *csv.Writer
	switch rw.mode {
	case "table":
		tw = tabwriter.NewWriter(rw.w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(names, "\t"))
		seps := make([]string, len(names))
		for i, n := range names {
			seps[i] = strings.Repeat("-", max(len(n), 3))
		}
		fmt.Fprintln(tw, strings.Join(seps, "\t"))
	case "csv":
		cw = csv.NewWriter(rw.w)
		if err := cw.Write(names); err != nil {
			return err
		}
	case "json":
		fmt.Fprint(rw.w, "[")
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		switch rw.mode {
		case "table":
			cells := make([]string, len(vals))
			for i, v := range vals {
				cells[i] = cellText(v, cols[i].DatabaseTypeName(), "NULL")
				cells[i] = strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(cells[i])
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		case "csv":
			cells := make([]string, len(vals))
			for i, v := range vals {
				cells[i] = cellText(v, cols[i].DatabaseTypeName(), "")
			}
			if err := cw.Write(cells); err != nil {
				return err
			}
		case "json":
			if n > 0 {
				fmt.Fprint(rw.w, ",")
			}
			fmt.Fprint(rw.w, "\n  {")
			for i, v := range vals {
				if i > 0 {
					fmt.Fprint(rw.w, ", ")
				}
				k, _ := json.Marshal(names[i])
				b, err := json.Marshal(jsonValue(v, cols[i].DatabaseTypeName()))
				if err != nil {
					return fmt.Errorf("column %s: %w", names[i], err)
				}
				fmt.Fprintf(rw.w, "%s: %s", k, b)
			}
			fmt.Fprint(rw.w, "}")
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	switch rw.mode {
	case "table":
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(rw.w, "(%d %s)\n", n, map[bool]string{true: "row", false: "rows"}[n == 1])
	case "csv":
		cw.Flush()
		return cw.Error()
	case "json":
		if n > 0 {
			fmt.Fprint(rw.w, "\n")
		}
		fmt.Fprintln(rw.w, "]")
	}
	return nil
}

// cellText renders a value for the table and CSV formats.
func cellText(v any, dbType, null string) string {
	switch x := v.(type) {
	case nil:
		return null
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return formatTime(x, dbType)
	case *big.Int:
		return x.String()
	case fmt.Stringer:
		return x.String()
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case float32, float64:
		return fmt.Sprint(x)
	}
	b, err := json.Marshal(jsonValue(v, dbType))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonValue makes a scanned value JSON-friendly.
func jsonValue(v any, dbType string) any {
	switch x := v.(type) {
	case time.Time:
		return formatTime(x, dbType)
	case []byte:
		return string(x)
	case *big.Int:
		return x.String()
	case duckdb.Map:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[fmt.Sprint(k)] = jsonValue(val, "")
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[k] = jsonValue(val, "")
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = jsonValue(val, "")
		}
		return out
	}
	return v
}

func formatTime(t time.Time, dbType string) string {
	switch dbType {
	case "DATE":
		return t.Format(time.DateOnly)
	case "TIME":
		return t.Format(time.TimeOnly)
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999")
}
