package match

import (
	"context"
	"fmt"
	"strings"
)

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

// pairPhases runs the phases, then checks the pairs;
// if a pair's keys differ (a hash collision), it reruns from that phase in
// exact mode.
func (m *matcher) pairPhases(ctx context.Context) error {
	for _, ph := range m.obj.phases {
		if err := m.runPhase(ctx, ph, false); err != nil {
			return err
		}
	}
	bad, err := m.checkPairs(ctx)
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
	bad, err = m.checkPairs(ctx)
	if err == nil && bad != 0 {
		err = fmt.Errorf("phase %d: pairs with different keys in exact mode", bad)
	}
	return err
}

// newPairs is the query of this run's new pairs.
func (m *matcher) newPairs() string {
	psa, doc := "src_id", "tgt_id"
	if m.obj.source == Doc {
		psa, doc = doc, psa
	}
	return `(SELECT *, ` + psa + ` AS psa_id, ` + doc + ` AS doc_id FROM ` + tPairs + ` WHERE phase_no > 0)`
}

// checkPairs returns the first phase holding a pair whose keys differ (two
// keys that shared a hash; 0: none).
func (m *matcher) checkPairs(ctx context.Context) (int, error) {
	bad, err := queryInt(ctx, m.conn, "check pairs", `SELECT coalesce(min(phase_no), 0) FROM `+tPairs+` WHERE NOT keys_ok`)
	return int(bad), err
}

// pairDecisions records how each new pair came about.
func (m *matcher) pairDecisions(ctx context.Context) error {
	r, o := m.r, m.obj
	// For the k-th source of a key group (k > 1): the candidates before
	// its own (the nearest 10), each claimed by an earlier-created source.
	// Only those sources need the list: a join of each with the (at most
	// 10) pairs ranked just before it in its group, instead of a window
	// sorting every pair.
	_, err := m.exec(ctx, "match decisions", `INSERT INTO match_decisions
		WITH n AS (SELECT * FROM `+m.newPairs()+`),
		po AS (
			SELECT k.srid, k.phase_no, list({'id': e.tgt_id, 'claimed_by': e.src_id, 'how': 'earlier created source'} ORDER BY e.rank) AS po
			FROM n k JOIN n e ON e.phase_no = k.phase_no AND e.h = k.h AND e.rank < k.rank AND e.rank >= k.rank - 10
			WHERE k.rank > 1 AND k.sources > 1 AND k.candidates > 1 AND e.sources > 1 AND e.candidates > 1
			GROUP BY k.srid, k.phase_no)
		SELECT ?, ?, ?, 'matched', ?, n.psa_id, n.doc_id, ph.rule, ph.name, n.phase_no, n.rank, n.candidates, n.sources,
			CASE WHEN n.rank > 1 THEN to_json(po.po) END,
			CASE WHEN n.sources > 1 OR n.candidates > 1 THEN
				printf('source %d of %d with the same %s (by created, id) took candidate %d of %d', n.rank, n.sources, ph.keys, n.rank, n.candidates)
			END
		FROM n JOIN `+tPhases+` ph ON ph.no = n.phase_no
		LEFT JOIN po ON po.srid = n.srid AND po.phase_no = n.phase_no`,
		r.cfg.RunID, r.cfg.Sync, o.Name(), string(o.source))
	if err != nil {
		return err
	}
	rows, err := m.conn.QueryContext(ctx, `SELECT ph.name, count(*) FROM `+tPairs+` n JOIN `+tPhases+` ph ON ph.no = n.phase_no WHERE n.phase_no > 0 GROUP BY ph.name`)
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
