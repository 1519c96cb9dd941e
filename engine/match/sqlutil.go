package match

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// ident quotes an SQL identifier: every name that comes from a plan (tables
// derived from object names, columns named after canonical fields) goes
// through it, so a field called `select` or `x"; drop table` is just a name.
func ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// lit quotes an SQL string literal. It is used only for names taken from the
// plan (field names as JSON keys, object names) and for file paths in
// ATTACH/COPY, which DuckDB does not accept as bound parameters. Record
// values are always bound or appended, never spliced.
func lit(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// checkName rejects names DuckDB cannot hold safely.
func checkName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("%s name is empty", kind)
	}
	if strings.ContainsRune(name, 0) {
		return fmt.Errorf("%s name %q contains a NUL byte", kind, name)
	}
	return nil
}

// querier is what both *sql.DB and *sql.Conn offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// execAll runs statements in order, wrapping the first failure with the
// step name.
func execAll(ctx context.Context, q querier, step string, stmts ...string) error {
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w\nSQL: %s", step, err, abbreviate(s))
		}
	}
	return nil
}

func exec(ctx context.Context, q querier, step, stmt string, args ...any) (int64, error) {
	res, err := q.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w\nSQL: %s", step, err, abbreviate(stmt))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: rows affected: %w", step, err)
	}
	return n, nil
}

func queryInt(ctx context.Context, q querier, step, stmt string, args ...any) (int64, error) {
	var n sql.NullInt64
	if err := q.QueryRowContext(ctx, stmt, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: %w\nSQL: %s", step, err, abbreviate(stmt))
	}
	return n.Int64, nil
}

func abbreviate(s string) string {
	const max = 2000
	if len(s) > max {
		return s[:max] + " ..."
	}
	return s
}

// withTx runs fn inside one DuckDB transaction on conn.
func withTx(ctx context.Context, conn *sql.Conn, fn func() error) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			// The original error matters more than a failed rollback.
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := fn(); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
