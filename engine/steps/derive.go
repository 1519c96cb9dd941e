package steps

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/records"
)

// A derived object (plan.Object.Derive) is extracted from its sources:
// for each source object, in precedence order, every source record this
// run knows gives its derived records (records.Mapper.Derive), appended to
// the derived object's staging table like a listing's pages.
//
// Where the source records come from: when the sync stages the source
// object on the same side and its listing of this run ended before (it
// comes earlier in stage order), its staging table (each record's raw
// form) is read, and nothing is listed again; otherwise the source's
// route is listed, from the derived object's own cursor (Since). A record
// run lists no source: it derives from the source records it staged.
//
// Completeness (docs/lifecycle.md "Derived records"): the derived listing
// is complete, and may orphan the links of derived records no source
// gives any more, only when every source was listed completely in this
// run (a full run, not a record run). Otherwise a derived record not
// derived this run is left alone, as a record an incremental listing did
// not list.
//
// A derived extraction always reads to its end in one call (no cursor: a
// retry derives again from the start); records of one id derived more
// than once are staged once, the first in precedence (records.DerivedKey).

// listedDDL is the note, per object side, that this run's listing of it
// ended, and whether it was complete (made by Open).
const listedDDL = `CREATE TABLE IF NOT EXISTS derive_listed (object VARCHAR, side VARCHAR, complete BOOLEAN, PRIMARY KEY (object, side))`

