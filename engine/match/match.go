package match

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Listing says whether each side was listed in full. Only a complete
// listing may orphan a link: a record missing from a partial (incremental,
// interrupted) listing is simply not known this run. The zero value is the
// safe one: nothing is complete, nothing is orphaned.
type Listing struct {
	PSAComplete bool
	DocComplete bool
}

// MatchStats counts what Match decided.
type MatchStats struct {
	Object       string
	Linked       int64            // existing links kept (phase 0)
	Matched      int64            // new pairs
	ByPhase      map[string]int64 // new pairs per phase
	Orphaned     int64            // links that became orphaned this run
	Dropped      int64            // links dropped: the doc record is gone from a complete listing
	Lost         int64            // sources whose candidates were all claimed by others
	UnmatchedPSA int64
	UnmatchedDoc int64
	// Confirmed counts waiting doc records confirmed for a push this run
	// (create_in_psa = "confirmed"): they are planned as creates.
	Confirmed int64
	// Fallbacks counts phases rerun with exact key partitioning because two
	// key groups shared a 64-bit hash (expected: never).
	Fallbacks int
}

// Match pairs the staged records of obj, set-wise, in SQL:
//
//  0. Existing links are honoured first: the pair stays linked and both
//     records leave the candidate pools. A link whose psa record is gone
//     from a complete listing, or is now out of scope, is orphaned (and
//     keeps its doc record out of the pools); a link whose doc record is
//     gone from a complete listing is dropped and its psa record competes
//     again. A link the user disconnected is neither: it keeps both records
//     out of the pools for good; disables and pauses set the state of a
//     kept link (SetControls, existingLinks).
//  1. For each rule in order, for each narrow field in order and then the
//     plain key, one phase: both sides' remaining in-scope records with a
//     complete key are numbered within their key group by (created, id),
//     and the k-th source takes the k-th candidate. Records an earlier
//     phase paired are removed with an anti join; each side is first
//     reduced to keys present on the other (semi join).
//  2. What is left is written to unmatched with the reason and the action
//     the create policy gives it; sources that had candidates but lost
//     them all get a match_decisions row naming who claimed them.
//
// Ref keys (the scope_by field included) are compared in the doc system's
// id space: a psa record's ref is translated through the links of the
// referenced object, so records of different companies never match and a
// record whose company is not linked cannot match at all.
//
// Match may be called again for the same object in the same run (a retried
// activity): it replaces this run's rows for the object.
func (r *Run) Match(ctx context.Context, obj *Object, listing Listing) (MatchStats, error) {
	st := MatchStats{Object: obj.Name(), ByPhase: map[string]int64{}}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("match %s: %w", obj.Name(), err)
	}
	defer conn.Close()
	m := &matcher{r: r, obj: obj, conn: conn, listing: listing, st: &st}
	start := time.Now()
	err = withTx(ctx, conn, func() error { return m.run(ctx) })
	if r.cfg.Trace != nil {
		r.cfg.Trace(obj.Name()+": match total (with commit)", time.Since(start))
	}
	// Temp tables die with the connection, but the pool keeps connections.
	m.dropTemp(context.WithoutCancel(ctx))
	if err != nil {
		return st, fmt.Errorf("match %s: %w", obj.Name(), err)
	}
	return st, nil
}

type matcher struct {
	r       *Run
	obj     *Object
	conn    *sql.Conn
	listing Listing
	st      *MatchStats
	temps   []string
	// untouched counts the kept links phase 0 left alone (not orphaned).
	untouched int64
}

// Temp table names. Temp tables are private to the connection.
const (
	tPSA    = "m_psa"
	tDoc    = "m_doc"
	tL0     = "m_l0"
	tPairs  = "m_pairs"
	tPhases = "m_phases"
	tNYP    = "m_nyp"
)

func sideTable(s Side) string {
	if s == PSA {
		return tPSA
	}
	return tDoc
}

