package match

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Row is one record of one system in canonical form, as the record mapper
// produces it. Records carry no secrets, so Raw may be stored as is.
type Row struct {
	ID      string    // the system's record id; required
	Created time.Time // zero = unknown (sorts last among equal keys)
	Updated time.Time
	// Values maps canonical field names to canonical values (see
	// columnType for what each type accepts). Missing fields are NULL;
	// fields that are not in the canonical type are an error.
	Values map[string]any
	Raw    []byte // the raw JSON record; nil = not kept
	// Invalid maps fields whose source value was rejected by the mapper
	// (e.g. a MAC string that is not one MAC) to the reason. Such fields
	// are never written; the record still syncs.
	Invalid map[string]string
	// InvalidValues holds the source value of each Invalid field, as read
	// (the warnings show it; values are record data, never secrets).
	InvalidValues map[string]any
	// ScopeReason is why the record is out of the sync's scope; "" = in scope.
	ScopeReason string
}

// Staging metadata columns, before and after the canonical fields.
const (
	colID          = "_id"
	colCreated     = "_created"
	colUpdated     = "_updated"
	colRaw         = "_raw"
	colInvalid     = "_invalid"
	colInvalidVals = "_invalid_values"
	colScopeReason = "_scope_reason"
)

// stageTable is the staging table name of (sync, object, side); it is
// always used quoted.
func (r *Run) stageTable(obj *Object, side Side) string {
	return "stage:" + r.cfg.Sync + ":" + obj.Name() + ":" + string(side)
}

func (r *Run) stageDDL(obj *Object, side Side) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + ident(r.stageTable(obj, side)) + " (\n")
	b.WriteString("\t" + ident(colID) + " VARCHAR NOT NULL,\n")
	b.WriteString("\t" + ident(colCreated) + " TIMESTAMP,\n")
	b.WriteString("\t" + ident(colUpdated) + " TIMESTAMP,\n")
	for _, f := range obj.canon.Fields {
		t, _ := columnType(f.Type) // checked by NewObject
		b.WriteString("\t" + ident(f.Name) + " " + t + ",\n")
	}
	b.WriteString("\t" + ident(colRaw) + " JSON,\n")
	b.WriteString("\t" + ident(colInvalid) + " JSON,\n")
	b.WriteString("\t" + ident(colInvalidVals) + " JSON,\n")
	b.WriteString("\t" + ident(colScopeReason) + " VARCHAR\n)")
	return b.String()
}

func (r *Run) stageColumns(obj *Object) []string {
	cols := []string{colID, colCreated, colUpdated}
	for _, f := range obj.canon.Fields {
		cols = append(cols, f.Name)
	}
	return append(cols, colRaw, colInvalid, colInvalidVals, colScopeReason)
}

// ensureStage creates the staging table, or checks that an existing one
// has the columns of obj (a plan changed under a run must not mix shapes).
func (r *Run) ensureStage(ctx context.Context, q querier, obj *Object, side Side) error {
	if !side.valid() {
		return fmt.Errorf("unknown side %q", side)
	}
	if _, err := q.ExecContext(ctx, r.stageDDL(obj, side)); err != nil {
		return fmt.Errorf("create staging table %s: %w", r.stageTable(obj, side), err)
	}
	rows, err := q.QueryContext(ctx, `SELECT column_name FROM duckdb_columns()
		WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index`,
		r.stageTable(obj, side))
	if err != nil {
		return fmt.Errorf("staging table columns: %w", err)
	}
	defer rows.Close()
	var have []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return fmt.Errorf("staging table columns: %w", err)
		}
		have = append(have, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("staging table columns: %w", err)
	}
	want := r.stageColumns(obj)
	if strings.Join(have, "\x00") != strings.Join(want, "\x00") {
		return fmt.Errorf("staging table %s has columns %q, the plan wants %q: reset the stage", r.stageTable(obj, side), have, want)
	}
	return nil
}

// ResetStage drops the staging table of one side, for a listing that
// starts over.
func (r *Run) ResetStage(ctx context.Context, obj *Object, side Side) error {
	if _, err := r.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+ident(r.stageTable(obj, side))); err != nil {
		return fmt.Errorf("reset stage %s: %w", r.stageTable(obj, side), err)
	}
	return nil
}

// Stager streams the records of one side of one object into its staging
// table through DuckDB's Appender, a page at a time: nothing holds a whole
// system in memory. A Stager holds a connection; Close it.
//
// Appended rows are committed by Flush, by Close, and automatically every
// autoFlushRows rows; a commit costs a few milliseconds, so committing
// every page of 1000 would halve the load rate. Record extraction progress
// (a heartbeat cursor) only after Flush: rows appended since the last
// commit are lost if the process dies, and discarded if an Append fails.
// Appending a record again is harmless: Match keeps its last copy.
type Stager struct {
	run     *Run
	obj     *Object
	side    Side
	table   string
	conn    *sql.Conn
	app     *duckdb.Appender
	vals    []driver.Value
	rows    int64 // committed
	pending int64 // appended since the last commit
	inTx    bool
	broken  error
}

// autoFlushRows bounds the uncommitted rows of a Stager.
const autoFlushRows = 100_000

// Stager opens the staging table of (object, side), creating it if needed.
// Records committed by earlier Stagers of the same run stay.
func (r *Run) Stager(ctx context.Context, obj *Object, side Side) (*Stager, error) {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("stager: %w", err)
	}
	if err := r.ensureStage(ctx, conn, obj, side); err != nil {
		conn.Close()
		return nil, fmt.Errorf("stager: %w", err)
	}
	s := &Stager{run: r, obj: obj, side: side, table: r.stageTable(obj, side), conn: conn}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		a, err := duckdb.NewAppender(c, "", "main", s.table)
		if err != nil {
			return err
		}
		s.app = a
		return nil
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("stager %s: appender: %w", s.table, err)
	}
	s.vals = make([]driver.Value, 7+len(obj.canon.Fields))
	return s, nil
}

