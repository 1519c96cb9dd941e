package plandump

import (
	"encoding/json"
	"os"
	"testing"

	"mapsync/dsl"
	"mapsync/engine"
)

func TestDump(t *testing.T) {
	cfg, diags := dsl.LoadDir("/work/main/mappings")
	for _, d := range diags {
		t.Log(d.Error())
	}
	p, diags := engine.Compile(cfg)
	for _, d := range diags {
		t.Log(d.Error())
	}
	b, _ := json.MarshalIndent(p, "", " ")
	os.WriteFile("/tmp/plandump/plan.json", b, 0o644)
}
