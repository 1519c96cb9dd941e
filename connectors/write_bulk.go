package connectors

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"mapsync/engine/plan"
)

// batchFallbackStatus: a bulk request refused as a whole with one of these
// is a record-level problem (some record is invalid, or the batch is too
// big), so its records are retried one by one to find out which.
var batchFallbackStatus = map[int]bool{
	http.StatusBadRequest:            true,
	http.StatusConflict:              true,
	http.StatusRequestEntityTooLarge: true,
	http.StatusUnprocessableEntity:   true,
}

// createBulk sends one chunk of creates through a bulk route.
func (c *Client) createBulk(ctx context.Context, obj *plan.Object, route *plan.BulkRoute, path string,
	chunk []int, recs []WriteRecord, results []WriteResult, single func(int)) {
	elements := make([]any, 0, len(chunk))
	for _, i := range chunk {
		el, err := c.createElement(obj, recs[i].Fields)
		if err != nil {
			results[i] = rejected(results[i], "build body: "+err.Error())
			continue
		}
		elements = append(elements, el)
	}
	if len(elements) != len(chunk) {
		// Keep request positions aligned with records: send the good ones alone.
		var ok []int
		for _, i := range chunk {
			if results[i].Status == "" {
				ok = append(ok, i)
			}
		}
		c.parallel(ok, single)
		return
	}
	c.sendBulk(ctx, obj, route, path, chunk, elements, results, single, true)
}

// updateBulk sends one chunk of updates through a bulk route.
func (c *Client) updateBulk(ctx context.Context, obj *plan.Object, route *plan.BulkRoute, path string,
	chunk []int, ups []Update, results []WriteResult, single func(int)) {
	elements := make([]any, 0, len(chunk))
	for _, i := range chunk {
		var (
			el  any
			err error
		)
		if route.Wrap == plan.WrapJSONAPIArray {
			el, err = c.jsonapiResource(obj, ups[i].ID, ups[i].Fields, true)
		} else {
			el, err = c.partialElement(obj, ups[i].ID, ups[i].Fields)
		}
		if err != nil {
			// Rare (conflicting paths); let the single route report it.
			c.parallel(chunk, single)
			return
		}
		elements = append(elements, el)
	}
	c.sendBulk(ctx, obj, route, path, chunk, elements, results, single, false)
}

