package steps

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"mapsync/engine/match"
)

// Report is what a planned run would do, per object: the figures `mapsync
// plan` prints. It holds counts and reasons (and, when asked, one line per
// record), never record payloads. It has no run id or time in it, so the
// same data planned twice gives the same report.
type Report struct {
	Sync    string         `json:"sync"`
	PSA     string         `json:"psa"` // system names
	Doc     string         `json:"doc"`
	Objects []ObjectReport `json:"objects"`
}

// ObjectReport is the plan of one object.
type ObjectReport struct {
	Object   string `json:"object"`
	Disabled string `json:"disabled,omitempty"`
	Records  Sided  `json:"records"`  // staged records per side
	InScope  Sided  `json:"in_scope"` // of which in scope
	// Matched counts the linked pairs per rule that made them (pairs
	// linked by an earlier run count under their rule too).
	Matched []Count `json:"matched"`
	// Lost counts source records whose candidates were all claimed by
	// earlier-created records.
	Lost       int64         `json:"lost"`
	Create     Sided         `json:"create"` // per target side
	Update     []SideUpdates `json:"update"`
	Orphan     int64         `json:"orphan"`
	Skip       []Count       `json:"skip"`         // writes held back, with the reason
	Invalid    []Count       `json:"invalid"`      // fields or records that cannot be written, with the reason
	OutOfScope []Count       `json:"out_of_scope"` // records left out by the sync's scope, with the reason
	// Waiting counts documentation records that exist on one side only
	// and wait for a confirmation or a one-time push.
	Waiting []Count  `json:"waiting"`
	Details []Detail `json:"details,omitempty"` // one line per record (ReportOptions.Details)
}

// Sided is a count per side.
type Sided struct {
	PSA int64 `json:"psa"`
	Doc int64 `json:"doc"`
}

// Count is a number of records sharing a key: a rule, a field, a reason
// (with ids replaced by '#', so records with the same cause group), and
// for reasons the side concerned.
type Count struct {
	Side  match.Side `json:"side,omitempty"`
	Key   string     `json:"key"`
	Count int64      `json:"count"`
}

// SideUpdates counts the updates of one target side, and how often each
// field changes.
type SideUpdates struct {
	Side    match.Side `json:"side"`
	Records int64      `json:"records"`
	Fields  []Count    `json:"fields"`
}