// noteListed records that a listing of object on side ended in this run.
func (r *Run) noteListed(ctx context.Context, object string, side match.Side, complete bool) error {
	db := r.db.DB()
	if _, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO derive_listed VALUES (?, ?, ?)`, object, string(side), complete); err != nil {
		return fmt.Errorf("note listing: %w", err)
	}
	return nil
}

// listed reports whether this run's listing of object on side ended, and
// if so whether it was complete.
func (r *Run) listed(ctx context.Context, object string, side match.Side) (ended, complete bool, err error) {
	db := r.db.DB()
	err = db.QueryRowContext(ctx, `SELECT complete FROM derive_listed WHERE object = ? AND side = ?`, object, string(side)).Scan(&complete)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("listing of %s: %w", object, err)
	}
	return true, complete, nil
}

// deriver appends the derived records of source records to the stager.
type deriver struct {
	r      *Run
	in     ExtractInput
	mapper *records.Mapper
	stager *match.Stager
	res    *ExtractResult
}

func (d *deriver) add(ctx context.Context, source string, recs []map[string]any) error {
	var rows []match.Row
	for _, rec := range recs {
		derived, errs := d.mapper.Derive(source, rec)
		for _, err := range errs {
			d.res.Rejected++
			if len(d.res.Rejections) < maxRejections {
				d.res.Rejections = append(d.res.Rejections, err.Error())
			}
		}
		for _, row := range derived {
			rows = append(rows, match.Row(row))
		}
	}
	d.res.Listed += len(recs)
	d.res.Staged += len(rows)
	d.r.progress(Progress{Step: "extract", Object: d.in.Object, Side: d.in.Side, Pages: d.res.Pages, Records: d.res.Staged})
	return d.stager.Append(ctx, rows)
}

// extractDerived is Extract for a derived object.
func (r *Run) extractDerived(ctx context.Context, o *object, in ExtractInput, res ExtractResult, where string) (ExtractResult, error) {
	fail := func(err error) (ExtractResult, error) { return res, fmt.Errorf("stages: %s: %w", where, err) }
	if err := r.db.ResetStage(ctx, o.match, in.Side); err != nil {
		return fail(err)
	}
	stager, err := r.db.Stager(ctx, o.match, in.Side)
	if err != nil {
		return fail(err)
	}
	defer stager.Close()
	d := &deriver{r: r, in: in, mapper: o.mappers[in.Side], stager: stager, res: &res}
	complete := len(in.Records) == 0
	for _, src := range d.mapper.Sources() {
		ok, srcComplete, err := r.deriveFromStaged(ctx, d, src)
		if err != nil {
			return fail(err)
		}
		if !ok {
			srcComplete, err = r.deriveFromListing(ctx, d, src)
			if err != nil {
				return fail(err)
			}
		}
		complete = complete && srcComplete
	}
	if err := stager.Close(); err != nil {
		return fail(err)
	}
	if err := r.dedupeDerived(ctx, o, in.Side); err != nil {
		return fail(err)
	}
	// Staged counts derived records, once each.
	table, err := r.stageTable(ctx, o, in.Side)
	if err != nil {
		return fail(err)
	}
	if err := r.db.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&res.Staged); err != nil {
		return fail(err)
	}
	if err := r.afterListing(ctx, o, in.Side); err != nil {
		return fail(err)
	}
	res.Done, res.Complete = true, complete
	r.progress(Progress{Step: "extract", Object: in.Object, Side: in.Side, Pages: res.Pages, Records: res.Staged, Done: true})
	return res, nil
}

// deriveFromStaged derives from the source's staging table when this run
// staged the source on the side; ok is false when it did not.
func (r *Run) deriveFromStaged(ctx context.Context, d *deriver, source string) (ok, complete bool, err error) {
	so := r.objects[source]
	if so == nil {
		return false, false, nil
	}
	ended, complete, err := r.listed(ctx, source, d.in.Side)
	if err != nil || !ended {
		return false, false, err
	}
	table, err := r.stageTable(ctx, so, d.in.Side)
	if err != nil {
		return false, false, err
	}
	// Read in slices by row id, each closed before its records are staged:
	// no result set stays open across the stager's flushes.
	const batch = 5000
	after := int64(-1)
	for {
		recs, last, err := r.stagedRaw(ctx, table, after, batch)
		if err != nil {
			return false, false, fmt.Errorf("read staged %s: %w", source, err)
		}
		if err := d.add(ctx, source, recs); err != nil {
			return false, false, err
		}
		if len(recs) < batch {
			break
		}
		after = last
	}
	return true, complete, nil
}

// stagedRaw reads up to n raw records of a staging table after row id
// after, in row id order, and the last row id read.
func (r *Run) stagedRaw(ctx context.Context, table string, after int64, n int) ([]map[string]any, int64, error) {
	rows, err := r.db.DB().QueryContext(ctx, `SELECT rowid, CAST(_raw AS VARCHAR) FROM `+table+` WHERE rowid > ? AND _raw IS NOT NULL ORDER BY rowid LIMIT ?`, after, n)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw string
		if err := rows.Scan(&after, &raw); err != nil {
			return nil, after, err
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			return nil, after, err
		}
		out = append(out, rec)
	}
	return out, after, rows.Err()
}

// deriveFromListing lists the source's route (from the derived object's
// cursor) and derives from each page. A record run lists nothing.
func (r *Run) deriveFromListing(ctx context.Context, d *deriver, source string) (complete bool, err error) {
	if len(d.in.Records) > 0 {
		return false, nil
	}
	q := connectors.ListQuery{Since: d.in.Since, PageSize: d.in.PageSize}
	for page, err := range r.clients[d.in.Side].List(ctx, source, q) {
		if err != nil {
			return false, fmt.Errorf("list %s: %w", source, err)
		}
		d.res.Pages++
		recs := make([]map[string]any, len(page.Records))
		for i, rec := range page.Records {
			recs[i] = rec
		}
		if err := d.add(ctx, source, recs); err != nil {
			return false, err
		}
	}
	return d.in.Since.IsZero(), nil
}

// dedupeDerived keeps one staged row per derived id: the first in
// precedence (the lowest derive rank, then the lowest source id, shorter
// ids first so numeric ids order as numbers).
func (r *Run) dedupeDerived(ctx context.Context, o *object, side match.Side) error {
	table, err := r.stageTable(ctx, o, side)
	if err != nil {
		return err
	}
	rank := `CAST(json_extract(_raw, '$.` + records.DerivedKey + `.rank') AS INTEGER)`
	sid := `json_extract_string(_raw, '$.` + records.DerivedKey + `.source_id')`
	_, err = r.db.DB().ExecContext(ctx, `DELETE FROM `+table+` WHERE rowid IN (
		SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY _id ORDER BY `+rank+`, length(`+sid+`), `+sid+`, rowid) AS n FROM `+table+`) WHERE n > 1)`)
	if err != nil {
		return fmt.Errorf("dedupe derived records: %w", err)
	}
	return nil
}
