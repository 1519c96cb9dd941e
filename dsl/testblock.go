package dsl

import (
	"encoding/json"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Test is a mapping test: it checks one object of one system's mapping
// without a server (docs/mapping-language.md, "Mapping tests").
//
//	test "contact phones" {
//	  system  = system.acme_psa
//	  object  = "contact"
//	  lookups = { contact_type = { "Owner" = 3 } }
//	  read  { raw = <<EOT ... EOT  expect = { phones = [...] } }
//	  write { action = "update"  id = "42"  after = { title = "CEO" }
//	          expect_method = "PATCH"  expect_path = "/contacts/42"  expect_body = <<EOT ... EOT }
//	}
//
// Values are plain data: HCL objects and lists, or JSON text (a heredoc).
type Test struct {
	Name   string
	System string
	Object string
	// Lookups stub the system's lookup tables: lookup -> label -> id; for
	// a lookup scoped under a parent lookup, lookup -> parent id -> label -> id.
	Lookups map[string]any
	Reads   []*TestRead
	Writes  []*TestWrite

	DeclRange   hcl.Range
	NameRange   hcl.Range
	SystemRange hcl.Range
	ObjectRange hcl.Range
	LookupKeys  map[string]hcl.Range // lookup name -> its key in lookups
}

// TestRead maps a raw record to canonical values and compares the fields
// listed in Expect (a listed null expects the field read and empty).
type TestRead struct {
	Raw     map[string]any
	Fetched map[string]any // fetch field -> the sub-resource's items, as listed
	Expect  map[string]any
	// ExpectInvalid: field -> a part of the reason its value is rejected.
	ExpectInvalid map[string]string

	DeclRange   hcl.Range
	FieldKeys   map[string]hcl.Range // every field named in expect, expect_invalid
	FetchedKeys map[string]hcl.Range // every field named in fetched
}

// TestWrite prepares a canonical change for the system and compares the
// request the connector would send.
type TestWrite struct {
	Action string // create | update
	ID     string // the record's id (update)
	Before map[string]any
	After  map[string]any
	// Batch, instead of ID, Before and After, is several changes written
	// in one call of the connector (its bulk route, when it has one).
	Batch []TestChange
	// Current is the raw record as the system holds it: what a connector
	// that reads the record before writing it whole (write = "put") gets.
	Current map[string]any

	ExpectMethod string
	ExpectPath   string
	ExpectBody   any
	HasBody      bool
	// ExpectSkip / ExpectInvalid: the write is not sent; a part of the
	// reason (the record is left out) or field -> a part of the reason.
	ExpectSkip    string
	ExpectInvalid map[string]string

	DeclRange  hcl.Range
	ActionRng  hcl.Range
	FieldKeys  map[string]hcl.Range // every field named in before, after, expect_invalid
	ExpectRng  hcl.Range            // the first expect_* attribute, else the block
	hasExpects bool
}

// TestChange is one record of a batch write test.
type TestChange struct {
	ID     string
	Before map[string]any
	After  map[string]any
}

// Changes are the changes a write test writes: its batch, or the one
// change of id, before and after.
func (w *TestWrite) Changes() []TestChange {
	if w.Batch != nil {
		return w.Batch
	}
	return []TestChange{{ID: w.ID, Before: w.Before, After: w.After}}
}

// Test actions.
const (
	TestCreate = "create"
	TestUpdate = "update"
)

var testSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "system", Required: true}, {Name: "object", Required: true}, {Name: "lookups"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "read"}, {Type: "write"}},
}

var testReadSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "raw", Required: true}, {Name: "fetched"}, {Name: "expect"}, {Name: "expect_invalid"},
}}

var testWriteSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "action", Required: true}, {Name: "id"}, {Name: "before"}, {Name: "after"}, {Name: "batch"}, {Name: "current"},
	{Name: "expect_method"}, {Name: "expect_path"}, {Name: "expect_body"}, {Name: "expect_skip"}, {Name: "expect_invalid"},
}}

var testMethods = []string{"POST", "PUT", "PATCH"}

