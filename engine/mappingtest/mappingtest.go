// Package mappingtest runs the test blocks of a mapping set (`mapsync
// test`, docs/mapping-language.md "Mapping tests") without a server.
//
// A read case maps a raw record with the engine's own mapper
// (records.Mapper.Map: paths, to_canonical, the canonical types). A write
// case prepares the change with the engine's own writer
// (records.Writer.Prepare: from_canonical, lookups from the test's stub
// tables, create-only and read-only fields, required fields) and hands the
// outcome to the system's real connector (connectors.Client Create or
// Update, over a transport that records the request instead of sending
// it), so the method, path and body compared are those the connector
// builds for a real run. The package lives under engine because records and
// connectors may be imported here (engine/arch_test.go); dsl may not.
package mappingtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"mapsync/connectors"
	"mapsync/dsl"
	"mapsync/dsl/format"
	"mapsync/engine/plan"
	"mapsync/engine/records"
)

// Result is the outcome of one test block.
type Result struct {
	Name     string
	Range    hcl.Range // the test block
	Cases    int       // read and write blocks run
	Failures []Failure
}

// Passed reports whether every case of the test passed.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// Failure is one failing read or write block.
type Failure struct {
	Range   hcl.Range // the read or write block
	Case    string    // "read", "write create", "write update"
	Message string
	Diff    string // unified diff, expected (---) against got (+++); may be empty
}

// Run runs every test block of a loaded mapping set. cfg and p come from
// one engine.LoadDir / LoadFiles without errors.
func Run(ctx context.Context, cfg *dsl.Config, p *plan.Plan) []Result {
	out := make([]Result, 0, len(cfg.Tests))
	for _, t := range cfg.Tests {
		out = append(out, runTest(ctx, p, t))
	}
	return out
}

func runTest(ctx context.Context, p *plan.Plan, t *dsl.Test) Result {
	res := Result{Name: t.Name, Range: t.DeclRange}
	sys, ok := system(p, t.System)
	ct, cok := canonical(p, t.Object)
	if !ok || !cok {
		res.Failures = append(res.Failures, Failure{Range: t.DeclRange, Case: "test",
			Message: fmt.Sprintf("the plan has no system %q or no canonical type %q", t.System, t.Object)})
		return res
	}
	spec := records.Spec{System: sys, Object: t.Object, Canonical: ct}
	for _, r := range t.Reads {
		res.Cases++
		if f := runRead(ctx, spec, t, r); f != nil {
			res.Failures = append(res.Failures, *f)
		}
	}
	for _, w := range t.Writes {
		res.Cases++
		if f := runWrite(ctx, spec, t, w); f != nil {
			res.Failures = append(res.Failures, *f)
		}
	}
	return res
}

func system(p *plan.Plan, name string) (plan.System, bool) {
	for _, s := range p.Systems {
		if s.Name == name {
			return s, true
		}
	}
	return plan.System{}, false
}

func canonical(p *plan.Plan, name string) (plan.CanonicalType, bool) {
	for _, c := range p.Canonical {
		if c.Name == name {
			return c, true
		}
	}
	return plan.CanonicalType{}, false
}

func object(sys plan.System, name string) *plan.Object {
	for i := range sys.Objects {
		if sys.Objects[i].Name == name {
			return &sys.Objects[i]
		}
	}
	return nil
}

// notRead stands for a field the mapper left out of the row (not read
// from records: write-only, a flag, a fetched field without items).
const notRead = "<not read>"

