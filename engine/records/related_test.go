package records_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"mapsync/engine/plan"
	. "mapsync/engine/records"
)

// rowSource serves whole lookup rows (RelatedSource) besides label
// tables, counting how often each lookup is read.
type rowSource struct {
	memLookups
	mu    sync.Mutex
	rows  map[string][]map[string]any
	reads map[string]int
}

func (s *rowSource) LookupRows(_ context.Context, name string) ([]map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reads == nil {
		s.reads = map[string]int{}
	}
	s.reads[name]++
	return s.rows[name], nil
}

func products() *rowSource {
	return &rowSource{rows: map[string][]map[string]any{"product": {
		{"id": float64(7), "name": "Widget Server", "manufacturerName": "Acme", "manufacturerProductName": "W-100"},
		{"id": float64(8), "name": "Widget Switch", "manufacturerName": "Acme", "manufacturerProductName": "S-24"},
		{"id": float64(9), "name": "Other Server", "manufacturerName": "Other", "manufacturerProductName": "W-100"},
	}}}
}

// relatedSpec is a PSA whose configuration items hold a product id: the
// manufacturer and model are the product's, the name is the item's
// reference title, else the product's name.
func relatedSpec(missing string) Spec {
	ct := plan.CanonicalType{Name: "configuration", Fields: []plan.CanonicalField{
		{Name: "organization", Type: plan.TypeRef, Ref: "organization"},
		{Name: "name", Type: plan.TypeString},
		{Name: "manufacturer", Type: plan.TypeString},
		{Name: "model", Type: plan.TypeString},
	}}
	obj := plan.Object{Name: "configuration", ListPath: "/items", ID: "id", Write: plan.WritePartialPatch, Fields: []plan.Field{
		{Name: "organization", Path: "companyID", Ref: "organization", Access: plan.FieldBoth, RequiredOnCreate: true},
		{Name: "name", Path: "referenceTitle", Access: plan.FieldBoth,
			ToCanonical: "coalesce(value, related('product', record.productID)?.name)"},
		{Name: "manufacturer", Path: "productID", Lookup: "product", LookupLabel: "manufacturerName", Access: plan.FieldBoth, RequiredOnCreate: true},
		{Name: "model", Path: "productID", Lookup: "product", LookupLabel: "manufacturerProductName", Access: plan.FieldBoth, RequiredOnCreate: true},
	}}
	sys := plan.System{Name: "psa", Role: plan.RolePSA, Objects: []plan.Object{obj},
		Lookups: []plan.Lookup{{Name: "product", Path: "/products", ID: "id", Label: "name", Missing: missing, Reason: "no such product"}}}
	return Spec{System: sys, Object: "configuration", Canonical: ct}
}