func decodeTestBlock(block *hcl.Block) (*Test, hcl.Diagnostics) {
	t := &Test{Name: block.Labels[0], DeclRange: block.DefRange, NameRange: block.LabelRanges[0],
		SystemRange: block.DefRange, ObjectRange: block.DefRange}
	content, diags := block.Body.Content(testSchema)
	if content == nil {
		return t, diags
	}
	var d hcl.Diagnostics
	if a, ok := content.Attributes["system"]; ok {
		t.SystemRange = a.Expr.Range()
		t.System, d = decodeReference(a, "system")
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["object"]; ok {
		t.ObjectRange = a.Expr.Range()
		t.Object, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := content.Attributes["lookups"]; ok {
		t.Lookups, t.LookupKeys, d = decodeDataObject(a)
		diags = append(diags, d...)
	}
	for _, b := range content.Blocks {
		switch b.Type {
		case "read":
			r, d := decodeTestRead(b)
			diags = append(diags, d...)
			t.Reads = append(t.Reads, r)
		case "write":
			w, d := decodeTestWrite(b)
			diags = append(diags, d...)
			t.Writes = append(t.Writes, w)
		}
	}
	if len(t.Reads)+len(t.Writes) == 0 {
		diags = append(diags, errorAt(block.DefRange, "Empty test",
			"Test %q has no read or write block: it would check nothing.", t.Name))
	}
	return t, diags
}

func decodeTestRead(b *hcl.Block) (*TestRead, hcl.Diagnostics) {
	r := &TestRead{DeclRange: b.DefRange, FieldKeys: map[string]hcl.Range{}, FetchedKeys: map[string]hcl.Range{}}
	content, diags := b.Body.Content(testReadSchema)
	if content == nil {
		return r, diags
	}
	attrs := content.Attributes
	var d hcl.Diagnostics
	var keys map[string]hcl.Range
	if a, ok := attrs["raw"]; ok {
		r.Raw, _, d = decodeDataObject(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["fetched"]; ok {
		r.Fetched, keys, d = decodeDataObject(a)
		diags = append(diags, d...)
		addKeys(r.FetchedKeys, keys)
	}
	if a, ok := attrs["expect"]; ok {
		r.Expect, keys, d = decodeDataObject(a)
		diags = append(diags, d...)
		addKeys(r.FieldKeys, keys)
	}
	if a, ok := attrs["expect_invalid"]; ok {
		r.ExpectInvalid, keys, d = decodeStringMap(a)
		diags = append(diags, d...)
		addKeys(r.FieldKeys, keys)
	}
	if r.Expect == nil && r.ExpectInvalid == nil && !diags.HasErrors() {
		diags = append(diags, errorAt(b.DefRange, "Read test expects nothing",
			"A read block needs expect = { FIELD = value, ... } and/or expect_invalid = { FIELD = \"part of the reason\" }."))
	}
	return r, diags
}

func decodeTestWrite(b *hcl.Block) (*TestWrite, hcl.Diagnostics) {
	w := &TestWrite{DeclRange: b.DefRange, ActionRng: b.DefRange, ExpectRng: b.DefRange, FieldKeys: map[string]hcl.Range{}}
	content, diags := b.Body.Content(testWriteSchema)
	if content == nil {
		return w, diags
	}
	attrs := content.Attributes
	var d hcl.Diagnostics
	var keys map[string]hcl.Range
	if a, ok := attrs["action"]; ok {
		w.ActionRng = a.Expr.Range()
		d = setEnum(&w.Action, a, []string{TestCreate, TestUpdate})
		diags = append(diags, d...)
	}
	if a, ok := attrs["id"]; ok {
		w.ID, d = decodeString(a)
		diags = append(diags, d...)
	}
	for name, dst := range map[string]*map[string]any{"before": &w.Before, "after": &w.After} {
		if a, ok := attrs[name]; ok {
			*dst, keys, d = decodeDataObject(a)
			diags = append(diags, d...)
			addKeys(w.FieldKeys, keys)
		}
	}
	if a, ok := attrs["batch"]; ok {
		w.Batch, d = decodeBatch(a, w.FieldKeys)
		diags = append(diags, d...)
		for _, name := range []string{"id", "before", "after"} {
			if o, ok := attrs[name]; ok {
				diags = append(diags, errorAt(o.NameRange, "Conflicting change",
					"A write test has one change (id, before, after) or a batch of them, not both."))
			}
		}
	} else if _, ok := attrs["after"]; !ok {
		diags = append(diags, errorAt(b.DefRange, "Missing change",
			"A write test needs after = { FIELD = value, ... } (with id and before for an update), or batch = [{ after = {...} }, ...]."))
	}
	if a, ok := attrs["current"]; ok {
		w.Current, _, d = decodeDataObject(a)
		diags = append(diags, d...)
	}
	first := func(a *hcl.Attribute) {
		if !w.hasExpects || a.Range.Start.Byte < w.ExpectRng.Start.Byte {
			w.ExpectRng = a.Range
		}
		w.hasExpects = true
	}
	if a, ok := attrs["expect_method"]; ok {
		first(a)
		d = setEnum(&w.ExpectMethod, a, testMethods)
		diags = append(diags, d...)
	}
	if a, ok := attrs["expect_path"]; ok {
		first(a)
		w.ExpectPath, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["expect_body"]; ok {
		first(a)
		w.HasBody = true
		w.ExpectBody, d = decodeData(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["expect_skip"]; ok {
		first(a)
		w.ExpectSkip, d = decodeString(a)
		diags = append(diags, d...)
	}
	if a, ok := attrs["expect_invalid"]; ok {
		first(a)
		w.ExpectInvalid, keys, d = decodeStringMap(a)
		diags = append(diags, d...)
		addKeys(w.FieldKeys, keys)
	}
	if diags.HasErrors() {
		return w, diags
	}
	sends := w.ExpectMethod != "" || w.ExpectPath != "" || w.HasBody
	switch {
	case !w.hasExpects:
		diags = append(diags, errorAt(b.DefRange, "Write test expects nothing",
			"A write block needs expect_method, expect_path and expect_body (the request), or expect_skip or expect_invalid (no request)."))
	case sends && (w.ExpectSkip != "" || w.ExpectInvalid != nil):
		diags = append(diags, errorAt(w.ExpectRng, "Conflicting expectations",
			"A write is either sent (expect_method, expect_path, expect_body) or not (expect_skip, expect_invalid), not both."))
	case sends && (w.ExpectMethod == "" || w.ExpectPath == "" || !w.HasBody):
		diags = append(diags, errorAt(w.ExpectRng, "Incomplete request expectation",
			"A write that is sent is described whole: expect_method, expect_path and expect_body."))
	}
	if w.Batch != nil && (w.ExpectSkip != "" || w.ExpectInvalid != nil) {
		diags = append(diags, errorAt(w.ExpectRng, "Batch not sent",
			"A batch is a test of the request that writes its records: expect_method, expect_path and expect_body."))
	}
	for _, ch := range w.Changes() {
		if w.Action == TestUpdate && ch.ID == "" {
			diags = append(diags, errorAt(w.ActionRng, "Update without an id",
				"An update test names the record it updates: id = \"...\" (it goes into the item path)."))
			break
		}
	}
	return w, diags
}

// decodeBatch decodes batch = [{ id = "...", before = {...}, after = {...} }, ...].
// The fields of every change are recorded at the batch attribute.
func decodeBatch(a *hcl.Attribute, fieldKeys map[string]hcl.Range) ([]TestChange, hcl.Diagnostics) {
	v, diags := decodeData(a)
	if diags.HasErrors() {
		return nil, diags
	}
	bad := func(format string, args ...any) ([]TestChange, hcl.Diagnostics) {
		return nil, hcl.Diagnostics{errorAt(a.Expr.Range(), "Invalid batch", format, args...)}
	}
	list, ok := v.([]any)
	if !ok || len(list) < 2 {
		return bad("batch is a list of at least two changes: [{ id = \"...\", before = {...}, after = {...} }, ...].")
	}
	out := make([]TestChange, 0, len(list))
	for i, el := range list {
		m, ok := el.(map[string]any)
		if !ok {
			return bad("change %d is not an object.", i+1)
		}
		var ch TestChange
		for k, x := range m {
			switch k {
			case "id":
				s, ok := x.(string)
				if !ok {
					return bad("change %d: id is a string.", i+1)
				}
				ch.ID = s
			case "before", "after":
				obj, ok := x.(map[string]any)
				if !ok {
					return bad("change %d: %s is an object.", i+1, k)
				}
				for f := range obj {
					if _, seen := fieldKeys[f]; !seen {
						fieldKeys[f] = a.Expr.Range()
					}
				}
				if k == "before" {
					ch.Before = obj
				} else {
					ch.After = obj
				}
			default:
				return bad("change %d: unknown key %q (id, before, after).", i+1, k)
			}
		}
		if ch.After == nil {
			return bad("change %d has no after.", i+1)
		}
		out = append(out, ch)
	}
	return out, nil
}

func addKeys(dst, src map[string]hcl.Range) {
	for k, r := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = r
		}
	}
}

// decodeData decodes a static value to plain Go data (as encoding/json
// gives it: map[string]any, []any, float64, string, bool, nil). A string
// holds JSON text (a heredoc), which is parsed.
func decodeData(a *hcl.Attribute) (any, hcl.Diagnostics) {
	val, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return nil, diags
	}
	b, err := ctyjson.SimpleJSONValue{Value: val}.MarshalJSON()
	if err != nil {
		return nil, hcl.Diagnostics{errorAt(a.Expr.Range(), "Invalid test value", "%s: %v.", a.Name, err)}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, hcl.Diagnostics{errorAt(a.Expr.Range(), "Invalid test value", "%s: %v.", a.Name, err)}
	}
	if s, ok := out.(string); ok {
		out = nil
		dec := json.NewDecoder(strings.NewReader(s))
		if err := dec.Decode(&out); err != nil {
			return nil, hcl.Diagnostics{errorAt(a.Expr.Range(), "Invalid JSON",
				"%s is JSON text (a heredoc) or an HCL value; the text does not parse as JSON: %v.", a.Name, err)}
		}
		if dec.More() {
			return nil, hcl.Diagnostics{errorAt(a.Expr.Range(), "Invalid JSON", "%s holds more than one JSON value.", a.Name)}
		}
	}
	return out, nil
}

// decodeDataObject is decodeData for values that must be objects; it also
// returns where each top-level key is written (for an HCL object; the
// attribute's value for JSON text).
func decodeDataObject(a *hcl.Attribute) (map[string]any, map[string]hcl.Range, hcl.Diagnostics) {
	v, diags := decodeData(a)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, hcl.Diagnostics{errorAt(a.Expr.Range(), "Invalid test value", "%s must be an object.", a.Name)}
	}
	ranges := map[string]hcl.Range{}
	for k := range m {
		ranges[k] = a.Expr.Range()
	}
	if oc, ok := a.Expr.(*hclsyntax.ObjectConsExpr); ok {
		for _, item := range oc.Items {
			if k, d := mapKey(item.KeyExpr); !d.HasErrors() {
				ranges[k] = item.KeyExpr.Range()
			}
		}
	}
	return m, ranges, nil
}
