package exprenv

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

var configShape = Shape{
	Record: map[string]string{
		"name":                 plan.TypeString,
		"configuration_type":   plan.TypeString,
		"configuration_status": plan.TypeString,
		"installed_at":         plan.TypeDate,
		"organization":         plan.TypeRef,
		"tags":                 plan.TypeList,
	},
	Settings: map[string]any{
		"configuration_types":    []any{"Managed Server", "Firewall"},
		"configuration_statuses": []any{"Active"},
		"contacts":               true,
	},
}

const macRule = `value == nil || trim(value) == '' ? nil : (len(value) > 17 || !is_mac(value) ? reject('not a single MAC address') : mac(value))`

func TestHelpers(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		src  string
		env  Env
		want any
	}{
		{"is_mac colon", ToCanonical, `is_mac(value)`, Env{Value: "00:1a:2B:3c:4d:5e"}, true},
		{"is_mac dash", ToCanonical, `is_mac(value)`, Env{Value: "00-1A-2B-3C-4D-5E"}, true},
		{"is_mac cisco", ToCanonical, `is_mac(value)`, Env{Value: "001a.2b3c.4d5e"}, true},
		{"is_mac bare", ToCanonical, `is_mac(value)`, Env{Value: "001A2B3C4D5E"}, true},
		{"is_mac two macs", ToCanonical, `is_mac(value)`, Env{Value: "00:1A:2B:3C:4D:5E,00:1A:2B:3C:4D:5F"}, false},
		{"is_mac mixed separators", ToCanonical, `is_mac(value)`, Env{Value: "00:1A-2B:3C:4D:5E"}, false},
		{"is_mac non hex", ToCanonical, `is_mac(value)`, Env{Value: "00:1A:2B:3C:4D:5G"}, false},
		{"is_mac nil", ToCanonical, `is_mac(value)`, Env{}, false},
		{"is_mac number", ToCanonical, `is_mac(value)`, Env{Value: 12}, false},
		{"mac normalises", ToCanonical, `mac(value)`, Env{Value: " 001a.2b3c.4d5e "}, "00:1A:2B:3C:4D:5E"},
		{"mac nil", ToCanonical, `mac(value)`, Env{}, nil},
		{"macs", ToCanonical, `macs(value)`, Env{Value: "00:1a:2b:3c:4d:5e; junk, 001A2B3C4D5F"}, []string{"00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5F"}},
		{"mac rule single", ToCanonical, macRule, Env{Value: "00-1a-2b-3c-4d-5e"}, "00:1A:2B:3C:4D:5E"},
		{"mac rule empty", ToCanonical, macRule, Env{Value: " "}, nil},
		{"mac rule too long", ToCanonical, macRule, Env{Value: "00:1A:2B:3C:4D:5E "}, Rejection{Reason: "not a single MAC address"}},
		{"mac rule two macs", ToCanonical, macRule, Env{Value: "001A2B3C4D5E 001A2B3C4D5F"}, Rejection{Reason: "not a single MAC address"}},
		{"trim", ToCanonical, `trim(value)`, Env{Value: "  a b \t"}, "a b"},
		{"trim nil", ToCanonical, `trim(value)`, Env{}, ""},
		{"lower", ToCanonical, `lower(value)`, Env{Value: "ÄBC"}, "äbc"},
		{"upper", ToCanonical, `upper(value)`, Env{Value: "abc"}, "ABC"},
		{"digits", ToCanonical, `digits(value)`, Env{Value: "+1 (555) 010-2030"}, "15550102030"},
		{"digits number", ToCanonical, `digits(value)`, Env{Value: float64(42)}, "42"},
		{"coalesce", ToCanonical, `coalesce(nil, '', record.b, 'x')`, Env{Record: map[string]any{"b": "B"}}, "B"},
		{"coalesce none", ToCanonical, `coalesce(nil, '')`, Env{}, nil},
		{"join", ToCanonical, `join(value, ', ')`, Env{Value: []any{"a", "", "b", nil}}, "a, b"},
		{"split", ToCanonical, `split(value, ',')`, Env{Value: "a, b,,c "}, []string{"a", "b", "c"}},
		{"date rfc3339", ToCanonical, `date(value)`, Env{Value: "2024-03-05T23:30:00-02:00"}, "2024-03-06"},
		{"date plain", ToCanonical, `date(value)`, Env{Value: "2024-03-05"}, "2024-03-05"},
		{"date us", ToCanonical, `date(value)`, Env{Value: "03/05/2024"}, "2024-03-05"},
		{"date nil", ToCanonical, `date(value)`, Env{Value: ""}, nil},
		{"datetime", ToCanonical, `datetime(value)`, Env{Value: "2024-03-05"}, "2024-03-05T00:00:00Z"},
		{"datetime time", ToCanonical, `datetime(value)`, Env{Value: time.Date(2024, 3, 5, 1, 2, 3, 0, time.FixedZone("x", 3600))}, "2024-03-05T00:02:03Z"},
		{"date_format", ToCanonical, `date_format(value, '02.01.2006')`, Env{Value: "2024-03-05T10:00:00Z"}, "05.03.2024"},
		{"date_parse", ToCanonical, `date_parse(value, '02.01.2006')`, Env{Value: "05.03.2024"}, "2024-03-05T00:00:00Z"},
		{"reject", ToCanonical, `reject('bad ' + value)`, Env{Value: "x"}, Rejection{Reason: "bad x"}},
		{"expr builtins still there", ToCanonical, `map(filter(value, .t == 'Email'), .v)`, Env{Value: []any{map[string]any{"t": "Email", "v": "a@b"}, map[string]any{"t": "Phone", "v": "1"}}}, []any{"a@b"}},
		{"scope in settings", Scope, `record.configuration_type in settings.configuration_types && record.configuration_status in settings.configuration_statuses`,
			Env{Record: map[string]any{"configuration_type": "Firewall", "configuration_status": "Active"}, Settings: configShape.Settings}, true},
		{"scope out", Scope, `record.configuration_type in settings.configuration_types`,
			Env{Record: map[string]any{"configuration_type": "Printer"}, Settings: configShape.Settings}, false},
		{"enabled", Enabled, `settings.contacts`, Env{Settings: configShape.Settings}, true},
		{"from canonical sees canonical record", FromCanonical, `record.name + '/' + value`, Env{Value: "v", Record: map[string]any{"name": "n"}}, "n/v"},
		{"derive each", DeriveEach, `filter([record.a, record.b], # != nil)`, Env{Record: map[string]any{"a": map[string]any{"x": 1}}}, []any{map[string]any{"x": 1}}},
		{"derive id", DeriveID, `string(record.id) + '-' + item.kind`, Env{Record: map[string]any{"id": 7}, Item: map[string]any{"kind": "billing"}}, "7-billing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.kind, tt.src, configShape)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			got, err := p.Run(tt.env)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestAsRejection(t *testing.T) {
	p := MustCompile(ToCanonical, `reject('nope')`, Shape{})
	out, err := p.Run(Env{})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := AsRejection(out)
	if !ok || r.Reason != "nope" {
		t.Fatalf("AsRejection(%#v) = %v, %v", out, r, ok)
	}
	if _, ok := AsRejection("nope"); ok {
		t.Fatal("a string is not a rejection")
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		kind    Kind
		src     string
		shape   Shape
		wantMsg string
		wantCol int // 0-based rune column of the error
	}{
		{"syntax", ToCanonical, `is_mac(value) ? mac(value) :`, Shape{}, "unexpected token EOF", 27},
		{"unknown name with hint", ToCanonical, `trim(valeu)`, Shape{}, `unknown name valeu. Did you mean "value"?`, 5},
		{"unknown helper", ToCanonical, `is_macc(value)`, Shape{}, `unknown name is_macc. Did you mean "is_mac"?`, 0},
		{"unknown canonical field", Scope, `record.configuration_tpye == 'x'`, configShape, `unknown field configuration_tpye. Did you mean "configuration_type"?`, 7},
		{"unknown setting", Enabled, `settings.contcts`, configShape, `unknown field contcts. Did you mean "contacts"?`, 9},
		{"scope not bool", Scope, `settings.configuration_types`, configShape, "expected bool", 0},
		{"record of a system is untyped", ToCanonical, `record.anything.at_all`, configShape, "", -1},
		{"enabled has no record", Enabled, `record.name == ''`, configShape, "unknown name record", 0},
		{"wrong arity", ToCanonical, `mac(value, 1)`, Shape{}, "too many arguments", 0},
		{"reject needs a string", ToCanonical, `reject(1)`, Shape{}, "cannot use int as argument", 7},
		{"wrong result type", ToCanonical, `is_mac(value)`, Shape{Result: plan.TypeString}, "to_canonical must produce a string value, but this expression produces bool", 0},
		{"derive each not a list", DeriveEach, `'x'`, Shape{}, "derive each must produce a list", 0},
		{"empty", ToCanonical, `  `, Shape{}, "the expression is empty", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.kind, tt.src, tt.shape)
			if tt.wantCol < 0 {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("want a *CompileError, got %v", err)
			}
			if !strings.Contains(ce.Message, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", ce.Message, tt.wantMsg)
			}
			if ce.Column != tt.wantCol {
				t.Errorf("column %d, want %d (%s)", ce.Column, tt.wantCol, ce.Message)
			}
		})
	}
}

