package match

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mapsync/engine/plan"
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
// table a batch at a time: Append encodes each page's canonical rows as
// CSV into a spill file beside the run database, and a
// flush hands DuckDB the whole batch with one INSERT ... SELECT FROM
// read_json (DuckDB parses it in parallel, typed by the staging columns).
// Nothing holds a whole system in memory: the Go side keeps one encode
// buffer, the batch waits on disk. (The driver's row Appender cost a cgo
// call per value: 7 s for 2M rows; docs/architecture.md "Staging".)
//
// Rows are committed by Flush, by Close, and automatically every
// autoFlushRows rows; each flush is one INSERT (one commit). Record
// extraction progress (a heartbeat cursor) only after Flush: rows appended
// since the last flush are lost if the process dies, and discarded if an
// Append fails. Appending a record again is harmless: Match keeps its last
// copy (a record appended twice into one batch starts a new batch, since
// DuckDB may insert a batch's rows in any order).
type Stager struct {
	run     *Run
	obj     *Object
	side    Side
	table   string
	insert  string   // the INSERT that ingests the spill file
	spill   *os.File // the batch since the last flush, CSV
	w       *bufio.Writer
	buf     []byte
	ids     map[uint64]struct{} // id hashes in the batch (duplicates start a new one)
	seed    maphash.Seed
	rows    int64 // committed
	pending int64 // in the spill file
	broken  error
}

// autoFlushRows bounds the rows of a batch (its spill file is about 100
// bytes a row plus the raw records).
const autoFlushRows = 100_000

// maxLineBytes is DuckDB's read_json maximum_object_size: one record's
// encoded row (raw JSON included) must fit.
const maxLineBytes = 16 << 20

// csvBufferBytes is read_csv's buffer_size. DuckDB's default is 16 times
// max_line_size (256 MiB here), allocated whole for every batch however
// small: under a memory_limit of a few hundred MB that alone fails. Twice
// the longest line is the least it accepts with room for a line across
// two buffers.
const csvBufferBytes = 2 * maxLineBytes

// Stager opens the staging table of (object, side), creating it if needed.
// Records committed by earlier Stagers of the same run stay.
func (r *Run) Stager(ctx context.Context, obj *Object, side Side) (*Stager, error) {
	if err := r.ensureStage(ctx, r.db, obj, side); err != nil {
		return nil, fmt.Errorf("stager: %w", err)
	}
	f, err := os.CreateTemp(filepath.Join(r.cfg.Dir, "work"), r.cfg.RunID+".stage-*.csv")
	if err != nil {
		return nil, fmt.Errorf("stager: spill file: %w", err)
	}
	s := &Stager{run: r, obj: obj, side: side, table: r.stageTable(obj, side), spill: f,
		w: bufio.NewWriterSize(f, 1<<20), ids: make(map[uint64]struct{}, 1024), seed: maphash.MakeSeed()}
	s.insert = s.insertSQL()
	return s, nil
}

// insertSQL reads the spill file, CSV with the staging table's columns
// in order: text quoted (so a quoted empty field is the empty string and an empty one
// NULL), timestamps as microseconds, dates as days since 1970-01-01, lists
// as JSON arrays, JSON values as their text (kept as it is, as the
// Appender kept it).
func (s *Stager) insertSQL() string {
	cols := s.run.stageColumns(s.obj)
	var spec, sel []string
	add := func(i int, readAs, expr string) {
		k := "c" + strconv.Itoa(i)
		spec = append(spec, lit(k)+": "+lit(readAs))
		sel = append(sel, fmt.Sprintf(expr, ident(k)))
	}
	add(0, "VARCHAR", "%s")
	add(1, "BIGINT", "make_timestamp(%s)")
	add(2, "BIGINT", "make_timestamp(%s)")
	for j, f := range s.obj.canon.Fields {
		t, _ := columnType(f.Type)
		switch t {
		case "TIMESTAMP":
			add(3+j, "BIGINT", "make_timestamp(%s)")
		case "DATE":
			add(3+j, "INTEGER", "DATE '1970-01-01' + %s")
		case "JSON":
			add(3+j, "VARCHAR", "CAST(%s AS JSON)")
		case "VARCHAR[]":
			add(3+j, "VARCHAR", `from_json(%s, '["VARCHAR"]')`)
		default:
			add(3+j, t, "%s")
		}
	}
	n := 3 + len(s.obj.canon.Fields)
	add(n, "VARCHAR", "CAST(%s AS JSON)")
	add(n+1, "VARCHAR", "CAST(%s AS JSON)")
	add(n+2, "VARCHAR", "CAST(%s AS JSON)")
	add(n+3, "VARCHAR", "%s")
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = ident(c)
	}
	return "INSERT INTO " + ident(s.table) + " (" + strings.Join(quoted, ", ") + ")\nSELECT " + strings.Join(sel, ", ") +
		"\nFROM read_csv(" + lit(s.spill.Name()) + ", header = false, auto_detect = false, delim = ',', quote = '\"', escape = '\"'," +
		" new_line = '\\n', allow_quoted_nulls = false, max_line_size = " + strconv.Itoa(maxLineBytes) + ", buffer_size = " + strconv.Itoa(csvBufferBytes) +
		", columns = {" + strings.Join(spec, ", ") + "})"
}

