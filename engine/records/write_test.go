package records_test

import (
	"context"
	. "mapsync/engine/records"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"mapsync/connectors"
	"mapsync/engine/plan"
)

// psaLookups holds reference data as the PSA sandbox serves it.
func psaLookups() *memLookups {
	return &memLookups{
		tables: map[string][]connectors.LookupEntry{
			"configuration_type":   {{ID: "5", Label: "Managed Server"}, {ID: "6", Label: "Managed Workstation"}},
			"configuration_status": {{ID: "1", Label: "Active"}},
			"manufacturer":         {{ID: "3", Label: "Dell"}},
			"member":               {{ID: "7", Label: "jwalker"}},
			"company_type":         {{ID: "1", Label: "Customer"}},
			"company_status":       {{ID: "1", Label: "Active"}},
			"contact_type":         {{ID: "2", Label: "End User"}},
			"board":                {{ID: "1", Label: "Service Desk"}},
			"ticket_status":        {{ID: "11", Label: "New", Parent: "1"}},
			"priority":             {{ID: "3", Label: "Priority 3"}},
		},
		reject: map[string]bool{"<script>": true},
	}
}

// docLookups holds reference data as the documentation sandbox serves it.
func docLookups() *memLookups {
	return &memLookups{tables: map[string][]connectors.LookupEntry{
		"configuration_type": {{ID: "40001", Label: "Managed Server"}},
		"manufacturer":       {{ID: "60001", Label: "Dell"}, {ID: "60002", Label: "HP"}},
		"model":              {{ID: "70001", Label: "PowerEdge R740", Parent: "60001"}},
		"operating_system":   {{ID: "80001", Label: "Windows Server 2022"}},
		"country":            {{ID: "1", Label: "United States"}},
		"region":             {{ID: "14", Label: "Illinois", Parent: "1"}},
	}}
}