// Table is the quoted name of the staging table.
func (s *Stager) Table() string { return ident(s.table) }

// Rows is how many rows this Stager committed.
func (s *Stager) Rows() int64 { return s.rows }

// Append stages one page of records. Values that do not fit their
// canonical type are staged as NULL with the reason in _invalid. On error
// every row appended since the last commit is discarded and the Stager
// cannot be used again: reopen one and resume from the last Flush.
func (s *Stager) Append(ctx context.Context, rows []Row) error {
	if s.broken != nil {
		return fmt.Errorf("stage %s: stager unusable after: %w", s.table, s.broken)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.inTx {
		if _, err := s.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
			return fmt.Errorf("stage %s: begin: %w", s.table, err)
		}
		s.inTx = true
	}
	if err := s.appendRows(rows); err != nil {
		s.broken = err
		cerr := s.app.Clear()
		_, rerr := s.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		s.inTx, s.pending = false, 0
		return errors.Join(fmt.Errorf("stage %s (rows since the last flush discarded): %w", s.table, err), cerr, rerr)
	}
	s.pending += int64(len(rows))
	if s.pending >= autoFlushRows {
		return s.Flush(ctx)
	}
	return nil
}

// Flush commits the rows appended so far.
func (s *Stager) Flush(ctx context.Context) error {
	if s.broken != nil {
		return fmt.Errorf("stage %s: stager unusable after: %w", s.table, s.broken)
	}
	if !s.inTx {
		return nil
	}
	if err := s.app.Flush(); err != nil {
		s.broken = err
		_, _ = s.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		s.inTx, s.pending = false, 0
		return fmt.Errorf("stage %s: flush: %w", s.table, err)
	}
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		s.broken = err
		return fmt.Errorf("stage %s: commit: %w", s.table, err)
	}
	s.inTx = false
	s.rows += s.pending
	s.pending = 0
	return nil
}

func (s *Stager) appendRows(rows []Row) error {
	fields := s.obj.canon.Fields
	n := len(fields)
	for i := range rows {
		row := &rows[i]
		if row.ID == "" {
			return fmt.Errorf("record %d of the page has no id", i)
		}
		v := s.vals
		v[0] = row.ID
		v[1] = timeValue(row.Created)
		v[2] = timeValue(row.Updated)
		var invalid map[string]string
		var invalidVals map[string]any
		found := 0
		for j, f := range fields {
			raw, ok := row.Values[f.Name]
			if !ok {
				v[3+j] = nil
				continue
			}
			found++
			val, err := toValue(f.Type, raw)
			if err != nil {
				if invalid == nil {
					invalid = make(map[string]string, len(row.Invalid)+1)
				}
				invalid[f.Name] = err.Error()
				if invalidVals == nil {
					invalidVals = map[string]any{}
				}
				invalidVals[f.Name] = raw
				val = nil
			}
			v[3+j] = val
		}
		if found < len(row.Values) {
			for k := range row.Values {
				if _, ok := s.obj.fields[k]; !ok {
					return fmt.Errorf("record %q: %q is not a field of %s", row.ID, k, s.obj.Name())
				}
			}
		}
		v[3+n] = nil
		if row.Raw != nil {
			if !json.Valid(row.Raw) {
				return fmt.Errorf("record %q: raw record is not valid JSON", row.ID)
			}
			v[3+n] = json.RawMessage(row.Raw) // the appender JSON-encodes what it gets: raw bytes stay as they are
		}
		v[4+n] = nil
		if len(row.Invalid) > 0 || len(invalid) > 0 {
			if invalid == nil {
				invalid = make(map[string]string, len(row.Invalid))
			}
			for k, why := range row.Invalid {
				if _, ok := invalid[k]; !ok {
					invalid[k] = why
				}
			}
			b, err := json.Marshal(invalid)
			if err != nil {
				return fmt.Errorf("record %q: invalid fields: %w", row.ID, err)
			}
			v[4+n] = json.RawMessage(b)
		}
		v[5+n] = nil
		if len(row.InvalidValues) > 0 || len(invalidVals) > 0 {
			vals := make(map[string]any, len(row.InvalidValues)+len(invalidVals))
			for k, x := range row.InvalidValues {
				vals[k] = x
			}
			for k, x := range invalidVals {
				vals[k] = x
			}
			b, err := json.Marshal(vals)
			if err != nil {
				return fmt.Errorf("record %q: invalid values: %w", row.ID, err)
			}
			v[5+n] = json.RawMessage(b)
		}
		v[6+n] = nil
		if row.ScopeReason != "" {
			v[6+n] = row.ScopeReason
		}
		if err := s.app.AppendRow(v...); err != nil {
			return fmt.Errorf("record %q: %w", row.ID, err)
		}
	}
	return nil
}

func timeValue(t time.Time) driver.Value {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// Close commits what is pending and releases the Stager's connection.
func (s *Stager) Close() error {
	var err error
	if s.broken == nil {
		err = s.Flush(context.Background())
	}
	if cerr := s.app.Close(); err == nil && s.broken == nil {
		err = cerr
	}
	if s.inTx {
		_, _ = s.conn.ExecContext(context.Background(), "ROLLBACK")
	}
	if cerr := s.conn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close stager %s: %w", s.table, err)
	}
	return nil
}
