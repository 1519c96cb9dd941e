package synth

import (
	"database/sql"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// The Go and SQL generators must give the same records.
func TestGoAndSQLAgree(t *testing.T) {
	db, err := sql.Open("duckdb", t.TempDir()+"/synth.duckdb")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 5000
	for _, side := range []struct {
		name string
		sql  string
		gen  func(i, n int) Record
	}{{"psa", PSASQL(n), PSA}, {"doc", DocSQL(n), Doc}} {
		rows, err := db.Query(`SELECT _id, _created, organization, configuration_type, name,
			coalesce(serial_number, ''), coalesce(primary_mac, ''), coalesce(_scope_reason, '') FROM (` + side.sql + `) ORDER BY CAST(substr(_id, 2) AS INTEGER)`)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for rows.Next() {
			var got Record
			if err := rows.Scan(&got.ID, &got.Created, &got.Org, &got.Type, &got.Name, &got.Serial, &got.MAC, &got.ScopeReason); err != nil {
				t.Fatal(err)
			}
			got.Created = got.Created.UTC()
			want := side.gen(i, n)
			if got != want {
				t.Fatalf("%s record %d: SQL %+v, Go %+v", side.name, i, got, want)
			}
			i++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if i != n {
			t.Fatalf("%s: %d SQL records, want %d", side.name, i, n)
		}
	}
	for _, side := range []string{"psa", "doc"} {
		rows, err := db.Query(`SELECT _id, name, _created FROM (` + OrgSQL(side, n) + `) ORDER BY CAST(substr(_id, 3) AS INTEGER)`)
		if err != nil {
			t.Fatal(err)
		}
		c := 0
		for rows.Next() {
			var got Org
			var created time.Time
			if err := rows.Scan(&got.ID, &got.Name, &created); err != nil {
				t.Fatal(err)
			}
			want := PSAOrg(c)
			if side == "doc" {
				want = DocOrg(c)
			}
			if got != want {
				t.Fatalf("%s org %d: SQL %+v, Go %+v", side, c, got, want)
			}
			c++
		}
		rows.Close()
		if c != Companies(n) {
			t.Fatalf("%s: %d orgs, want %d", side, c, Companies(n))
		}
	}
}
