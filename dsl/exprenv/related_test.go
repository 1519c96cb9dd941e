package exprenv

import (
	"reflect"
	"testing"
)

func TestDropExtension(t *testing.T) {
	for in, want := range map[string]string{
		"(555) 010-2030 x12":       "(555) 010-2030",
		"555-010-2030 ext. 7":      "555-010-2030",
		"555-010-2030 Ext 7":       "555-010-2030",
		"555 010 2030 extension 9": "555 010 2030",
		"555-010-2030#44":          "555-010-2030",
		"555-010-2030, x 3":        "555-010-2030",
		" +1 555 010 2030 ":        "+1 555 010 2030",
		"":                         "",
		"Box 12":                   "Box 12", // no extension marker: unchanged
	} {
		if got := DropExtension(in); got != want {
			t.Errorf("DropExtension(%q) = %q, want %q", in, got, want)
		}
	}
}

// related reads a row of a lookup by id in to_canonical; without rows it
// gives nil, and other kinds do not see it.
func TestRelated(t *testing.T) {
	rows := map[string]map[string]any{"7": {"name": "Widget", "manufacturerName": "Acme"}}
	rel := RelatedFunc(func(lookup string, id any) map[string]any {
		if lookup != "product" {
			return nil
		}
		return rows[str(id)]
	})
	src := `coalesce(value, related('product', record.productID)?.name)`
	p := MustCompile(ToCanonical, src, Shape{Result: "string"})
	for _, c := range []struct {
		env  Env
		want any
	}{
		{Env{Value: "Front desk", Record: map[string]any{"productID": float64(7)}, Related: rel}, "Front desk"},
		{Env{Value: "", Record: map[string]any{"productID": float64(7)}, Related: rel}, "Widget"},
		{Env{Value: nil, Record: map[string]any{"productID": float64(8)}, Related: rel}, nil},
		{Env{Value: nil, Record: map[string]any{"productID": float64(7)}}, nil}, // no rows given
	} {
		got, err := p.Run(c.env)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: got %v, %v; want %v", c.env.Value, got, err, c.want)
		}
	}
	if _, err := Compile(FromCanonical, `related('product', value)`, Shape{}); err == nil {
		t.Error("from_canonical sees related")
	}
	if _, err := Compile(ToCanonical, `related('product')`, Shape{}); err == nil {
		t.Error("related with one argument compiles")
	}
}

func TestRelatedCalls(t *testing.T) {
	src := `coalesce(related('product', record.a)?.name, related(record.kind, 1)?.x)`
	got := RelatedCalls(src)
	if len(got) != 2 {
		t.Fatalf("calls = %+v", got)
	}
	if got[0].Lookup != "product" || src[got[0].Offset:got[0].Offset+got[0].Length] != "'product'" {
		t.Errorf("first call %+v", got[0])
	}
	if got[1].Lookup != "" || src[got[1].Offset:got[1].Offset+got[1].Length] != "related" {
		t.Errorf("second call %+v (%q)", got[1], src[got[1].Offset:])
	}
}

// One entry per phone type, the primary one marked, extensions dropped:
// what a to_canonical over the whole record can say.
func TestPhoneEntries(t *testing.T) {
	src := `filter([
  {'type': 'Main', 'value': drop_extension(record.Phone1), 'primary': record.DefaultPhone == 1},
  {'type': 'Mobile', 'value': drop_extension(record.Phone2), 'primary': record.DefaultPhone == 2},
  {'type': 'Fax', 'value': drop_extension(record.Fax), 'primary': false}
], #.value != '')`
	p := MustCompile(ToCanonical, src, Shape{Result: "json"})
	got, err := p.Run(Env{Record: map[string]any{"Phone1": "555-0100 x12", "Phone2": "", "Fax": "555-0199", "DefaultPhone": float64(1)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		map[string]any{"type": "Main", "value": "555-0100", "primary": true},
		map[string]any{"type": "Fax", "value": "555-0199", "primary": false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}