func runRead(ctx context.Context, spec records.Spec, t *dsl.Test, r *dsl.TestRead) *Failure {
	fail := func(msg, diff string) *Failure {
		return &Failure{Range: r.DeclRange, Case: "read", Message: msg, Diff: diff}
	}
	m, err := records.New(spec)
	if err != nil {
		return fail(err.Error(), "")
	}
	lk, err := stubLookups(spec.System, t.Lookups)
	if err != nil {
		return fail(err.Error(), "")
	}
	if err := m.LoadRelated(ctx, lk); err != nil {
		return fail(err.Error(), "")
	}
	obj := object(spec.System, spec.Object)
	var fetched records.Fetched
	for name, items := range r.Fetched {
		list, _ := items.([]any)
		path := ""
		for _, f := range obj.Fields {
			if f.Name == name {
				path = f.Path
			}
		}
		if fetched == nil {
			fetched = records.Fetched{}
		}
		vals := []any{}
		for _, it := range list { // as connectors.Client.Fetch reads each item
			if rec, ok := it.(map[string]any); ok {
				if v, ok := connectors.Value(rec, path); ok {
					vals = append(vals, v)
				}
			}
		}
		fetched[name] = vals
	}
	raw := r.Raw
	if raw == nil {
		raw = map[string]any{}
	}
	row, err := m.Map(raw, fetched)
	if err != nil {
		return fail("the record cannot be mapped: "+err.Error(), "")
	}
	want, got := map[string]any{}, map[string]any{}
	for name, v := range r.Expect {
		want[name] = v
		switch {
		case row.Invalid[name] != "":
			got[name] = "<rejected: " + row.Invalid[name] + ">"
		default:
			if v, ok := row.Values[name]; ok {
				got[name] = v
			} else {
				got[name] = notRead
			}
		}
	}
	for name, part := range r.ExpectInvalid {
		want[name] = "<rejected: ..." + part + "...>"
		reason, bad := row.Invalid[name]
		switch {
		case bad && strings.Contains(reason, part):
			got[name] = want[name]
		case bad:
			got[name] = "<rejected: " + reason + ">"
		default:
			if v, ok := row.Values[name]; ok {
				got[name] = v
			} else {
				got[name] = notRead
			}
		}
	}
	if d := diffJSON(want, got); d != "" {
		return fail("canonical values differ", d)
	}
	return nil
}

func runWrite(ctx context.Context, spec records.Spec, t *dsl.Test, w *dsl.TestWrite) *Failure {
	kase := "write " + w.Action
	fail := func(msg, diff string) *Failure {
		return &Failure{Range: w.DeclRange, Case: kase, Message: msg, Diff: diff}
	}
	m, err := records.New(spec)
	if err != nil {
		return fail(err.Error(), "")
	}
	lk, err := stubLookups(spec.System, t.Lookups)
	if err != nil {
		return fail(err.Error(), "")
	}
	if err := m.LoadRelated(ctx, lk); err != nil {
		return fail(err.Error(), "")
	}
	wr, err := m.NewWriter(lk, records.WriterOptions{})
	if err != nil {
		return fail(err.Error(), "")
	}
	create := w.Action == dsl.TestCreate
	expectsSend := w.ExpectSkip == "" && w.ExpectInvalid == nil
	want := renderRequest(w.ExpectMethod, w.ExpectPath, w.ExpectBody)
	changes := w.Changes()
	var writes []pending
	var omits []string
	for i, c := range changes {
		out, err := wr.Prepare(ctx, change(wr, create, c))
		if err != nil {
			return fail("prepare: "+err.Error(), "")
		}
		which := ""
		if len(changes) > 1 {
			which = fmt.Sprintf(" (change %d)", i+1)
		}
		if !out.OK() {
			got := notSent(out)
			if expectsSend {
				return fail("the write is not sent"+which, diffText(want, got))
			}
			if exp := wantNotSent(w, out); exp != got {
				return fail("the write is not sent for other reasons", diffText(exp, got))
			}
			return nil
		}
		if !create && len(out.Fields) == 0 {
			if expectsSend {
				return fail("nothing to send"+which+": every changed field is left out ("+omitted(out)+")", "")
			}
			return fail("the write is sent (empty), not left out", "")
		}
		if n := omitted(out); n != "" {
			omits = append(omits, n)
		}
		writes = append(writes, pending{change: c, fields: out.Fields})
	}
	reqs, err := send(ctx, spec.System, spec.Object, w.Action, w.Current, writes)
	if err != nil {
		return fail(err.Error(), "")
	}
	var got strings.Builder
	for _, r := range reqs {
		got.WriteString(renderRequest(r.method, r.path, r.body))
	}
	if !expectsSend {
		return fail("the write is sent", diffText(wantNotSent(w, records.Outcome{}), got.String()))
	}
	if len(reqs) != 1 {
		return fail(fmt.Sprintf("the connector sends %d requests for these %d records, not one (does the object declare a bulk route for them?)",
			len(reqs), len(changes)), diffText(want, got.String()))
	}
	r := reqs[0]
	if r.method != w.ExpectMethod || r.path != w.ExpectPath || !equalJSON(r.body, w.ExpectBody) {
		msg := "the request differs"
		if len(omits) > 0 {
			msg += " (fields left out: " + strings.Join(omits, "; ") + ")"
		}
		return fail(msg, diffText(want, got.String()))
	}
	return nil
}

// pending is a prepared change: its write fields, for the connector.
type pending struct {
	change dsl.TestChange
	fields map[string]any
}