func TestResultTypesThatFit(t *testing.T) {
	for _, tc := range []struct {
		typ, src string
	}{
		{plan.TypeString, `is_mac(value) ? mac(value) : reject('x')`},
		{plan.TypeDate, `date(value)`},
		{plan.TypeDate, `now()`},
		{plan.TypeInt, `len(value)`},
		{plan.TypeNumber, `len(value) * 1.5`},
		{plan.TypeList, `split(value, ',')`},
		{plan.TypeRef, `value.id`},
		{plan.TypeJSON, `{'a': 1}`},
	} {
		if _, err := Compile(ToCanonical, tc.src, Shape{Result: tc.typ}); err != nil {
			t.Errorf("%s %q: %v", tc.typ, tc.src, err)
		}
	}
}

func TestRunErrorsAreErrors(t *testing.T) {
	tests := []struct {
		src string
		env Env
	}{
		{`mac(value)`, Env{Value: "not a mac"}},
		{`date(value)`, Env{Value: "yesterday"}},
		{`value.a.b`, Env{Value: map[string]any{"a": 1}}},
		{`join(value, ',')`, Env{Value: 5}},
		{`1 / value`, Env{Value: "x"}},
		{`value[10]`, Env{Value: []any{1}}},
		{`split(value, '')`, Env{Value: "abc"}},
	}
	for _, tt := range tests {
		p := MustCompile(ToCanonical, tt.src, Shape{})
		if out, err := p.Run(tt.env); err == nil {
			t.Errorf("%q: want an error, got %#v", tt.src, out)
		}
	}
	for _, src := range []string{`record.name == 'x'`, `record.configuration_type in settings.configuration_types`, `!(record.name in ['a'])`} {
		ok, err := MustCompile(Scope, src, configShape).RunBool(Env{Settings: configShape.Settings})
		if err != nil || (ok != strings.HasPrefix(src, "!")) {
			t.Errorf("scope %q over an empty record: %v, %v", src, ok, err)
		}
	}
	var nilProg *Program
	if _, err := nilProg.Run(Env{}); err == nil {
		t.Error("nil program must fail")
	}
}

func TestHelperDocsCoverEveryHelper(t *testing.T) {
	docs := HelperDocs()
	for _, name := range HelperNames() {
		if !strings.HasPrefix(docs[name], name+"(") {
			t.Errorf("helper %s: doc %q should start with its signature", name, docs[name])
		}
	}
}
