package mappings_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"mapsync/connectors"

	"mapsync/engine/plan"
	"mapsync/engine/records"
)

func mapperOf(t *testing.T, p *plan.Plan, system, object string) *records.Mapper {
	t.Helper()
	var sys plan.System
	for _, s := range p.Systems {
		if s.Name == system {
			sys = s
		}
	}
	var ct plan.CanonicalType
	for _, c := range p.Canonical {
		if c.Name == object {
			ct = c
		}
	}
	m, err := records.New(records.Spec{System: sys, Object: object, Canonical: ct})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ConnectWise configuration questions and company custom fields reach the
// canonical psa_custom_fields as {name, value} (unanswered ones left out),
// IT Glue reads and writes them as the psa-custom-fields attribute, and
// the sync carries them to IT Glue only, clearing them on disconnect.
func TestPSACustomFields(t *testing.T) {
	p := compilePlan(t)
	tests := []struct {
		object string
		raw    map[string]any
		want   []any
	}{
		{"configuration", map[string]any{"id": 7, "name": "SRV-01", "questions": []any{
			map[string]any{"answerId": 70, "questionId": 3, "question": "Backup Solution", "answer": "Veeam", "sequenceNumber": 1},
			map[string]any{"answerId": 71, "questionId": 4, "question": "RAID Level", "sequenceNumber": 2},
			map[string]any{"answerId": 72, "questionId": 5, "question": "Rack", "answer": "", "sequenceNumber": 3},
		}}, []any{map[string]any{"name": "Backup Solution", "value": "Veeam"}}},
		{"organization", map[string]any{"id": 9, "name": "Acme", "customFields": []any{
			map[string]any{"id": 1, "caption": "Contract Tier", "type": "Text", "value": "Gold"},
			map[string]any{"id": 2, "caption": "After Hours Support", "type": "Checkbox", "value": true},
			map[string]any{"id": 3, "caption": "Onboarding Date", "type": "Date", "value": nil},
		}}, []any{map[string]any{"name": "Contract Tier", "value": "Gold"}, map[string]any{"name": "After Hours Support", "value": true}}},
	}
	for _, tt := range tests {
		t.Run(tt.object, func(t *testing.T) {
			row, err := mapperOf(t, p, "connectwise", tt.object).Map(tt.raw, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := row.Values["psa_custom_fields"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("to canonical = %#v, want %#v", got, tt.want)
			}
			// To the doc side: written as the overlay attribute, and read back.
			w, err := mapperOf(t, p, "itglue", tt.object).NewWriter(noLookups{}, records.WriterOptions{DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			out, err := w.Prepare(context.Background(), records.Change{Fields: map[string]any{"psa_custom_fields": tt.want}})
			if err != nil || !out.OK() {
				t.Fatalf("doc write: %v %+v", err, out)
			}
			if got := out.Fields["attributes.psa-custom-fields"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("doc write sends %#v", out.Fields)
			}
			back, err := mapperOf(t, p, "itglue", tt.object).Map(map[string]any{"id": "1", "attributes": map[string]any{"name": "x", "psa-custom-fields": tt.want}}, nil)
			if err != nil || !reflect.DeepEqual(back.Values["psa_custom_fields"], tt.want) {
				t.Errorf("doc read = %#v (%v)", back.Values["psa_custom_fields"], err)
			}
			// Never to the PSA: read-only there.
			cw, err := mapperOf(t, p, "connectwise", tt.object).NewWriter(noLookups{}, records.WriterOptions{DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			out, err = cw.Prepare(context.Background(), records.Change{Fields: map[string]any{"psa_custom_fields": tt.want}})
			if err != nil {
				t.Fatal(err)
			}
			if _, omitted := out.Omitted["psa_custom_fields"]; !omitted || len(out.Fields) != 0 {
				t.Errorf("PSA write must leave the field out: %+v", out)
			}
			f := fieldSync(t, objectOf(t, syncNamed(t, p, "connectwise_itglue"), tt.object), "psa_custom_fields")
			if f.Direction != plan.DirToDoc || !f.ClearOnDisconnect {
				t.Errorf("sync field: direction %s, clear on disconnect %v", f.Direction, f.ClearOnDisconnect)
			}
		})
	}
}

func fieldSync(t *testing.T, o plan.ObjectSync, name string) plan.FieldSync {
	t.Helper()
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("%s has no field %s", o.Object, name)
	return plan.FieldSync{}
}

// noLookups serves no lookup table: the field under test uses none.
type noLookups struct{}

func (noLookups) Lookup(context.Context, string) (*connectors.LookupTable, error) {
	return nil, errors.New("no lookup tables in this test")
}

func (noLookups) CreateLookupValue(context.Context, string, string, string) (connectors.LookupEntry, error) {
	return connectors.LookupEntry{}, errors.New("no lookup tables in this test")
}
