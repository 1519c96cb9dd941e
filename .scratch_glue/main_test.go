package pd
import ("testing";"database/sql"; _ "github.com/duckdb/duckdb-go/v2")
func TestDuck(t *testing.T){
 db, err := sql.Open("duckdb", ""); if err != nil { t.Fatal(err) }
 for _, q := range []string{
  `CREATE TABLE x (_id VARCHAR, _invalid JSON)`,
  `INSERT INTO x VALUES ('1', NULL), ('2', '{"primary_mac":"bad"}')`,
  `CREATE TABLE r (source_id VARCHAR)`,
  `INSERT INTO r VALUES ('1'), ('2'), ('3')`,
 } { if _, err := db.Exec(q); err != nil { t.Fatal(err) } }
 for _, q := range []string{
  `SELECT json_object(e.key, json_object('reason', e.value)) FROM r JOIN x ON x._id = r.source_id, json_each(x._invalid) e WHERE x._invalid IS NOT NULL`,
  `SELECT e.key FROM x, json_each(x._invalid) e`,
  `SELECT json_object(e.key, json_object('reason', e.value)) FROM x, json_each(x._invalid) e`,
  `SELECT json_object(e.key, json_object('reason', e.value)) FROM x, json_each(x._invalid) e WHERE x._invalid IS NOT NULL`,
 } {
  rows, err := db.Query(q); if err != nil { t.Log(q, "ERR", err); continue }
  for rows.Next() { var s sql.NullString; rows.Scan(&s); t.Log(q[:30], s) }
  rows.Close()
 }
}
