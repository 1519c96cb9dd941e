package match

import (
	"context"
	"fmt"
	"strings"
)

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
	base := reason
	if why != "" {
		reason = `CASE WHEN x.scope_reason IS NULL THEN (` + reason + `) || ` + lit("; "+why) + ` ELSE ` + reason + ` END`
	}
	// A waiting doc record confirmed for a push (pushes.go) is created
	// when in scope; out of scope, a user's confirmation keeps it waiting
	// with the reason.
	confirm := s == Doc && act == actionNotYetPushed
	action := `CASE WHEN x.scope_reason IS NOT NULL THEN 'excluded' ELSE ` + lit(act) + ` END`
	var confJoin string
	if confirm {
		if err := m.confirmRules(ctx, u); err != nil {
			return err
		}
		confJoin = " LEFT JOIN " + tConf + " cf ON cf.id = x.id"
		reason = `CASE WHEN cf.why IS NULL THEN ` + reason + `
			WHEN x.scope_reason IS NOT NULL THEN cf.why || ', but ' || (` + base + `)
			ELSE (` + base + `) || '; pushed: ' || cf.why END`
		action = `CASE WHEN x.scope_reason IS NOT NULL THEN (CASE WHEN cf.by_user THEN 'not_yet_pushed' ELSE 'excluded' END)
			WHEN cf.why IS NOT NULL THEN 'create' ELSE ` + lit(act) + ` END`
	}
	all := "SELECT x.rid, x.id, x.scope_reason, coalesce(" + strings.Join(firstN, ", ") + ") AS n, coalesce(" + strings.Join(firstPO, ", ") + ") AS po, " +
		"coalesce(" + strings.Join(firstRule, ", ") + ") AS rule, " + reason + " AS reason, " + action + " AS action FROM " + u + " x " + strings.Join(joins, " ") + confJoin
	ur := u + "_r"
	if err := m.temp(ctx, "unmatched reasons "+string(s), ur, all); err != nil {
		return err
	}
	n, err := m.exec(ctx, "write unmatched "+string(s), `INSERT INTO unmatched
		SELECT ?, ?, ?, ?, id, reason, action FROM `+ur,
		r.cfg.RunID, r.cfg.Sync, o.Name(), string(s))
	if err != nil {
		return err
	}
	if confirm {
		if m.st.Confirmed, err = queryInt(ctx, m.conn, "count pushes", `SELECT count(*) FROM `+ur+` WHERE action = 'create'`); err != nil {
			return err
		}
		m.drop(ctx, tConf)
	}
	if s == PSA {
		m.st.UnmatchedPSA = n
	} else {
		m.st.UnmatchedDoc = n
	}
	m.drop(ctx, u)
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

