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
//     again.
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
}

// Temp table names. Temp tables are private to the connection.
const (
	tPSA    = "m_psa"
	tDoc    = "m_doc"
	tL0     = "m_l0"
	tPairs  = "m_pairs"
	tPhases = "m_phases"
	tNew    = "m_new"
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

// existingLinks is phase 0.
func (m *matcher) existingLinks(ctx context.Context) error {
	r, o := m.r, m.obj
	q := `SELECT l.*, p.rid AS prid, d.rid AS drid,
		CASE
			WHEN p.rid IS NULL AND $1 THEN 'orphan'
			WHEN p.scope_reason IS NOT NULL THEN 'orphan'
			WHEN d.rid IS NULL AND $2 THEN 'drop'
			ELSE 'keep' END AS verdict,
		CASE
			WHEN p.rid IS NULL AND $1 THEN 'the psa record is gone from a complete listing'
			WHEN p.scope_reason IS NOT NULL THEN 'out of scope: ' || p.scope_reason
			WHEN d.rid IS NULL AND $2 THEN 'the doc record is gone from a complete listing' END AS why
	FROM links l
	LEFT JOIN ` + tPSA + ` p ON p.id = l.psa_id
	LEFT JOIN ` + tDoc + ` d ON d.id = l.doc_id
	WHERE l.object = $3 AND l.psa_id IS NOT NULL AND l.doc_id IS NOT NULL`
	if err := m.temp(ctx, "existing links", tL0, q, m.listing.PSAComplete, m.listing.DocComplete, o.Name()); err != nil {
		return err
	}
	// Waiting doc-only records are re-decided every run; remember since when.
	if err := m.temp(ctx, "waiting records", tNYP,
		`SELECT doc_id, first_linked_run, state_run FROM links WHERE object = ? AND state = 'not_yet_pushed'`, o.Name()); err != nil {
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
	_, err := m.exec(ctx, "phase 0 decisions", `INSERT INTO match_decisions
		SELECT ?, ?, ?,
			CASE verdict WHEN 'keep' THEN 'linked' WHEN 'orphan' THEN 'orphaned' ELSE 'dropped' END,
			?, psa_id, doc_id, rule, 'link', 0, NULL, NULL, NULL, NULL,
			coalesce(why, 'linked since run ' || coalesce(first_linked_run, '?'))
		FROM `+tL0, r.cfg.RunID, r.cfg.Sync, o.Name(), string(o.source))
	if err != nil {
		return err
	}
	return m.scan(ctx, "phase 0 counts", `SELECT count(*) FILTER (WHERE verdict = 'keep'),
			count(*) FILTER (WHERE verdict = 'orphan' AND state <> 'orphaned'),
			count(*) FILTER (WHERE verdict = 'drop') FROM `+tL0,
		&m.st.Linked, &m.st.Orphaned, &m.st.Dropped)
}

func (m *matcher) scan(ctx context.Context, step, q string, dest ...any) error {
	if err := m.conn.QueryRowContext(ctx, q).Scan(dest...); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}

// runPhase pairs, within one key, the k-th remaining source with the k-th
// remaining candidate, both sides ordered by (created, id). Groups are
// formed on a 64-bit hash of the key, so windows and joins work on
// integers; newPairs then checks every pair on the real key values and,
// should two key groups ever share a hash, redoes the phases from there
// partitioned on the key values themselves (exact mode).
func (m *matcher) runPhase(ctx context.Context, ph phase, exact bool) error {
	src, tgt := sideTable(m.obj.source), sideTable(m.obj.source.other())
	name := "phase " + ph.name
	if exact {
		name += " (exact)"
	}
	_, err := m.exec(ctx, name, m.phaseSQL(ph, src, tgt, exact))
	return err
}

func (m *matcher) phaseSQL(ph phase, src, tgt string, exact bool) string {
	keys := m.keyCols("", ph.keys)
	group := "h"
	if exact {
		group = strings.Join(keys, ", ")
	}
	// Both sides carry their ids and key values, so the pairs come out
	// resolved and checked without joining back to the candidate tables.
	h := "hash(" + strings.Join(m.keyCols("x.", ph.keys), ", ") + ")"
	if m.r.hashMod > 0 && !exact {
		h = fmt.Sprintf("(%s %% %d)", h, m.r.hashMod)
	}
	side := func(table, rid string) string {
		return "SELECT x.rid, x.created, x.id, " + h + " AS h, " +
			strings.Join(m.keyCols("x.", ph.keys), ", ") +
			" FROM " + table + " x ANTI JOIN " + tPairs + " p ON p." + rid + " = x.rid" +
			" WHERE x.scope_reason IS NULL AND " + m.usable("x.", ph.keys, ph.narrow)
	}
	number := func(from, other string) string {
		return "SELECT rid, id, h, " + strings.Join(keys, ", ") + ", row_number() OVER (PARTITION BY " + group + " ORDER BY created ASC NULLS LAST, id) AS rn, " +
			"count(*) OVER (PARTITION BY " + group + ") AS n FROM " + from + " SEMI JOIN " + other + " USING (" + group + ")"
	}
	on := []string{"sn.rn = tn.rn"}
	for _, c := range strings.Split(group, ", ") {
		on = append(on, "sn."+c+" = tn."+c)
	}
	same := make([]string, len(keys))
	for i, c := range keys {
		same[i] = "sn." + c + " = tn." + c
	}
	return fmt.Sprintf(`INSERT INTO %s (srid, trid, src_id, tgt_id, phase_no, h, rank, candidates, sources, keys_ok)
WITH s AS MATERIALIZED (%s),
t AS MATERIALIZED (%s),
sn AS (%s),
tn AS (%s)
SELECT sn.rid, tn.rid, sn.id, tn.id, %d, sn.h, sn.rn, tn.n, sn.n, %s FROM sn JOIN tn ON %s`,
		tPairs, side(src, "srid"), side(tgt, "trid"), number("s", "t"), number("t", "s"),
		ph.no, strings.Join(same, " AND "), strings.Join(on, " AND "))
}

// pairPhases runs the phases from index `from`, then resolves the pairs;
// if a pair's keys differ (a hash collision), it reruns from that phase in
// exact mode.
func (m *matcher) pairPhases(ctx context.Context) error {
	for _, ph := range m.obj.phases {
		if err := m.runPhase(ctx, ph, false); err != nil {
			return err
		}
	}
	bad, err := m.newPairs(ctx)
	if err != nil || bad == 0 {
		return err
	}
	m.st.Fallbacks++
	if _, err := m.exec(ctx, "undo phases", "DELETE FROM "+tPairs+" WHERE phase_no >= ?", bad); err != nil {
		return err
	}
	for _, ph := range m.obj.phases[bad-1:] {
		if err := m.runPhase(ctx, ph, true); err != nil {
			return err
		}
	}
	bad, err = m.newPairs(ctx)
	if err == nil && bad != 0 {
		err = fmt.Errorf("phase %d: pairs with different keys in exact mode", bad)
	}
	return err
}

// newPairs collects the new pairs. It returns the first phase holding a
// pair whose keys differ (two keys sharing a hash; 0: none).
func (m *matcher) newPairs(ctx context.Context) (int, error) {
	psa, doc := "src_id", "tgt_id"
	if m.obj.source == Doc {
		psa, doc = doc, psa
	}
	if err := m.temp(ctx, "new pairs", tNew, `SELECT *, `+psa+` AS psa_id, `+doc+` AS doc_id FROM `+tPairs+` WHERE phase_no > 0`); err != nil {
		return 0, err
	}
	bad, err := queryInt(ctx, m.conn, "check pairs", `SELECT coalesce(min(phase_no), 0) FROM `+tNew+` WHERE NOT keys_ok`)
	return int(bad), err
}

// pairDecisions records how each new pair came about.
func (m *matcher) pairDecisions(ctx context.Context) error {
	r, o := m.r, m.obj
	// For the k-th source of a key group (k > 1): the candidates before
	// its own (the nearest 10), each claimed by an earlier-created source.
	_, err := m.exec(ctx, "match decisions", `INSERT INTO match_decisions
		WITH po AS (
			SELECT srid, phase_no, list({'id': tgt_id, 'claimed_by': src_id, 'how': 'earlier created source'}) OVER (
				PARTITION BY phase_no, h ORDER BY rank ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING) AS po
			FROM `+tNew+` WHERE sources > 1 AND candidates > 1)
		SELECT ?, ?, ?, 'matched', ?, n.psa_id, n.doc_id, ph.rule, ph.name, n.phase_no, n.rank, n.candidates, n.sources,
			CASE WHEN n.rank > 1 THEN to_json(po.po) END,
			CASE WHEN n.sources > 1 OR n.candidates > 1 THEN
				printf('source %d of %d with the same %s (by created, id) took candidate %d of %d', n.rank, n.sources, ph.keys, n.rank, n.candidates)
			END
		FROM `+tNew+` n JOIN `+tPhases+` ph ON ph.no = n.phase_no
		LEFT JOIN po ON po.srid = n.srid AND po.phase_no = n.phase_no`,
		r.cfg.RunID, r.cfg.Sync, o.Name(), string(o.source))
	if err != nil {
		return err
	}
	rows, err := m.conn.QueryContext(ctx, `SELECT ph.name, count(*) FROM `+tNew+` n JOIN `+tPhases+` ph ON ph.no = n.phase_no GROUP BY ph.name`)
	if err != nil {
		return fmt.Errorf("count pairs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return fmt.Errorf("count pairs: %w", err)
		}
		m.st.ByPhase[name] = n
		m.st.Matched += n
	}
	return rows.Err()
}

// unmatched records every record of side s that is in no pair, with the
// reason and the action the create policy gives it.
func (m *matcher) unmatched(ctx context.Context, s Side) error {
	r, o := m.r, m.obj
	self, other := sideTable(s), sideTable(s.other())
	u := "m_u_" + string(s)
	if err := m.temp(ctx, "unmatched "+string(s), u, `SELECT x.* FROM `+self+` x ANTI JOIN `+tPairs+` p ON p.`+m.ridCol(s)+` = x.rid`); err != nil {
		return err
	}
	// Per rule: how many in-scope records of the other side share the key,
	// and (first 10) who claimed them.
	var joins, firstN, firstPO, firstRule, firstKeys []string
	for i, rl := range o.rules {
		c := fmt.Sprintf("m_c_%s_%d", s, i)
		keys := strings.Join(m.keyCols("", rl.keys), ", ")
		// Candidates first (few: most unmatched records have none), then
		// who claimed them.
		q := `WITH cand AS MATERIALIZED (
				SELECT y.rid, y.id, y.created, ` + strings.Join(m.keyCols("y.", rl.keys), ", ") + `
				FROM ` + other + ` y SEMI JOIN ` + u + ` USING (` + keys + `)
				WHERE y.scope_reason IS NULL AND ` + m.usable("y.", rl.keys, "") + `),
			g AS (
				SELECT ` + strings.Join(m.keyCols("o.", rl.keys), ", ") + `, count(*) AS n,
					list({'id': o.id, 'claimed_by': p.` + m.idCol(s) + `, 'how': coalesce(ph.name, 'unclaimed')} ORDER BY o.created NULLS LAST, o.id)[1:10] AS po
				FROM cand o
				LEFT JOIN (SELECT p.* FROM ` + tPairs + ` p SEMI JOIN cand ON cand.rid = p.` + m.ridCol(s.other()) + `) p ON p.` + m.ridCol(s.other()) + ` = o.rid
				LEFT JOIN ` + tPhases + ` ph ON ph.no = p.phase_no
				GROUP BY ALL)
			SELECT x.rid, g.n, g.po FROM ` + u + ` x JOIN g USING (` + keys + `)
			WHERE x.scope_reason IS NULL`
		if err := m.temp(ctx, "candidates of unmatched "+string(s), c, q); err != nil {
			return err
		}
		a := fmt.Sprintf("c%d", i)
		joins = append(joins, "LEFT JOIN "+c+" "+a+" ON "+a+".rid = x.rid")
		firstN = append(firstN, a+".n")
		firstPO = append(firstPO, a+".po")
		firstRule = append(firstRule, "CASE WHEN "+a+".n IS NOT NULL THEN "+lit(rl.name)+" END")
		firstKeys = append(firstKeys, "CASE WHEN "+a+".n IS NOT NULL THEN "+lit(strings.Join(rl.keys, ", "))+" END")
	}
	// Why no rule could be tried: the first rule's empty or unlinked keys.
	var usable, missing, blank, blankCols []string
	for _, rl := range o.rules {
		usable = append(usable, "("+m.usable("x.", rl.keys, "")+")")
	}
	for _, f := range o.rules[0].keys {
		i := o.keyIndex[f]
		if !o.isRef(f) {
			blank = append(blank, f)
			blankCols = append(blankCols, fmt.Sprintf("x.k%d = ''", i))
			continue
		}
		why := lit(f + " is empty")
		if s == PSA {
			why = fmt.Sprintf("CASE WHEN x.r%d IS NOT NULL THEN %s || ' ' || x.r%d || ' is not linked to a doc record' ELSE %s END",
				i, lit(f), i, why)
		}
		missing = append(missing, fmt.Sprintf("CASE WHEN x.k%d IS NULL THEN %s END", i, why))
	}
	if len(blank) > 0 {
		missing = append(missing, "CASE WHEN "+strings.Join(blankCols, " AND ")+" THEN "+lit(strings.Join(blank, ", ")+": all blank")+" END")
	}
	var ruleNames []string
	for _, rl := range o.rules {
		ruleNames = append(ruleNames, rl.name+" ("+strings.Join(rl.keys, ", ")+")")
	}
	act, why := o.createAction(s)
	otherName := string(s.other())
	lostWhy := `printf('all %d ` + otherName + ` records with the same %s are matched to other records', coalesce(` + strings.Join(firstN, ", ") + `), coalesce(` + strings.Join(firstKeys, ", ") + `))`
	if s == o.source {
		lostWhy = `printf('all %d candidates with the same %s were claimed (see passed_over)', coalesce(` + strings.Join(firstN, ", ") + `), coalesce(` + strings.Join(firstKeys, ", ") + `))`
	}
	reason := `CASE
			WHEN x.scope_reason IS NOT NULL THEN 'out of scope: ' || x.scope_reason
			WHEN NOT (` + strings.Join(usable, " OR ") + `) THEN 'no usable key: ' || concat_ws('; ', ` + strings.Join(missing, ", ") + `)
			WHEN coalesce(` + strings.Join(firstN, ", ") + `) IS NOT NULL THEN ` + lostWhy + `
			ELSE ` + lit("no "+otherName+" record with the same key on rule "+strings.Join(ruleNames, " or ")) + ` END`
	if why != "" {
		reason = `CASE WHEN x.scope_reason IS NULL THEN (` + reason + `) || ` + lit("; "+why) + ` ELSE ` + reason + ` END`
	}
	all := "SELECT x.rid, x.id, x.scope_reason, coalesce(" + strings.Join(firstN, ", ") + ") AS n, coalesce(" + strings.Join(firstPO, ", ") + ") AS po, " +
		"coalesce(" + strings.Join(firstRule, ", ") + ") AS rule, " + reason + " AS reason FROM " + u + " x " + strings.Join(joins, " ")
	ur := u + "_r"
	if err := m.temp(ctx, "unmatched reasons "+string(s), ur, all); err != nil {
		return err
	}
	n, err := m.exec(ctx, "write unmatched "+string(s), `INSERT INTO unmatched
		SELECT ?, ?, ?, ?, id, reason, CASE WHEN scope_reason IS NOT NULL THEN 'excluded' ELSE ? END FROM `+ur,
		r.cfg.RunID, r.cfg.Sync, o.Name(), string(s), act)
	if err != nil {
		return err
	}
	if s == PSA {
		m.st.UnmatchedPSA = n
	} else {
		m.st.UnmatchedDoc = n
	}
	if s != o.source {
		return nil
	}
	psa, doc := "id", "NULL"
	if s == Doc {
		psa, doc = doc, psa
	}
	m.st.Lost, err = m.exec(ctx, "lost decisions", `INSERT INTO match_decisions
		SELECT ?, ?, ?, 'lost', ?, `+psa+`, `+doc+`, rule, rule, NULL, NULL, n, NULL, to_json(po), reason
		FROM `+ur+` WHERE n IS NOT NULL AND scope_reason IS NULL`,
		r.cfg.RunID, r.cfg.Sync, o.Name(), string(o.source))
	return err
}

// writeLinks replaces the object's links: kept and orphaned links, new
// pairs, and doc records waiting for a push.
func (m *matcher) writeLinks(ctx context.Context) error {
	r, o := m.r, m.obj
	run := r.cfg.RunID
	if _, err := m.exec(ctx, "replace links", `DELETE FROM links WHERE object = ?`, o.Name()); err != nil {
		return err
	}
	if _, err := m.exec(ctx, "keep links", `INSERT INTO links BY NAME
		WITH k AS (
			SELECT *, CASE verdict WHEN 'orphan' THEN 'orphaned'
				ELSE (CASE WHEN state = 'orphaned' THEN 'syncing' ELSE state END) END AS new_state
			FROM `+tL0+` WHERE verdict <> 'drop')
		SELECT sync, object, psa_id, doc_id, new_state AS state, rule,
			CASE WHEN verdict = 'orphan' THEN (CASE WHEN state = 'orphaned' THEN reason ELSE why END)
				WHEN state = 'orphaned' THEN NULL ELSE reason END AS reason,
			first_linked_run, ? AS last_run,
			CASE WHEN new_state <> state THEN ? ELSE state_run END AS state_run,
			psa_synced, doc_synced
		FROM k`, run, run); err != nil {
		return err
	}
	if _, err := m.exec(ctx, "new links", `INSERT INTO links BY NAME
		SELECT ? AS sync, ? AS object, n.psa_id, n.doc_id, 'syncing' AS state, ph.rule,
			? AS first_linked_run, ? AS last_run, ? AS state_run
		FROM `+tNew+` n JOIN `+tPhases+` ph ON ph.no = n.phase_no`, r.cfg.Sync, o.Name(), run, run, run); err != nil {
		return err
	}
	_, err := m.exec(ctx, "waiting links", `INSERT INTO links BY NAME
		SELECT ? AS sync, ? AS object, u.id AS doc_id, 'not_yet_pushed' AS state, u.reason,
			coalesce(w.first_linked_run, ?) AS first_linked_run, ? AS last_run, coalesce(w.state_run, ?) AS state_run
		FROM unmatched u LEFT JOIN `+tNYP+` w ON w.doc_id = u.id
		WHERE u.run = ? AND u.object = ? AND u.side = 'doc' AND u.action = 'not_yet_pushed'`,
		r.cfg.Sync, o.Name(), run, run, run, run, o.Name())
	return err
}