func (c *Client) sendBulk(ctx context.Context, obj *plan.Object, route *plan.BulkRoute, path string,
	chunk []int, elements []any, results []WriteResult, single func(int), create bool) {
	verb := "update"
	method := http.MethodPatch
	if create {
		verb, method = "create", http.MethodPost
	}
	if route.Method != "" {
		method = strings.ToUpper(route.Method)
	}
	fail := func(err error) {
		for _, i := range chunk {
			results[i] = failResult(results[i], err)
		}
	}
	body, err := wrapBulk(route.Wrap, elements)
	if err != nil {
		fail(configError("bulk "+verb, "build body: %v", err))
		return
	}
	u, err := c.url(ctx, path, nil)
	if err != nil {
		fail(err)
		return
	}
	routeTmpl := orDefault(route.Path, path)
	cl := call{op: fmt.Sprintf("bulk %s %s (%d records)", verb, obj.Name, len(chunk)), method: method,
		route: routeTmpl, url: u, body: body, contentType: c.sys.ContentType, create: create, env: c.objEnvelope(obj), write: true, lim: c.objLimiter(obj)}
	resp, err := c.do(ctx, cl)
	if err != nil {
		fail(err) // ambiguous for creates whose response was lost; failed otherwise
		return
	}
	parsed, perr := decodeBody(resp.body)
	if resp.status < 200 || resp.status >= 300 {
		if batchFallbackStatus[resp.status] || c.retry.reject[resp.status] {
			c.log.Info().Str("route", routeTmpl).Int("status", resp.status).Int("records", len(chunk)).
				Msg("bulk request refused as a whole; sending its records one by one")
			c.parallel(chunk, single)
			return
		}
		fail(c.httpError(cl, resp, parsed))
		return
	}
	if perr != nil || !flagTrue(parsed, c.objEnvelope(obj).Success) {
		if perr == nil && !create {
			c.parallel(chunk, single)
			return
		}
		e := c.httpError(cl, resp, parsed)
		if create {
			e.Kind = KindAmbiguous
			e.Message = "bulk create answered without readable results; look the records up before creating them again: " + e.Message
		}
		fail(e)
		return
	}
	outs, err := c.bulkResults(obj, route, parsed, len(chunk))
	if err != nil {
		if !create {
			// Updates are idempotent: redo them one by one to learn each outcome.
			c.parallel(chunk, single)
			return
		}
		fail(&Error{Op: cl.op, Method: method, Route: routeTmpl, HTTPStatus: resp.status, Kind: KindAmbiguous,
			Message: err.Error() + "; look the records up before creating them again"})
		return
	}
	for k, i := range chunk {
		o := outs[k]
		res := results[i]
		res.HTTPStatus = resp.status
		switch {
		case !o.present:
			if create {
				res.Status, res.Message = StatusAmbiguous, "the bulk response has no result for this record"
			} else {
				res.Status, res.Message = StatusFailed, "the bulk response has no result for this record"
			}
		case o.ok:
			res.Status, res.Record = StatusOK, o.rec
			if o.status != 0 {
				res.HTTPStatus = o.status
			}
			if o.id != "" {
				res.ID = o.id
			} else if create {
				res.Status, res.Message = StatusAmbiguous, "created, but the bulk result carries no id"
			}
		default:
			res.Status = StatusRejected
			if o.status != 0 {
				res.HTTPStatus = o.status
				if c.retry.kindOfStatus(o.status) == KindFailed && !c.retry.reject[o.status] {
					res.Status = StatusFailed
				}
			}
			res.Message = c.red.redact(o.msg)
		}
		results[i] = res
	}
}

type bulkOutcome struct {
	present bool
	ok      bool
	id      string
	rec     Record
	status  int
	msg     string
}

// bulkResults maps a bulk response back to the request's records.
func (c *Client) bulkResults(obj *plan.Object, route *plan.BulkRoute, parsed any, n int) ([]bulkOutcome, error) {
	spec := plan.BulkResults{Path: c.objEnvelope(obj).Items}
	if route.Results != nil {
		spec = *route.Results
	}
	list, err := items(parsed, spec.Path)
	if err != nil {
		return nil, err
	}
	if spec.Index == "" && len(list) != n {
		return nil, fmt.Errorf("the bulk response has %d results for %d records", len(list), n)
	}
	outs := make([]bulkOutcome, n)
	for pos, el := range list {
		idx := pos
		if spec.Index != "" {
			v, ok := Value(el, spec.Index)
			i, isInt := toInt(v)
			if !ok || !isInt || i < 0 || i >= n {
				return nil, fmt.Errorf("bulk result %d has no usable index at %q", pos, spec.Index)
			}
			idx = i
		}
		o := bulkOutcome{present: true}
		if v, ok := Value(el, spec.Status); ok && spec.Status != "" {
			o.status, _ = toInt(v)
		}
		o.ok = flagTrue(el, spec.Success) && (o.status == 0 || (o.status >= 200 && o.status < 300))
		if o.ok {
			if v, ok := Value(el, spec.Item); ok {
				if rec, ok := v.(map[string]any); ok {
					o.rec = rec
					if id, ok := Value(rec, orDefault(obj.ID, "id")); ok {
						o.id = IDString(id)
					}
				}
			}
		} else {
			o.msg = c.errorMessage(el, nil, spec.ErrorMessage)
			if o.msg == "" {
				o.msg = "the system refused this record"
			}
		}
		outs[idx] = o
	}
	return outs, nil
}