// Table is the quoted name of the staging table.
func (s *Stager) Table() string { return ident(s.table) }

// Rows is how many rows this Stager committed.
func (s *Stager) Rows() int64 { return s.rows }

// Append stages one page of records. Values that do not fit their
// canonical type are staged as NULL with the reason in _invalid. On error
// every row appended since the last flush is discarded and the Stager
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
	for i := range rows {
		h := maphash.String(s.seed, rows[i].ID)
		if _, dup := s.ids[h]; dup {
			if err := s.Flush(ctx); err != nil {
				return err
			}
		}
		s.ids[h] = struct{}{}
		if err := s.encode(&rows[i], i); err != nil {
			return s.fail(ctx, fmt.Errorf("stage %s (rows since the last flush discarded): %w", s.table, err))
		}
		s.pending++
	}
	if s.pending >= autoFlushRows {
		return s.Flush(ctx)
	}
	return nil
}

// fail discards the batch and marks the Stager unusable.
func (s *Stager) fail(_ context.Context, err error) error {
	s.broken = err
	s.w.Reset(s.spill)
	terr := s.truncate()
	s.pending = 0
	clear(s.ids)
	return errors.Join(err, terr)
}

func (s *Stager) truncate() error {
	if err := s.spill.Truncate(0); err != nil {
		return err
	}
	_, err := s.spill.Seek(0, io.SeekStart)
	return err
}

// Flush commits the rows appended so far: one INSERT of the batch.
func (s *Stager) Flush(ctx context.Context) error {
	if s.broken != nil {
		return fmt.Errorf("stage %s: stager unusable after: %w", s.table, s.broken)
	}
	if s.pending == 0 {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return s.fail(ctx, fmt.Errorf("stage %s: write spill file: %w", s.table, err))
	}
	if _, err := s.run.db.ExecContext(ctx, s.insert); err != nil {
		return s.fail(ctx, fmt.Errorf("stage %s: insert batch: %w", s.table, err))
	}
	if err := s.truncate(); err != nil {
		return s.fail(ctx, fmt.Errorf("stage %s: spill file: %w", s.table, err))
	}
	s.rows += s.pending
	s.pending = 0
	clear(s.ids)
	return nil
}