func TestReadThroughRelated(t *testing.T) {
	ctx := context.Background()
	m, err := New(relatedSpec(plan.MissingSkip))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.RelatedLookups(); len(got) != 1 || got[0] != "product" {
		t.Fatalf("RelatedLookups = %v", got)
	}
	raw := decode(t, `{"id": 1, "companyID": 5, "productID": 7, "referenceTitle": ""}`)
	row, err := m.Map(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(row.Invalid["manufacturer"], "rows of lookup product were not read") {
		t.Errorf("before the rows are read: %+v", row.Invalid)
	}
	src := products()
	for range 2 {
		if err := m.LoadRelated(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	if src.reads["product"] != 1 {
		t.Errorf("product rows read %d times, want once", src.reads["product"])
	}
	for _, c := range []struct {
		raw                       string
		name, manufacturer, model any
		invalid                   string
	}{
		{`{"id": 1, "productID": 7, "referenceTitle": ""}`, "Widget Server", "Acme", "W-100", ""},
		{`{"id": 2, "productID": "8", "referenceTitle": "Front desk switch"}`, "Front desk switch", "Acme", "S-24", ""},
		{`{"id": 3, "productID": null, "referenceTitle": "Loose"}`, "Loose", nil, nil, ""},
		{`{"id": 4, "productID": 99}`, nil, nil, nil, "no product with id 99 in psa"},
	} {
		row, err := m.Map(decode(t, c.raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		if row.Values["name"] != c.name || row.Values["manufacturer"] != c.manufacturer || row.Values["model"] != c.model {
			t.Errorf("%s: values %v", c.raw, row.Values)
		}
		if got := row.Invalid["manufacturer"]; got != c.invalid {
			t.Errorf("%s: invalid %q, want %q", c.raw, got, c.invalid)
		}
	}
	// What a write returns is read the same way.
	back := m.ReadBack(decode(t, `{"id": 5, "productID": 9, "referenceTitle": null}`), []string{"manufacturer", "model", "name"})
	if back["manufacturer"] != "Other" || back["model"] != "W-100" || back["name"] != "Other Server" {
		t.Errorf("ReadBack = %v", back)
	}
}

func TestWriteThroughRelated(t *testing.T) {
	ctx := context.Background()
	full := map[string]any{"organization": "5", "name": "DC01", "manufacturer": "Acme", "model": "S-24"}
	for _, c := range []struct {
		name    string
		missing string
		ch      Change
		field   any    // productID sent; nil = not sent
		skip    string // part of Skip
		invalid string // field: part of its reason
		omitted string // field omitted
	}{
		{name: "create resolves the composite", missing: plan.MissingSkip,
			ch: Change{Create: true, Fields: full}, field: int64(8)},
		{name: "same model, other manufacturer", missing: plan.MissingSkip,
			ch: Change{Create: true, Fields: with(full, "manufacturer", "Other", "model", "W-100")}, field: int64(9)},
		{name: "no such product: skip with the reason", missing: plan.MissingSkip,
			ch: Change{Create: true, Fields: with(full, "model", "Z-1")}, skip: `no such product (manufacturer "Acme", model "Z-1")`},
		{name: "no such product: error", missing: plan.MissingError,
			ch: Change{Create: true, Fields: with(full, "model", "Z-1")}, invalid: `model:no product with manufacturer "Acme" and model "Z-1" in psa`},
		{name: "no such product: empty", missing: plan.MissingEmpty,
			ch: Change{Fields: map[string]any{"model": "Z-1"}, Record: with(full, "model", "Z-1")}, omitted: "model"},
		{name: "required on create, empty", missing: plan.MissingSkip,
			ch: Change{Create: true, Fields: with(full, "manufacturer", "")}, invalid: "manufacturer:required to create a configuration in psa, but empty"},
		{name: "update of the model alone reads the manufacturer from the record", missing: plan.MissingSkip,
			ch: Change{Fields: map[string]any{"model": "W-100"}, Record: with(full, "model", "W-100")}, field: int64(7)},
		{name: "update without the record", missing: plan.MissingSkip,
			ch: Change{Fields: map[string]any{"model": "W-100"}}, invalid: "manufacturer:whose values the update does not carry"},
		{name: "every value emptied clears the reference", missing: plan.MissingSkip,
			ch: Change{Fields: map[string]any{"model": nil, "manufacturer": nil}}, field: "nil"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(relatedSpec(c.missing))
			if err != nil {
				t.Fatal(err)
			}
			src := products()
			w, err := m.NewWriter(src, WriterOptions{DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			out, err := w.Prepare(ctx, c.ch)
			if err != nil {
				t.Fatal(err)
			}
			got, sent := out.Fields["productID"]
			switch {
			case c.field == "nil":
				if !sent || got != nil {
					t.Errorf("productID = %v (sent %v), want a clear", got, sent)
				}
			case c.field != nil && got != c.field:
				t.Errorf("productID = %#v, want %#v (outcome %+v)", got, c.field, out)
			case c.field == nil && got != nil:
				t.Errorf("productID %v sent", got)
			}
			if c.skip != "" && !strings.Contains(out.Skip, c.skip) {
				t.Errorf("skip %q, want %q", out.Skip, c.skip)
			}
			if c.skip == "" && out.Skip != "" {
				t.Errorf("skipped: %s", out.Skip)
			}
			if c.invalid != "" {
				f, why, _ := strings.Cut(c.invalid, ":")
				if !strings.Contains(out.Invalid[f], why) {
					t.Errorf("invalid %v, want %s: %s", out.Invalid, f, why)
				}
			} else if c.omitted == "" && len(out.Invalid) > 0 {
				t.Errorf("invalid: %v", out.Invalid)
			}
			if c.omitted != "" && out.Omitted[c.omitted] == "" {
				t.Errorf("%s not omitted: %+v", c.omitted, out)
			}
			if src.reads["product"] > 1 {
				t.Errorf("product rows read %d times", src.reads["product"])
			}
		})
	}
	m, err := New(relatedSpec(plan.MissingSkip))
	if err != nil {
		t.Fatal(err)
	}
	w, err := m.NewWriter(products(), WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !w.NeedsRecord([]string{"model"}) {
		t.Error("an update of one field of a composite does not ask for the whole record")
	}
}

func with(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// The runtime refuses what it cannot do with a related lookup; validate
// reports the same problems (records.Check).
func TestCheckRelated(t *testing.T) {
	s := relatedSpec(plan.MissingCreate)
	s.System.Lookups[0].CreateBody = `{"name":"${label}"}`
	probs := Check(s)
	if len(probs) != 2 || probs[0].Place.Attr != "lookup_label" || !strings.Contains(probs[0].Message, `missing = "create"`) {
		t.Errorf("create: %+v", probs)
	}
	s = relatedSpec(plan.MissingSkip)
	s.System.Objects[0].Fields[3].WritePath = "otherProductID"
	probs = Check(s)
	if len(probs) != 1 || probs[0].Place.Field != "model" || !strings.Contains(probs[0].Message, "at one path") {
		t.Errorf("paths: %+v", probs)
	}
	if probs := Check(relatedSpec(plan.MissingSkip)); len(probs) != 0 {
		t.Errorf("a sound spec: %+v", probs)
	}
}

// A required list needs an element and a required reference a linked
// record: a create without them is invalid, naming the fields.
func TestRequiredListsAndRefs(t *testing.T) {
	ct := plan.CanonicalType{Name: "contact", Fields: []plan.CanonicalField{
		{Name: "organization", Type: plan.TypeRef, Ref: "organization"},
		{Name: "first_name", Type: plan.TypeString},
		{Name: "emails", Type: plan.TypeList},
		{Name: "phones", Type: plan.TypeJSON},
	}}
	obj := plan.Object{Name: "contact", ListPath: "/contacts", ID: "id", Write: plan.WriteJSONPatch, Fields: []plan.Field{
		{Name: "organization", Path: "AccountId", Access: plan.FieldBoth, RequiredOnCreate: true},
		{Name: "first_name", Path: "FirstName", Access: plan.FieldBoth, RequiredOnCreate: true},
		{Name: "emails", Path: "Emails", Access: plan.FieldBoth, RequiredOnCreate: true},
		{Name: "phones", Path: "Phones", Access: plan.FieldBoth, RequiredOnCreate: true},
	}}
	m, err := New(Spec{System: plan.System{Name: "psa", Objects: []plan.Object{obj}}, Object: "contact", Canonical: ct})
	if err != nil {
		t.Fatal(err)
	}
	w, err := m.NewWriter(nil, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]any{"organization": "4", "first_name": "Ann", "emails": []any{"ann@example.test"}, "phones": []any{map[string]any{"value": "555"}}}
	out, err := w.Prepare(context.Background(), Change{Create: true, Fields: ok})
	if err != nil || !out.OK() {
		t.Fatalf("a complete contact: %+v, %v", out, err)
	}
	out, err = w.Prepare(context.Background(), Change{Create: true, Fields: with(ok, "emails", []any{}, "phones", nil, "organization", nil, "first_name", "")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"emails", "phones", "organization", "first_name"} {
		if !strings.Contains(out.Invalid[f], "required to create a contact in psa, but empty") {
			t.Errorf("%s: %q", f, out.Invalid[f])
		}
	}
	if out.OK() {
		t.Error("an incomplete create may be sent")
	}
	// An update does not need them.
	out, err = w.Prepare(context.Background(), Change{Fields: map[string]any{"emails": []any{}}})
	if err != nil || !out.OK() {
		t.Errorf("an update emptying a required list: %+v, %v", out, err)
	}
}

func TestRelatedTableFind(t *testing.T) {
	tab := NewRelatedTable(plan.Lookup{Name: "product", ID: "id"}, []map[string]any{
		{"id": float64(1), "m": "Acme", "p": "W-100"},
		{"id": float64(2), "m": "Acme", "p": "W-100"}, // a second row of the same pair: the first wins
		{"id": float64(3), "m": " Acme ", "p": nil},
		{"m": "Acme", "p": "no id"},               // left out
		{"id": float64(1), "m": "Dup", "p": "id"}, // a second row of id 1: left out
	})
	if tab.Len() != 3 {
		t.Errorf("%d rows", tab.Len())
	}
	for _, c := range []struct {
		want map[string]string
		id   string
		ok   bool
	}{
		{map[string]string{"m": "Acme", "p": "W-100"}, "1", true},
		{map[string]string{"m": "Acme", "p": ""}, "3", true},
		{map[string]string{"m": "Acme", "p": "no id"}, "", false},
		{map[string]string{"m": "Dup", "p": "id"}, "", false},
		{map[string]string{"m": "Acme"}, "1", true},
	} {
		id, ok := tab.Find(c.want)
		if id != c.id || ok != c.ok {
			t.Errorf("Find(%v) = %q, %v; want %q, %v", c.want, id, ok, c.id, c.ok)
		}
	}
	if tab.Row("3")["m"] != " Acme " || tab.Row(float64(2)) == nil || tab.Row("9") != nil {
		t.Error("rows by id")
	}
}