// idCol is the column of m_pairs holding the record id of side s.
func (m *matcher) idCol(s Side) string {
	if s == m.obj.source {
		return "src_id"
	}
	return "tgt_id"
}

// ridCol is the column of m_pairs holding a side's row id.
func (m *matcher) ridCol(s Side) string {
	if s == m.obj.source {
		return "srid"
	}
	return "trid"
}

func (m *matcher) exec(ctx context.Context, step, stmt string, args ...any) (int64, error) {
	start := time.Now()
	n, err := exec(ctx, m.conn, step, stmt, args...)
	if m.r.cfg.Trace != nil {
		m.r.cfg.Trace(m.obj.Name()+": "+step, time.Since(start))
	}
	return n, err
}

func (m *matcher) temp(ctx context.Context, step, name, query string, args ...any) error {
	m.temps = append(m.temps, name)
	_, err := m.exec(ctx, step, "CREATE OR REPLACE TEMP TABLE "+name+" AS "+query, args...)
	return err
}

// drop frees temp tables no longer needed (memory matters at 1M rows).
func (m *matcher) drop(ctx context.Context, tables ...string) {
	for _, t := range tables {
		_, _ = m.conn.ExecContext(ctx, "DROP TABLE IF EXISTS temp."+t)
	}
}

func (m *matcher) dropTemp(ctx context.Context) {
	for _, t := range m.temps {
		_, _ = m.conn.ExecContext(ctx, "DROP TABLE IF EXISTS temp."+t)
	}
}

func (m *matcher) k(field string) string { return fmt.Sprintf("k%d", m.obj.keyIndex[field]) }

// keyCols lists the key columns of fields, prefixed with alias.
func (m *matcher) keyCols(alias string, fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = alias + m.k(f)
	}
	return out
}

// usable is the condition for a record to take part in a phase with these
// keys: every ref key holds a linked id, the narrow field is not blank, and
// the other keys are not all blank. (Blank components equal each other: an
// empty Address 2 matches an empty Address 2; an all-blank key never matches.)
func (m *matcher) usable(alias string, keys []string, narrow string) string {
	var conds, plain []string
	for _, f := range keys {
		c := alias + m.k(f)
		switch {
		case m.obj.isRef(f):
			conds = append(conds, c+" IS NOT NULL")
		case f == narrow:
			conds = append(conds, c+" <> ''")
		default:
			plain = append(plain, c+" <> ''")
		}
	}
	if len(plain) > 0 {
		conds = append(conds, "("+strings.Join(plain, " OR ")+")")
	}
	if len(conds) == 0 {
		return "true"
	}
	return strings.Join(conds, " AND ")
}

func (m *matcher) run(ctx context.Context) error {
	r, o := m.r, m.obj
	for _, s := range []Side{PSA, Doc} {
		n, err := queryInt(ctx, m.conn, "find staging table",
			`SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?`,
			r.stageTable(o, s))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("the %s side was not staged (open a Stager, even for an empty listing)", s)
		}
	}
	// What was listed in full, for Apply: a create planned while its
	// target was not listed in full is looked up there first.
	for _, l := range []struct {
		side Side
		ok   bool
	}{{PSA, m.listing.PSAComplete}, {Doc, m.listing.DocComplete}} {
		if _, err := m.exec(ctx, "note listing", `INSERT OR REPLACE INTO _meta VALUES (?, ?)`, listedKey(o.Name(), l.side), fmt.Sprint(l.ok)); err != nil {
			return err
		}
	}
	for _, t := range []string{"match_decisions", "unmatched"} {
		if _, err := m.exec(ctx, "clear earlier attempt", "DELETE FROM "+t+" WHERE run = ? AND object = ?", r.cfg.RunID, o.Name()); err != nil {
			return err
		}
	}
	for _, s := range []Side{PSA, Doc} {
		if err := m.dedupe(ctx, s); err != nil {
			return err
		}
		if err := m.buildSide(ctx, s); err != nil {
			return err
		}
	}
	if err := m.buildPhases(ctx); err != nil {
		return err
	}
	if err := m.existingLinks(ctx); err != nil {
		return err
	}
	if err := m.pairPhases(ctx); err != nil {
		return err
	}
	if err := m.pairDecisions(ctx); err != nil {
		return err
	}
	for _, s := range []Side{m.obj.source, m.obj.source.other()} {
		if err := m.unmatched(ctx, s); err != nil {
			return err
		}
	}
	m.drop(ctx, tPSA, tDoc)
	return m.writeLinks(ctx)
}

