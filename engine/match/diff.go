package match

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"mapsync/engine/plan"
)

// PlanStats counts the ops Plan wrote.
type PlanStats struct {
	Object  string
	Creates int64
	Updates int64
	Orphans int64
	Skips   int64 // writes held back: paused link, unlinked reference
	Invalid int64 // invalid field values left out of writes
}

// Writes is how many ops would change a system.
func (s PlanStats) Writes() int64 { return s.Creates + s.Updates + s.Orphans }

// Plan turns the object's links and unmatched records into ops, in SQL:
//
//   - For each linked pair and each mapped field, the value rules decide
//     (docs/durable-runs.md "What is never overwritten"), from both current
//     values and both memories (links.psa_synced, doc_synced). With memory
//     on both sides: two_way writes the side that changed to the other (both
//     changed: the field's winner, the PSA unless the plan says otherwise;
//     neither: nothing, even if the values differ); to_doc / to_psa write
//     only when their source changed. Without memory: equal values are
//     remembered, an empty side is filled from the other, two different
//     values go to the winner, and a one-way field is written only when its
//     source is not empty. A field is written only when it differs from the
//     target's current value (both empty counts as equal), so an unchanged
//     rerun plans no writes. Ref values are compared and written in the
//     target's id space.
//   - A record that is not in the (incremental) listing is taken to hold its
//     last synced values.
//   - Fields marked invalid on either side are left out of the write and
//     reported as an invalid op; the rest of the record still syncs.
//   - Unmatched records whose action is create become create ops; their
//     after remembers every mapped field of the source and, on the new
//     record's side, what is sent (empty for the rest).
//   - Links orphaned in this run become orphan ops.
//   - Links disconnected in this run (state disconnected, state_run this
//     run) get one update of their doc record writing every
//     clear_on_disconnect field empty that is not empty already.
//   - Fields found equal on both sides become the new synced values.
//
// Plan must follow Match for the same object in the same run; calling it
// again replaces this run's ops for the object.
func (r *Run) Plan(ctx context.Context, obj *Object) (PlanStats, error) {
	return r.PlanPass(ctx, obj, Pass{})
}

// DeferredReason starts the reason of every op a deferred pass plans: it
// tells them from the object's other ops (a repeated deferred pass
// replaces only its own).
const DeferredReason = "deferred reference"

// Pass says which fields one Plan call decides.
//
// Deferred fields (references to records of a later stage, and flag
// references) cannot be decided when their object's stage runs: the
// referenced records are not linked yet. The object's own pass (Only
// false) leaves them alone: no write, no memory change, and a create
// remembers them as empty on the new record's side and not at all on the
// source side, so the deferred pass fills them in. The deferred pass (Only
// true), run once the referenced stage has applied, plans updates of the
// deferred fields of linked pairs and nothing else.
type Pass struct {
	Deferred map[string]bool
	Only     bool
}

// active reports whether the pass decides field name.
func (ps Pass) active(name string) bool { return ps.Deferred[name] == ps.Only }

// PlanPass is Plan restricted to the fields of a pass.
func (r *Run) PlanPass(ctx context.Context, obj *Object, pass Pass) (PlanStats, error) {
	st := PlanStats{Object: obj.Name()}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("plan %s: %w", obj.Name(), err)
	}
	defer conn.Close()
	p := &planner{matcher: matcher{r: r, obj: obj, conn: conn, st: &MatchStats{}}, ps: &st, pass: pass}
	for _, f := range obj.diff {
		if f.direction != plan.DirNone {
			p.fields = append(p.fields, f)
		}
	}
	start := time.Now()
	// The pair values and decisions are temporary tables built before the
	// transaction: DuckDB spills a committed temporary table to disk under
	// its memory_limit, but not rows appended inside an open transaction
	// (a full diff of 50,000 configurations needed more than 768 MB that
	// way). Only the writes to the run's tables are one transaction.
	err = p.prepare(ctx)
	if err == nil {
		err = withTx(ctx, conn, func() error { return p.run(ctx) })
	}
	p.dropTemp(context.WithoutCancel(ctx))
	if r.cfg.Trace != nil {
		r.cfg.Trace(obj.Name()+": plan total (with commit)", time.Since(start))
	}
	if err != nil {
		return st, fmt.Errorf("plan %s: %w", obj.Name(), err)
	}
	return st, nil
}

type planner struct {
	matcher
	fields []diffField // fields with a direction
	ps     *PlanStats
	pass   Pass
	parts  int64 // chunks of the pair values and decisions (pairs)
}

const (
	tDLinks = "d_links"
	tDRaw   = "d_raw"
	tD      = "d_dec"
	tOps    = "d_ops"
)

