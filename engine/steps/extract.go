package steps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/records"
)

// ExtractInput says what one Extract call reads.
type ExtractInput struct {
	Object string     `json:"object"`
	Side   match.Side `json:"side"`
	// Since, when set, lists only records changed after it (an
	// incremental listing, never complete). Zero lists everything.
	Since time.Time `json:"since,omitzero"`
	// Cursor resumes a listing after the page it points past (the Next of
	// an earlier call with the same Since); nil starts over and empties
	// the object's staging table for this side.
	Cursor *connectors.Cursor `json:"cursor,omitempty"`
	// MaxPages stops after that many pages and returns the cursor to go on
	// with; 0 reads to the end.
	MaxPages int `json:"max_pages,omitempty"`
	// PageSize overrides the system's page size (capped at its maximum);
	// a resumed listing must use the same.
	PageSize int `json:"page_size,omitempty"`
	// Records makes a record run's listing: only the records named on this
	// side and the linked counterparts of those named on the other side
	// (records of other objects are ignored), selected by id where the
	// system's filter dialect can, else the listing from Since. Never
	// complete. Empty: a normal listing.
	Records []RecordRef `json:"records,omitempty"`
	// RunStart is when the run started: the clock of the sweep of a nested
	// listing (sweep.go), the same for every call of a run. Zero: now.
	RunStart time.Time `json:"run_start,omitzero"`
}

// ExtractResult counts what one Extract call did.
type ExtractResult struct {
	Object   string     `json:"object"`
	Side     match.Side `json:"side"`
	Disabled string     `json:"disabled,omitempty"` // the stage did not run, and why
	Pages    int        `json:"pages"`
	Listed   int        `json:"listed"`   // records the system returned
	Staged   int        `json:"staged"`   // records written to the staging table
	Rejected int        `json:"rejected"` // records that could not be mapped (no id, ...)
	// Rejections holds the first few reasons records were rejected.
	Rejections []string `json:"rejections,omitempty"`
	Fetches    int      `json:"fetches"` // sub-resource reads (one per record and fetched field)
	// Refetched counts the records an incremental listing staged again to
	// read their sub-resources (plan.Field.RefetchQuery).
	Refetched int `json:"refetched,omitempty"`
	// Sweep is where the sweep of a nested listing with a sweep bound
	// stands after this run (sweep.go), to store with the cursors; nil
	// otherwise.
	Sweep *Sweep `json:"sweep,omitempty"`
	// Next is where to resume; nil when the listing reached its end.
	Next *connectors.Cursor `json:"next,omitempty"`
	Done bool               `json:"done"` // the listing reached its end
	// Complete is true when every record of the system was listed (Done,
	// and not an incremental listing): only then may matching treat a
	// missing record as gone.
	Complete bool `json:"complete"`
}

const maxRejections = 10

