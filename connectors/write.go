package connectors

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"mapsync/engine/plan"
)

// WriteRecord is one record to create.
type WriteRecord struct {
	Key string `json:"key,omitempty"` // the caller's key, echoed in the result
	// Fields maps write paths (as the system names them, e.g. "type.id",
	// "organization-id") to values.
	Fields map[string]any `json:"fields"`
	// Refs gives the ids used by {ref:NAME} in create paths. When absent,
	// the value of the field whose ref is NAME is used.
	Refs map[string]string `json:"refs,omitempty"`
}

// Update is a partial update of one record.
type Update struct {
	ID     string         `json:"id"`
	Key    string         `json:"key,omitempty"`
	Fields map[string]any `json:"fields"` // write path -> new value (nil clears)
	// Refs gives the parents' ids for item paths under a parent
	// ({ref:NAME}); when absent, the ref field's value in Fields is used.
	Refs map[string]string `json:"refs,omitempty"`
}

// Create creates records, one WriteResult per record in input order. Bulk
// routes are used where the object declares them.
func (c *Client) Create(ctx context.Context, object string, recs []WriteRecord) []WriteResult {
	results := make([]WriteResult, len(recs))
	for i, r := range recs {
		results[i] = WriteResult{Index: i, Key: r.Key}
	}
	obj, err := c.writable(object)
	if err != nil {
		return rejectAll(results, err)
	}
	// Group by resolved create path (a nested route per parent), keeping order.
	type group struct {
		path, bulkPath string
		idx            []int
	}
	var groups []*group
	byPath := map[string]*group{}
	createRoute := obj.CreateShape().Path
	var bulk *plan.BulkRoute
	if obj.Bulk != nil {
		bulk = obj.Bulk.Create
	}
	for i, r := range recs {
		if msg := c.checkFields(obj, r.Fields, true); msg != "" {
			results[i] = rejected(results[i], msg)
			continue
		}
		path, err := fillRefs(createRoute, obj, r)
		if err != nil {
			results[i] = rejected(results[i], err.Error())
			continue
		}
		bulkPath := ""
		if bulk != nil {
			if bulkPath, err = fillRefs(orDefault(bulk.Path, createRoute), obj, r); err != nil {
				results[i] = rejected(results[i], err.Error())
				continue
			}
		}
		g, ok := byPath[path+"\x00"+bulkPath]
		if !ok {
			g = &group{path: path, bulkPath: bulkPath}
			byPath[path+"\x00"+bulkPath] = g
			groups = append(groups, g)
		}
		g.idx = append(g.idx, i)
	}
	single := func(path string) func(i int) {
		return func(i int) { results[i] = c.createOne(ctx, obj, createRoute, path, recs[i].Fields, results[i]) }
	}
	for _, g := range groups {
		if bulk == nil || len(g.idx) == 1 {
			c.parallel(g.idx, single(g.path))
			continue
		}
		for _, chunk := range chunks(g.idx, bulk.Max) {
			c.createBulk(ctx, obj, bulk, g.bulkPath, chunk, recs, results, single(g.path))
		}
	}
	return results
}

// Update applies partial updates, one WriteResult per update in input order.
func (c *Client) Update(ctx context.Context, object string, ups []Update) []WriteResult {
	results := make([]WriteResult, len(ups))
	for i, u := range ups {
		results[i] = WriteResult{Index: i, Key: u.Key, ID: u.ID}
	}
	obj, err := c.writable(object)
	if err != nil {
		return rejectAll(results, err)
	}
	ups = slices.Clone(ups)
	var todo []int
	for i, u := range ups {
		if u.ID == "" {
			results[i] = rejected(results[i], "update without an id")
			continue
		}
		if msg := c.checkFields(obj, u.Fields, false); msg != "" {
			results[i] = rejected(results[i], msg)
			continue
		}
		ups[i].Fields = c.withoutCreateOnly(obj, u.Fields)
		if len(ups[i].Fields) == 0 {
			results[i].Status = StatusOK // nothing to change
			continue
		}
		todo = append(todo, i)
	}
	single := func(i int) { results[i] = c.updateOne(ctx, obj, ups[i], results[i]) }
	bulk := c.bulkUpdateRoute(obj)
	if bulk == nil || len(todo) <= 1 {
		c.parallel(todo, single)
		return results
	}
	// Group by resolved bulk path (a route under a parent), keeping order.
	groups := map[string][]int{}
	var order []string
	for _, i := range todo {
		path, err := fillRefs(orDefault(bulk.Path, orDefault(obj.UpdatePath, obj.ListPath)), obj,
			WriteRecord{Fields: ups[i].Fields, Refs: ups[i].Refs})
		if err != nil {
			results[i] = rejected(results[i], err.Error())
			continue
		}
		if _, ok := groups[path]; !ok {
			order = append(order, path)
		}
		groups[path] = append(groups[path], i)
	}
	for _, path := range order {
		for _, chunk := range chunks(groups[path], bulk.Max) {
			if len(chunk) == 1 {
				c.parallel(chunk, single)
				continue
			}
			c.updateBulk(ctx, obj, bulk, path, chunk, ups, results, single)
		}
	}
	return results
}

// bulkUpdateRoute returns the object's bulk update route, unless it is a
// PUT: a PUT replaces whole records, and updates carry only the changed
// fields, so such a route would erase the rest; updates then go one by
// one in the object's write format.
func (c *Client) bulkUpdateRoute(obj *plan.Object) *plan.BulkRoute {
	if obj.Bulk == nil || obj.Bulk.Update == nil {
		return nil
	}
	if strings.EqualFold(obj.Bulk.Update.Method, http.MethodPut) {
		c.putBulkOnce.Do(func() {
			c.log.Warn().Str("object", obj.Name).Msg("bulk update route is a PUT (full replace); partial updates are sent one by one instead")
		})
		return nil
	}
	return obj.Bulk.Update
}