func TestPrepare(t *testing.T) {
	server := map[string]any{
		"organization": "250", "name": "ACME-DC01", "configuration_type": "Managed Server",
		"configuration_status": "Active", "manufacturer": "Dell", "installed_by": "jwalker",
		"installed_date": "2023-04-01", "location": "12", "serial_number": "SN-7781",
	}
	with := func(base map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(out, kv[i].(string))
				continue
			}
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name    string
		role    string
		object  string
		dry     bool
		lk      *memLookups
		change  Change
		fields  map[string]any    // expected write fields (exact)
		skip    string            // substring
		invalid map[string]string // field -> substring
		omitted []string
		pending []string // labels
		created []string // labels
	}{
		{
			name: "psa create: labels become ids, refs become numbers, dates through from_canonical",
			role: plan.RolePSA, object: "configuration", lk: psaLookups(),
			change: Change{Create: true, Fields: server},
			fields: map[string]any{
				"company.id": int64(250), "name": "ACME-DC01", "type.id": int64(5), "status.id": int64(1),
				"manufacturer.id": int64(3), "installedBy.id": int64(7), "installationDate": "2023-04-01T00:00:00Z",
				"site.id": int64(12), "serialNumber": "SN-7781",
			},
		},
		{
			name: "psa create with a missing required field is invalid",
			role: plan.RolePSA, object: "configuration", lk: psaLookups(),
			change:  Change{Create: true, Fields: with(server, "name", nil)},
			invalid: map[string]string{"name": "required to create a configuration in {psa}"},
		},
		{
			name: "psa: a status the PSA lacks leaves the record out with the lookup's reason",
			role: plan.RolePSA, object: "configuration", lk: psaLookups(),
			change: Change{Create: true, Fields: with(server, "configuration_status", "Decommissioned")},
			skip:   `{reason:configuration_status} ("Decommissioned")`,
		},
		{
			name: "psa dry run: a new manufacturer is pending, not created",
			role: plan.RolePSA, object: "configuration", lk: psaLookups(), dry: true,
			change:  Change{Create: true, Fields: with(server, "manufacturer", "Ubiquiti")},
			pending: []string{"Ubiquiti"},
		},
		{
			name: "psa real run: a new manufacturer is created and used",
			role: plan.RolePSA, object: "configuration", lk: psaLookups(),
			change:  Change{Create: true, Fields: with(server, "manufacturer", "Ubiquiti")},
			created: []string{"Ubiquiti"},
		},
		{
			name: "psa: the system refusing a new lookup value makes the field invalid",
			role: plan.RolePSA, object: "configuration", lk: psaLookups(),
			change:  Change{Fields: map[string]any{"manufacturer": "<script>"}},
			invalid: map[string]string{"manufacturer": "cannot create manufacturer"},
		},
		{
			name: "psa: an unknown member leaves the field empty (missing = empty)",
			role: plan.RolePSA, object: "configuration", lk: psaLookups(),
			change:  Change{Fields: map[string]any{"installed_by": "nobody", "name": "X"}},
			fields:  map[string]any{"name": "X"},
			omitted: []string{"installed_by"},
		},
		{
			name: "psa update: create_only type is not sent, clearing a field sends nil",
			role: plan.RolePSA, object: "organization", lk: psaLookups(),
			change:  Change{Fields: map[string]any{"type": "Customer", "status": "Active", "website": nil}},
			fields:  map[string]any{"status.id": int64(1), "website": nil},
			omitted: []string{"type"},
		},
		{
			name: "psa create organization: create_only type is sent",
			role: plan.RolePSA, object: "organization", lk: psaLookups(),
			change: Change{Create: true, Fields: map[string]any{"name": "Acme", "short_name": "Acme", "type": "Customer"}},
			fields: map[string]any{"name": "Acme", "identifier": "Acme", "types.0.id": int64(1)},
		},
		{
			name: "psa contact: both lists rebuild the one communicationItems list from the record",
			role: plan.RolePSA, object: "contact", lk: psaLookups(),
			change: Change{
				Fields: map[string]any{"emails": []any{map[string]any{"value": "dana@acme.example", "type": "Email", "primary": true}}},
				Record: map[string]any{
					"emails": []any{map[string]any{"value": "dana@acme.example", "type": "Email", "primary": true}},
					"phones": []any{map[string]any{"value": "555-0100", "type": "Direct", "extension": "210", "primary": true}},
				},
			},
			fields: map[string]any{"communicationItems": []any{
				map[string]any{"communicationType": "Email", "type": map[string]any{"name": "Email"}, "value": "dana@acme.example", "defaultFlag": true},
				map[string]any{"communicationType": "Phone", "type": map[string]any{"name": "Direct"}, "value": "555-0100", "extension": "210", "defaultFlag": true},
			}},
		},
		{
			name: "psa contact: an update without the whole record is refused (it would wipe the phones)",
			role: plan.RolePSA, object: "contact", lk: psaLookups(),
			change:  Change{Fields: map[string]any{"emails": []any{map[string]any{"value": "dana@acme.example"}}}},
			invalid: map[string]string{"emails": "reads the whole record"},
		},
		{
			name: "psa ticket: a board the PSA lacks is an error (missing = error)",
			role: plan.RolePSA, object: "ticket", lk: psaLookups(),
			change:  Change{Fields: map[string]any{"board": "Projects"}},
			invalid: map[string]string{"board": `board "Projects" does not exist in {psa}`},
		},
		{
			name: "psa ticket: a status is resolved under its board",
			role: plan.RolePSA, object: "ticket", lk: psaLookups(),
			change: Change{Fields: map[string]any{"status": "New"}, Record: map[string]any{"board": "Service Desk", "status": "New"}},
			fields: map[string]any{"status.id": int64(11)},
		},
		{
			name: "psa ticket: read-only fields are never written",
			role: plan.RolePSA, object: "ticket", lk: psaLookups(),
			change:  Change{Fields: map[string]any{"number": "5123", "configurations": []string{"1"}}},
			fields:  map[string]any{},
			omitted: []string{"configurations", "number"},
		},
		{
			name: "doc: a model is resolved under the record's manufacturer",
			role: plan.RoleDoc, object: "configuration", lk: docLookups(),
			change: Change{Fields: map[string]any{"model": "PowerEdge R740"}, Record: map[string]any{"manufacturer": "Dell", "model": "PowerEdge R740"}},
			fields: map[string]any{"attributes.model-id": int64(70001)},
		},
		{
			name: "doc dry run: a model of a new manufacturer is pending too",
			role: plan.RoleDoc, object: "configuration", lk: docLookups(), dry: true,
			change:  Change{Fields: map[string]any{"manufacturer": "Ubiquiti", "model": "U6-Lite"}},
			pending: []string{"Ubiquiti", "U6-Lite"},
		},
		{
			name: "doc: an unknown operating system leaves the field empty; the region is found under the country",
			role: plan.RoleDoc, object: "location", lk: docLookups(),
			change: Change{Fields: map[string]any{"state": "Illinois", "country": "United States"}},
			fields: map[string]any{"attributes.region-id": int64(14), "attributes.country-id": int64(1)},
		},
		{
			name: "doc organization: the flag reference is not in the record's body (Apply writes it on the flagged record)",
			role: plan.RoleDoc, object: "organization", lk: docLookups(),
			change:  Change{Fields: map[string]any{"primary_location": "4000002", "name": "Acme"}},
			fields:  map[string]any{"attributes.name": "Acme"},
			omitted: []string{"primary_location"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mapper(t, tt.role, tt.object)
			w, err := m.NewWriter(tt.lk, WriterOptions{DryRun: tt.dry})
			if err != nil {
				t.Fatal(err)
			}
			out, err := w.Prepare(context.Background(), tt.change)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if tt.fields != nil && !reflect.DeepEqual(out.Fields, tt.fields) {
				t.Errorf("fields\n got %#v\nwant %#v", out.Fields, tt.fields)
			}
			tt.skip = expandNames(t, tt.skip)
			for f, want := range tt.invalid {
				tt.invalid[f] = expandNames(t, want)
			}
			if tt.skip == "" && out.Skip != "" || !strings.Contains(out.Skip, tt.skip) {
				t.Errorf("skip = %q, want %q", out.Skip, tt.skip)
			}
			if len(out.Invalid) != len(tt.invalid) {
				t.Errorf("invalid = %v, want %v", out.Invalid, tt.invalid)
			}
			for f, want := range tt.invalid {
				if !strings.Contains(out.Invalid[f], want) {
					t.Errorf("invalid[%s] = %q, want %q", f, out.Invalid[f], want)
				}
			}
			if out.OK() != (tt.skip == "" && len(tt.invalid) == 0) {
				t.Errorf("OK() = %v", out.OK())
			}
			for _, f := range tt.omitted {
				if out.Omitted[f] == "" {
					t.Errorf("%s not omitted (omitted: %v)", f, out.Omitted)
				}
			}
			var pending, created []string
			for _, p := range out.Pending {
				pending = append(pending, p.Label)
			}
			for _, c := range out.Created {
				created = append(created, c.Label)
			}
			if !reflect.DeepEqual(pending, tt.pending) {
				t.Errorf("pending = %v, want %v", pending, tt.pending)
			}
			if !reflect.DeepEqual(created, tt.created) || len(tt.lk.created) != len(tt.created) {
				t.Errorf("created = %v (source saw %v), want %v", created, tt.lk.created, tt.created)
			}
		})
	}
}

