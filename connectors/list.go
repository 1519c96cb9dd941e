package connectors

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"

	"mapsync/engine/plan"
)

// ListQuery selects what List reads.
type ListQuery struct {
	// Since, when set, reads only records updated after it: a server-side
	// filter where the object declares changed_since mode "filter", else
	// newest-first reading that stops at the watermark ("sort_desc").
	Since time.Time
	// Until closes the changed-since range of APIs whose date filter is
	// split into windows (changed_since max_window). Zero means the time
	// the extraction started; it is carried in the cursor so a resumed
	// extraction uses the same windows.
	Until time.Time
	// Filters are extra server-side filters in the system's dialect.
	Filters []Filter
	// Query holds extra static query parameters, as the object's own
	// query attribute: the dialect's expression parameter (conditions) is
	// and-ed with the object's (a field's refetch_query).
	Query map[string]string
	// Parents gives, for a list path holding {ref:FIELD}, the ids of the
	// records the ref field FIELD points at whose children are read (one paged series per id). An
	// empty list reads nothing; a missing entry is an error.
	Parents map[string][]string
	// Resume continues an interrupted extraction: pass the Next cursor of
	// the last page that was processed. The other fields must be the same
	// as in the interrupted run.
	Resume *Cursor
	// PageSize overrides the plan's page size (capped at the API maximum).
	PageSize int
	// Prefetch requests the next page while the consumer handles the
	// current one (at most one page ahead, so at most two pages in
	// memory). A consumer that stops early then leaves one request behind.
	Prefetch bool
}

// Cursor locates a page. It is small and JSON-serialisable so a worker can
// heartbeat it.
type Cursor struct {
	Segment int       `json:"segment,omitempty"` // which parent x window series
	Page    int       `json:"page,omitempty"`    // page_number / body styles
	URL     string    `json:"url,omitempty"`     // next_url style
	Seq     int       `json:"seq"`               // pages already read
	Until   time.Time `json:"until,omitzero"`    // end of the changed-since range
}

// Page is one page of records.
type Page struct {
	Records []Record
	Number  int     // 1-based sequence number of this page in the extraction
	Next    *Cursor // where the next page is; nil on the last page
	Total   int     // total records the system reported (this series), -1 if unknown
	// Watermarked counts records dropped because they were not updated
	// after ListQuery.Since (sort_desc mode).
	Watermarked int
}

// segment is one paged request series of a list: one parent (for list
// paths under a parent) and one changed-since window.
type segment struct {
	path     string
	refName  string // the ref field FIELD of {ref:FIELD} filled in path
	parentID string
	from, to time.Time // window of the changed-since filter (to zero = open)
}

// List streams the records of an object page by page. Iteration stops at
// the first error (yielded with a zero Page). Pages are fetched lazily: a
// consumer that stops early makes no further requests.
func (c *Client) List(ctx context.Context, object string, q ListQuery) iter.Seq2[Page, error] {
	return func(yield func(Page, error) bool) {
		obj, err := c.object(object)
		if err != nil {
			yield(Page{}, err)
			return
		}
		if obj.Derived() {
			yield(Page{}, configError("list "+obj.Name, "object %q is derived from %q records: list those", obj.Name, obj.Derive[0].From))
			return
		}
		until := q.Until
		if q.Resume != nil && !q.Resume.Until.IsZero() {
			until = q.Resume.Until
		}
		if until.IsZero() {
			until = c.clock.Now().UTC()
		}
		segs, err := c.segments(obj, q, until)
		if err != nil {
			yield(Page{}, err)
			return
		}
		start := 0
		if q.Resume != nil {
			start = q.Resume.Segment
		}
		seq := 0
		if q.Resume != nil {
			seq = q.Resume.Seq
		}
		// A prefetched page still in flight when the consumer stops is
		// abandoned with this context.
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for si := start; si < len(segs); si++ {
			seg := segs[si]
			lf, err := c.renderFilters(obj, seg.from, seg.to, q.Filters)
			if err != nil {
				yield(Page{}, err)
				return
			}
			if len(q.Query) > 0 {
				d, err := c.dialect()
				if err != nil {
					yield(Page{}, err)
					return
				}
				lf.addQuery(d, q.Query)
			}
			run := &listRun{
				c: c, op: "list " + obj.Name, path: seg.path, route: obj.ListPath, method: obj.ListMethod,
				bodyTmpl: obj.ListBody, env: c.objEnvelope(obj), paging: obj.Paging, lim: c.objLimiter(obj), filters: lf,
				size: pageSizeOf(orSystem(obj.Paging, c.sys.Paging), q.PageSize),
			}
			if cs := obj.ChangedSince; cs != nil && cs.Mode == plan.ChangedSortDesc && !q.Since.IsZero() {
				run.watermark, run.updated, run.timeFmt = q.Since, obj.Updated, cs.Format
			}
			cur := run.first()
			cur.Seq = seq
			if q.Resume != nil && si == start {
				cur = *q.Resume
			}
			ch := fetchPage(pctx, run, cur, false)
			for {
				f := <-ch
				if f.err != nil {
					yield(Page{}, f.err)
					return
				}
				page := f.page
				c.fillParent(obj, seg, page.Records)
				page.Records = c.keepLocal(lf.local, page.Records)
				c.stats.add(func(s *Stats) { s.Pages++; s.Records += int64(len(page.Records)) })
				seq = page.Number
				last := page.Next == nil
				var next Cursor
				switch {
				case !last:
					page.Next.Segment, page.Next.Until = si, until
					next = *page.Next
					if q.Prefetch {
						ch = fetchPage(pctx, run, next, true)
					}
				case si+1 < len(segs):
					first := run.first()
					page.Next = &Cursor{Segment: si + 1, Page: first.Page, Seq: seq, Until: until}
				}
				if !yield(page, nil) {
					return
				}
				if last {
					break
				}
				if !q.Prefetch {
					ch = fetchPage(pctx, run, next, false)
				}
			}
		}
	}
}

