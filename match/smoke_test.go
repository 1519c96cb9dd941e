package match

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := openTestRun(t, dir, "r1")
	linkOrgs(t, r, 1, 2)
	o := object(t, "configuration")
	stageRows(t, r, o, PSA,
		rec("p1", 1, "organization", "pc1", "configuration_type", "Server", "name", "srv", "serial_number", "S1", "notes", "hello", "tags", []string{"a"}, "installed_at", "2024-02-03"),
		rec("p2", 2, "organization", "pc1", "configuration_type", "Server", "name", "srv", "serial_number", "S2", "purchased_at", "2024-02-03T04:05:06Z"),
		rec("p3", 3, "organization", "pc2", "configuration_type", "Server", "name", "srv", "primary_mac", 12),
	)
	stageRows(t, r, o, Doc,
		rec("d1", 1, "organization", "dc1", "configuration_type", "Server", "name", "srv", "serial_number", "S2"),
		rec("d2", 2, "organization", "dc1", "configuration_type", "Server", "name", "srv", "serial_number", "S1"),
		rec("d3", 3, "organization", "dc1", "configuration_type", "Server", "name", "srv"),
	)
	st := mustMatch(t, r, o, Listing{})
	t.Logf("%+v", st)
	t.Log(pairs(t, r, "configuration"))
	t.Log(unmatchedRows(t, r, "configuration"))
	ps, err := r.Plan(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", ps)
	ops, err := r.Ops(ctx, "", "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		t.Logf("%+v %s", op, op.Fields)
	}
	pub, err := r.Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", pub)
	if err := r.Remove(); err != nil {
		t.Fatal(err)
	}
	db, err := OpenResults(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM links").Scan(&n); err != nil {
		t.Fatal(err)
	}
	t.Log("published links", n)
	db.Close()
}