// Extract streams one side of one object from its system into the run's
// staging table, page by page: each page is mapped (records) and appended
// in one transaction, so nothing holds the whole system in memory. A
// listed path under a parent ({ref:organization}) is read for each
// in-scope parent record already staged on the same side and each linked
// one, or, in an incremental run of an object with a sweep bound, for the
// parents the sweep chooses (sweep.go). Fields read from
// a sub-resource are fetched for in-scope records only, in parallel up to
// the system's concurrency.
//
// When the listing is done, records listed twice (pages shifting under a
// live system, or a resumed call repeating a page) are staged once, a
// record whose parent is out of scope is put out of scope with it, and
// flag references of other objects pointing at this one are resolved.
func (r *Run) Extract(ctx context.Context, in ExtractInput) (ExtractResult, error) {
	res := ExtractResult{Object: in.Object, Side: in.Side}
	o, err := r.object(in.Object)
	if err != nil {
		return res, err
	}
	if in.Side != match.PSA && in.Side != match.Doc {
		return res, fmt.Errorf("stages: extract %s: unknown side %q", in.Object, in.Side)
	}
	on, why, err := r.Enabled(in.Object)
	if err != nil {
		return res, err
	}
	if !on {
		res.Disabled = why
		return res, nil
	}
	where := fmt.Sprintf("extract %s from %s (%s)", in.Object, r.systems[in.Side].Name, in.Side)
	mapper := o.mappers[in.Side]
	if err := r.loadRelated(ctx, o, in.Side); err != nil {
		return res, fmt.Errorf("stages: %s: %w", where, err)
	}
	if mapper.Derived() {
		return r.extractDerived(ctx, o, in, res, where)
	}
	q := connectors.ListQuery{Since: in.Since, Resume: in.Cursor, PageSize: in.PageSize}
	ps, err := r.parents(ctx, o, in)
	if err != nil {
		return res, fmt.Errorf("stages: %s: %w", where, err)
	}
	q.Parents, res.Sweep = ps.ids, ps.sweep
	if ps.all {
		// The parents chosen by a sweep: all their children (see sweep.go).
		q.Since = time.Time{}
	}
	listNothing := false
	var byItem []string // a record run's ids read through the item route
	if len(in.Records) > 0 {
		rl, err := r.recordListing(ctx, o, in.Side, in.Records)
		if err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		switch {
		case len(rl.ids) == 0:
			listNothing = true
		case rl.filter != nil:
			q.Since, q.Filters = time.Time{}, []connectors.Filter{*rl.filter}
			if rl.parents != nil {
				q.Parents = rl.parents
			}
		case rl.byItem:
			listNothing, byItem = true, rl.ids
		}
	}
	if in.Cursor == nil {
		if err := r.db.ResetStage(ctx, o.match, in.Side); err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
	}
	outOfScope, err := r.outOfScopeParents(ctx, o, in.Side)
	if err != nil {
		return res, fmt.Errorf("stages: %s: %w", where, err)
	}
	stager, err := r.db.Stager(ctx, o.match, in.Side)
	if err != nil {
		return res, fmt.Errorf("stages: %s: %w", where, err)
	}
	closeStager := sync.OnceValue(stager.Close)
	var staged int64 // the last row id staged before this call
	if err := r.db.DB().QueryRowContext(ctx, `SELECT coalesce(max(rowid), -1) FROM `+stager.Table()).Scan(&staged); err != nil {
		return res, fmt.Errorf("stages: %s: %w", where, err)
	}
	defer closeStager()
	client := r.clients[in.Side]
	ex := &extraction{r: r, o: o, side: in.Side, mapper: mapper, client: client, outOfScope: outOfScope, res: &res}
	ended := true // the listing ran to its end (not stopped at MaxPages)
	pages := client.List(ctx, in.Object, q)
	if listNothing {
		pages = func(func(connectors.Page, error) bool) {}
	}
	for page, err := range pages {
		if err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		rows, err := ex.page(ctx, page.Records)
		if err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		if err := stager.Append(ctx, rows); err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		res.Pages++
		res.Listed += len(page.Records)
		res.Staged += len(rows)
		r.progress(Progress{Step: "extract", Object: in.Object, Side: in.Side, Pages: res.Pages, Records: res.Staged})
		if in.MaxPages > 0 && res.Pages >= in.MaxPages && page.Next != nil {
			res.Next, ended = page.Next, false
			break
		}
	}
	if len(byItem) > 0 {
		rows, err := ex.byID(ctx, byItem)
		if err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		if err := stager.Append(ctx, rows); err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		res.Listed += len(rows)
		res.Staged += len(rows)
	}
	if ended && !in.Since.IsZero() && in.Side == match.Doc {
		// A changed-since listing does not list a record confirmed for a
		// push that did not change since: read those one by one.
		rows, err := ex.confirmed(ctx)
		if err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		if err := stager.Append(ctx, rows); err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		res.Staged += len(rows)
	}
	if err := closeStager(); err != nil {
		return res, fmt.Errorf("stages: %s: %w", where, err)
	}
	if ended && !in.Since.IsZero() {
		n, err := r.refetch(ctx, ex, q)
		if err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
		res.Refetched, res.Staged = n, res.Staged+n
	}
	// A call in the middle of a listing dedupes only the ids it staged (a
	// window over the whole table per 50-page call made a 1M-record
	// listing quadratic); the end of the listing dedupes the whole table.
	since := staged
	if ended {
		since = -1
	}
	if err := r.dedupe(ctx, o, in.Side, since); err != nil {
		return res, fmt.Errorf("stages: %s: %w", where, err)
	}
	res.Done = ended
	if res.Done {
		if err := r.afterListing(ctx, o, in.Side); err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
	}
	res.Complete = res.Done && in.Since.IsZero() && len(in.Records) == 0
	if res.Done {
		// What derived objects may read instead of listing again (derive.go).
		if err := r.noteListed(ctx, in.Object, in.Side, res.Complete); err != nil {
			return res, fmt.Errorf("stages: %s: %w", where, err)
		}
	}
	r.progress(Progress{Step: "extract", Object: in.Object, Side: in.Side, Pages: res.Pages, Records: res.Staged, Done: res.Done})
	return res, nil
}

// extraction maps the pages of one Extract call.
type extraction struct {
	r          *Run
	o          *object
	side       match.Side
	mapper     *records.Mapper
	client     *connectors.Client
	outOfScope map[string]bool // scope_by parents out of scope on this side
	res        *ExtractResult
}

func (ex *extraction) reject(err error) {
	ex.res.Rejected++
	if len(ex.res.Rejections) < maxRejections {
		ex.res.Rejections = append(ex.res.Rejections, err.Error())
	}
}