type fetched struct {
	page Page
	err  error
}

// fetchPage reads a page, in the background when async.
func fetchPage(ctx context.Context, run *listRun, cur Cursor, async bool) <-chan fetched {
	ch := make(chan fetched, 1)
	get := func() {
		p, err := run.fetch(ctx, cur)
		ch <- fetched{p, err}
	}
	if async {
		go get()
	} else {
		get()
	}
	return ch
}

// segments splits a list into request series: one per parent id when the
// list path is under a parent, times one per changed-since window when the
// filter's range is capped.
func (c *Client) segments(obj *plan.Object, q ListQuery, until time.Time) ([]segment, error) {
	type parent struct{ name, id, path string }
	parents := []parent{{path: obj.ListPath}}
	route, err := plan.ParseRoute(obj.ListPath)
	if err != nil {
		return nil, configError("list "+obj.Name, "%v", err)
	}
	if refs := route.Refs(); len(refs) > 0 {
		if len(refs) > 1 {
			return nil, configError("list "+obj.Name, "list path %s has more than one {ref:...}", obj.ListPath)
		}
		name := refs[0]
		ids, ok := q.Parents[name]
		if !ok {
			return nil, configError("list "+obj.Name, "list path %s needs the ids of its %s records (ListQuery.Parents[%q])", obj.ListPath, name, name)
		}
		parents = parents[:0]
		for _, id := range ids {
			path, err := route.Fill(plan.RouteValues{Ref: func(string) (string, bool) { return id, true }})
			if err != nil {
				return nil, configError("list "+obj.Name, "%v", err)
			}
			parents = append(parents, parent{name: name, id: id, path: path})
		}
	}
	type window struct{ from, to time.Time }
	windows := []window{{from: q.Since, to: until}}
	if cs := obj.ChangedSince; cs != nil && cs.Mode == plan.ChangedFilter && cs.MaxWindow > 0 && !q.Since.IsZero() {
		step := time.Duration(cs.MaxWindow) * time.Second
		windows = windows[:0]
		for from := q.Since; ; from = from.Add(step) {
			to := from.Add(step)
			if !to.Before(until) {
				windows = append(windows, window{from, until})
				break
			}
			windows = append(windows, window{from, to})
		}
	}
	segs := make([]segment, 0, len(parents)*len(windows))
	for _, p := range parents {
		for _, w := range windows {
			segs = append(segs, segment{path: p.path, refName: p.name, parentID: p.id, from: w.from, to: w.to})
		}
	}
	return segs, nil
}

// fillParent sets the parent reference on records read under a parent when
// the payload does not carry it.
func (c *Client) fillParent(obj *plan.Object, seg segment, recs []Record) {
	if seg.refName == "" {
		return
	}
	for _, f := range obj.Fields {
		if f.Name != seg.refName || f.Ref == "" || f.Path == "" {
			continue
		}
		for _, rec := range recs {
			if v, ok := Value(rec, f.Path); !ok || v == nil {
				_ = setPath(rec, f.Path, jsonID(seg.parentID))
			}
		}
	}
}

// jsonID is an id as a decoded JSON value: a number when it is one.
func jsonID(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && strconv.FormatInt(n, 10) == id && n < 1<<53 {
		return float64(n)
	}
	return id
}

// Fetch reads a field's sub-resource for one record (plan.Field.Fetch,
// e.g. the configurations linked to a ticket), all pages, and returns the
// value at the field's path in each item.
func (c *Client) Fetch(ctx context.Context, object, field, id string) ([]any, error) {
	obj, err := c.object(object)
	if err != nil {
		return nil, err
	}
	var f *plan.Field
	for i := range obj.Fields {
		if obj.Fields[i].Name == field {
			f = &obj.Fields[i]
		}
	}
	if f == nil || f.Fetch == "" {
		return nil, configError("fetch", "object %q has no fetched field %q", obj.Name, field)
	}
	path, err := fillRoute(f.Fetch, id, "", obj, WriteRecord{})
	if err != nil {
		return nil, configError("fetch", "%v", err)
	}
	run := &listRun{c: c, op: fmt.Sprintf("fetch %s.%s of %s", obj.Name, field, id), path: path,
		route: f.Fetch, env: c.objEnvelope(obj), filters: emptyFilters(), size: c.pageSize(0)}
	var out []any
	var failed error
	run.iterate(ctx, nil, func(p Page, err error) bool {
		if err != nil {
			failed = err
			return false
		}
		for _, rec := range p.Records {
			if v, ok := Value(rec, f.Path); ok {
				out = append(out, v)
			}
		}
		return true
	})
	return out, failed
}

func emptyFilters() *listFilters {
	return &listFilters{params: url.Values{}, fragments: map[string][]string{}}
}