// change is the records.Change of one test change, as Apply prepares it:
// for an update, the whole record (what the target holds, with the change
// over it) when the writer needs it.
func change(wr *records.Writer, create bool, c dsl.TestChange) records.Change {
	ch := records.Change{Create: create, Fields: maps.Clone(c.After)}
	if create {
		return ch
	}
	whole := maps.Clone(c.Before)
	if whole == nil {
		whole = map[string]any{}
	}
	maps.Copy(whole, c.After)
	split := false
	for child, parent := range wr.Coupled() {
		_, ch := c.After[child]
		_, p := c.After[parent]
		split = split || ch != p
	}
	if split || wr.NeedsRecord(slices.Collect(maps.Keys(c.After))) {
		ch.Record = whole
	}
	return ch
}

// notSent renders why a write is not sent, one reason a line.
func notSent(out records.Outcome) string {
	var b strings.Builder
	b.WriteString("not sent\n")
	if out.Skip != "" {
		fmt.Fprintf(&b, "skip: %s\n", out.Skip)
	}
	for _, f := range slices.Sorted(maps.Keys(out.Invalid)) {
		fmt.Fprintf(&b, "invalid %s: %s\n", f, out.Invalid[f])
	}
	return b.String()
}

// wantNotSent renders the expected reasons; a reason that contains the
// expected part is shown as got, so only real differences show in a diff.
func wantNotSent(w *dsl.TestWrite, out records.Outcome) string {
	var b strings.Builder
	b.WriteString("not sent\n")
	if w.ExpectSkip != "" {
		if out.Skip != "" && strings.Contains(out.Skip, w.ExpectSkip) {
			fmt.Fprintf(&b, "skip: %s\n", out.Skip)
		} else {
			fmt.Fprintf(&b, "skip: ...%s...\n", w.ExpectSkip)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(w.ExpectInvalid)) {
		if r, ok := out.Invalid[f]; ok && strings.Contains(r, w.ExpectInvalid[f]) {
			fmt.Fprintf(&b, "invalid %s: %s\n", f, r)
		} else {
			fmt.Fprintf(&b, "invalid %s: ...%s...\n", f, w.ExpectInvalid[f])
		}
	}
	return b.String()
}

func omitted(out records.Outcome) string {
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(out.Omitted)) {
		parts = append(parts, f+": "+out.Omitted[f])
	}
	return strings.Join(parts, "; ")
}

// testBase is the base URL the recorded requests go to; paths are compared
// relative to it.
const testBase = "http://mapping-test.invalid"

// sent is one request the connector sent, its body decoded.
type sent struct {
	method, path string
	body         any
}

// send hands the prepared changes to the system's connector, in one call,
// and returns the write requests it sends.
func send(ctx context.Context, sys plan.System, objName, action string, current map[string]any, writes []pending) ([]sent, error) {
	// The request's target and credentials are not what a test checks:
	// no login, no discovery, a fixed base URL.
	sys.BaseURL = testBase
	sys.Auth = plan.Auth{Scheme: plan.AuthNone}
	sys.Discovery = nil
	sys.TLS = plan.TLS{}
	sys.RateLimit.Concurrency = 1 // records written one by one go out in order
	obj := object(sys, objName)
	rec := &recorder{current: envelopeItem(sys.Envelope.Item, current), answer: []byte("{}")}
	if len(writes) > 1 {
		rec.answer = bulkAnswer(sys, obj, action == dsl.TestCreate, len(writes))
	}
	c, err := connectors.New(sys, placeholders{}, connectors.WithTransport(rec))
	if err != nil {
		return nil, fmt.Errorf("connector: %w", err)
	}
	defer c.Close()
	var results []connectors.WriteResult
	if action == dsl.TestCreate {
		recs := make([]connectors.WriteRecord, len(writes))
		for i, p := range writes {
			recs[i] = connectors.WriteRecord{Key: fmt.Sprint(i), Fields: p.fields}
		}
		results = c.Create(ctx, objName, recs)
	} else {
		ups := make([]connectors.Update, len(writes))
		for i, p := range writes {
			ups[i] = connectors.Update{ID: p.change.ID, Key: fmt.Sprint(i), Fields: p.fields, Refs: refs(obj, p.change)}
		}
		results = c.Update(ctx, objName, ups)
	}
	reqs := rec.requests()
	if len(reqs) == 0 {
		msg := "no request was sent"
		for _, r := range results {
			if r.Message != "" {
				msg = "the connector refuses the write: " + r.Message
				break
			}
		}
		return nil, errors.New(msg)
	}
	out := make([]sent, 0, len(reqs))
	for _, r := range reqs {
		var body any
		if len(bytes.TrimSpace(r.body)) > 0 {
			if err := json.Unmarshal(r.body, &body); err != nil {
				return nil, fmt.Errorf("the request body is not JSON: %v: %s", err, r.body)
			}
		}
		out = append(out, sent{method: r.method, path: r.path, body: body})
	}
	return out, nil
}

