package main

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"mapsync/engine/plan"
	"mapsync/workflows"
)

// TestRecordRefs: --record OBJECT pairs with the IDs in order (or
// OBJECT=ID), a side prefix is kept, a bare id is resolved through the
// published links, and unknown, ambiguous or unpaired ids are usage errors.
func TestRecordRefs(t *testing.T) {
	data := t.TempDir()
	dir := workflows.SyncDir(data, "s")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", filepath.Join(dir, "results.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE links AS SELECT * FROM (VALUES
		('contact', '10', '20', 'syncing'), ('contact', '11', '10', 'syncing'), ('contact', '12', '30', 'syncing')) t(object, psa_id, doc_id, state)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	p := &plan.Plan{Syncs: []plan.Sync{{Name: "s", Objects: []plan.ObjectSync{{Object: "contact"}, {Object: "organization"}}}}}
	tests := []struct {
		name    string
		objects []string
		args    []string
		want    []workflows.RecordRef
		usage   bool
	}{
		{name: "prefixed", objects: []string{"contact", "organization"}, args: []string{"doc:5", "psa:7"},
			want: []workflows.RecordRef{{Object: "contact", Side: "doc", ID: "5"}, {Object: "organization", Side: "psa", ID: "7"}}},
		{name: "object=id", objects: []string{"contact=psa:3"}, want: []workflows.RecordRef{{Object: "contact", Side: "psa", ID: "3"}}},
		{name: "bare id found on the doc side", objects: []string{"contact"}, args: []string{"30"}, want: []workflows.RecordRef{{Object: "contact", Side: "doc", ID: "30"}}},
		{name: "bare id found on the psa side", objects: []string{"contact"}, args: []string{"12"}, want: []workflows.RecordRef{{Object: "contact", Side: "psa", ID: "12"}}},
		{name: "bare id on both sides", objects: []string{"contact"}, args: []string{"10"}, usage: true},
		{name: "bare id unknown", objects: []string{"contact"}, args: []string{"99"}, usage: true},
		{name: "unknown object", objects: []string{"ticket"}, args: []string{"doc:1"}, usage: true},
		{name: "unpaired", objects: []string{"contact", "contact"}, args: []string{"doc:1"}, usage: true},
		{name: "bad prefix", objects: []string{"contact"}, args: []string{"x:1"}, usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recordRefs(context.Background(), p, "s", data, tt.objects, tt.args)
			if tt.usage {
				var ee *exitError
				if !errors.As(err, &ee) || ee.code != exitUsage {
					t.Fatalf("err = %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}