func TestWriterLoadsEachTableOnce(t *testing.T) {
	lk := psaLookups()
	w, err := mapper(t, plan.RolePSA, "configuration").NewWriter(lk, WriterOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := w.Prepare(context.Background(), Change{Fields: map[string]any{"configuration_type": "Managed Server", "manufacturer": "Dell"}}); err != nil {
			t.Fatal(err)
		}
	}
	if lk.loads["configuration_type"] != 1 || lk.loads["manufacturer"] != 1 {
		t.Errorf("loads = %v, want each table once", lk.loads)
	}
}

func TestNeedsRecord(t *testing.T) {
	w, err := mapper(t, plan.RolePSA, "contact").NewWriter(psaLookups(), WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !w.NeedsRecord([]string{"title", "phones"}) || w.NeedsRecord([]string{"title", "first_name"}) {
		t.Error("phones are built from the whole record, titles are not")
	}
	// A region is looked up under its country: an update of the state
	// alone needs the record's country (it was left empty before).
	d, err := mapper(t, plan.RoleDoc, "location").NewWriter(docLookups(), WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.NeedsRecord([]string{"state"}) || d.NeedsRecord([]string{"city"}) {
		t.Error("a scoped lookup needs the whole record, a plain field does not")
	}
}

func TestNewWriterNeedsLookups(t *testing.T) {
	if _, err := mapper(t, plan.RolePSA, "configuration").NewWriter(nil, WriterOptions{}); err == nil {
		t.Fatal("an object with lookup fields needs a lookup source")
	}
}

// expandNames replaces {psa} in a wanted message with the shipped sync's PSA
// system name, and {reason:LOOKUP} with the reason of that PSA lookup, so
// that the tests spell no system's name.
func expandNames(t *testing.T, s string) string {
	t.Helper()
	p := shippedPlan(t)
	psa := p.Syncs[0].PSA
	s = strings.ReplaceAll(s, "{psa}", psa)
	return regexp.MustCompile(`\{reason:(\w+)\}`).ReplaceAllStringFunc(s, func(m string) string {
		name := m[len("{reason:") : len(m)-1]
		for _, sys := range p.Systems {
			if sys.Name != psa {
				continue
			}
			for _, l := range sys.Lookups {
				if l.Name == name && l.Reason != "" {
					return l.Reason
				}
			}
		}
		t.Fatalf("the PSA %s has no lookup %s with a reason", psa, name)
		return ""
	})
}

// Coupled fields (a lookup scoped under a parent lookup) are written
// together: a parent that changes takes its child along, resolved under
// the new parent, or sent empty when it does not resolve there; a child
// that changes alone is resolved under the parent of Record, and a reason
// never prints a nil parent as %!q(<nil>).
func TestPrepareCoupledFields(t *testing.T) {
	lk := docLookups()
	lk.tables["country"] = append(lk.tables["country"], connectors.LookupEntry{ID: "2", Label: "Canada"})
	lk.tables["region"] = append(lk.tables["region"], connectors.LookupEntry{ID: "20", Label: "Ontario", Parent: "2"})
	w, err := mapper(t, plan.RoleDoc, "location").NewWriter(lk, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Coupled(); !reflect.DeepEqual(got, map[string]string{"state": "country"}) {
		t.Fatalf("Coupled() = %v", got)
	}
	cases := []struct {
		name    string
		change  Change
		fields  map[string]any
		cleared bool
		reason  string // substring of the state's omission, if any
	}{
		{"the country changes, the state resolves under it",
			Change{Fields: map[string]any{"country": "Canada"}, Record: map[string]any{"country": "Canada", "state": "Ontario"}},
			map[string]any{"attributes.country-id": int64(2), "attributes.region-id": int64(20)}, false, ""},
		{"the country changes, the state is not one of its regions: sent empty",
			Change{Fields: map[string]any{"country": "Canada"}, Record: map[string]any{"country": "Canada", "state": "Illinois"}},
			map[string]any{"attributes.country-id": int64(2), "attributes.region-id": nil}, true, ""},
		{"the state changes alone, under the record's country",
			Change{Fields: map[string]any{"state": "Ontario"}, Record: map[string]any{"country": "Canada", "state": "Ontario"}},
			map[string]any{"attributes.region-id": int64(20)}, false, ""},
		{"the state changes alone, without the record: the reason says so",
			Change{Fields: map[string]any{"state": "Ontario"}},
			map[string]any{}, false, "country is not in the change"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := w.Prepare(context.Background(), c.change)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out.Fields, c.fields) {
				t.Errorf("fields\n got %#v\nwant %#v", out.Fields, c.fields)
			}
			if (out.Cleared["state"] != "") != c.cleared {
				t.Errorf("cleared = %v, want the state cleared: %v", out.Cleared, c.cleared)
			}
			if c.reason != "" && !strings.Contains(out.Omitted["state"], c.reason) {
				t.Errorf("omitted = %v, want the state's reason to say %q", out.Omitted, c.reason)
			}
			for f, why := range out.Omitted {
				if strings.Contains(why, "%!") {
					t.Errorf("reason of %s: %q", f, why)
				}
			}
		})
	}
}