// refs gives an update's parent ids ({ref:FIELD} in the item path) as a
// run does: the value the target holds (before), else the one written.
func refs(obj *plan.Object, w dsl.TestChange) map[string]string {
	route := obj.UpdatePath
	if route == "" {
		route = obj.ItemPath
	}
	r, err := plan.ParseRoute(route)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, name := range r.Refs() {
		for _, src := range []map[string]any{w.Before, w.After} {
			if v, ok := src[name]; ok && v != nil && out[name] == "" {
				out[name] = fmt.Sprint(v)
			}
		}
	}
	return out
}

// recorder is the HTTP transport of a test: it records each write request
// and answers 200 with an empty JSON object; a GET (the record a "put"
// connector reads before it writes the record whole) is answered with the
// test's current record.
type recorder struct {
	current []byte
	answer  []byte // to writes
	mu      sync.Mutex
	reqs    []recorded
}

// bulkAnswer is a bulk response in which every record succeeded, shaped
// as the object's bulk route reads its results (results block, else the
// envelope's items), so that the connector does not fall back to writing
// the records one by one.
func bulkAnswer(sys plan.System, obj *plan.Object, create bool, n int) []byte {
	var route *plan.BulkRoute
	if obj != nil && obj.Bulk != nil {
		route = obj.Bulk.Update
		if create {
			route = obj.Bulk.Create
		}
	}
	spec := plan.BulkResults{Path: sys.Envelope.Items}
	if route != nil && route.Results != nil {
		spec = *route.Results
	}
	idPath := "id"
	if obj != nil && obj.ID != "" {
		idPath = obj.ID
	}
	els := make([]any, n)
	for i := range els {
		rec := map[string]any{}
		setDotted(rec, idPath, fmt.Sprint(i+1))
		el := rec
		if spec.Item != "" {
			el = map[string]any{}
			setDotted(el, spec.Item, rec)
		}
		for path, v := range map[string]any{spec.Success: true, spec.Index: i, spec.Status: http.StatusOK} {
			if path != "" {
				setDotted(el, path, v)
			}
		}
		els[i] = el
	}
	var body any = els
	if spec.Path != "" {
		m := map[string]any{}
		setDotted(m, spec.Path, els)
		body = m
	}
	b, _ := json.Marshal(body)
	return b
}

// setDotted sets a value at a dotted path of object keys.
func setDotted(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// envelopeItem is a single-record response body holding rec (nil: an
// empty record) at the envelope's item path.
func envelopeItem(item string, rec map[string]any) []byte {
	var body any = rec
	if rec == nil {
		body = map[string]any{}
	}
	if item != "" {
		parts := strings.Split(item, ".")
		for i := len(parts) - 1; i >= 0; i-- {
			body = map[string]any{parts[i]: body}
		}
	}
	b, _ := json.Marshal(body)
	return b
}

type recorded struct {
	method, path string
	body         []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
		_ = req.Body.Close()
	}
	answer := r.answer
	if req.Method == http.MethodGet {
		answer = r.current
	} else {
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{method: req.Method, path: req.URL.RequestURI(), body: body})
		r.mu.Unlock()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": []string{"application/json"}}, Body: io.NopCloser(bytes.NewReader(answer)),
		Request: req}, nil
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

var varRef = regexp.MustCompile(`\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}`)

// placeholders resolves every variable to its own name: a test needs no
// real value (and sees no secret).
type placeholders struct{}

func (placeholders) Resolve(t plan.Template) (string, error) {
	return varRef.ReplaceAllString(string(t), "$1"), nil
}

// lookups is the stub lookup source of a test: its tables are the test's
// lookups attribute; a label it lacks is missing (the lookup's policy
// applies), and creating one is an error of the test.
type lookups struct {
	sys    string
	tables map[string]*connectors.LookupTable
	rows   map[string][]map[string]any // the rows of lookups read through
}

// LookupRows gives the stubbed rows of a lookup read through a related
// record (lookup_label, related()).
func (l *lookups) LookupRows(_ context.Context, name string) ([]map[string]any, error) {
	return l.rows[name], nil
}

