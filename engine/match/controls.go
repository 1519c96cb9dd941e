package match

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Control kinds (engine/controls names them the same).
const (
	ControlPause      = "pause"
	ControlDisable    = "disable"
	ControlDisconnect = "disconnect"
)

// Control is one user control as a run applies it to an object's links:
// a pause (of the object, or of its records of one type), or a disable or
// disconnect of the link whose Side record is ID. Other kinds (push
// confirmations) are not link states and are ignored here.
type Control struct {
	Kind   string    // pause | disable | disconnect
	Object string    // "" = every object (a pause)
	Side   string    // psa | doc (link controls)
	ID     string    // the record's id on Side (link controls)
	Type   string    // a pause's record type ("" = any)
	At     time.Time // when the user set it
}

// applies reports whether c is a link-state control of object.
func (c Control) applies(object string) bool {
	switch c.Kind {
	case ControlPause:
		return c.Object == "" || c.Object == object
	case ControlDisable, ControlDisconnect:
		return c.Object == object
	}
	return false
}

// SetControls records the user controls that apply to obj in this run:
// Match gives its links their states from them (see Match). Calling it
// again replaces obj's controls. A pause by type of an object without a
// type field (the mapping lost its type_field) holds the whole object:
// holding more than asked never writes over a value. The rows are published with the links
// (the controls table), so a later run can tell a control was lifted.
func (r *Run) SetControls(ctx context.Context, obj *Object, controls []Control) error {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("controls of %s: %w", obj.Name(), err)
	}
	defer conn.Close()
	err = withTx(ctx, conn, func() error {
		if _, err := exec(ctx, conn, "clear controls", `DELETE FROM controls WHERE object = ?`, obj.Name()); err != nil {
			return err
		}
		for _, c := range controls {
			if !c.applies(obj.Name()) {
				continue
			}
			var at any
			if !c.At.IsZero() {
				at = c.At.UTC()
			}
			if _, err := exec(ctx, conn, "add control", `INSERT INTO controls VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				r.cfg.Sync, obj.Name(), c.Kind, c.Object == "", nullIfEmpty(c.Side), nullIfEmpty(c.ID), nullIfEmpty(c.Type), at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("controls of %s: %w", obj.Name(), err)
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// controlStates is the SQL of the state the user controls give each link
// of phase 0 (alias l: the link; typ: the record's type or NULL), before
// the run's own verdicts: 'disconnected', 'sync_disabled', 'paused' or
// NULL (no control). A disconnect outranks a disable, a disable a pause.
func controlState(object string, typed bool) string {
	o := lit(object)
	link := func(kind string) string {
		return `EXISTS (SELECT 1 FROM controls c WHERE c.object = ` + o + ` AND c.kind = '` + kind + `'
			AND ((c.side = 'psa' AND c.id = l.psa_id) OR (c.side = 'doc' AND c.id = l.doc_id)))`
	}
	return `CASE WHEN ` + link(ControlDisconnect) + ` THEN 'disconnected'
		WHEN ` + link(ControlDisable) + ` THEN 'sync_disabled'
		WHEN EXISTS (SELECT 1 FROM controls c WHERE c.object = ` + o + ` AND c.kind = 'pause'
			AND ` + pauseType(typed, "typ") + `) THEN 'paused' END`
}

// pauseType is the condition for a pause c to hold a record of type typ:
// any type, the same type, or (an object without a type field) always.
func pauseType(typed bool, typ string) string {
	if !typed {
		return "true"
	}
	return "(c.type IS NULL OR lower(c.type) = lower(" + typ + "))"
}

// recordType is the SQL of a link's record type (column typ of phase 0)
// and the joins it needs: the type field's staged value, psa side first,
// else the link's memory of it (a record an incremental run did not
// list). Only when a pause of the object names a type: otherwise NULL,
// and no join.
func (m *matcher) recordType(ctx context.Context) (expr, joins string, err error) {
	o := m.obj
	tf := o.spec.TypeField
	if tf == "" {
		return "CAST(NULL AS VARCHAR)", "", nil
	}
	n, err := queryInt(ctx, m.conn, "typed pauses", `SELECT count(*) FROM controls WHERE object = ? AND kind = 'pause' AND type IS NOT NULL`, o.Name())
	if err != nil || n == 0 {
		return "CAST(NULL AS VARCHAR)", "", err
	}
	col := ident(tf)
	expr = `coalesce(CAST(tp.` + col + ` AS VARCHAR), CAST(td.` + col + ` AS VARCHAR),
		json_extract_string(l.psa_synced, ` + jsonPtr(tf) + `), json_extract_string(l.doc_synced, ` + jsonPtr(tf) + `))`
	joins = "\n\t\tLEFT JOIN " + ident(m.r.stageTable(o, PSA)) + " tp ON tp._id = l.psa_id" +
		"\n\t\tLEFT JOIN " + ident(m.r.stageTable(o, Doc)) + " td ON td._id = l.doc_id"
	return expr, joins, nil
}

// importControls copies the published controls of sync (of one object,
// or all when object is "") into the scratch database; a results file
// from before controls were published has none.
func importControls(ctx context.Context, conn querier, sync, object string) error {
	n, err := queryInt(ctx, conn, "published controls", `SELECT count(*) FROM duckdb_tables() WHERE database_name = '_prev' AND table_name = 'controls'`)
	if err != nil || n == 0 {
		return err
	}
	_, err = exec(ctx, conn, "import controls", `INSERT INTO controls BY NAME SELECT * FROM _prev.controls WHERE sync = ? AND (? = '' OR object = ?)`, sync, object, object)
	return err
}

// Lifted lists the objects of sync whose links the last run that matched
// them held with a control (published controls table) that is no longer
// among current: their links go back to syncing in the next run, which
// must list them in full. A record changed while its link was held was
// listed by an incremental run then, and would not be listed again: its
// change would never flow. No published results (or none with controls):
// nothing was lifted.
func Lifted(ctx context.Context, dir, sync string, current []Control) ([]string, error) {
	db, err := OpenResults(ctx, dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("lifted controls: %w", err)
	}
	defer db.Close()
	n, err := queryInt(ctx, db, "published controls", `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'controls'`)
	if err != nil || n == 0 {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT object, kind, all_objects, coalesce(side, ''), coalesce(id, ''), coalesce(type, '')
		FROM controls WHERE sync = ? ORDER BY object`, sync)
	if err != nil {
		return nil, fmt.Errorf("lifted controls: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var object string
		var c Control
		var all bool
		if err := rows.Scan(&object, &c.Kind, &all, &c.Side, &c.ID, &c.Type); err != nil {
			return nil, fmt.Errorf("lifted controls: %w", err)
		}
		if !all {
			c.Object = object
		}
		held := slices.ContainsFunc(current, func(x Control) bool {
			return x.Kind == c.Kind && x.Object == c.Object && x.Side == c.Side && x.ID == c.ID && strings.EqualFold(x.Type, c.Type)
		})
		if !held && !slices.Contains(out, object) {
			out = append(out, object)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lifted controls: %w", err)
	}
	return out, nil
}

// LinkStates lists the states present among the published links of
// sync, as "object:state", sorted. No published results: none.
func LinkStates(ctx context.Context, dir, sync string) ([]string, error) {
	db, err := OpenResults(ctx, dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("link states: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT object || ':' || state AS s FROM links WHERE sync = ? ORDER BY s`, sync)
	if err != nil {
		return nil, fmt.Errorf("link states: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("link states: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("link states: %w", err)
	}
	return out, nil
}

// holdPaused turns the creates of records a pause holds (the object is
// paused, or the record's type is) into skips: a pause writes nothing in
// its scope, new records included, until it is lifted.
func (p *planner) holdPaused(ctx context.Context) error {
	o := p.obj
	n, err := queryInt(ctx, p.conn, "pauses", `SELECT count(*) FROM controls WHERE object = ? AND kind = 'pause'`, o.Name())
	if err != nil || n == 0 {
		return err
	}
	for _, s := range []Side{PSA, Doc} {
		typ := "CAST(NULL AS VARCHAR)"
		if tf := o.spec.TypeField; tf != "" {
			typ = "CAST(x." + ident(tf) + " AS VARCHAR)"
		}
		_, err := p.exec(ctx, "hold paused creates from "+string(s), `UPDATE `+tOps+` SET op = 'skip', status = 'noted', key = NULL, after = NULL,
				reason = 'not created: paused by a user' || coalesce(' (type ' || h.typ || ')', '') || ' (mapsync resume lifts it)'
			FROM (SELECT x._id AS id, `+typ+` AS typ FROM `+ident(p.r.stageTable(o, s))+` x) h
			WHERE `+tOps+`.op = 'create' AND `+tOps+`.source_side = ? AND `+tOps+`.source_id = h.id
				AND EXISTS (SELECT 1 FROM controls c WHERE c.object = ? AND c.kind = 'pause' AND `+pauseType(o.spec.TypeField != "", "h.typ")+`)`,
			string(s), o.Name())
		if err != nil {
			return err
		}
	}
	return nil
}

// LinkCount is the number of published links of an object in a state.
type LinkCount struct {
	Object, State string
	N             int64
}

// LinkCounts counts a sync's published links by object and state (none
// when nothing is published yet).
func LinkCounts(ctx context.Context, dir, sync string) ([]LinkCount, error) {
	db, err := OpenResults(ctx, dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("link counts: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT object, state, count(*) FROM links WHERE sync = ? GROUP BY object, state ORDER BY object, state`, sync)
	if err != nil {
		return nil, fmt.Errorf("link counts: %w", err)
	}
	defer rows.Close()
	var out []LinkCount
	for rows.Next() {
		var c LinkCount
		if err := rows.Scan(&c.Object, &c.State, &c.N); err != nil {
			return nil, fmt.Errorf("link counts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("link counts: %w", err)
	}
	return out, nil
}
