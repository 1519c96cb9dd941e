package connectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mapsync/engine/plan"
)

func (c *Client) pageSize(override int) int { return pageSizeOf(c.sys.Paging, override) }

// pageSizeOf is the page size a paging asks for.
func pageSizeOf(p plan.Paging, override int) int {
	size := p.Size
	if override > 0 {
		size = override
	}
	if size <= 0 {
		size = p.MaxSize
	}
	if p.MaxSize > 0 && size > p.MaxSize {
		size = p.MaxSize
	}
	return size
}

// listRun reads one list (an object or a lookup table).
type listRun struct {
	c        *Client
	op       string
	path     string // the path requested (parents filled in)
	route    string // its template, for counters and logs ("" = path)
	method   string
	bodyTmpl string
	env      *plan.Envelope // the object's or lookup's; nil = the system's
	paging   *plan.Paging   // the object's or lookup's; nil = the system's
	lim      *limiter       // the object's own limiter, nil = none
	filters  *listFilters
	size     int

	watermark time.Time // sort_desc: stop at records not newer than this
	updated   string
	timeFmt   string
}

// pg is the paging of this list.
func (r *listRun) pg() plan.Paging {
	if r.paging != nil {
		return *r.paging
	}
	return r.c.sys.Paging
}

func (r *listRun) iterate(ctx context.Context, resume *Cursor, yield func(Page, error) bool) {
	cur := r.first()
	if resume != nil {
		cur = *resume
	}
	for {
		page, err := r.fetch(ctx, cur)
		if err != nil {
			yield(Page{}, err)
			return
		}
		r.c.stats.add(func(s *Stats) { s.Pages++; s.Records += int64(len(page.Records)) })
		if !yield(page, nil) || page.Next == nil {
			return
		}
		cur = *page.Next
	}
}

func (r *listRun) first() Cursor {
	p := r.pg()
	switch p.Style {
	case plan.PagingPageNumber, plan.PagingBody:
		first := p.FirstPage
		if first == 0 {
			first = 1
		}
		return Cursor{Page: first}
	}
	return Cursor{}
}

func (r *listRun) listMethod() string {
	if r.method == "" {
		return http.MethodGet
	}
	return strings.ToUpper(r.method)
}

// body builds a JSON query body: the declared template, the filter items
// appended to its filter member, and the paging members.
func (r *listRun) body(paging map[string]any) ([]byte, error) {
	m := map[string]any{}
	if r.bodyTmpl != "" {
		if err := json.Unmarshal([]byte(r.bodyTmpl), &m); err != nil {
			return nil, configError(r.op, "list_body: %v", err)
		}
	}
	if len(r.filters.items) > 0 {
		m[bodyFilterMember] = andItems(m[bodyFilterMember], r.filters.items)
	}
	for k, v := range paging {
		if k == "" {
			continue
		}
		if err := setPath(m, k, v); err != nil {
			return nil, configError(r.op, "paging member: %v", err)
		}
	}
	return json.Marshal(m)
}

// request builds the call for the page at cur.
func (r *listRun) request(ctx context.Context, cur Cursor) (call, error) {
	p := r.pg()
	method := r.listMethod()
	q := r.filters.encode()
	paging := map[string]any{}
	cl := call{op: fmt.Sprintf("%s page %d", r.op, cur.Seq+1), route: orDefault(r.route, r.path), env: r.env, lim: r.lim}

	switch p.Style {
	case plan.PagingPageNumber:
		q.Set(orDefault(p.PageParam, "page"), strconv.Itoa(cur.Page))
		if r.size > 0 {
			q.Set(orDefault(p.SizeParam, "pageSize"), strconv.Itoa(r.size))
		}
	case plan.PagingBody:
		paging[orDefault(p.PageParam, "page")] = cur.Page
		if r.size > 0 {
			paging[orDefault(p.SizeParam, "pageSize")] = r.size
		}
		method = http.MethodPost
	case plan.PagingNextURL:
		if cur.URL != "" {
			u, err := r.c.sameOrigin(ctx, cur.URL)
			if err != nil {
				return cl, err
			}
			cl.url = u
			cl.method = orDefault(strings.ToUpper(p.NextMethod), http.MethodGet)
			if cl.method == http.MethodPost {
				b, err := r.body(r.sizeMember())
				if err != nil {
					return cl, err
				}
				cl.body, cl.contentType = b, r.c.sys.ContentType
			}
			return cl, nil
		}
		if method == http.MethodPost {
			paging = r.sizeMember()
		} else if p.SizeParam != "" && r.size > 0 {
			q.Set(p.SizeParam, strconv.Itoa(r.size))
		}
	}
	cl.method = method
	if method == http.MethodPost {
		b, err := r.body(paging)
		if err != nil {
			return cl, err
		}
		cl.body, cl.contentType = b, r.c.sys.ContentType
	} else if len(r.filters.items) > 0 || r.bodyTmpl != "" {
		// A JSON query on a GET travels as one parameter.
		b, err := r.body(nil)
		if err != nil {
			return cl, err
		}
		q.Set(bodyFilterParam, string(b))
	}
	u, err := r.c.url(ctx, r.path, q)
	if err != nil {
		return cl, err
	}
	cl.url = u
	return cl, nil
}