// Detail is one record's line in a detailed report.
type Detail struct {
	What   string     `json:"what"` // create | update | orphan | skip | invalid | out_of_scope | waiting
	Side   match.Side `json:"side"` // the side written (ops) or the record's side
	ID     string     `json:"id,omitempty"`
	Source string     `json:"source,omitempty"` // the source record's id, for ops
	Label  string     `json:"label,omitempty"`  // the record's match keys, e.g. "Managed Server / ACME-DC01"
	Fields []string   `json:"fields,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// ReportOptions shape a Report.
type ReportOptions struct {
	Details    bool // one line per record
	MaxReasons int  // distinct reasons kept per list; 0 = 10
}

// Report reads this run's decisions and ops from the scratch database.
func (r *Run) Report(ctx context.Context, opts ReportOptions) (Report, error) {
	if opts.MaxReasons <= 0 {
		opts.MaxReasons = 10
	}
	rep := Report{Sync: r.sync.Name, PSA: r.sync.PSA, Doc: r.sync.Doc, Objects: []ObjectReport{}}
	db := r.db.DB()
	for _, name := range r.Objects() {
		o := r.objects[name]
		or := ObjectReport{Object: name, Matched: []Count{}, Update: []SideUpdates{}, Skip: []Count{}, Invalid: []Count{}, OutOfScope: []Count{}, Waiting: []Count{}}
		on, why, err := r.Enabled(name)
		if err != nil {
			return rep, err
		}
		if !on {
			or.Disabled = why
			rep.Objects = append(rep.Objects, or)
			continue
		}
		q := &reportQuery{ctx: ctx, db: db, run: r.cfg.RunID, object: name, max: opts.MaxReasons}
		tables := map[match.Side]string{}
		for _, side := range Sides {
			t, err := r.stageTable(ctx, o, side)
			if err != nil {
				return rep, err
			}
			tables[side] = t
			var n, in int64
			if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE _scope_reason IS NULL) FROM `+t).Scan(&n, &in); err != nil {
				return rep, fmt.Errorf("stages: report %s: %w", name, err)
			}
			if side == match.PSA {
				or.Records.PSA, or.InScope.PSA = n, in
			} else {
				or.Records.Doc, or.InScope.Doc = n, in
			}
		}
		or.Matched = q.counts(`SELECT '' AS side, coalesce(rule, '?') AS k, count(*) FROM match_decisions
			WHERE run = ? AND object = ? AND outcome IN ('matched', 'linked') GROUP BY ALL`, false)
		or.Lost = q.one(`SELECT count(*) FROM match_decisions WHERE run = ? AND object = ? AND outcome = 'lost'`)
		or.Create.PSA = q.one(`SELECT count(*) FROM ops WHERE run = ? AND object = ? AND op = 'create' AND target_side = 'psa'`)
		or.Create.Doc = q.one(`SELECT count(*) FROM ops WHERE run = ? AND object = ? AND op = 'create' AND target_side = 'doc'`)
		or.Orphan = q.one(`SELECT count(*) FROM ops WHERE run = ? AND object = ? AND op = 'orphan'`)
		for _, side := range []match.Side{match.Doc, match.PSA} {
			n := q.one(`SELECT count(*) FROM ops WHERE run = ? AND object = ? AND op = 'update' AND target_side = '` + string(side) + `'`)
			if n == 0 {
				continue
			}
			or.Update = append(or.Update, SideUpdates{Side: side, Records: n, Fields: q.counts(`SELECT '' AS side, f AS k, count(*)
				FROM (SELECT unnest(json_keys(fields)) AS f FROM ops WHERE run = ? AND object = ? AND op = 'update' AND target_side = '`+string(side)+`')
				GROUP BY ALL`, false)})
		}
		or.Skip = q.counts(`SELECT target_side, coalesce(reason, 'no reason given'), count(*) FROM ops WHERE run = ? AND object = ? AND op = 'skip' GROUP BY ALL`, true)
		or.Invalid = q.counts(`SELECT target_side, reason, count(*) FROM ops WHERE run = ? AND object = ? AND op = 'invalid' GROUP BY ALL`, true)
		or.OutOfScope = q.counts(`SELECT side, regexp_replace(reason, '^out of scope: ', ''), count(*) FROM unmatched WHERE run = ? AND object = ? AND action = 'excluded' GROUP BY ALL`, true)
		or.Waiting = q.counts(`SELECT side, reason, count(*) FROM unmatched WHERE run = ? AND object = ? AND action = 'not_yet_pushed' GROUP BY ALL`, true)
		if q.err != nil {
			return rep, fmt.Errorf("stages: report %s: %w", name, q.err)
		}
		if opts.Details {
			d, err := r.details(ctx, o, tables)
			if err != nil {
				return rep, fmt.Errorf("stages: report %s: %w", name, err)
			}
			or.Details = d
		}
		rep.Objects = append(rep.Objects, or)
	}
	return rep, nil
}

// reportQuery runs the report's queries for one object, keeping the first
// error.
type reportQuery struct {
	ctx    context.Context
	db     *sql.DB
	run    string
	object string
	max    int
	err    error
}

func (q *reportQuery) one(stmt string) int64 {
	if q.err != nil {
		return 0
	}
	var n int64
	q.err = q.db.QueryRowContext(q.ctx, stmt, q.run, q.object).Scan(&n)
	return n
}