// page maps one page of records, fetching sub-resources where needed.
func (ex *extraction) page(ctx context.Context, recs []connectors.Record) ([]match.Row, error) {
	rows := make([]match.Row, 0, len(recs))
	src := make([]int, 0, len(recs)) // rows[i] was mapped from recs[src[i]]
	fetch := ex.mapper.FetchFields()
	var need []int // rows that need their sub-resources
	for j, rec := range recs {
		row, err := ex.mapper.Map(rec, nil)
		if err != nil {
			ex.reject(err)
			continue
		}
		if len(fetch) > 0 && row.ScopeReason == "" && !ex.parentOut(row) {
			need = append(need, len(rows))
		}
		rows = append(rows, match.Row(row))
		src = append(src, j)
	}
	if len(need) == 0 {
		return rows, nil
	}
	// Fetch in parallel; the client bounds requests in flight.
	type fetched struct {
		vals records.Fetched
		err  error
	}
	out := make([]fetched, len(need))
	work := make(chan int)
	var wg sync.WaitGroup
	workers := ex.r.systems[ex.side].RateLimit.Concurrency
	if workers <= 0 {
		workers = 4
	}
	for range min(workers, len(need)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				i := need[k]
				vals := records.Fetched{}
				for _, f := range fetch {
					v, err := ex.client.Fetch(ctx, ex.o.spec.Object, f.Name, rows[i].ID)
					if err != nil {
						out[k].err = fmt.Errorf("record %s: %w", rows[i].ID, err)
						break
					}
					vals[f.Name] = v
				}
				out[k].vals = vals
			}
		}()
	}
	for k := range need {
		select {
		case work <- k:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for k, i := range need {
		if out[k].err != nil {
			return nil, out[k].err
		}
		ex.res.Fetches += len(fetch)
		row, err := ex.mapper.Map(recs[src[i]], out[k].vals)
		if err != nil {
			return nil, err
		}
		rows[i] = match.Row(row)
	}
	return rows, nil
}

// parentOut reports whether a row's scope_by parent is out of scope.
func (ex *extraction) parentOut(row records.Row) bool {
	f := ex.o.spec.Match.ScopeBy
	if f == "" || len(ex.outOfScope) == 0 {
		return false
	}
	id, _ := row.Values[f].(string)
	return ex.outOfScope[id]
}

// outOfScopeParents returns the ids of the scope_by parents that are out of
// scope on a side (empty when the object has no staged parent).
func (r *Run) outOfScopeParents(ctx context.Context, o *object, side match.Side) (map[string]bool, error) {
	parent := r.scopeParent(o)
	if parent == nil {
		return nil, nil
	}
	table, err := r.stageTable(ctx, parent, side)
	if err != nil {
		return nil, err
	}
	rows, err := r.db.DB().QueryContext(ctx, `SELECT _id FROM `+table+` WHERE _scope_reason IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("out-of-scope parents: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("out-of-scope parents: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// scopeParent is the object a scope_by field references, when the sync
// stages it (and it is not the object itself).
func (r *Run) scopeParent(o *object) *object {
	f := o.spec.Match.ScopeBy
	if f == "" {
		return nil
	}
	for _, cf := range o.canon.Fields {
		if cf.Name == f && cf.Ref != "" && cf.Ref != o.spec.Object {
			return r.objects[cf.Ref]
		}
	}
	return nil
}

// stageTable returns the quoted staging table of an object's side,
// creating it (empty) if the object was not extracted.
func (r *Run) stageTable(ctx context.Context, o *object, side match.Side) (string, error) {
	st, err := r.db.Stager(ctx, o.match, side)
	if err != nil {
		return "", err
	}
	name := st.Table()
	if err := st.Close(); err != nil {
		return "", err
	}
	return name, nil
}

// dedupe keeps one row per record id: the last one staged. since >= 0
// limits it to the ids of the rows staged after row id since.
func (r *Run) dedupe(ctx context.Context, o *object, side match.Side, since int64) error {
	table, err := r.stageTable(ctx, o, side)
	if err != nil {
		return err
	}
	from := table
	if since >= 0 {
		from = `(SELECT x.rowid, x._id FROM ` + table + ` x SEMI JOIN (SELECT _id FROM ` + table + ` WHERE rowid > ` +
			strconv.FormatInt(since, 10) + `) c ON c._id = x._id)`
	}
	_, err = r.db.DB().ExecContext(ctx, `DELETE FROM `+table+` WHERE rowid IN (
		SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY _id ORDER BY rowid DESC) AS n FROM `+from+`) WHERE n > 1)`)
	if err != nil {
		return fmt.Errorf("dedupe staged records: %w", err)
	}
	return nil
}

// afterListing runs once a side of an object is fully staged.
func (r *Run) afterListing(ctx context.Context, o *object, side match.Side) error {
	return errors.Join(r.inheritScope(ctx, o, side), r.resolveFlags(ctx, o, side))
}