// withoutCreateOnly drops fields that are only sent on create.
func (c *Client) withoutCreateOnly(obj *plan.Object, fields map[string]any) map[string]any {
	createOnly := map[string]bool{}
	for _, f := range obj.Fields {
		if f.CreateOnly {
			createOnly[orDefault(f.WritePath, f.Path)] = true
		}
	}
	if len(createOnly) == 0 {
		return fields
	}
	out := make(map[string]any, len(fields))
	for p, v := range fields {
		if !createOnly[p] {
			out[p] = v
		}
	}
	return out
}

// Delete deletes records by id. A record that is already gone (404/410)
// counts as deleted.
func (c *Client) Delete(ctx context.Context, object string, ids []string) []WriteResult {
	refs := make([]RecordRef, len(ids))
	for i, id := range ids {
		refs[i] = RecordRef{ID: id}
	}
	return c.DeleteRecords(ctx, object, refs)
}

// DeleteRecords deletes records whose item paths may be under a parent.
func (c *Client) DeleteRecords(ctx context.Context, object string, refs []RecordRef) []WriteResult {
	results := make([]WriteResult, len(refs))
	for i, r := range refs {
		results[i] = WriteResult{Index: i, ID: r.ID}
	}
	obj, err := c.writable(object)
	if err != nil {
		return rejectAll(results, err)
	}
	route := orDefault(obj.DeletePath, itemRoute(obj))
	idx := make([]int, len(refs))
	for i := range refs {
		idx[i] = i
	}
	c.parallel(idx, func(i int) {
		res := results[i]
		path, err := fillRoute(route, refs[i].ID, "", obj, WriteRecord{Refs: refs[i].Refs})
		if err != nil {
			results[i] = rejected(res, err.Error())
			return
		}
		u, err := c.url(ctx, path, nil)
		if err != nil {
			results[i] = failResult(res, err)
			return
		}
		cl := call{op: "delete " + obj.Name + " " + refs[i].ID, method: http.MethodDelete, route: route, url: u, env: c.objEnvelope(obj), write: true, lim: c.objLimiter(obj)}
		resp, err := c.do(ctx, cl)
		if err != nil {
			results[i] = failResult(res, err)
			return
		}
		res.HTTPStatus = resp.status
		switch {
		case resp.status == http.StatusNotFound || resp.status == http.StatusGone:
			res.Status, res.Message = StatusOK, "already deleted"
		case resp.status >= 200 && resp.status < 300:
			parsed, _ := decodeBody(resp.body)
			if !flagTrue(parsed, cl.env.Success) {
				results[i] = failResult(res, c.httpError(cl, resp, parsed))
				return
			}
			res.Status = StatusOK
		default:
			parsed, _ := decodeBody(resp.body)
			results[i] = failResult(res, c.httpError(cl, resp, parsed))
			return
		}
		results[i] = res
	})
	return results
}

func (c *Client) writable(object string) (*plan.Object, error) {
	obj, err := c.object(object)
	if err != nil {
		return nil, err
	}
	if !obj.Writable() {
		return nil, configError("write", "object %q of system %q is read-only", obj.Name, c.sys.Name)
	}
	return obj, nil
}

func rejectAll(results []WriteResult, err error) []WriteResult {
	for i := range results {
		results[i] = failResult(results[i], err)
	}
	return results
}

func rejected(r WriteResult, msg string) WriteResult {
	r.Status, r.Message = StatusRejected, msg
	return r
}

// checkFields refuses writes to fields the mapping declares read-only and,
// for creates, records missing a field required on create.
func (c *Client) checkFields(obj *plan.Object, fields map[string]any, create bool) string {
	writable := map[string]bool{}
	readOnly := map[string]bool{}
	for _, f := range obj.Fields {
		p := orDefault(f.WritePath, f.Path)
		if f.Access == plan.FieldRead {
			readOnly[p] = true
		} else {
			writable[p] = true
		}
	}
	for p := range fields {
		if readOnly[p] && !writable[p] {
			return fmt.Sprintf("field %s is read-only in %s", p, c.sys.Name)
		}
	}
	if create {
		for _, f := range obj.Fields {
			p := orDefault(f.WritePath, f.Path)
			if v, ok := fields[p]; f.RequiredOnCreate && (!ok || v == nil || v == "") {
				return fmt.Sprintf("field %s (%s) is required to create a %s", f.Name, p, obj.Name)
			}
		}
	}
	return ""
}

// fillRefs fills {ref:FIELD} in a collection route (create, bulk) with the
// parent's id.
func fillRefs(route string, obj *plan.Object, r WriteRecord) (string, error) {
	return fillRoute(route, "", "", obj, r)
}

// parallel runs f for each index with at most the system's concurrency.
func (c *Client) parallel(idx []int, f func(i int)) {
	if len(idx) == 0 {
		return
	}
	sem := make(chan struct{}, cap(c.lim.sem))
	var wg sync.WaitGroup
	for _, i := range idx {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}

func chunks(idx []int, size int) [][]int {
	if size <= 0 {
		size = 100
	}
	var out [][]int
	for len(idx) > 0 {
		n := min(size, len(idx))
		out = append(out, idx[:n])
		idx = idx[n:]
	}
	return out
}