// dedupe keeps the last appended copy of a record staged more than once (a
// retried page, or offset paging that moved a record onto the next page).
func (m *matcher) dedupe(ctx context.Context, s Side) error {
	table := ident(m.r.stageTable(m.obj, s))
	start := time.Now()
	dups, err := queryInt(ctx, m.conn, "find duplicates", `SELECT count(*) - count(DISTINCT _id) FROM `+table)
	if m.r.cfg.Trace != nil {
		m.r.cfg.Trace(m.obj.Name()+": find duplicates "+string(s), time.Since(start))
	}
	if err != nil || dups == 0 {
		return err
	}
	_, err = m.exec(ctx, "drop duplicates "+string(s), `DELETE FROM `+table+` WHERE rowid IN (
		SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY _id ORDER BY rowid DESC) AS rn FROM `+table+`) WHERE rn > 1)`)
	return err
}

// buildSide materialises one side's candidates: a row id (the staging
// rowid), the creation time and id that order records within a key group,
// the scope reason and the match keys, normalised, ref keys translated
// into doc ids.
func (m *matcher) buildSide(ctx context.Context, s Side) error {
	o := m.obj
	inner := []string{`x.rowid AS rid`, `x._id AS id`, `x._created AS created`, `x._scope_reason AS scope_reason`}
	outer := []string{"rid", "id", "created", "scope_reason"}
	var joins strings.Builder
	for i, f := range o.keyFields {
		cf := o.fields[f]
		col := "CAST(x." + ident(f) + " AS VARCHAR)"
		n := fmt.Sprintf("n%d", i)
		if cf.Type == "ref" && s == PSA {
			j := fmt.Sprintf("j%d", i)
			fmt.Fprintf(&joins, "\nLEFT JOIN (SELECT psa_id, min(doc_id) AS doc_id FROM links WHERE object = %s AND psa_id IS NOT NULL AND doc_id IS NOT NULL GROUP BY psa_id) %s ON %s.psa_id = %s",
				lit(cf.Ref), j, j, col)
			inner = append(inner, o.normSQL(f, j+".doc_id")+" AS "+n, fmt.Sprintf("%s AS r%d", col, i))
			outer = append(outer, fmt.Sprintf("r%d", i))
		} else {
			inner = append(inner, o.normSQL(f, col)+" AS "+n)
		}
		outer = append(outer, o.blankSQL(f, n)+" AS "+m.k(f))
	}
	q := "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ",\n\t") +
		"\nFROM " + ident(m.r.stageTable(o, s)) + " x" + joins.String() + ")"
	return m.temp(ctx, "stage "+string(s)+" candidates", sideTable(s), q)
}

func (m *matcher) buildPhases(ctx context.Context) error {
	rows := []string{"(0, NULL, 'link', NULL)"}
	for _, ph := range m.obj.phases {
		rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s)", ph.no, lit(ph.rule), lit(ph.name), lit(strings.Join(ph.keys, ", "))))
	}
	if err := m.temp(ctx, "phases", tPhases, "SELECT * FROM (VALUES "+strings.Join(rows, ", ")+") v(no, rule, name, keys)"); err != nil {
		return err
	}
	m.temps = append(m.temps, tPairs)
	_, err := m.exec(ctx, "pairs table", `CREATE OR REPLACE TEMP TABLE `+tPairs+` (
		srid BIGINT, trid BIGINT, src_id VARCHAR, tgt_id VARCHAR, phase_no INTEGER, h UBIGINT,
		rank INTEGER, candidates INTEGER, sources INTEGER, keys_ok BOOLEAN)`)
	return err
}

