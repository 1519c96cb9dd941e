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
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
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
		if f := runRead(spec, r); f != nil {
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

func runRead(spec records.Spec, r *dsl.TestRead) *Failure {
	fail := func(msg, diff string) *Failure {
		return &Failure{Range: r.DeclRange, Case: "read", Message: msg, Diff: diff}
	}
	m, err := records.New(spec)
	if err != nil {
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
	wr, err := m.NewWriter(lk, records.WriterOptions{})
	if err != nil {
		return fail(err.Error(), "")
	}
	create := w.Action == dsl.TestCreate
	ch := records.Change{Create: create, Fields: maps.Clone(w.After)}
	if !create {
		// As Apply prepares an update: the whole record (what the target
		// holds, with the change over it) when the writer needs it.
		whole := maps.Clone(w.Before)
		if whole == nil {
			whole = map[string]any{}
		}
		maps.Copy(whole, w.After)
		split := false
		for child, parent := range wr.Coupled() {
			_, c := w.After[child]
			_, p := w.After[parent]
			split = split || c != p
		}
		if split || wr.NeedsRecord(slices.Collect(maps.Keys(w.After))) {
			ch.Record = whole
		}
	}
	out, err := wr.Prepare(ctx, ch)
	if err != nil {
		return fail("prepare: "+err.Error(), "")
	}
	expectsSend := w.ExpectSkip == "" && w.ExpectInvalid == nil
	if !out.OK() {
		got := notSent(out)
		if expectsSend {
			return fail("the write is not sent", diffText(renderRequest(w.ExpectMethod, w.ExpectPath, w.ExpectBody), got))
		}
		want := wantNotSent(w, out)
		if want != got {
			return fail("the write is not sent for other reasons", diffText(want, got))
		}
		return nil
	}
	if !create && len(out.Fields) == 0 {
		if expectsSend {
			return fail("nothing to send: every changed field is left out ("+omitted(out)+")", "")
		}
		return fail("the write is sent (empty), not left out", "")
	}
	method, path, body, err := send(ctx, spec.System, spec.Object, w, out.Fields)
	if err != nil {
		return fail(err.Error(), "")
	}
	got := renderRequest(method, path, body)
	if !expectsSend {
		return fail("the write is sent", diffText(wantNotSent(w, out), got))
	}
	if method != w.ExpectMethod || path != w.ExpectPath || !equalJSON(body, w.ExpectBody) {
		msg := "the request differs"
		if n := omitted(out); n != "" {
			msg += " (fields left out: " + n + ")"
		}
		return fail(msg, diffText(renderRequest(w.ExpectMethod, w.ExpectPath, w.ExpectBody), got))
	}
	return nil
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

// send hands the prepared fields to the system's connector and returns the
// request it sends.
func send(ctx context.Context, sys plan.System, objName string, w *dsl.TestWrite, fields map[string]any) (string, string, any, error) {
	// The request's target and credentials are not what a test checks:
	// no login, no discovery, a fixed base URL.
	sys.BaseURL = testBase
	sys.Auth = plan.Auth{Scheme: plan.AuthNone}
	sys.Discovery = nil
	sys.TLS = plan.TLS{}
	rec := &recorder{current: envelopeItem(sys.Envelope.Item, w.Current)}
	c, err := connectors.New(sys, placeholders{}, connectors.WithTransport(rec))
	if err != nil {
		return "", "", nil, fmt.Errorf("connector: %w", err)
	}
	defer c.Close()
	var results []connectors.WriteResult
	if w.Action == dsl.TestCreate {
		results = c.Create(ctx, objName, []connectors.WriteRecord{{Key: "test", Fields: fields}})
	} else {
		results = c.Update(ctx, objName, []connectors.Update{{ID: w.ID, Key: "test", Fields: fields, Refs: refs(object(sys, objName), w)}})
	}
	reqs := rec.requests()
	if len(reqs) == 0 {
		msg := "no request was sent"
		if len(results) == 1 && results[0].Message != "" {
			msg = "the connector refuses the write: " + results[0].Message
		}
		return "", "", nil, fmt.Errorf("%s", msg)
	}
	if len(reqs) > 1 {
		return "", "", nil, fmt.Errorf("the connector sent %d requests for one write", len(reqs))
	}
	r := reqs[0]
	var body any
	if len(bytes.TrimSpace(r.body)) > 0 {
		if err := json.Unmarshal(r.body, &body); err != nil {
			return "", "", nil, fmt.Errorf("the request body is not JSON: %v: %s", err, r.body)
		}
	}
	return r.method, r.path, body, nil
}

// refs gives an update's parent ids ({ref:FIELD} in the item path) as a
// run does: the value the target holds (before), else the one written.
func refs(obj *plan.Object, w *dsl.TestWrite) map[string]string {
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
	mu      sync.Mutex
	reqs    []recorded
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
	answer := []byte("{}")
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
}

func stubLookups(sys plan.System, stub map[string]any) (*lookups, error) {
	out := &lookups{sys: sys.Name, tables: map[string]*connectors.LookupTable{}}
	for _, l := range sys.Lookups {
		t := &connectors.LookupTable{}
		entries, _ := stub[l.Name].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(entries)) {
			if l.Parent == "" {
				t.Add(connectors.LookupEntry{ID: idText(entries[k]), Label: k})
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

// sortedNames returns a map's keys, sorted.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