// writeLinks replaces the links phase 0 looked at (kept and orphaned
// links), and the waiting doc records this run re-decided, and adds the
// new pairs and the records now waiting for a push. The links phase 0
// left alone keep their rows as they are.
func (m *matcher) writeLinks(ctx context.Context) error {
	r, o := m.r, m.obj
	run := r.cfg.RunID
	if _, err := m.exec(ctx, "replace links looked at", `DELETE FROM links USING `+tL0+` t
		WHERE links.object = ? AND links.psa_id = t.psa_id AND links.doc_id = t.doc_id`, o.Name()); err != nil {
		return err
	}
	if _, err := m.exec(ctx, "replace waiting links re-decided", `DELETE FROM links USING `+tNYP+` w
		WHERE links.object = ? AND links.state = 'not_yet_pushed' AND links.doc_id = w.doc_id`, o.Name()); err != nil {
		return err
	}
	// A row missing an id that is not a waiting record is not a link.
	if _, err := m.exec(ctx, "drop half links", `DELETE FROM links WHERE object = ? AND (doc_id IS NULL OR (psa_id IS NULL AND state <> 'not_yet_pushed'))`, o.Name()); err != nil {
		return err
	}
	if _, err := m.exec(ctx, "keep links", `INSERT INTO links BY NAME
		WITH k AS (
			SELECT *, CASE verdict WHEN 'disconnect' THEN 'disconnected' WHEN 'orphan' THEN 'orphaned'
				-- A disable or a pause holds a kept link; a lifted one (or
				-- an orphan seen again) syncs again.
				ELSE coalesce(ctl, CASE WHEN state IN ('orphaned', 'disconnected', 'sync_disabled', 'paused') THEN 'syncing' ELSE state END) END AS new_state
			FROM `+tL0+` WHERE verdict <> 'drop')
		SELECT sync, object, psa_id, doc_id, new_state AS state, rule,
			CASE WHEN verdict = 'orphan' THEN (CASE WHEN state = 'orphaned' THEN reason ELSE why END)
				WHEN verdict = 'disconnect' THEN why
				WHEN new_state = 'sync_disabled' THEN 'sync disabled by a user (mapsync link enable lifts it)'
				WHEN new_state = 'paused' THEN 'paused by a user' || coalesce(' (type ' || typ || ')', '') || ' (mapsync resume lifts it)'
				WHEN state IN ('orphaned', 'disconnected', 'sync_disabled', 'paused') THEN NULL ELSE reason END AS reason,
			first_linked_run, ? AS last_run,
			CASE WHEN new_state <> state THEN ? ELSE state_run END AS state_run,
			psa_synced, doc_synced
		FROM k`, run, run); err != nil {
		return err
	}
	if _, err := m.exec(ctx, "new links", `INSERT INTO links BY NAME
		SELECT ? AS sync, ? AS object, n.psa_id, n.doc_id, 'syncing' AS state, ph.rule,
			? AS first_linked_run, ? AS last_run, ? AS state_run
		FROM `+m.newPairs()+` n JOIN `+tPhases+` ph ON ph.no = n.phase_no`, r.cfg.Sync, o.Name(), run, run, run); err != nil {
		return err
	}
	// A record confirmed for a push waits until its create is applied
	// (RecordResults then drops the waiting link): a create that is not
	// sent (a required field missing, its parent not linked) leaves it
	// waiting. seen_updated and seen_values keep its updated time and the
	// fingerprint of its values when first seen waiting: a later edit of
	// those values confirms it (confirmRules). A fingerprint missing (a
	// link from before the column) or over other fields (the mapping
	// changed) is replaced by the current one, which confirms nothing.
	act, _ := o.createAction(Doc)
	_, err := m.exec(ctx, "waiting links", `INSERT INTO links BY NAME
		SELECT ? AS sync, ? AS object, u.id AS doc_id, 'not_yet_pushed' AS state, u.reason,
			coalesce(w.first_linked_run, ?) AS first_linked_run, ? AS last_run, coalesce(w.state_run, ?) AS state_run,
			CASE WHEN w.doc_id IS NULL THEN x._updated ELSE coalesce(w.seen_updated, x._updated) END AS seen_updated,
			CASE WHEN w.doc_id IS NOT NULL AND starts_with(w.seen_values, `+o.seenFieldsSQL()+`) THEN w.seen_values
				ELSE `+o.seenValuesSQL("x")+` END AS seen_values
		FROM unmatched u LEFT JOIN `+tNYP+` w ON w.doc_id = u.id
		LEFT JOIN `+ident(r.stageTable(o, Doc))+` x ON x._id = u.id
		WHERE u.run = ? AND u.object = ? AND u.side = 'doc'
			AND (u.action = 'not_yet_pushed' OR (? AND u.action = 'create'))`,
		r.cfg.Sync, o.Name(), run, run, run, run, o.Name(), act == actionNotYetPushed)
	if err != nil {
		return err
	}
	// Waiting records this run did not list keep waiting, unchanged (an
	// incremental run only lists what changed). Gone from a complete doc
	// listing: dropped. (A record both waiting and now paired is listed,
	// so it is not carried.)
	_, err = m.exec(ctx, "carried waiting links", `INSERT INTO links BY NAME
		SELECT * EXCLUDE (seen) FROM `+tNYP+` WHERE NOT seen AND NOT ?`, m.listing.DocComplete)
	return err
}