func orID(p string) string {
	if p == "" {
		return "id"
	}
	return p
}

// setPath sets a dotted path in a row, making the objects on the way.
func setPath(row map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := row[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			row[p] = next
		}
		row = next
	}
	row[parts[len(parts)-1]] = v
}

func stubLookups(sys plan.System, stub map[string]any) (*lookups, error) {
	out := &lookups{sys: sys.Name, tables: map[string]*connectors.LookupTable{}, rows: map[string][]map[string]any{}}
	for _, l := range sys.Lookups {
		t := &connectors.LookupTable{}
		if rows, ok := stub[l.Name].([]any); ok {
			// Rows as the route returns them: the table is their id and label.
			for _, r := range rows {
				row, _ := r.(map[string]any)
				id, _ := connectors.Value(row, orID(l.ID))
				label, _ := connectors.Value(row, l.Label)
				t.Add(connectors.LookupEntry{ID: connectors.IDString(id), Label: connectors.IDString(label)})
				out.rows[l.Name] = append(out.rows[l.Name], row)
			}
			out.tables[l.Name] = t
			continue
		}
		entries, _ := stub[l.Name].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(entries)) {
			if l.Parent == "" {
				t.Add(connectors.LookupEntry{ID: idText(entries[k]), Label: k})
				// The row a label -> id stub stands for: its id and label.
				row := map[string]any{}
				setPath(row, orID(l.ID), entries[k])
				setPath(row, l.Label, k)
				out.rows[l.Name] = append(out.rows[l.Name], row)
				continue
			}
			labels, ok := entries[k].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("lookups: %s is scoped under %s: give { PARENT_ID = { LABEL = ID } }", l.Name, l.Parent)
			}
			for _, label := range slices.Sorted(maps.Keys(labels)) {
				t.Add(connectors.LookupEntry{ID: idText(labels[label]), Label: label, Parent: k})
			}
		}
		out.tables[l.Name] = t
	}
	return out, nil
}

func idText(v any) string {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(v)
}

func (l *lookups) Lookup(_ context.Context, name string) (*connectors.LookupTable, error) {
	t, ok := l.tables[name]
	if !ok {
		return nil, fmt.Errorf("system %s has no lookup %q", l.sys, name)
	}
	return t, nil
}

func (l *lookups) CreateLookupValue(_ context.Context, name, label, parent string) (connectors.LookupEntry, error) {
	where := ""
	if parent != "" {
		where = " under " + parent
	}
	return connectors.LookupEntry{}, fmt.Errorf("the write would create %s %q%s (missing = \"create\"): add it to the test's lookups", name, label, where)
}

// renderRequest is a request as the diff shows it: method and path, then
// the body as indented JSON.
func renderRequest(method, path string, body any) string {
	return method + " " + path + "\n" + indentJSON(body)
}

func indentJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("%#v\n", v)
	}
	return string(b) + "\n"
}

// equalJSON compares two JSON values structurally (object key order and
// number spelling do not matter).
func equalJSON(a, b any) bool {
	return reflect.DeepEqual(normal(a), normal(b))
}

func normal(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func diffJSON(want, got any) string {
	if equalJSON(want, got) {
		return ""
	}
	return diffText(indentJSON(normal(want)), indentJSON(normal(got)))
}

func diffText(want, got string) string {
	return format.Diff("expected", "got", []byte(want), []byte(got))
}

// Report prints one line per test (PASS or FAIL with the test block's
// file:line:col) and, under a failing test, each failing case at its
// block's position with the diff of expected against got. It returns the
// number of failed tests.
func Report(w io.Writer, results []Result) int {
	failed := 0
	for _, r := range results {
		if r.Passed() {
			fmt.Fprintf(w, "PASS  %s: test %q (%d %s)\n", pos(r.Range), r.Name, r.Cases, plural(r.Cases))
			continue
		}
		failed++
		fmt.Fprintf(w, "FAIL  %s: test %q\n", pos(r.Range), r.Name)
		for _, f := range r.Failures {
			fmt.Fprintf(w, "    %s: %s: %s\n", pos(f.Range), f.Case, f.Message)
			if f.Diff != "" {
				for _, line := range strings.Split(strings.TrimSuffix(f.Diff, "\n"), "\n") {
					fmt.Fprintf(w, "        %s\n", line)
				}
			}
		}
	}
	return failed
}

func pos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func plural(n int) string {
	if n == 1 {
		return "case"
	}
	return "cases"
}
