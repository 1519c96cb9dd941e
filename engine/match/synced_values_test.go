package match

import (
	"context"
	"testing"
)

// SyncedValues answers what SyncedValue answers, for many ids in one query.
func TestSyncedValuesAgreeWithSyncedValue(t *testing.T) {
	ctx := context.Background()
	r := openTestRun(t, t.TempDir(), "r1")
	defer r.Close()
	if _, err := r.DB().ExecContext(ctx, `INSERT INTO links (sync, object, psa_id, doc_id, state, psa_synced, doc_synced) VALUES
		('s', 'organization', 'p1', 'd1', 'syncing', '{"primary_location": "L1"}', '{"primary_location": "X1"}'),
		('s', 'organization', 'p2', 'd2', 'syncing', '{"primary_location": null}', '{}'),
		('s', 'organization', 'p3', 'd3', 'syncing', '{}', '{"primary_location": "X3"}'),
		('s', 'location', 'p1', 'd9', 'syncing', '{"primary_location": "other object"}', '{}')`); err != nil {
		t.Fatal(err)
	}
	ids := []string{"d1", "d2", "d3", "d4"}
	got, err := r.SyncedValues(ctx, "organization", Doc, "primary_location", ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		want, err := r.SyncedValue(ctx, "organization", Doc, id, "primary_location")
		if err != nil {
			t.Fatal(err)
		}
		if got[id] != want {
			t.Errorf("%s: SyncedValues %q, SyncedValue %q", id, got[id], want)
		}
	}
	if got["d1"] != "X1" || got["d3"] != "X3" {
		t.Errorf("values %v, want d1=X1 d3=X3", got)
	}
	psa, err := r.SyncedValues(ctx, "organization", PSA, "primary_location", []string{"p1"})
	if err != nil || psa["p1"] != "L1" {
		t.Errorf("psa side %v (%v), want p1=L1 (not the location link's memory)", psa, err)
	}
}