// counts runs a (side, key, count) query; group merges keys that differ
// only in their numbers (ids) and keeps the most frequent q.max per side.
func (q *reportQuery) counts(stmt string, group bool) []Count {
	out := []Count{}
	if q.err != nil {
		return out
	}
	inner := stmt
	key, limit := "k", int64(1)<<40
	if group {
		key, limit = `regexp_replace(k, '\b[0-9]+\b', '#', 'g')`, int64(q.max)
	}
	rows, err := q.db.QueryContext(q.ctx, `SELECT side, key, n FROM (
			SELECT side, key, n, row_number() OVER (PARTITION BY side ORDER BY n DESC, key) AS i FROM (
				SELECT side, `+key+` AS key, sum(n) AS n FROM (`+inner+`) t(side, k, n) GROUP BY ALL))
		WHERE i <= ? ORDER BY side, n DESC, key`, q.run, q.object, limit)
	if err != nil {
		q.err = err
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var c Count
		var side string
		if err := rows.Scan(&side, &c.Key, &c.Count); err != nil {
			q.err = err
			return out
		}
		c.Side = match.Side(side)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		q.err = err
	}
	return out
}

// labelSQL renders a staged record's match keys (the first rule's, without
// the scope field) as its label.
func (r *Run) labelSQL(o *object, alias string) string {
	var parts []string
	for _, rule := range o.spec.Match.Rules {
		for _, k := range rule.Keys {
			if k != o.spec.Match.ScopeBy {
				parts = append(parts, "CAST("+alias+"."+quote(k)+" AS VARCHAR)")
			}
		}
		break
	}
	if len(parts) == 0 {
		return "NULL"
	}
	return "concat_ws(' / ', " + strings.Join(parts, ", ") + ")"
}

// details lists every op and every out-of-scope or waiting record of an
// object, in a stable order.
func (r *Run) details(ctx context.Context, o *object, tables map[match.Side]string) ([]Detail, error) {
	db := r.db.DB()
	ps, ds := r.labelSQL(o, "p"), r.labelSQL(o, "d")
	stmt := `SELECT op, target_side, coalesce(target_id, ''), coalesce(source_id, ''),
			coalesce(CASE WHEN source_side = 'psa' THEN ` + ps + ` ELSE ` + ds + ` END, CASE WHEN target_side = 'psa' THEN ` + ps + ` ELSE ` + ds + ` END, ''),
			coalesce(CAST(json_keys(fields) AS VARCHAR), '[]'), coalesce(reason, '')
		FROM ops
		LEFT JOIN ` + tables[match.PSA] + ` p ON p._id = CASE WHEN source_side = 'psa' THEN source_id ELSE target_id END
		LEFT JOIN ` + tables[match.Doc] + ` d ON d._id = CASE WHEN source_side = 'doc' THEN source_id ELSE target_id END
		WHERE run = ? AND object = ?
		UNION ALL
		SELECT CASE action WHEN 'excluded' THEN 'out_of_scope' ELSE 'waiting' END, side, id, '',
			coalesce(CASE WHEN side = 'psa' THEN ` + ps + ` ELSE ` + ds + ` END, ''), '[]', reason
		FROM unmatched u
		LEFT JOIN ` + tables[match.PSA] + ` p ON u.side = 'psa' AND p._id = u.id
		LEFT JOIN ` + tables[match.Doc] + ` d ON u.side = 'doc' AND d._id = u.id
		WHERE run = ? AND object = ? AND action IN ('excluded', 'not_yet_pushed')
		ORDER BY 1, 2, 3, 4, 7`
	rows, err := db.QueryContext(ctx, stmt, r.cfg.RunID, o.spec.Object, r.cfg.RunID, o.spec.Object)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Detail{}
	for rows.Next() {
		var d Detail
		var side, fields string
		if err := rows.Scan(&d.What, &side, &d.ID, &d.Source, &d.Label, &fields, &d.Reason); err != nil {
			return nil, err
		}
		d.Side = match.Side(side)
		fields = strings.Trim(fields, "[]")
		if fields != "" {
			for f := range strings.SplitSeq(fields, ",") {
				d.Fields = append(d.Fields, strings.Trim(strings.TrimSpace(f), `"`))
			}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
