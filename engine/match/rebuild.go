package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// rebuildFile builds one of the sync's own DuckDB files (the errors file,
// the warnings file) anew from its previous version and this run, beside
// the old one, and renames it over it, so readers never need a lock. ddl
// creates the file's table (a format string taking the schema name); fill
// inserts the new rows into newTable, reading the previous rows from prev
// (an empty table when there is no file yet).
func (r *Run) rebuildFile(ctx context.Context, what, name, tmpName, alias, ddl, table string,
	fill func(conn *sql.Conn, newTable, prev string) error) (err error) {
	final := filepath.Join(r.cfg.Dir, name)
	tmp := filepath.Join(r.cfg.Dir, tmpName)
	for _, p := range []string{tmp, tmp + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer conn.Close()
	attached := []string{}
	defer func() {
		for _, a := range attached {
			if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DETACH "+a); derr != nil && err == nil {
				err = fmt.Errorf("%s: detach: %w", what, derr)
			}
		}
	}()
	newDB, oldDB := alias+"_new", alias+"_old"
	if err := execAll(ctx, conn, what, `ATTACH `+lit(tmp)+` AS `+newDB); err != nil {
		return err
	}
	attached = append(attached, newDB)
	if err := execAll(ctx, conn, what, fmt.Sprintf(ddl, newDB)); err != nil {
		return err
	}
	prev := "(SELECT * FROM " + newDB + "." + table + " WHERE false)"
	if _, statErr := os.Stat(final); statErr == nil {
		if err := execAll(ctx, conn, what, `ATTACH `+lit(final)+` AS `+oldDB+` (READ_ONLY)`); err != nil {
			return err
		}
		attached = append(attached, oldDB)
		prev = oldDB + "." + table
	}
	if err := fill(conn, newDB+"."+table, prev); err != nil {
		return err
	}
	if err := execAll(ctx, conn, what, "DETACH "+newDB); err != nil {
		return err
	}
	attached = attached[1:]
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
