package pd
import ("testing";"encoding/json";"os";"mapsync/dsl";"mapsync/engine")
func TestDump(t *testing.T){
 cfg, d := dsl.LoadDir("/work/main/mappings"); if d.HasErrors(){t.Fatal(d)}
 p, d2 := engine.Compile(cfg); if d2.HasErrors(){t.Fatal(d2)}
 b,_ := json.MarshalIndent(p,""," "); os.WriteFile("/tmp/pd/plan.json", b, 0644)
}