// jsonPtr is a JSON pointer to a top-level key.
func jsonPtr(name string) string {
	return lit("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name))
}

// valueJSON is a staged column as canonical JSON text; 'null' for NULL.
// Datetimes become RFC 3339 UTC, dates YYYY-MM-DD.
func valueJSON(col, typ string) string {
	var e string
	switch typ {
	case plan.TypeDateTime:
		e = "to_json(strftime(" + col + ", '%Y-%m-%dT%H:%M:%S.%fZ'))"
	case plan.TypeDate:
		e = "to_json(strftime(" + col + ", '%Y-%m-%d'))"
	case plan.TypeJSON:
		e = "json(" + col + ")"
	default:
		e = "to_json(" + col + ")"
	}
	return "coalesce(CAST(" + e + " AS VARCHAR), 'null')"
}

// refJoin translates ids of object ref from one side's space to the other.
func refJoin(alias, ref string, from Side, on string) string {
	to := from.other()
	fc, tc := string(from)+"_id", string(to)+"_id"
	return fmt.Sprintf("\nLEFT JOIN (SELECT %s, min(%s) AS %s FROM links WHERE object = %s AND psa_id IS NOT NULL AND doc_id IS NOT NULL GROUP BY %s) %s ON %s.%s = %s",
		fc, tc, tc, lit(ref), fc, alias, alias, fc, on)
}

// listRefJSON translates a JSON list of ids of object ref (canonical JSON
// text, sorted) from one side's id space to the other through the links;
// ids without a link are left out, and an empty result is 'null' like an
// empty list is everywhere else.
func listRefJSON(col, ref string, from Side) string {
	to := from.other()
	return fmt.Sprintf(`coalesce((SELECT CAST(to_json(list(DISTINCT lk.%s_id ORDER BY lk.%s_id)) AS VARCHAR)
		FROM unnest(CAST(json_extract_string(CASE WHEN %s = 'null' THEN '[]' ELSE %s END, '$[*]') AS VARCHAR[])) AS u(e)
		JOIN links lk ON lk.object = %s AND lk.%s_id = u.e AND lk.psa_id IS NOT NULL AND lk.doc_id IS NOT NULL), 'null')`,
		to, to, col, col, lit(ref), from)
}

// isEmptyJSON is true when a JSON text (not NULL) is an empty value:
// null, "", [] or {}.
func isEmptyJSON(col string) string {
	return "(" + col + " IN ('null', '\"\"', '[]', '{}'))"
}

// jsonMap builds a JSON object from entries (see entry), leaving out the
// NULL ones. It concatenates text: building DuckDB MAPs per row costs ten
// times more at a million rows.
func jsonMap(entries []string) string {
	if len(entries) == 0 {
		return "CAST('{}' AS JSON)"
	}
	return "CAST('{' || concat_ws(',', " + strings.Join(entries, ", ") + ") || '}' AS JSON)"
}

// entry is one member of a jsonMap: the key, JSON-escaped, and a value
// that is JSON text, or NULL to leave the member out (|| with NULL is NULL).
func entry(field, value string) string {
	key, _ := json.Marshal(field) // a string always encodes
	return lit(string(key)+":") + " || (" + value + ")"
}

// jsonPair is the JSON text {"a": x, "b": y} of two JSON texts (NULL → null).
func jsonPair(a, x, b, y string) string {
	ka, _ := json.Marshal(a)
	kb, _ := json.Marshal(b)
	return lit("{"+string(ka)+":") + " || coalesce(CAST(" + x + " AS VARCHAR), 'null') || " + lit(","+string(kb)+":") +
		" || coalesce(CAST(" + y + " AS VARCHAR), 'null') || '}'"
}

// prepare builds the pair values and the field decisions (temporary
// tables, outside the transaction of run).
func (p *planner) prepare(ctx context.Context) error {
	for _, s := range []Side{PSA, Doc} {
		if err := p.r.ensureStage(ctx, p.conn, p.obj, s); err != nil {
			return err
		}
	}
	if err := p.pairs(ctx); err != nil {
		return err
	}
	return p.decide(ctx)
}

// run writes the ops, warnings and memories of the object from the
// decisions, in one transaction.
func (p *planner) run(ctx context.Context) error {
	r, o := p.r, p.obj
	clear := "DELETE FROM ops WHERE run = ? AND object = ?"
	if p.pass.Only {
		clear += " AND starts_with(coalesce(reason, ''), " + lit(DeferredReason) + ")"
	}
	if _, err := p.exec(ctx, "clear earlier attempt", clear, r.cfg.RunID, o.Name()); err != nil {
		return err
	}
	if !p.pass.Only {
		if _, err := p.exec(ctx, "clear earlier warnings", "DELETE FROM field_warnings WHERE run = ? AND object = ?", r.cfg.RunID, o.Name()); err != nil {
			return err
		}
	}
	p.temps = append(p.temps, tOps)
	if _, err := p.exec(ctx, "ops table", "CREATE OR REPLACE TEMP TABLE "+tOps+" AS SELECT * EXCLUDE (run, sync, object, seq) FROM ops LIMIT 0"); err != nil {
		return err
	}
	steps := []func(context.Context) error{p.updates, p.creates, p.holdPaused, p.orphans, p.clears, p.invalid, p.writeOps, p.baselines}
	if p.pass.Only {
		steps = []func(context.Context) error{p.updates, p.writeOps, p.baselines}
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// pairs gathers, per linked pair, each field's current value on both
// sides (from staging, or the last synced value when the record was not
// listed), the last synced values, the translations of ref values and
// whether either side marked the field invalid.
func (p *planner) pairs(ctx context.Context) error {
	o := p.obj
	sel := []string{"l.psa_id", "l.doc_id", "l.state", "l.psa_synced", "l.doc_synced"}
	var joins strings.Builder
	var ptrs []string
	for i, f := range p.fields {
		ptr := jsonPtr(f.name)
		ptrs = append(ptrs, ptr)
		// The field's last synced value on side s (JSON), extracted with
		// the others in one call per side when the pairs are chosen.
		mem := func(s Side) string { return fmt.Sprintf("l.%s_m[%d]", s, i+1) }
		cur := func(alias string, s Side) string {
			return fmt.Sprintf("CASE WHEN %s._id IS NULL THEN CAST(%s AS VARCHAR) ELSE %s END",
				alias, mem(s), valueJSON(alias+"."+ident(f.name), f.typ))
		}
		sel = append(sel,
			cur("p", PSA)+fmt.Sprintf(" AS p%d", i),
			cur("d", Doc)+fmt.Sprintf(" AS d%d", i),
			fmt.Sprintf("CAST(%s AS VARCHAR) AS bp%d", mem(PSA), i),
			fmt.Sprintf("CAST(%s AS VARCHAR) AS bd%d", mem(Doc), i),
			fmt.Sprintf("coalesce(json_exists(p._invalid, %s), false) OR coalesce(json_exists(d._invalid, %s), false) AS inv%d", ptr, ptr, i),
		)
		if f.typ == plan.TypeRef {
			raw := func(alias string, s Side) string {
				return fmt.Sprintf("CASE WHEN %s._id IS NULL THEN json_extract_string(%s, '$') ELSE %s.%s END", alias, mem(s), alias, ident(f.name))
			}
			joins.WriteString(refJoin(fmt.Sprintf("jp%d", i), f.ref, PSA, raw("p", PSA)))
			joins.WriteString(refJoin(fmt.Sprintf("jd%d", i), f.ref, Doc, raw("d", Doc)))
			sel = append(sel,
				raw("p", PSA)+fmt.Sprintf(" AS pr%d", i),
				raw("d", Doc)+fmt.Sprintf(" AS dr%d", i),
				fmt.Sprintf("CAST(to_json(jp%d.doc_id) AS VARCHAR) AS pt%d", i, i),
				fmt.Sprintf("CAST(to_json(jd%d.psa_id) AS VARCHAR) AS dt%d", i, i),
			)
		}
	}
	psaStage, docStage := ident(p.r.stageTable(o, PSA)), ident(p.r.stageTable(o, Doc))
	// A pair neither of whose records was listed holds its last synced
	// values on both sides: every field is unchanged since the last sync
	// or has no memory, so no rule writes it and its memory stays. Only
	// the pairs with a listed record are diffed (chosen first, so the
	// joins below see only them).
	// The memories are parsed once per side here: a json_extract per
	// field and side in the query below keeps a parse arena of its own,
	// which took about 20 KB of DuckDB memory per pair (a full diff of
	// 50,000 configurations failed in 768 MB).
	memories := ""
	if len(ptrs) > 0 {
		list := "[" + strings.Join(ptrs, ", ") + "]"
		memories = ", json_extract(psa_synced, " + list + ") AS psa_m, json_extract(doc_synced, " + list + ") AS doc_m"
	}
	p.temps = append(p.temps, tDLinks)
	if _, err := p.exec(ctx, "pairs to diff", "CREATE OR REPLACE TEMP TABLE "+tDLinks+" AS SELECT psa_id, doc_id, state, psa_synced, doc_synced"+memories+
		"\nFROM links WHERE object = ? AND psa_id IS NOT NULL AND doc_id IS NOT NULL AND state IN ('syncing', 'error', 'paused', 'sync_disabled')"+
		"\n\tAND (? OR psa_id IN (SELECT _id FROM "+psaStage+") OR doc_id IN (SELECT _id FROM "+docStage+"))", o.Name(), p.r.everyLink); err != nil {
		return err
	}
	n, err := queryInt(ctx, p.conn, "count pairs to diff", "SELECT count(*) FROM "+tDLinks)
	if err != nil {
		return err
	}
	// The joins of one statement hold every row of their build sides at
	// once, and DuckDB cannot spill them all (a full diff of 50,000
	// configurations failed in 768 MB: "failed to pin block"), so the
	// pairs go through in chunks of a bounded number of values, each
	// joining only its own staged records.
	cells := p.r.pairCells
	if cells <= 0 {
		cells = pairChunkCells
	}
	parts := (n*int64(len(p.fields)+1) + int64(cells) - 1) / int64(cells)
	if parts < 1 {
		parts = 1
	}
	query := func(part string) string {
		return "SELECT " + strings.Join(sel, ",\n\t") +
			"\nFROM (SELECT * FROM " + tDLinks + part + ") l" +
			"\nLEFT JOIN (SELECT * FROM " + psaStage + " WHERE _id IN (SELECT psa_id FROM " + tDLinks + part + ")) p ON p._id = l.psa_id" +
			"\nLEFT JOIN (SELECT * FROM " + docStage + " WHERE _id IN (SELECT doc_id FROM " + tDLinks + part + ")) d ON d._id = l.doc_id" + joins.String()
	}
	if parts == 1 {
		return p.temp(ctx, "pair values", tDRaw, query(""))
	}
	if err := p.temp(ctx, "pair values", tDRaw, query(" WHERE false")); err != nil {
		return err
	}
	p.parts = parts
	for k := int64(0); k < parts; k++ {
		if _, err := p.exec(ctx, "pair values (chunk)", "INSERT INTO "+tDRaw+" "+query(p.part(k))); err != nil {
			return err
		}
	}
	p.drop(ctx, tDLinks)
	return nil
}

// part is the filter of chunk k of the pairs (by psa id).
func (p *planner) part(k int64) string {
	return fmt.Sprintf(" WHERE hash(psa_id) %% %d = %d", p.parts, k)
}

// pairChunkCells bounds the values (pairs × (fields + 1)) of one chunk of
// the pair values query: about 100 MB of DuckDB memory with the mappings
// shipped (a guess from the 50,000-configuration bench, which failed
// unchunked at 488 MB with 50,000 pairs).
const pairChunkCells = 200_000

// decide computes per field: the value each side would get (in its own id
// space), whether the two are in sync, and where a write goes: 'doc',
// 'psa', 'blocked' (the value has no counterpart id), or NULL.
func (p *planner) decide(ctx context.Context) error {
	sel := []string{"*"}
	for i, f := range p.fields {
		pd, dp := fmt.Sprintf("p%d", i), fmt.Sprintf("d%d", i) // a psa value is a doc value, and back
		sync := fmt.Sprintf("p%d = d%d", i, i)
		if f.typ == plan.TypeRef {
			pd = fmt.Sprintf("CASE WHEN p%d = 'null' THEN 'null' ELSE pt%d END", i, i)
			dp = fmt.Sprintf("CASE WHEN d%d = 'null' THEN 'null' ELSE dt%d END", i, i)
			sync = fmt.Sprintf("(%s) = d%d OR (%s) = p%d", pd, i, dp, i)
		}
		if f.typ == plan.TypeList && f.ref != "" {
			pd = listRefJSON(fmt.Sprintf("p%d", i), f.ref, PSA)
			dp = listRefJSON(fmt.Sprintf("d%d", i), f.ref, Doc)
			sync = fmt.Sprintf("(%s) = d%d OR (%s) = p%d", pd, i, dp, i)
		}
		// The value rules (docs/durable-runs.md "What is never overwritten"):
		// with memory on both sides, only a real change since the last
		// sync is written (a conflict goes to the winner; unchanged
		// values that differ stay as they are); without memory, equal
		// values are remembered, an empty side is filled from the other,
		// and two different values go to the winner. One-way fields flow
		// only from their source, and an empty source value that was never
		// seen written is not a deliberate blanking.
		winner := "'" + string(f.winner.other()) + "'"
		mem := fmt.Sprintf("(bp%[1]d IS NOT NULL AND bd%[1]d IS NOT NULL)", i)
		cp, cd := fmt.Sprintf("p%[1]d <> bp%[1]d", i), fmt.Sprintf("d%[1]d <> bd%[1]d", i)
		ep, ed := isEmptyJSON(fmt.Sprintf("p%d", i)), isEmptyJSON(fmt.Sprintf("d%d", i))
		sync = fmt.Sprintf("(%s) OR (%s AND %s)", sync, ep, ed)
		var choose string
		switch f.direction {
		case plan.DirToDoc:
			choose = fmt.Sprintf("CASE WHEN %s THEN (CASE WHEN %s THEN 'doc' END) WHEN NOT %s THEN 'doc' END", mem, cp, ep)
		case plan.DirToPSA:
			choose = fmt.Sprintf("CASE WHEN %s THEN (CASE WHEN %s THEN 'psa' END) WHEN NOT %s THEN 'psa' END", mem, cd, ed)
		default:
			choose = fmt.Sprintf(`CASE WHEN %[1]s THEN (CASE WHEN %[2]s AND NOT %[3]s THEN 'doc' WHEN %[3]s AND NOT %[2]s THEN 'psa' WHEN %[2]s AND %[3]s THEN %[4]s END)
				WHEN %[5]s THEN 'psa' WHEN %[6]s THEN 'doc' ELSE %[4]s END`, mem, cp, cd, winner, ep, ed)
		}
		w := fmt.Sprintf(`CASE WHEN inv%[1]d OR p%[1]d IS NULL OR d%[1]d IS NULL OR coalesce(%[2]s, false) THEN NULL ELSE %[3]s END`, i, sync, choose)
		if !p.pass.active(f.name) {
			// Another pass decides it: no write, and its memory stays.
			sync, w = "false", "NULL"
		}
		sel = append(sel,
			fmt.Sprintf("%s AS pd%d", pd, i),
			fmt.Sprintf("%s AS dp%d", dp, i),
			fmt.Sprintf("coalesce(%s, false) AS sync%d", sync, i),
			fmt.Sprintf("%s AS w%d", w, i),
		)
	}
	outer := []string{"*"}
	for i := range p.fields {
		outer = append(outer, fmt.Sprintf(`CASE WHEN w%[1]d = 'doc' AND pd%[1]d IS NULL THEN 'blocked_doc'
			WHEN w%[1]d = 'psa' AND dp%[1]d IS NULL THEN 'blocked_psa' ELSE w%[1]d END AS x%[1]d`, i))
	}
	query := func(part string) string {
		return "SELECT " + strings.Join(outer, ",\n\t") + " FROM (SELECT " + strings.Join(sel, ",\n\t") + " FROM " + tDRaw + part + ")"
	}
	if p.parts <= 1 {
		return p.temp(ctx, "field decisions", tD, query(""))
	}
	// In the chunks of the pair values, for the same reason.
	if err := p.temp(ctx, "field decisions", tD, query(" WHERE false")); err != nil {
		return err
	}
	for k := int64(0); k < p.parts; k++ {
		if _, err := p.exec(ctx, "field decisions (chunk)", "INSERT INTO "+tD+" "+query(p.part(k))); err != nil {
			return err
		}
	}
	return nil
}

// updates writes one update (or skip, for paused links) per pair and
// target side, and a skip for writes blocked by an unlinked reference.
func (p *planner) updates(ctx context.Context) error {
	o := p.obj
	for _, t := range []Side{Doc, PSA} {
		s := t.other()
		var fields, news, afterS, afterT, blocked, due []string
		for i, f := range p.fields {
			cur, src, srcOwn := fmt.Sprintf("d%d", i), fmt.Sprintf("pd%d", i), fmt.Sprintf("p%d", i)
			if t == PSA {
				cur, src, srcOwn = fmt.Sprintf("p%d", i), fmt.Sprintf("dp%d", i), fmt.Sprintf("d%d", i)
			}
			is := fmt.Sprintf("x%d = '%s'", i, t)
			fields = append(fields, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN %s END", is, jsonPair("old", cur, "new", src))))
			news = append(news, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN %s END", is, src)))
			afterS = append(afterS, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN %s END", is, srcOwn)))
			afterT = append(afterT, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN %s END", is, src)))
			due = append(due, is)
			if f.typ == plan.TypeRef {
				raw := fmt.Sprintf("pr%d", i)
				if s == Doc {
					raw = fmt.Sprintf("dr%d", i)
				}
				blocked = append(blocked, fmt.Sprintf("CASE WHEN x%d = 'blocked_%s' THEN %s || ': %s ' || %s || ' has no linked %s record' END",
					i, t, lit(f.name), s, raw, t))
			}
		}
		srcID, tgtID := string(s)+"_id", string(t)+"_id"
		after := "CAST(" + jsonPair(string(s), jsonMap(afterS), string(t), jsonMap(afterT)) + " AS JSON)"
		q := `INSERT INTO ` + tOps + ` BY NAME
			WITH c AS (
				SELECT ` + srcID + ` AS source_id, ` + tgtID + ` AS target_id, state,
					CAST(` + jsonMap(fields) + ` AS VARCHAR) AS fields, CAST(` + jsonMap(news) + ` AS VARCHAR) AS news,
					` + after + ` AS after
				FROM ` + tD + ` WHERE ` + strings.Join(due, " OR ") + `)
			SELECT CASE WHEN state IN ('paused', 'sync_disabled') THEN 'skip' ELSE 'update' END AS op,
				? AS target_side, target_id, ? AS source_side, source_id, CAST(fields AS JSON) AS fields, after,
				` + p.reasonSQL("CASE WHEN state IN ('paused', 'sync_disabled') THEN 'link is ' || replace(state, '_', ' ') END") + ` AS reason,
				sha256(CAST(to_json([?, ?, source_id, ?, news]) AS VARCHAR)) AS key,
				CASE WHEN state IN ('paused', 'sync_disabled') THEN 'noted' ELSE 'planned' END AS status
			FROM c`
		if _, err := p.exec(ctx, "updates to "+string(t), q, string(t), string(s), p.r.cfg.Sync, o.Name(), string(t)); err != nil {
			return err
		}
		if len(blocked) == 0 {
			continue
		}
		q = `INSERT INTO ` + tOps + ` BY NAME
			SELECT 'skip' AS op, ? AS target_side, ` + tgtID + ` AS target_id, ? AS source_side, ` + srcID + ` AS source_id,
				` + p.reasonSQL("concat_ws('; ', "+strings.Join(blocked, ", ")+")") + ` AS reason, 'noted' AS status
			FROM ` + tD + ` WHERE concat_ws('; ', ` + strings.Join(blocked, ", ") + `) <> ''`
		if _, err := p.exec(ctx, "blocked writes to "+string(t), q, string(t), string(s)); err != nil {
			return err
		}
	}
	return nil
}

// reasonSQL is the reason of an op the pass plans: in a deferred pass it
// starts with DeferredReason, so a repeated pass finds its own ops.
func (p *planner) reasonSQL(why string) string {
	if !p.pass.Only {
		return why
	}
	return "CASE WHEN (" + why + ") IS NULL THEN " + lit(DeferredReason) + " ELSE " + lit(DeferredReason+": ") + " || (" + why + ") END"
}

// creates writes a create op for every unmatched record whose action is
// create, with the fields that flow to the other side. A record whose
// scope reference has no counterpart yet is skipped with the reason.
func (p *planner) creates(ctx context.Context) error {
	o := p.obj
	for _, s := range []Side{PSA, Doc} {
		// Waiting doc records confirmed for a push have action create too.
		if act, _ := o.createAction(s); act != actionCreate && (s != Doc || act != actionNotYetPushed) {
			continue
		}
		t := s.other()
		var fields, news, afterS, afterT, notes []string
		var joins strings.Builder
		scopeOK := "true"
		scopeWhy := "NULL"
		for i, f := range p.fields {
			col := "x." + ident(f.name)
			own := valueJSON(col, f.typ)
			// The source remembers its value of every mapped field, the
			// target what it is sent (Apply corrects this for fields the
			// writer leaves out), and empty for the rest: a one-way field
			// toward the source never flows back.
			if p.pass.Deferred[f.name] {
				// Decided by the deferred pass, once the referenced
				// records are linked: the new record holds nothing yet,
				// and the source has no memory, so that pass fills it.
				afterT = append(afterT, entry(f.name, "'null'"))
				continue
			}
			afterS = append(afterS, entry(f.name, own))
			if f.direction != plan.DirTwoWay && f.direction != "to_"+string(t) {
				afterT = append(afterT, entry(f.name, "'null'"))
				continue
			}
			val := own
			ok := fmt.Sprintf("%s IS NOT NULL AND NOT coalesce(json_exists(x._invalid, %s), false)", col, jsonPtr(f.name))
			if f.typ == plan.TypeRef {
				j := fmt.Sprintf("j%d", i)
				joins.WriteString(refJoin(j, f.ref, s, col))
				val = fmt.Sprintf("CAST(to_json(%s.%s_id) AS VARCHAR)", j, t)
				ok += fmt.Sprintf(" AND %s.%s_id IS NOT NULL", j, t)
				why := fmt.Sprintf("%s || ': %s ' || %s || ' has no linked %s record'", lit(f.name), s, col, t)
				if f.name == o.spec.Match.ScopeBy {
					scopeOK = fmt.Sprintf("(%s IS NOT NULL AND %s.%s_id IS NOT NULL)", col, j, t)
					scopeWhy = fmt.Sprintf("CASE WHEN %s IS NULL THEN %s ELSE %s END", col, lit(f.name+" is empty"), why)
				} else {
					notes = append(notes, fmt.Sprintf("CASE WHEN %s IS NOT NULL AND %s.%s_id IS NULL THEN %s || ' (left out)' END", col, j, t, why))
				}
			}
			key, _ := json.Marshal("new")
			fields = append(fields, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN %s || %s || '}' END", ok, lit("{"+string(key)+":"), val)))
			news = append(news, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN %s END", ok, val)))
			afterT = append(afterT, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN %s ELSE 'null' END", ok, val)))
		}
		note := "NULL"
		if len(notes) > 0 {
			note = "nullif(concat_ws('; ', " + strings.Join(notes, ", ") + "), '')"
		}
		after := "CAST(" + jsonPair(string(s), jsonMap(afterS), string(t), jsonMap(afterT)) + " AS JSON)"
		q := `INSERT INTO ` + tOps + ` BY NAME
			WITH c AS (
				SELECT x._id AS source_id, ` + scopeOK + ` AS scope_ok, ` + scopeWhy + ` AS scope_why, ` + note + ` AS note,
					CAST(` + jsonMap(fields) + ` AS VARCHAR) AS fields, CAST(` + jsonMap(news) + ` AS VARCHAR) AS news, ` + after + ` AS after
				FROM unmatched u JOIN ` + ident(p.r.stageTable(o, s)) + ` x ON x._id = u.id` + joins.String() + `
				WHERE u.run = ? AND u.object = ? AND u.side = ? AND u.action = 'create')
			SELECT CASE WHEN scope_ok THEN 'create' ELSE 'skip' END AS op, ? AS target_side, ? AS source_side, source_id,
				CAST(fields AS JSON) AS fields, CASE WHEN scope_ok THEN after END AS after,
				CASE WHEN scope_ok THEN note ELSE 'not created: ' || scope_why END AS reason,
				CASE WHEN scope_ok THEN sha256(CAST(to_json([?, ?, source_id, ?, news]) AS VARCHAR)) END AS key,
				CASE WHEN scope_ok THEN 'planned' ELSE 'noted' END AS status
			FROM c`
		if _, err := p.exec(ctx, "creates in "+string(t), q, p.r.cfg.RunID, o.Name(), string(s), string(t), string(s),
			p.r.cfg.Sync, o.Name(), string(t)); err != nil {
			return err
		}
	}
	return nil
}

// orphans writes an orphan op for each link orphaned in this run (the doc
// record is kept and flagged, never deleted).
func (p *planner) orphans(ctx context.Context) error {
	_, err := p.exec(ctx, "orphans", `INSERT INTO `+tOps+` BY NAME
		SELECT 'orphan' AS op, 'doc' AS target_side, doc_id AS target_id, 'psa' AS source_side, psa_id AS source_id, reason,
			sha256(CAST(to_json([sync, object, psa_id, 'doc', 'orphan']) AS VARCHAR)) AS key, 'planned' AS status
		FROM links WHERE object = ? AND state = 'orphaned' AND state_run = ?`, p.obj.Name(), p.r.cfg.RunID)
	return err
}

// clears writes, for every link disconnected in this run, one update of
// the doc record that writes each clear_on_disconnect field empty (the
// field is an overlay of PSA values that must not outlive the link). The
// doc record's value is the staged one, or its last synced value when the
// record was not listed; a field already empty is left alone.
func (p *planner) clears(ctx context.Context) error {
	o := p.obj
	var fields, news, afterD, due []string
	for _, f := range p.fields {
		if !f.clear || f.direction != plan.DirToDoc {
			continue
		}
		ptr := jsonPtr(f.name)
		cur := fmt.Sprintf("(CASE WHEN d._id IS NULL THEN coalesce(CAST(json_extract(l.doc_synced, %s) AS VARCHAR), 'null') ELSE %s END)",
			ptr, valueJSON("d."+ident(f.name), f.typ))
		is := "NOT " + isEmptyJSON(cur)
		fields = append(fields, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN %s END", is, jsonPair("old", cur, "new", "'null'"))))
		news = append(news, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN 'null' END", is)))
		afterD = append(afterD, entry(f.name, fmt.Sprintf("CASE WHEN %s THEN 'null' END", is)))
		due = append(due, is)
	}
	if len(due) == 0 {
		return nil
	}
	after := "CAST(" + jsonPair("psa", "'{}'", "doc", jsonMap(afterD)) + " AS JSON)"
	// 'disconnected' is the link state a user's disconnect control sets
	// (engine/controls), in the run in which it applies.
	q := `INSERT INTO ` + tOps + ` BY NAME
		WITH c AS (
			SELECT l.psa_id AS source_id, l.doc_id AS target_id,
				CAST(` + jsonMap(fields) + ` AS VARCHAR) AS fields, CAST(` + jsonMap(news) + ` AS VARCHAR) AS news, ` + after + ` AS after
			FROM links l LEFT JOIN ` + ident(p.r.stageTable(o, Doc)) + ` d ON d._id = l.doc_id
			WHERE l.object = ? AND l.state = 'disconnected' AND l.state_run = ? AND l.psa_id IS NOT NULL AND l.doc_id IS NOT NULL
			  AND (` + strings.Join(due, " OR ") + `))
		SELECT 'update' AS op, 'doc' AS target_side, target_id, 'psa' AS source_side, source_id,
			CAST(fields AS JSON) AS fields, after, 'link disconnected: PSA fields removed' AS reason,
			sha256(CAST(to_json([?, ?, source_id, 'doc', news]) AS VARCHAR)) AS key, 'planned' AS status
		FROM c`
	_, err := p.exec(ctx, "clears on disconnect", q, o.Name(), p.r.cfg.RunID, p.r.cfg.Sync, o.Name())
	return err
}

// invalid reports, for every record that syncs (linked or created), each
// field the mapper or the stager rejected.
func (p *planner) invalid(ctx context.Context) error {
	o := p.obj
	for _, s := range []Side{PSA, Doc} {
		t := s.other()
		stage := ident(p.r.stageTable(o, s))
		q := `INSERT INTO ` + tOps + ` BY NAME
			WITH recs AS (
				SELECT ` + string(s) + `_id AS source_id, ` + string(t) + `_id AS target_id FROM ` + tDRaw + `
				UNION ALL
				SELECT id, NULL FROM unmatched WHERE run = ? AND object = ? AND side = ? AND action = 'create')
			SELECT 'invalid' AS op, ? AS target_side, r.target_id, ? AS source_side, r.source_id,
				json_object(e.key, json_object('reason', e.value)) AS fields,
				e.key || ': ' || json_extract_string(e.value, '$') AS reason, 'noted' AS status
			FROM recs r JOIN ` + stage + ` x ON x._id = r.source_id, json_each(x._invalid) e
			WHERE x._invalid IS NOT NULL`
		if _, err := p.exec(ctx, "invalid fields of "+string(s), q, p.r.cfg.RunID, o.Name(), string(s), string(t), string(s)); err != nil {
			return err
		}
		// The same fields as warnings, with the value read and the
		// record's name (the sync's warnings file).
		q = `INSERT INTO field_warnings BY NAME
			WITH recs AS (
				SELECT ` + string(s) + `_id AS source_id, ` + string(t) + `_id AS target_id FROM ` + tDRaw + `
				UNION ALL
				SELECT id, NULL FROM unmatched WHERE run = ? AND object = ? AND side = ? AND action = 'create')
			SELECT ? AS run, ? AS object, 'read' AS kind, ? AS source_side, r.source_id, ? AS target_side, r.target_id,
				e.key AS field, coalesce(CAST(json_extract(x._invalid_values, '/' || replace(replace(e.key, '~', '~0'), '/', '~1')) AS VARCHAR), 'null') AS value,
				json_extract_string(e.value, '$') AS reason, ` + displayName(o, "x") + ` AS name
			FROM recs r JOIN ` + stage + ` x ON x._id = r.source_id, json_each(x._invalid) e
			WHERE x._invalid IS NOT NULL`
		if _, err := p.exec(ctx, "field warnings of "+string(s), q, p.r.cfg.RunID, o.Name(), string(s),
			p.r.cfg.RunID, o.Name(), string(s), string(t)); err != nil {
			return err
		}
	}
	return nil
}

// writeOps numbers the run's ops and counts them.
func (p *planner) writeOps(ctx context.Context) error {
	r, o := p.r, p.obj
	base, err := queryInt(ctx, p.conn, "op sequence", "SELECT coalesce(max(seq), 0) FROM ops WHERE run = ?", r.cfg.RunID)
	if err != nil {
		return err
	}
	if _, err := p.exec(ctx, "write ops", `INSERT INTO ops BY NAME
		SELECT ? AS run, ? AS sync, ? AS object,
			? + row_number() OVER (ORDER BY CASE op WHEN 'create' THEN 1 WHEN 'update' THEN 2 WHEN 'orphan' THEN 3 ELSE 4 END,
				target_side, source_id, target_id, reason) AS seq, *
		FROM `+tOps, r.cfg.RunID, r.cfg.Sync, o.Name(), base); err != nil {
		return err
	}
	return p.conn.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE op = 'create'), count(*) FILTER (WHERE op = 'update'),
		count(*) FILTER (WHERE op = 'orphan'), count(*) FILTER (WHERE op = 'skip'), count(*) FILTER (WHERE op = 'invalid')
		FROM `+tOps).Scan(&p.ps.Creates, &p.ps.Updates, &p.ps.Orphans, &p.ps.Skips, &p.ps.Invalid)
}

// baselines records, for every field found equal on both sides, the
// current values as the last synced ones; other fields keep theirs.
// (Only mapped fields are remembered.)
func (p *planner) baselines(ctx context.Context) error {
	var ps, ds []string
	for i, f := range p.fields {
		ps = append(ps, entry(f.name, fmt.Sprintf("CASE WHEN sync%d THEN p%d ELSE bp%d END", i, i, i)))
		ds = append(ds, entry(f.name, fmt.Sprintf("CASE WHEN sync%d THEN d%d ELSE bd%d END", i, i, i)))
	}
	if len(ps) == 0 {
		return nil
	}
	if err := p.temp(ctx, "new baselines", tD+"_b", `SELECT psa_id, doc_id, nbp, nbd FROM (
			SELECT psa_id, doc_id, psa_synced, doc_synced, `+jsonMap(ps)+` AS nbp, `+jsonMap(ds)+` AS nbd FROM `+tD+`)
		WHERE CAST(nbp AS VARCHAR) IS DISTINCT FROM CAST(psa_synced AS VARCHAR) OR CAST(nbd AS VARCHAR) IS DISTINCT FROM CAST(doc_synced AS VARCHAR)`); err != nil {
		return err
	}
	_, err := p.exec(ctx, "store baselines", `UPDATE links SET psa_synced = b.nbp, doc_synced = b.nbd
		FROM `+tD+`_b b WHERE links.object = ? AND links.psa_id = b.psa_id AND links.doc_id = b.doc_id`, p.obj.Name())
	return err
}
