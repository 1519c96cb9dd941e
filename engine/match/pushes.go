package match

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mapsync/engine/plan"
)

// Pushes are the confirmations of waiting documentation records a run is
// given from outside the data: the user's (mapsync push, kept in the
// sync's controls) and a one-time push-all. The data gives the other two
// (confirmRules): an edit after the record was first seen waiting, and a
// creation after two-way sync began for the object.
type Pushes struct {
	// Confirmed are doc record ids a user confirmed for a push.
	Confirmed []string
	// All confirms every waiting in-scope doc record of the object
	// (mapsync push-all).
	All bool
}

// SetPushes gives the run the push confirmations of object; Match reads
// them. Without a call an object has none.
func (r *Run) SetPushes(object string, p Pushes) {
	if r.pushes == nil {
		r.pushes = map[string]Pushes{}
	}
	p.Confirmed = slices.Clone(p.Confirmed)
	r.pushes[object] = p
}

// Why a waiting doc record is confirmed for a push (unmatched.reason and
// the waiting link's reason say it).
const (
	ConfirmedByUser    = "confirmed with mapsync push"
	ConfirmedByPushAll = "pushed by mapsync push-all"
	ConfirmedByEdit    = "edited after it was first seen waiting"
	ConfirmedAsNew     = "created after two-way sync began"
)

// linksUpgrade brings the links table of a database made by an earlier
// version up to date (published results are read BY NAME: a missing column
// reads as NULL). A waiting link without seen_values (made before it
// existed) is not confirmed by an edit in the run that first reads it: that
// run records the values and a later change of them confirms it.
var linksUpgrade = []string{
	`ALTER TABLE links ADD COLUMN IF NOT EXISTS seen_updated TIMESTAMP`,
	`ALTER TABLE links ADD COLUMN IF NOT EXISTS seen_values VARCHAR`,
}

// SetRunWritten names fields of the object that a run itself writes on
// documentation records it does not own (a flag the system moves between
// records when the run sets it on one of them, a reference read off such
// flags): a change of them is not a user's edit, so it never confirms a
// waiting record (editFields). Call it before the object's first Match;
// names that are not fields of the object are ignored.
func (o *Object) SetRunWritten(fields ...string) {
	o.runWritten = map[string]bool{}
	for _, f := range fields {
		o.runWritten[f] = true
	}
}

// editFields are the fields whose change is a user's edit of a waiting doc
// record: those that flow toward the psa side (what its create would
// send), less those the run itself writes on records it does not own.
func (o *Object) editFields() []string {
	var out []string
	for _, f := range o.diff {
		if (f.direction == plan.DirTwoWay || f.direction == plan.DirToPSA) && !o.runWritten[f.name] {
			out = append(out, f.name)
		}
	}
	return out
}

// seenValuesSQL is the fingerprint of a waiting doc record kept in
// links.seen_values, over the staged row x: "<fields>:<values>", the md5
// of the edit fields' names and the md5 of their canonical values (as one
// JSON object). A fingerprint whose fields part differs from the current
// one (a mapping change, a link from before the column) is not compared:
// the run records the current one instead.
func (o *Object) seenValuesSQL(x string) string {
	var args []string
	for _, n := range o.editFields() {
		args = append(args, lit(n), x+"."+ident(n))
	}
	return o.seenFieldsSQL() + " || md5(CAST(json_object(" + strings.Join(args, ", ") + ") AS VARCHAR))"
}

// seenFieldsSQL is the fields part of seenValuesSQL (with its colon).
func (o *Object) seenFieldsSQL() string {
	sum := md5.Sum([]byte(strings.Join(o.editFields(), "\x00")))
	return lit(hex.EncodeToString(sum[:]) + ":")
}

// importStarts copies the sync's object start times from the published
// results (attached as _prev); results published before they existed
// have none.
func importStarts(ctx context.Context, conn *sql.Conn, sync string) error {
	n, err := queryInt(ctx, conn, "published tables",
		`SELECT count(*) FROM duckdb_tables() WHERE database_name = '_prev' AND table_name = 'object_starts'`)
	if err != nil || n == 0 {
		return err
	}
	_, err = exec(ctx, conn, "import object starts", `INSERT INTO object_starts BY NAME SELECT * FROM _prev.object_starts WHERE sync = ?`, sync)
	return err
}

// twoWayStart returns when two-way sync began for the object: the start of
// its first run that flowed to the psa side. The first such run records
// its own start and gets ok = false: a record it lists is not new to it.
func (m *matcher) twoWayStart(ctx context.Context) (start time.Time, ok bool, err error) {
	r, o := m.r, m.obj
	var run string
	err = m.conn.QueryRowContext(ctx, `SELECT started_at, run FROM object_starts WHERE sync = ? AND object = ?
		ORDER BY started_at LIMIT 1`, r.cfg.Sync, o.Name()).Scan(&start, &run)
	if err == nil {
		return start, run != r.cfg.RunID, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return start, false, fmt.Errorf("two-way start: %w", err)
	}
	_, err = m.exec(ctx, "record two-way start", `INSERT INTO object_starts
		SELECT ?, ?, coalesce(started_at, now()), run FROM runs WHERE run = ?`, r.cfg.Sync, o.Name(), r.cfg.RunID)
	return time.Time{}, false, err
}

// confirmRules builds tConf: the unmatched doc records (temp table u) of
// an object whose create_in_psa is "confirmed" that are confirmed for a
// push this run, with why (the first that applies, in this order: the
// user's confirmation, push-all, an edit since the record was first seen
// waiting, a creation after two-way sync began) and whether a user named
// it (a user's confirmation holds for an out-of-scope record: it keeps
// waiting with the reason; the others only confirm in-scope records).
func (m *matcher) confirmRules(ctx context.Context, u string) error {
	r, o := m.r, m.obj
	p := r.pushes[o.Name()]
	start, hasStart, err := m.twoWayStart(ctx)
	if err != nil {
		return err
	}
	ids := p.Confirmed
	if ids == nil {
		ids = []string{}
	}
	q := `SELECT * FROM (
		SELECT u.id, c.id IS NOT NULL AS by_user, CASE
			WHEN c.id IS NOT NULL THEN ` + lit(ConfirmedByUser) + `
			WHEN $1 THEN ` + lit(ConfirmedByPushAll) + `
			WHEN w.seen_updated IS NOT NULL AND x._updated > w.seen_updated
				AND starts_with(w.seen_values, ` + o.seenFieldsSQL() + `)
				AND w.seen_values <> ` + o.seenValuesSQL("x") + ` THEN ` + lit(ConfirmedByEdit) + `
			WHEN $2 AND x._created > $3 THEN ` + lit(ConfirmedAsNew+" (") + ` || strftime($3, '%Y-%m-%dT%H:%M:%SZ') || ')'
			END AS why
		FROM ` + u + ` u JOIN ` + ident(r.stageTable(o, Doc)) + ` x ON x._id = u.id
		LEFT JOIN ` + tNYP + ` w ON w.doc_id = u.id
		LEFT JOIN (SELECT DISTINCT unnest(from_json($4, '["VARCHAR"]')) AS id) c ON c.id = u.id)
		WHERE why IS NOT NULL`
	return m.temp(ctx, "confirmed doc records", tConf, q, p.All, hasStart, start, textList(ids))
}

const tConf = "m_conf"
