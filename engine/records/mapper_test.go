package records_test

import (
	"errors"
	. "mapsync/engine/records"
	"reflect"
	"strings"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// Records shaped like the sandboxes' JSON (ConnectWise: plain objects with
// {id, name} references and _info; IT Glue: JSON:API resources with
// kebab-case attributes and numeric reference ids).
const (
	cwServer = `{"id": 301, "name": "ACME-DC01",
		"type": {"id": 5, "name": "Managed Server"}, "status": {"id": 1, "name": "Active"},
		"company": {"id": 250, "identifier": "AcmeCorp", "name": "Acme Corp"},
		"serialNumber": "SN-7781", "tagNumber": "", "macAddress": "00-1a-2b-3c-4d-5e",
		"ipAddress": "10.0.0.5", "defaultGateway": "10.0.0.1",
		"manufacturer": {"id": 3, "name": "Dell"}, "modelNumber": "PowerEdge R740",
		"osType": "Windows Server 2022", "installationDate": "2023-04-01T00:00:00Z",
		"installedBy": {"id": 7, "identifier": "jwalker", "name": "Jamie Walker"},
		"site": {"id": 12, "name": "Main Office"}, "contact": {"id": 88, "name": "Dana Whitfield"},
		"activeFlag": true,
		"_info": {"lastUpdated": "2025-12-01T10:00:00Z", "dateEntered": "2024-01-02T09:30:00Z"}}`
	cwMultiMAC = `{"id": 302, "name": "ACME-WS07",
		"type": {"id": 6, "name": "Managed Workstation"}, "status": {"id": 1, "name": "Active"},
		"company": {"id": 250, "name": "Acme Corp"},
		"macAddress": "00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F",
		"_info": {"lastUpdated": "2025-12-01T10:00:00Z", "dateEntered": "2024-01-02T09:30:00Z"}}`
	cwPersonal = `{"id": 303, "name": "Dana's iPhone",
		"type": {"id": 9, "name": "Personal Device"}, "status": {"id": 1, "name": "Active"},
		"company": {"id": 250, "name": "Acme Corp"}, "macAddress": "",
		"_info": {"lastUpdated": "2025-12-01T10:00:00Z", "dateEntered": "2024-01-02T09:30:00Z"}}`
	cwRetired = `{"id": 304, "name": "ACME-OLD01",
		"type": {"id": 5, "name": "Managed Server"}, "status": {"id": 4, "name": "Retired"},
		"company": {"id": 250, "name": "Acme Corp"},
		"_info": {"lastUpdated": "2025-12-01T10:00:00Z", "dateEntered": "2019-01-02T09:30:00Z"}}`
	itgConfig = `{"id": "2000017", "type": "configurations", "attributes": {
		"organization-id": 1000003, "organization-name": "Acme Corp", "name": "ACME-DC01",
		"configuration-type-id": 40001, "configuration-type-name": "Managed Server",
		"configuration-status-id": 50001, "configuration-status-name": "Active",
		"serial-number": "SN-7781", "asset-tag": null, "mac-address": "00:1A:2B:3C:4D:5E",
		"primary-ip": "10.0.0.5", "hostname": "acme-dc01", "installed-at": "2023-04-01",
		"purchased-at": null, "location-id": null, "contact-id": 3000021,
		"created-at": "2024-02-03T04:05:06.000Z", "updated-at": "2025-11-30T08:00:00.000Z"}}`
	cwContact = `{"id": 88, "firstName": "Dana", "lastName": "Whitfield", "title": "Office Manager",
		"company": {"id": 250, "name": "Acme Corp"}, "site": {"id": 12, "name": "Main Office"},
		"types": [{"id": 2, "name": "End User"}], "inactiveFlag": false,
		"communicationItems": [
			{"id": 1, "type": {"id": 1, "name": "Email"}, "value": "dana@acme.example", "defaultFlag": true, "communicationType": "Email"},
			{"id": 2, "type": {"id": 2, "name": "Direct"}, "value": "555-0100", "extension": "210", "defaultFlag": true, "communicationType": "Phone"},
			{"id": 3, "type": {"id": 3, "name": "Fax"}, "value": "555-0199", "defaultFlag": false, "communicationType": "Fax"}],
		"_info": {"lastUpdated": "2025-12-24T00:00:00Z", "dateEntered": "2025-06-29T12:00:00Z"}}`
	itgContact = `{"id": "3000021", "type": "contacts", "attributes": {
		"organization-id": 1000003, "first-name": "Dana", "last-name": "Whitfield", "title": "Office Manager",
		"contact-type-name": "End User", "location-id": 4000002, "important": false, "notes": "",
		"contact-emails": [{"value": "dana@acme.example", "primary": true, "label-name": "Work"}],
		"contact-phones": [],
		"created-at": "2025-06-29T12:00:00.000Z", "updated-at": "2025-12-24T00:00:00.000Z"}}`
	cwTicket = `{"id": 5123, "summary": "Printer offline", "company": {"id": 250, "name": "Acme Corp"},
		"board": {"id": 1, "name": "Service Desk"}, "status": {"id": 11, "name": "New"},
		"priority": {"id": 3, "name": "Priority 3 - Normal Response"}, "contact": {"id": 88, "name": "Dana Whitfield"},
		"_info": {"lastUpdated": "2026-01-10T08:00:00Z", "dateEntered": "2026-01-09T07:00:00Z"}}`
	itgOrg = `{"id": "1000003", "type": "organizations", "attributes": {
		"name": "Acme Corp", "short-name": "AcmeCorp", "organization-type-name": "Customer",
		"organization-status-name": "Active", "parent-id": null, "primary": false,
		"created-at": "2023-01-01T00:00:00.000Z", "updated-at": "2025-01-01T00:00:00.000Z"}}`
	cwSite = `{"id": 12, "name": "Main Office", "addressLine1": "1 Main St", "city": "Springfield",
		"stateReference": {"id": 14, "identifier": "IL", "name": "Illinois"}, "zip": "62701",
		"country": {"id": 1, "name": "United States"}, "phoneNumber": "555-0100", "inactiveFlag": false,
		"company": {"id": 250, "name": "Acme Corp"},
		"_info": {"lastUpdated": "2025-12-01T10:00:00Z", "dateEntered": "2024-01-02T09:30:00Z"}}`
)

func TestMap(t *testing.T) {
	tests := []struct {
		name      string
		role      string
		object    string
		raw       string
		fetched   Fetched
		wantID    string
		created   string         // RFC 3339; "" = zero
		values    map[string]any // checked field by field; nil value = must be absent/NULL
		invalid   map[string]string
		scopeWant string // substring of the scope reason; "" = in scope
	}{
		{
			name: "psa server: refs are ids, lookups are labels, MAC normalised, dates canonical",
			role: plan.RolePSA, object: "configuration", raw: cwServer,
			wantID: "301", created: "2024-01-02T09:30:00Z",
			values: map[string]any{
				"organization": "250", "name": "ACME-DC01", "configuration_type": "Managed Server",
				"configuration_status": "Active", "primary_mac": "00:1A:2B:3C:4D:5E", "serial_number": "SN-7781",
				"manufacturer": "Dell", "installed_date": "2023-04-01", "installed_by": "jwalker",
				"location": "12", "contact": "88", "active": true,
				"asset_tag":      nil, // "" is absent
				"purchased_date": nil,
			},
		},
		{
			name: "psa multi-MAC string: the MAC is rejected with the reason, the record stays in scope",
			role: plan.RolePSA, object: "configuration", raw: cwMultiMAC,
			wantID:  "302",
			values:  map[string]any{"name": "ACME-WS07", "primary_mac": nil, "organization": "250"},
			invalid: map[string]string{"primary_mac": "MAC address field holds more than one MAC address or is not a MAC address"},
		},
		{
			name: "psa personal device: out of scope with the sync's reason",
			role: plan.RolePSA, object: "configuration", raw: cwPersonal,
			wantID:    "303",
			values:    map[string]any{"configuration_type": "Personal Device", "primary_mac": nil},
			scopeWant: "configuration type or status is not set to sync",
		},
		{
			name: "psa retired status: out of scope",
			role: plan.RolePSA, object: "configuration", raw: cwRetired,
			wantID: "304", scopeWant: "configuration type or status is not set to sync",
		},
		{
			name: "doc configuration: JSON:API attributes, numeric ref becomes a string id",
			role: plan.RoleDoc, object: "configuration", raw: itgConfig,
			wantID: "2000017", created: "2024-02-03T04:05:06Z",
			values: map[string]any{
				"organization": "1000003", "name": "ACME-DC01", "configuration_type": "Managed Server",
				"primary_mac": "00:1A:2B:3C:4D:5E", "installed_date": "2023-04-01", "contact": "3000021",
				"location": nil, "asset_tag": nil, "hostname": "acme-dc01",
			},
		},
		{
			name: "psa contact: communication items split into emails and phones",
			role: plan.RolePSA, object: "contact", raw: cwContact,
			wantID: "88",
			values: map[string]any{
				"first_name": "Dana", "type": "End User", "organization": "250", "location": "12", "active": true,
				"emails": []any{map[string]any{"value": "dana@acme.example", "type": "Email", "primary": true}},
				"phones": []any{
					map[string]any{"value": "555-0100", "type": "Direct", "extension": "210", "primary": true},
					map[string]any{"value": "555-0199", "type": "Fax", "extension": nil, "primary": false},
				},
			},
		},
		{
			name: "doc contact: empty phone list is absent",
			role: plan.RoleDoc, object: "contact", raw: itgContact,
			wantID: "3000021",
			values: map[string]any{
				"emails":   []any{map[string]any{"value": "dana@acme.example", "type": "Work", "primary": true}},
				"phones":   nil,
				"notes":    nil,
				"location": "4000002",
			},
		},
		{
			name: "psa ticket: number from the id, fetched configurations sorted, datetimes UTC",
			role: plan.RolePSA, object: "ticket", raw: cwTicket,
			fetched: Fetched{"configurations": {float64(302), float64(41)}},
			wantID:  "5123",
			values: map[string]any{
				"number": "5123", "board": "Service Desk", "status": "New", "contact": "88",
				"configurations": []string{"41", "302"},
				"created_at":     "2026-01-09T07:00:00Z",
			},
		},
		{
			name: "psa ticket not fetched: configurations unknown",
			role: plan.RolePSA, object: "ticket", raw: cwTicket,
			wantID: "5123",
			values: map[string]any{"configurations": nil},
		},
		{
			name: "doc organization: the flag reference is left for the stage",
			role: plan.RoleDoc, object: "organization", raw: itgOrg,
			wantID: "1000003",
			values: map[string]any{"name": "Acme Corp", "type": "Customer", "parent": nil, "primary_location": nil},
		},
		{
			name: "psa site: inactiveFlag read through its transform",
			role: plan.RolePSA, object: "location", raw: cwSite,
			wantID: "12",
			values: map[string]any{"active": true, "state": "Illinois", "country": "United States", "organization": "250", "address_2": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mapper(t, tt.role, tt.object)
			row, err := m.Map(decode(t, tt.raw), tt.fetched)
			if err != nil {
				t.Fatalf("Map: %v", err)
			}
			if row.ID != tt.wantID {
				t.Errorf("id %q, want %q", row.ID, tt.wantID)
			}
			if tt.created != "" && row.Created.Format(time.RFC3339) != tt.created {
				t.Errorf("created %v, want %s", row.Created, tt.created)
			}
			for k, want := range tt.values {
				got, ok := row.Values[k]
				if want == nil {
					if ok && got != nil {
						t.Errorf("%s = %#v, want absent", k, got)
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
			if !reflect.DeepEqual(row.Invalid, tt.invalid) {
				t.Errorf("invalid = %#v, want %#v", row.Invalid, tt.invalid)
			}
			if tt.scopeWant == "" && row.ScopeReason != "" {
				t.Errorf("out of scope (%s), want in scope", row.ScopeReason)
			}
			if tt.scopeWant != "" && !strings.Contains(row.ScopeReason, tt.scopeWant) {
				t.Errorf("scope reason %q, want %q", row.ScopeReason, tt.scopeWant)
			}
			if len(row.Raw) == 0 {
				t.Error("raw JSON not kept")
			}
		})
	}
}

func TestMapFailures(t *testing.T) {
	sys := plan.System{Name: "acme", TimeFormat: "2006-01-02T15:04:05Z", Objects: []plan.Object{{
		Name: "configuration", ID: "key",
		Fields: []plan.Field{
			{Name: "name", Path: "name", Access: plan.FieldBoth},
			{Name: "primary_mac", Path: "mac", Access: plan.FieldBoth, ToCanonical: "mac(value)"},
			{Name: "installed_date", Path: "installed", Access: plan.FieldBoth},
			{Name: "active", Path: "active", Access: plan.FieldBoth},
		},
	}}}
	canon := plan.CanonicalType{Name: "configuration", Fields: []plan.CanonicalField{
		{Name: "name", Type: plan.TypeString}, {Name: "primary_mac", Type: plan.TypeString},
		{Name: "installed_date", Type: plan.TypeDate}, {Name: "active", Type: plan.TypeBool},
	}}
	m, err := New(Spec{System: sys, Object: "configuration", Canonical: canon,
		Scope: "record.nmae == 'x'", ScopeReason: "never"})
	if err == nil {
		t.Fatalf("a scope that does not compile must fail New, got %v", m)
	}
	m, err = New(Spec{System: sys, Object: "configuration", Canonical: canon, Scope: "lower(record.name) != 'skip'"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		raw       string
		recordErr string            // substring; "" = the record maps
		invalid   map[string]string // field -> substring
		scope     string
	}{
		{"no id", `{"name": "x"}`, `no id at "key"`, nil, ""},
		{"expression runtime error is a field reason", `{"key": 1, "name": "a", "mac": "garbage"}`, "",
			map[string]string{"primary_mac": "to_canonical failed"}, ""},
		{"value of the wrong type", `{"key": 2, "name": {"first": "a"}, "installed": "yesterday", "active": "maybe"}`, "",
			map[string]string{"name": "expected text, got an object", "installed_date": "not a date", "active": `"maybe" is not true or false`}, ""},
		{"scope false without reason names the expression", `{"key": 3, "name": "Skip"}`, "", nil, "not in scope: lower(record.name)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, err := m.Map(decode(t, tt.raw), nil)
			if tt.recordErr != "" {
				var re *RecordError
				if !errors.As(err, &re) || !strings.Contains(re.Error(), tt.recordErr) {
					t.Fatalf("want a RecordError with %q, got %v", tt.recordErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(row.Invalid) != len(tt.invalid) {
				t.Errorf("invalid = %v, want %v", row.Invalid, tt.invalid)
			}
			for f, want := range tt.invalid {
				if !strings.Contains(row.Invalid[f], want) {
					t.Errorf("invalid[%s] = %q, want %q", f, row.Invalid[f], want)
				}
				if _, ok := row.Values[f]; ok {
					t.Errorf("invalid field %s still has a value", f)
				}
			}
			if !strings.Contains(row.ScopeReason, tt.scope) || (tt.scope == "" && row.ScopeReason != "") {
				t.Errorf("scope reason %q, want %q", row.ScopeReason, tt.scope)
			}
		})
	}
}

func TestNewRefusesWhatIsNotImplemented(t *testing.T) {
	canon := plan.CanonicalType{Name: "location", Fields: []plan.CanonicalField{{Name: "name", Type: plan.TypeString}, {Name: "organization", Type: plan.TypeRef, Ref: "organization"}}}
	tests := []struct {
		name string
		obj  plan.Object
		want string
	}{
		{"derive from an unknown object", plan.Object{Name: "location", Derive: []plan.Derive{{From: "account", Each: "[]", ID: "'x'"}}}, `derive source "account" is not a listed object`},
		{"unknown canonical field", plan.Object{Name: "location", ListPath: "/x", Fields: []plan.Field{{Name: "nmae", Path: "name"}}}, `"nmae" is not a field`},
		{"unknown lookup", plan.Object{Name: "location", ListPath: "/x", Fields: []plan.Field{{Name: "name", Path: "name", Lookup: "nope"}}}, `lookup "nope" is not declared`},
		{"flag on a non-ref", plan.Object{Name: "location", ListPath: "/x", Fields: []plan.Field{{Name: "name", Flag: "primary"}}}, "must be a reference"},
		{"fetch without id", plan.Object{Name: "location", ListPath: "/x", Fields: []plan.Field{{Name: "name", Path: "id", Fetch: "/sub"}}}, "has no {id}"},
		{"bad transform", plan.Object{Name: "location", ListPath: "/x", Fields: []plan.Field{{Name: "name", Path: "n", ToCanonical: "trim(valeu)"}}}, "to_canonical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Spec{System: plan.System{Name: "acme", Objects: []plan.Object{tt.obj}}, Object: "location", Canonical: canon})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want an error with %q, got %v", tt.want, err)
			}
		})
	}
}

func TestFetchAndFlagFields(t *testing.T) {
	if got := mapper(t, plan.RolePSA, "ticket").FetchFields(); len(got) != 1 || got[0].Name != "configurations" || !strings.Contains(got[0].Path, "{id}") {
		t.Errorf("psa ticket fetch fields = %+v", got)
	}
	if got := mapper(t, plan.RoleDoc, "organization").FlagFields(); len(got) != 1 || got[0] != (FlagField{Name: "primary_location", Ref: "location", Flag: "attributes.primary"}) {
		t.Errorf("doc organization flag fields = %+v", got)
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		typ  string
		ref  bool
		in   any
		want any
		err  bool
	}{
		{plan.TypeString, false, "", nil, false},
		{plan.TypeString, false, float64(42), "42", false},
		{plan.TypeRef, false, float64(1000003), "1000003", false},
		{plan.TypeRef, false, 1.5, nil, true},
		{plan.TypeRef, false, map[string]any{"id": 1}, nil, true},
		{plan.TypeInt, false, "17", int64(17), false},
		{plan.TypeInt, false, 1.5, nil, true},
		{plan.TypeNumber, false, "2.5", 2.5, false},
		{plan.TypeBool, false, "true", true, false},
		{plan.TypeDate, false, "2024-03-05T23:30:00-02:00", "2024-03-06", false},
		{plan.TypeDateTime, false, "2024-03-05T10:00:00.000Z", "2024-03-05T10:00:00Z", false},
		{plan.TypeList, true, []any{float64(10), "9", nil}, []string{"9", "10"}, false},
		{plan.TypeList, false, []any{}, nil, false},
		{plan.TypeList, false, "a", nil, true},
		{plan.TypeJSON, false, []map[string]any{{"a": 1}}, []any{map[string]any{"a": float64(1)}}, false},
		{plan.TypeJSON, false, []any{}, nil, false},
	}
	for _, tt := range tests {
		got, err := Canonical(tt.typ, tt.ref, tt.in)
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Canonical(%s, %#v) = %#v, %v; want %#v (error %v)", tt.typ, tt.in, got, err, tt.want, tt.err)
		}
	}
}
