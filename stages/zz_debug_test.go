package stages
import ("testing";"context")
func TestDebugLoc(t *testing.T){
 r, _ := sandboxRun(t, 20, t.TempDir(), "dbg")
 defer r.Close()
 _, err := r.Plan(context.Background())
 t.Log(err)
 for _, q := range []string{
  `SELECT concat_ws(' | ', _id, organization, name, address_1, address_2, city, state, postal_code, country) FROM "stage:connectwise_itglue:location:psa" ORDER BY organization LIMIT 8`,
  `SELECT concat_ws(' | ', _id, organization, name, address_1, address_2, city, state, postal_code, country, _scope_reason) FROM "stage:connectwise_itglue:location:doc" ORDER BY organization LIMIT 8`,
  `SELECT psa_id || ' ' || doc_id FROM links WHERE object = 'organization' AND psa_id IS NOT NULL`,
  `SELECT reason FROM unmatched WHERE object = 'location' AND side = 'psa' LIMIT 5`,
 } { for _, l := range query(t, r, q) { t.Log(l) } }
}