func (r *listRun) sizeMember() map[string]any {
	sp := r.pg().SizeParam
	if sp == "" || r.size <= 0 {
		return nil
	}
	return map[string]any{sp: r.size}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// fetch reads the page at cur and works out where the next one is.
func (r *listRun) fetch(ctx context.Context, cur Cursor) (Page, error) {
	cl, err := r.request(ctx, cur)
	if err != nil {
		return Page{}, err
	}
	parsed, resp, err := r.c.expectJSON(ctx, cl)
	if err != nil {
		return Page{}, err
	}
	protoErr := func(msg string) error {
		return &Error{Op: cl.op, Method: cl.method, Route: cl.route, HTTPStatus: resp.status, Kind: KindProtocol, Message: msg}
	}
	list, err := items(parsed, r.c.envOf(cl).Items)
	if err != nil {
		return Page{}, protoErr(err.Error())
	}
	recs, err := records(list)
	if err != nil {
		return Page{}, protoErr(err.Error())
	}
	page := Page{Number: cur.Seq + 1, Total: -1}
	p := r.pg()
	if p.TotalCount != "" {
		if v, ok := Value(parsed, p.TotalCount); ok {
			if n, ok := toInt(v); ok {
				page.Total = n
			}
		}
	}
	next, err := r.next(ctx, cur, resp, parsed, len(recs), page.Total)
	if err != nil {
		return Page{}, err
	}
	page.Next = next
	if !r.watermark.IsZero() {
		kept := recs[:0]
		reached := false
		for _, rec := range recs {
			if r.newer(rec) {
				kept = append(kept, rec)
			} else {
				reached = true
			}
		}
		page.Watermarked = len(recs) - len(kept)
		recs = kept
		if reached {
			page.Next = nil
		}
	}
	page.Records = recs
	r.c.log.Debug().Str("route", cl.route).Int("page", page.Number).Int("records", len(recs)).Msg("page read")
	return page, nil
}

// newer reports whether a record was updated after the watermark. A record
// without a readable timestamp is kept (reading too much is safe).
func (r *listRun) newer(rec Record) bool {
	v, ok := Value(rec, r.updated)
	s, _ := v.(string)
	if !ok || s == "" {
		return true
	}
	t, ok := parseTime(s, r.c.timeLayout(r.timeFmt))
	if !ok {
		return true
	}
	return t.After(r.watermark)
}

// next decides whether there is a page after cur.
func (r *listRun) next(ctx context.Context, cur Cursor, resp *response, body any, n, total int) (*Cursor, error) {
	p := r.pg()
	seq := cur.Seq + 1
	switch p.Style {
	case plan.PagingPageNumber, plan.PagingBody:
		if n == 0 {
			return nil, nil
		}
		nextPage := &Cursor{Page: cur.Page + 1, Seq: seq}
		first := r.first().Page
		readSoFar := (cur.Page - first + 1) * r.size
		stop := p.Stop
		switch {
		case stop == plan.StopLinkHeader:
			if !hasNextLink(resp.header) {
				return nil, nil
			}
		case stop == plan.StopTotalPages || (stop == "" && p.TotalPages != ""):
			v, ok := Value(body, p.TotalPages)
			tp, isInt := toInt(v)
			if !ok || !isInt {
				// Fall back to the short-page rule rather than guess.
				if r.size > 0 && n < r.size {
					return nil, nil
				}
				return nextPage, nil
			}
			if cur.Page-first+1 >= tp {
				return nil, nil
			}
		case total >= 0 && r.size > 0 && readSoFar >= total:
			return nil, nil
		default: // short page
			if r.size > 0 && n < r.size {
				return nil, nil
			}
		}
		return nextPage, nil
	case plan.PagingNextURL:
		v, ok := Value(body, p.NextURLPath)
		s, _ := v.(string)
		if !ok || s == "" {
			return nil, nil
		}
		if s == cur.URL {
			return nil, &Error{Op: r.op, Kind: KindProtocol, Message: "next page URL repeats the current one"}
		}
		if _, err := r.c.sameOrigin(ctx, s); err != nil {
			return nil, err
		}
		return &Cursor{URL: s, Seq: seq}, nil
	}
	return nil, nil
}

// hasNextLink reports whether a Link header has rel="next" (RFC 8288).
func hasNextLink(h http.Header) bool {
	for _, v := range h.Values("Link") {
		for link := range strings.SplitSeq(v, ",") {
			_, params, ok := strings.Cut(link, ";")
			if !ok {
				continue
			}
			for param := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return true
					}
				}
			}
		}
	}
	return false
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// parseTime reads a timestamp in the declared layout or a common one.
// Timestamps without a zone are UTC.
func parseTime(s, layout string) (time.Time, bool) {
	layouts := []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"}
	if layout != "" {
		layouts = append([]string{layout}, layouts...)
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