// encode writes one row as a line of the spill file (see insertSQL).
func (s *Stager) encode(row *Row, i int) error {
	if row.ID == "" {
		return fmt.Errorf("record %d of the page has no id", i)
	}
	fields := s.obj.canon.Fields
	b := appendCSVString(s.buf[:0], row.ID)
	b = append(b, ',')
	if !row.Created.IsZero() {
		b = strconv.AppendInt(b, row.Created.UnixMicro(), 10)
	}
	b = append(b, ',')
	if !row.Updated.IsZero() {
		b = strconv.AppendInt(b, row.Updated.UnixMicro(), 10)
	}
	var invalid map[string]string
	var invalidVals map[string]any
	found := 0
	for _, f := range fields {
		b = append(b, ',')
		raw, ok := row.Values[f.Name]
		if !ok {
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
			continue
		}
		if val == nil {
			continue
		}
		if b, err = appendValue(b, f.Type, val); err != nil {
			return fmt.Errorf("record %q: %s: %w", row.ID, f.Name, err)
		}
	}
	if found < len(row.Values) {
		for k := range row.Values {
			if _, ok := s.obj.fields[k]; !ok {
				return fmt.Errorf("record %q: %q is not a field of %s", row.ID, k, s.obj.Name())
			}
		}
	}
	jsonCol := func(b []byte, v any) ([]byte, error) {
		text, err := json.Marshal(v) // as the Appender stored JSON: compact, HTML-escaped
		if err != nil {
			return b, err
		}
		return appendCSVBytes(b, text), nil
	}
	var err error
	b = append(b, ',')
	if row.Raw != nil {
		if !json.Valid(row.Raw) {
			return fmt.Errorf("record %q: raw record is not valid JSON", row.ID)
		}
		if b, err = jsonCol(b, json.RawMessage(row.Raw)); err != nil {
			return fmt.Errorf("record %q: raw record: %w", row.ID, err)
		}
	}
	b = append(b, ',')
	if len(row.Invalid) > 0 || len(invalid) > 0 {
		if invalid == nil {
			invalid = make(map[string]string, len(row.Invalid))
		}
		for k, why := range row.Invalid {
			if _, ok := invalid[k]; !ok {
				invalid[k] = why
			}
		}
		if b, err = jsonCol(b, invalid); err != nil {
			return fmt.Errorf("record %q: invalid fields: %w", row.ID, err)
		}
	}
	b = append(b, ',')
	if len(row.InvalidValues) > 0 || len(invalidVals) > 0 {
		vals := make(map[string]any, len(row.InvalidValues)+len(invalidVals))
		for k, x := range row.InvalidValues {
			vals[k] = x
		}
		for k, x := range invalidVals {
			vals[k] = x
		}
		if b, err = jsonCol(b, vals); err != nil {
			return fmt.Errorf("record %q: invalid values: %w", row.ID, err)
		}
	}
	b = append(b, ',')
	if row.ScopeReason != "" {
		b = appendCSVString(b, row.ScopeReason)
	}
	b = append(b, '\n')
	s.buf = b
	if len(b) > maxLineBytes {
		return fmt.Errorf("record %q: %d bytes staged, more than %d", row.ID, len(b), maxLineBytes)
	}
	_, err = s.w.Write(b)
	return err
}

// appendValue writes a value toValue returned as a CSV field for the
// column of canonical type t (see insertSQL).
func appendValue(b []byte, t string, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return appendCSVString(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		switch {
		case math.IsNaN(x):
			return append(b, "nan"...), nil
		case math.IsInf(x, 1):
			return append(b, "inf"...), nil
		case math.IsInf(x, -1):
			return append(b, "-inf"...), nil
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case time.Time:
		if t == plan.TypeDate {
			return strconv.AppendInt(b, x.Unix()/86400, 10), nil // midnight UTC: whole days
		}
		return strconv.AppendInt(b, x.UnixMicro(), 10), nil
	case []string:
		l := []byte{'['}
		for i, e := range x {
			if i > 0 {
				l = append(l, ',')
			}
			l = appendJSONString(l, e)
		}
		return appendCSVBytes(b, append(l, ']')), nil
	case json.RawMessage:
		text, err := json.Marshal(x)
		if err != nil {
			return b, err
		}
		return appendCSVBytes(b, text), nil
	}
	return b, fmt.Errorf("cannot stage a %T", v)
}

// appendCSVString appends s as a quoted CSV field ('"' doubled). Invalid
// UTF-8 becomes U+FFFD (DuckDB text is UTF-8; records decoded from JSON
// already are).
func appendCSVString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

func appendCSVBytes(b, s []byte) []byte { return appendCSVString(b, string(s)) }

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD (DuckDB text is UTF-8; records decoded from JSON already are).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\t':
				b = append(b, '\\', 't')
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Close commits what is pending and removes the spill file.
func (s *Stager) Close() error {
	var err error
	if s.broken == nil {
		err = s.Flush(context.Background())
	}
	if cerr := s.spill.Close(); err == nil && s.broken == nil {
		err = cerr
	}
	if rerr := os.Remove(s.spill.Name()); err == nil && s.broken == nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("close stager %s: %w", s.table, err)
	}
	return nil
}
