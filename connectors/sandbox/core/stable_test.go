package core

import (
	"strings"
	"testing"
)

// Two sandboxes that received the same writes under other ids and at other
// times compare equal; a missing or extra record is named.
func TestStableRecordsAndDiff(t *testing.T) {
	a := []byte(`{"format":"x","tables":{"orgs":{"next_id":3,"records":[
		{"id":1,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","data":{"id":1,"name":"Acme","company_id":7,"updated-at":"t1","site":{"id":4,"name":"HQ"}}},
		{"id":2,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","data":{"id":2,"name":"Beta"}}]}}}`)
	b := []byte(`{"format":"x","tables":{"orgs":{"next_id":9,"records":[
		{"id":8,"created":"2026-02-01T00:00:00Z","updated":"2026-02-01T00:00:00Z","data":{"id":8,"name":"Beta"}},
		{"id":7,"created":"2026-02-01T00:00:00Z","updated":"2026-02-01T00:00:00Z","data":{"id":7,"name":"Acme","company_id":9,"updated-at":"t2","site":{"id":5,"name":"HQ"}}}]}}}`)
	sa, err := StableRecords(a)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := StableRecords(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffStable(sa, sb); d != "" {
		t.Fatalf("same writes differ:\n%s", d)
	}
	if got := sa["orgs"][0]; got != `{"name":"Acme","site":{"name":"HQ"}}` {
		t.Errorf("stable record %s", got)
	}
	sb["orgs"] = sb["orgs"][:1]
	d := DiffStable(sa, sb)
	if !strings.Contains(d, "orgs: 2 vs 1 records; 1 missing, 0 extra") || !strings.Contains(d, "Beta") {
		t.Errorf("diff of a lost record: %q", d)
	}
	if _, err := StableRecords([]byte("{")); err == nil {
		t.Error("a broken dump was read")
	}
}
