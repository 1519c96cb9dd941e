// Tests of the shipped mapping set: it validates clean, and the ConnectWise
// <-> IT Glue sync implements every row of the field tables, the matching
// rules and the sync rules it was written from.
package mappings_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"mapsync/dsl/exprenv"
	"mapsync/engine"
	"mapsync/engine/plan"
)

func compilePlan(t *testing.T) *plan.Plan {
	t.Helper()
	l := engine.LoadDir(".")
	if len(l.Diags) > 0 {
		t.Fatalf("the shipped mappings must load and compile without any diagnostic:\n%s", l.Diags.Error())
	}
	return l.Plan
}

func syncNamed(t *testing.T, p *plan.Plan, name string) plan.Sync {
	t.Helper()
	for _, s := range p.Syncs {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no sync %q", name)
	return plan.Sync{}
}

func objectOf(t *testing.T, s plan.Sync, name string) plan.ObjectSync {
	t.Helper()
	for _, o := range s.Objects {
		if o.Object == name {
			return o
		}
	}
	t.Fatalf("sync %s has no object %q", s.Name, name)
	return plan.ObjectSync{}
}

func systemField(t *testing.T, p *plan.Plan, system, object, field string) plan.Field {
	t.Helper()
	for _, s := range p.Systems {
		for _, o := range s.Objects {
			for _, f := range o.Fields {
				if s.Name == system && o.Name == object && f.Name == field {
					return f
				}
			}
		}
	}
	t.Fatalf("system %s has no field %s.%s", system, object, field)
	return plan.Field{}
}

// The ConnectWise field tables, row by row: IT Glue column (the label), the
// canonical field that carries it, and its direction.
var seedRows = []struct {
	object, label, field, direction string
}{
	// Configurations (18 rows)
	{"configuration", "Name", "name", plan.DirTwoWay},
	{"configuration", "Asset Tag", "asset_tag", plan.DirTwoWay},
	{"configuration", "Contact", "contact", plan.DirTwoWay},
	{"configuration", "Default Gateway", "default_gateway", plan.DirTwoWay},
	{"configuration", "Configuration Status", "configuration_status", plan.DirTwoWay},
	{"configuration", "Configuration Type", "configuration_type", plan.DirTwoWay},
	{"configuration", "Installed Date", "installed_date", plan.DirTwoWay},
	{"configuration", "Installed By", "installed_by", plan.DirTwoWay},
	{"configuration", "Location", "location", plan.DirTwoWay},
	{"configuration", "Manufacturer", "manufacturer", plan.DirTwoWay},
	{"configuration", "Model", "model", plan.DirTwoWay},
	{"configuration", "Notes", "notes", plan.DirToDoc}, // never written to the PSA
	{"configuration", "Operating System", "operating_system", plan.DirTwoWay},
	{"configuration", "Primary IP", "primary_ip", plan.DirTwoWay},
	{"configuration", "Purchased Date", "purchased_date", plan.DirTwoWay},
	{"configuration", "Serial Number", "serial_number", plan.DirTwoWay},
	{"configuration", "Primary MAC Address", "primary_mac", plan.DirTwoWay},
	{"configuration", "Expiration Date", "warranty_expires", plan.DirTwoWay},
	{"configuration", "PSA Custom Fields", "psa_custom_fields", plan.DirToDoc}, // questions, read-only overlay
	// Organizations <-> companies (6 rows)
	{"organization", "Name", "name", plan.DirTwoWay},
	{"organization", "Type", "type", plan.DirTwoWay},
	{"organization", "Status", "status", plan.DirTwoWay},
	{"organization", "Parent Organization", "parent", plan.DirTwoWay},
	{"organization", "Primary Location", "primary_location", plan.DirToDoc}, // read-only in ConnectWise
	{"organization", "Short Name", "short_name", plan.DirTwoWay},
	{"organization", "PSA Custom Fields", "psa_custom_fields", plan.DirToDoc}, // custom fields, read-only overlay
	// Contacts (7 rows)
	{"contact", "First Name", "first_name", plan.DirTwoWay},
	{"contact", "Last Name", "last_name", plan.DirTwoWay},
	{"contact", "Type", "type", plan.DirTwoWay},
	{"contact", "Title", "title", plan.DirTwoWay},
	{"contact", "Emails", "emails", plan.DirTwoWay},
	{"contact", "Contact Phones", "phones", plan.DirTwoWay},
	{"contact", "Location", "location", plan.DirTwoWay},
	// Locations <-> sites (9 rows; phone and fax one way)
	{"location", "Name", "name", plan.DirTwoWay},
	{"location", "Address 1", "address_1", plan.DirTwoWay},
	{"location", "Address 2", "address_2", plan.DirTwoWay},
	{"location", "City", "city", plan.DirTwoWay},
	{"location", "State/Province", "state", plan.DirTwoWay},
	{"location", "Zip/Postal code", "postal_code", plan.DirTwoWay},
	{"location", "Country", "country", plan.DirTwoWay},
	{"location", "Phone", "phone", plan.DirToDoc},
	{"location", "Fax", "fax", plan.DirToDoc},
	// Tickets, one way into IT Glue (8 rows)
	{"ticket", "Board", "board", plan.DirToDoc},
	{"ticket", "Ticket Number", "number", plan.DirToDoc},
	{"ticket", "Contact", "contact", plan.DirToDoc},
	{"ticket", "Status", "status", plan.DirToDoc},
	{"ticket", "Priority", "priority", plan.DirToDoc},
	{"ticket", "Created", "created_at", plan.DirToDoc},
	{"ticket", "Updated", "updated_at", plan.DirToDoc},
	{"ticket", "Configurations", "configurations", plan.DirToDoc},
}

func TestSeedRows(t *testing.T) {
	// The 48 rows of the field tables, plus the PSA custom fields overlay
	// of configurations and organizations.
	if len(seedRows) != 50 {
		t.Fatalf("the field tables have 48 rows (+2 overlays), the test lists %d", len(seedRows))
	}
	s := syncNamed(t, compilePlan(t), "connectwise_itglue")
	for _, row := range seedRows {
		t.Run(row.object+"/"+row.label, func(t *testing.T) {
			var found []plan.FieldSync
			for _, f := range objectOf(t, s, row.object).Fields {
				if f.Label == row.label {
					found = append(found, f)
				}
			}
			if len(found) != 1 {
				t.Fatalf("want exactly one field labelled %q, found %d", row.label, len(found))
			}
			f := found[0]
			if f.Name != row.field || f.Direction != row.direction {
				t.Errorf("%q maps %s %s, want %s %s", row.label, f.Name, f.Direction, row.field, row.direction)
			}
			if f.PSAPath == "" && f.DocPath == "" {
				t.Errorf("%q has no path on either side", row.label)
			}
			if f.Direction == plan.DirTwoWay && f.Winner != "psa" {
				t.Errorf("%q: the PSA wins conflicts, got winner %q", row.label, f.Winner)
			}
		})
	}
}

func TestStagesFollowReferences(t *testing.T) {
	s := syncNamed(t, compilePlan(t), "connectwise_itglue")
	var got []string
	for _, o := range s.Objects {
		got = append(got, o.Object)
		if o.Stage != len(got)-1 {
			t.Errorf("%s: stage %d, want %d", o.Object, o.Stage, len(got)-1)
		}
	}
	want := []string{"organization", "location", "contact", "configuration", "ticket"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stage order %v, want %v", got, want)
	}
}

func TestMatchingRules(t *testing.T) {
	s := syncNamed(t, compilePlan(t), "connectwise_itglue")
	tests := []struct {
		object  string
		scopeBy string
		keys    []string
		narrow  []string
	}{
		{"organization", "", []string{"name"}, nil},
		{"contact", "organization", []string{"first_name", "last_name"}, nil},
		{"configuration", "organization", []string{"configuration_type", "name"}, []string{"serial_number", "primary_mac"}},
		{"location", "organization", []string{"address_1", "address_2", "city", "state", "country"}, nil},
		{"ticket", "organization", []string{"number"}, nil},
	}
	for _, tt := range tests {
		m := objectOf(t, s, tt.object).Match
		if m.ScopeBy != tt.scopeBy || len(m.Rules) != 1 || !reflect.DeepEqual(m.Rules[0].Keys, tt.keys) ||
			!reflect.DeepEqual(m.Narrow, tt.narrow) || m.Tie != "oldest" {
			t.Errorf("%s: match %+v, want scope_by %q keys %v narrow %v tie oldest", tt.object, m, tt.scopeBy, tt.keys, tt.narrow)
		}
	}
	if n := objectOf(t, s, "configuration").Match.Normalize["primary_mac"]; n != "mac" {
		t.Errorf("configuration MACs must be compared normalised, got %q", n)
	}
}

func TestSyncRules(t *testing.T) {
	p := compilePlan(t)
	s := syncNamed(t, p, "connectwise_itglue")
	if s.Winner != "psa" || s.PSA != "connectwise" || s.Doc != "itglue" {
		t.Errorf("sync %s: psa %s doc %s winner %s", s.Name, s.PSA, s.Doc, s.Winner)
	}
	if o := objectOf(t, s, "ticket"); o.Direction != plan.DirToDoc || o.CreateInPSA != plan.CreateNever {
		t.Errorf("tickets go one way into IT Glue: %s, create in PSA %s", o.Direction, o.CreateInPSA)
	}
	for _, name := range []string{"organization", "location", "contact", "configuration"} {
		if o := objectOf(t, s, name); o.Direction != plan.DirTwoWay || o.CreateInPSA != plan.CreateConfirmed {
			t.Errorf("%s: %s, create in PSA %s; want two_way, confirmed", name, o.Direction, o.CreateInPSA)
		}
	}
	for _, field := range []string{"name", "configuration_type", "configuration_status"} {
		if !systemField(t, p, "connectwise", "configuration", field).RequiredOnCreate {
			t.Errorf("ConnectWise needs %s to create a configuration", field)
		}
	}
}

func TestScopeAndToggles(t *testing.T) {
	p := compilePlan(t)
	s := syncNamed(t, p, "connectwise_itglue")
	canon := map[string]plan.CanonicalType{}
	for _, ct := range p.Canonical {
		canon[ct.Name] = ct
	}
	scope := func(object string, record map[string]any) bool {
		t.Helper()
		o := objectOf(t, s, object)
		prog, err := exprenv.Compile(exprenv.Scope, o.Scope, exprenv.ShapeOf(canon[object], s.Settings))
		if err != nil {
			t.Fatal(err)
		}
		ok, err := prog.RunBool(exprenv.Env{Record: record, Settings: s.Settings})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	orgs := []struct {
		typ, status string
		in          bool
	}{
		{"Customer", "Active", true}, {"Partner", "Active", true},
		{"Prospect", "Active", false}, {"Vendor", "Active", false}, {"Customer", "Inactive", false},
		{"Customer", "Not Approved", false},
	}
	for _, o := range orgs {
		if got := scope("organization", map[string]any{"type": o.typ, "status": o.status}); got != o.in {
			t.Errorf("organization %s/%s in scope = %v, want %v", o.typ, o.status, got, o.in)
		}
	}
	configs := []struct {
		typ, status string
		in          bool
	}{
		{"Managed Server", "Active", true}, {"Firewall", "Installed", true}, {"UPS", "Active", true},
		{"Network Switch", "In Stock", true}, {"Managed Laptop", "Active", true},
		{"Personal Device", "Active", false}, {"ConnectSecure", "Active", false},
		{"Managed Workstation", "Retired", false}, {"Printer", "Inactive", false},
	}
	for _, c := range configs {
		if got := scope("configuration", map[string]any{"configuration_type": c.typ, "configuration_status": c.status}); got != c.in {
			t.Errorf("configuration %s/%s in scope = %v, want %v", c.typ, c.status, got, c.in)
		}
	}
	enabled := objectOf(t, s, "contact").Enabled
	prog, err := exprenv.Compile(exprenv.Enabled, enabled, exprenv.Shape{Settings: s.Settings})
	if err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{true, false} {
		settings := map[string]any{}
		for k, v := range s.Settings {
			settings[k] = v
		}
		settings["contacts"] = on
		if got, err := prog.RunBool(exprenv.Env{Settings: settings}); err != nil || got != on {
			t.Errorf("contacts sync with contacts = %v: enabled = %v (%v)", on, got, err)
		}
	}
}

func TestConnectWiseMACAddress(t *testing.T) {
	f := systemField(t, compilePlan(t), "connectwise", "configuration", "primary_mac")
	prog, err := exprenv.Compile(exprenv.ToCanonical, f.ToCanonical, exprenv.Shape{Result: plan.TypeString})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in       any
		want     any
		rejected bool
	}{
		{"00-1a-2b-3c-4d-5e", "00:1A:2B:3C:4D:5E", false},
		{"001A2B3C4D5E", "00:1A:2B:3C:4D:5E", false},
		{"", nil, false},
		{nil, nil, false},
		{"00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F", nil, true}, // several MACs, longer than 17
		{"00:1A:2B:3C:4D:5E ", nil, true},                   // 18 characters
		{"not-a-mac", nil, true},
	}
	for _, tt := range tests {
		out, err := prog.Run(exprenv.Env{Value: tt.in})
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if r, ok := exprenv.AsRejection(out); ok != tt.rejected || (!ok && !reflect.DeepEqual(out, tt.want)) {
			t.Errorf("%q: got %#v (rejected %v), want %#v (rejected %v)", tt.in, out, ok, tt.want, tt.rejected)
		} else if ok && r.Reason == "" {
			t.Errorf("%q: a rejection keeps its reason", tt.in)
		}
	}
}

func TestConnectWiseCommunicationItems(t *testing.T) {
	p := compilePlan(t)
	items := []any{
		map[string]any{"communicationType": "Email", "value": "ann@example.test", "defaultFlag": true, "type": map[string]any{"name": "Email"}},
		map[string]any{"communicationType": "Phone", "value": "555-0100", "extension": "12", "type": map[string]any{"name": "Direct"}},
		map[string]any{"communicationType": "Fax", "value": "555-0199", "type": map[string]any{"name": "Fax"}},
	}
	run := func(kind exprenv.Kind, field string, env exprenv.Env) any {
		t.Helper()
		f := systemField(t, p, "connectwise", "contact", field)
		src := f.ToCanonical
		if kind == exprenv.FromCanonical {
			src = f.FromCanonical
		}
		prog, err := exprenv.Compile(kind, src, exprenv.Shape{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := prog.Run(env)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	emails := run(exprenv.ToCanonical, "emails", exprenv.Env{Value: items})
	phones := run(exprenv.ToCanonical, "phones", exprenv.Env{Value: items})
	wantEmails := []any{map[string]any{"value": "ann@example.test", "type": "Email", "primary": true}}
	if !reflect.DeepEqual(emails, wantEmails) {
		t.Errorf("emails = %#v", emails)
	}
	if l, ok := phones.([]any); !ok || len(l) != 2 {
		t.Fatalf("phones = %#v, want the phone and the fax", phones)
	}
	// Writing either list back sends the whole communicationItems list.
	record := map[string]any{"emails": emails, "phones": phones}
	for _, field := range []string{"emails", "phones"} {
		back, ok := run(exprenv.FromCanonical, field, exprenv.Env{Record: record}).([]any)
		if !ok || len(back) != 3 {
			t.Fatalf("%s written back as %#v, want all 3 items", field, back)
		}
		fax := back[2].(map[string]any)
		if fax["communicationType"] != "Fax" || fax["value"] != "555-0199" {
			t.Errorf("%s: fax written back as %#v", field, fax)
		}
	}
}

func TestNoSecretInPlan(t *testing.T) {
	t.Setenv("CW_PRIVATE_KEY", "cw-private-key-value")
	t.Setenv("ITGLUE_API_KEY", "itglue-key-value")
	p := compilePlan(t)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"cw-private-key-value", "itglue-key-value"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the plan holds the value of a secret")
		}
	}
	for _, v := range p.Variables {
		if v.Sensitive && (v.Default != "" || v.HasDefault) {
			t.Errorf("sensitive variable %s has a default in the plan", v.Name)
		}
	}
	cw := systemField(t, p, "connectwise", "configuration", "name") // sanity: the plan is the real one
	if cw.Path != "name" {
		t.Fatalf("unexpected plan")
	}
	for _, s := range p.Systems {
		if s.Name == "connectwise" && s.Auth.Password != "${var.cw_private_key}" {
			t.Errorf("the ConnectWise password must stay a template, got %q", s.Auth.Password)
		}
		if s.Name == "itglue" && s.Auth.Headers["x-api-key"] != "${var.itglue_api_key}" {
			t.Errorf("the IT Glue key must stay a template, got %q", s.Auth.Headers["x-api-key"])
		}
	}
}
