package match

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WarningsFile is the file, in a sync's directory, listing every field a
// sync leaves out of its writes and why, per record: a source value the
// mapping rejected (several MAC addresses in one field, a reject() in a
// transform) or one the target cannot take (an unknown lookup value with
// missing = "empty", a read-only or create-only field, a required field
// that is empty). It is kept current like the errors file: each commit
// builds warnings.tmp.duckdb from the previous file and the run, and
// renames it over, so readers need no lock. A warning disappears once a
// later run writes the field, or sees the record with a value that is no
// longer left out.
const WarningsFile = "warnings.duckdb"

const warningsTmpFile = "warnings.tmp.duckdb"

// Warning kinds.
const (
	// WarnRead: the source's value was rejected when it was read.
	WarnRead = "read"
	// WarnWrite: the target cannot take the value.
	WarnWrite = "write"
)

const warningsDDL = `CREATE TABLE IF NOT EXISTS %s.warnings (
	id          BIGINT NOT NULL,
	run         VARCHAR NOT NULL, -- the last run that left the field out
	sync        VARCHAR NOT NULL,
	object      VARCHAR NOT NULL,
	name        VARCHAR,          -- the source record's display name
	side        VARCHAR NOT NULL, -- the source side (whose value it is)
	source_id   VARCHAR NOT NULL,
	target_side VARCHAR NOT NULL,
	target_id   VARCHAR,
	field       VARCHAR NOT NULL,
	value       VARCHAR,          -- the source's value, JSON text
	reason      VARCHAR NOT NULL,
	kind        VARCHAR NOT NULL, -- read | write
	first_seen  TIMESTAMP,
	last_seen   TIMESTAMP
)`

// Warning is one field left out of a write of one record.
type Warning struct {
	Kind       string          `json:"kind"` // WarnRead | WarnWrite
	SourceSide Side            `json:"source_side"`
	SourceID   string          `json:"source_id"`
	TargetSide Side            `json:"target_side"`
	TargetID   string          `json:"target_id"`
	Field      string          `json:"field"`
	Value      json.RawMessage `json:"value"` // the source's value; nil = null
	Reason     string          `json:"reason"`
}

// displayName is the SQL expression naming a staged record of obj (alias
// x) for people: its canonical "name" field when it has one, else the
// values of its first match rule's keys, joined by spaces; NULL when empty.
func displayName(obj *Object, alias string) string {
	if _, ok := obj.fields["name"]; ok {
		return "nullif(trim(CAST(" + alias + "." + ident("name") + " AS VARCHAR)), '')"
	}
	var parts []string
	if len(obj.spec.Match.Rules) > 0 {
		for _, k := range obj.spec.Match.Rules[0].Keys {
			if f, ok := obj.fields[k]; ok && f.Ref == "" {
				parts = append(parts, "CAST("+alias+"."+ident(k)+" AS VARCHAR)")
			}
		}
	}
	if len(parts) == 0 {
		return "NULL"
	}
	return "nullif(trim(concat_ws(' ', " + strings.Join(parts, ", ") + ")), '')"
}

// AddWarnings records fields of this run's writes of obj that are left
// out, naming each record from its staged source.
func (r *Run) AddWarnings(ctx context.Context, obj *Object, ws []Warning) error {
	if len(ws) == 0 {
		return nil
	}
	b, err := json.Marshal(ws)
	if err != nil {
		return fmt.Errorf("warnings of %s: %w", obj.Name(), err)
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("warnings of %s: %w", obj.Name(), err)
	}
	defer conn.Close()
	if _, err := exec(ctx, conn, "add warnings", `INSERT INTO field_warnings BY NAME
		SELECT ? AS run, ? AS object, kind, source_side, source_id, target_side, nullif(target_id, '') AS target_id,
			field, CASE WHEN value IS NULL THEN 'null' ELSE CAST(value AS VARCHAR) END AS value, reason
		FROM (SELECT unnest(from_json(?, '[{"kind":"VARCHAR","source_side":"VARCHAR","source_id":"VARCHAR","target_side":"VARCHAR","target_id":"VARCHAR","field":"VARCHAR","value":"JSON","reason":"VARCHAR"}]'), recursive := true))`,
		r.cfg.RunID, obj.Name(), string(b)); err != nil {
		return err
	}
	for _, s := range []Side{PSA, Doc} {
		if err := r.ensureStage(ctx, conn, obj, s); err != nil {
			return err
		}
		if _, err := exec(ctx, conn, "name warnings", `UPDATE field_warnings SET name = `+displayName(obj, "x")+`
			FROM `+ident(r.stageTable(obj, s))+` x
			WHERE field_warnings.run = ? AND field_warnings.object = ? AND field_warnings.source_side = ?
			  AND field_warnings.name IS NULL AND x._id = field_warnings.source_id`, r.cfg.RunID, obj.Name(), string(s)); err != nil {
			return err
		}
	}
	return nil
}