// existingLinks is phase 0. Each link's verdict, in order of precedence
// (docs/lifecycle.md "Link states and controls"):
//
//   - disconnect: a user disconnected it (mapsync link disconnect): both
//     records stay out of the pools, the link is neither orphaned nor
//     dropped, nothing is diffed over it;
//   - orphan: its psa record is gone from a complete listing, out of
//     scope, or was orphaned and not seen again;
//   - drop: its doc record is gone from a complete listing;
//   - keep: the pair stays linked; a disable or a pause (ctl) then only
//     decides the state writeLinks gives it.
func (m *matcher) existingLinks(ctx context.Context) error {
	r, o := m.r, m.obj
	typ, typJoins, err := m.recordType(ctx)
	if err != nil {
		return err
	}
	q := `WITH base AS (
		SELECT l.*, p.rid AS prid, d.rid AS drid, p.scope_reason AS p_scope, ` + typ + ` AS typ
		FROM links l
		LEFT JOIN ` + tPSA + ` p ON p.id = l.psa_id
		LEFT JOIN ` + tDoc + ` d ON d.id = l.doc_id` + typJoins + `
		WHERE l.object = $3 AND l.psa_id IS NOT NULL AND l.doc_id IS NOT NULL
			-- (the links looked at, below: chosen before the joins)
			AND ($4 OR $1 OR $2 OR $5 OR l.state IN ('disconnected', 'sync_disabled', 'paused')
				OR l.psa_id IN (SELECT id FROM ` + tPSA + `) OR l.doc_id IN (SELECT id FROM ` + tDoc + `))),
	c AS (SELECT l.*, ` + controlState(o.Name(), o.spec.TypeField != "") + ` AS ctl FROM base l)
	SELECT * EXCLUDE (p_scope),
		CASE
			WHEN ctl = 'disconnected' THEN 'disconnect'
			WHEN prid IS NULL AND $1 THEN 'orphan'
			WHEN p_scope IS NOT NULL THEN 'orphan'
			-- An orphaned link stays orphaned until its psa record is seen
			-- again, in scope: a run that did not list it (incremental,
			-- interrupted) knows nothing new about it.
			WHEN prid IS NULL AND state = 'orphaned' THEN 'orphan'
			WHEN drid IS NULL AND $2 THEN 'drop'
			ELSE 'keep' END AS verdict,
		CASE
			WHEN ctl = 'disconnected' THEN 'disconnected by a user (mapsync link enable reconnects it)'
			WHEN prid IS NULL AND $1 THEN 'the psa record is gone from a complete listing'
			WHEN p_scope IS NOT NULL THEN 'out of scope: ' || p_scope
			WHEN prid IS NULL AND state = 'orphaned' THEN coalesce(reason, 'orphaned') || ' (the psa record was not listed again)'
			WHEN drid IS NULL AND $2 THEN 'the doc record is gone from a complete listing' END AS why
	FROM c
	-- The links this run looks at (docs/architecture.md "Incremental
	-- runs"): every one when a side was listed in full; else those with a
	-- record listed, or a state a control gives or lifts. The others keep
	-- their row as it is: nothing about them is known to have changed.
	WHERE ($4 OR $1 OR $2 OR prid IS NOT NULL OR drid IS NOT NULL OR ctl IS NOT NULL
		OR state IN ('disconnected', 'sync_disabled', 'paused'))`
	n, err := queryInt(ctx, m.conn, "count links", `SELECT count(*) FROM links WHERE object = ?`, o.Name())
	if err != nil {
		return err
	}
	if n == 0 {
		// First run of this object: nothing to honour, no 1M-row joins.
		q += " AND false"
	}
	controlled, err := queryInt(ctx, m.conn, "controls", `SELECT count(*) FROM controls WHERE object = ?`, o.Name())
	if err != nil {
		return err
	}
	if err := m.temp(ctx, "existing links", tL0, q, m.listing.PSAComplete, m.listing.DocComplete, o.Name(), r.everyLink, controlled > 0); err != nil {
		return err
	}
	// The links left alone are kept as they are: they count as linked
	// (an orphaned one stays orphaned).
	if err := m.scan(ctx, "links left alone", `SELECT count(*) FROM links l ANTI JOIN `+tL0+` t USING (psa_id, doc_id)
		WHERE l.object = `+lit(o.Name())+` AND l.psa_id IS NOT NULL AND l.doc_id IS NOT NULL AND l.state <> 'orphaned'`, &m.untouched); err != nil {
		return err
	}
	// Waiting doc-only records are re-decided every run they are listed in;
	// remember since when. One this run did not list (an incremental or
	// interrupted listing) keeps waiting as it was; one gone from a
	// complete doc listing is dropped.
	// Only the listed ones (all, after a complete doc listing) are
	// re-decided; writeLinks leaves the others in place.
	waiting, err := queryInt(ctx, m.conn, "count waiting links", `SELECT count(*) FROM links WHERE object = ? AND state = 'not_yet_pushed'`, o.Name())
	if err != nil {
		return err
	}
	nyp := `SELECT w.*, d.rid IS NOT NULL AS seen FROM links w LEFT JOIN ` + tDoc + ` d ON d.id = w.doc_id
		WHERE w.object = ? AND w.state = 'not_yet_pushed' AND (d.rid IS NOT NULL OR ? OR ?)`
	if waiting == 0 {
		nyp += " AND false" // none: no hash table over every doc record
	}
	if err := m.temp(ctx, "waiting records", tNYP, nyp, o.Name(), m.listing.DocComplete, r.everyLink); err != nil {
		return err
	}
	src, tgt := "prid", "drid"
	if o.source == Doc {
		src, tgt = tgt, src
	}
	sid, tid := "psa_id", "doc_id"
	if o.source == Doc {
		sid, tid = tid, sid
	}
	if _, err := m.exec(ctx, "phase 0", `INSERT INTO `+tPairs+` (srid, trid, src_id, tgt_id, phase_no, keys_ok)
		SELECT `+src+`, `+tgt+`, `+sid+`, `+tid+`, 0, true FROM `+tL0+` WHERE verdict <> 'drop'`); err != nil {
		return err
	}
	_, err = m.exec(ctx, "phase 0 decisions", `INSERT INTO match_decisions
		SELECT ?, ?, ?,
			CASE verdict WHEN 'keep' THEN 'linked' WHEN 'orphan' THEN 'orphaned' WHEN 'disconnect' THEN 'disconnected' ELSE 'dropped' END,
			?, psa_id, doc_id, rule, 'link', 0, NULL, NULL, NULL, NULL,
			coalesce(why, 'linked since run ' || coalesce(first_linked_run, '?'))
		FROM `+tL0, r.cfg.RunID, r.cfg.Sync, o.Name(), string(o.source))
	if err != nil {
		return err
	}
	err = m.scan(ctx, "phase 0 counts", `SELECT count(*) FILTER (WHERE verdict = 'keep'),
			count(*) FILTER (WHERE verdict = 'orphan' AND state <> 'orphaned'),
			count(*) FILTER (WHERE verdict = 'drop') FROM `+tL0,
		&m.st.Linked, &m.st.Orphaned, &m.st.Dropped)
	if err != nil {
		return err
	}
	m.st.Linked += m.untouched
	return nil
}

func (m *matcher) scan(ctx context.Context, step, q string, dest ...any) error {
	if err := m.conn.QueryRowContext(ctx, q).Scan(dest...); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}