// RecordWarnings rebuilds the sync's warnings file from the previous one
// and this run: this run's warnings are added (a warning of the same
// record, target and field keeps its id and first_seen); an earlier one is
// dropped when this run saw its source record and either the value was
// rejected on reading (it is found again if it still is), the record is
// not linked (a create is planned again), or the link's memory of the
// source's value differs from the warning's (it changed, or was written);
// when this run applied a write of that field; or when its link is
// orphaned or disconnected. objects are the run's objects (their staging
// tables tell what the run saw).
func (r *Run) RecordWarnings(ctx context.Context, now time.Time, objects []*Object) (err error) {
	return r.rebuildFile(ctx, "warnings file", WarningsFile, warningsTmpFile, "_warn", warningsDDL, "warnings", func(conn *sql.Conn, newTable, prev string) error {
		seen, err := r.seenRecords(ctx, conn, objects)
		if err != nil {
			return err
		}
		same := `p.object = c.object AND p.side = c.source_side AND p.source_id = c.source_id AND p.target_side = c.target_side AND p.field = c.field`
		ptr := `'/' || replace(replace(p.field, '~', '~0'), '/', '~1')`
		link := `(SELECT l.* FROM links l WHERE l.object = p.object AND l.psa_id IS NOT NULL AND l.doc_id IS NOT NULL
			AND (CASE WHEN p.side = 'psa' THEN l.psa_id ELSE l.doc_id END) = p.source_id LIMIT 1)`
		q := `INSERT INTO ` + newTable + ` BY NAME
			WITH prev AS (SELECT * FROM ` + prev + ` WHERE sync = $3),
			cur AS (SELECT * FROM field_warnings WHERE run = $1
				QUALIFY row_number() OVER (PARTITION BY object, source_side, source_id, target_side, field ORDER BY kind) = 1),
			seen AS (` + seen + `),
			judged AS (
				SELECT p.*,
					EXISTS (SELECT 1 FROM seen s WHERE s.object = p.object AND s.side = p.side AND s.id = p.source_id) AS was_seen,
					(SELECT CASE WHEN p.side = 'psa' THEN CAST(json_extract(k.psa_synced, ` + ptr + `) AS VARCHAR)
						ELSE CAST(json_extract(k.doc_synced, ` + ptr + `) AS VARCHAR) END FROM ` + link + ` k) AS remembered,
					(SELECT k.state FROM ` + link + ` k) AS link_state
				FROM prev p
				WHERE NOT EXISTS (SELECT 1 FROM cur c WHERE ` + same + `)),
			kept AS (
				SELECT * EXCLUDE (was_seen, remembered, link_state) FROM judged p
				WHERE NOT (was_seen AND (p.kind = 'read' OR link_state IS NULL OR remembered IS DISTINCT FROM p.value))
				  AND coalesce(link_state, '') NOT IN ('orphaned', 'disconnected')
				  AND NOT EXISTS (SELECT 1 FROM ops o WHERE o.run = $1 AND o.status = 'applied' AND o.op IN ('create', 'update')
					AND o.object = p.object AND o.source_side = p.side AND o.source_id = p.source_id AND o.target_side = p.target_side
					AND coalesce(json_exists(o.fields, ` + ptr + `), false))),
			base AS (SELECT coalesce(max(id), 0) AS m FROM prev)
			SELECT * FROM kept
			UNION ALL BY NAME
			SELECT coalesce(p.id, (SELECT m FROM base) + row_number() OVER (ORDER BY c.object, c.source_side, c.source_id, c.target_side, c.field)) AS id,
				c.run, $3 AS sync, c.object, coalesce(c.name, p.name) AS name, c.source_side AS side, c.source_id, c.target_side,
				coalesce(c.target_id, p.target_id) AS target_id, c.field, c.value, c.reason, c.kind,
				coalesce(p.first_seen, $2) AS first_seen, $2 AS last_seen
			FROM cur c LEFT JOIN prev p ON ` + same
		if _, err := exec(ctx, conn, "collect warnings", q, r.cfg.RunID, now.UTC(), r.cfg.Sync); err != nil {
			return err
		}
		return nil
	})
}

// seenRecords is a query listing (object, side, id) of every record staged
// in this run, over the staging tables that exist.
func (r *Run) seenRecords(ctx context.Context, conn *sql.Conn, objects []*Object) (string, error) {
	parts := []string{"SELECT NULL::VARCHAR AS object, NULL::VARCHAR AS side, NULL::VARCHAR AS id WHERE false"}
	for _, o := range objects {
		for _, s := range []Side{PSA, Doc} {
			n, err := queryInt(ctx, conn, "warnings: staged records", `SELECT count(*) FROM duckdb_tables()
				WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?`, r.stageTable(o, s))
			if err != nil {
				return "", err
			}
			if n > 0 {
				parts = append(parts, fmt.Sprintf("SELECT %s, %s, _id FROM %s", lit(o.Name()), lit(string(s)), ident(r.stageTable(o, s))))
			}
		}
	}
	return strings.Join(parts, "\n\t\tUNION ALL "), nil
}

// OpenWarnings opens a sync's warnings file read-only; ok is false when
// there is none yet.
func OpenWarnings(syncDir string) (db *sql.DB, ok bool, err error) {
	path := filepath.Join(syncDir, WarningsFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	db, err = sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return nil, false, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, false, fmt.Errorf("open %s: %w", path, err)
	}
	return db, true, nil
}
