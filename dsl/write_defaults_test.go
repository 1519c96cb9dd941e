package dsl

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// A create block's defaults are kept as JSON; an update block refuses them.
func TestWriteShapeDefaults(t *testing.T) {
	src := `
create {
  defaults = { isActive = 1, owner = "${var.owner}" }
}
update {
  defaults = { isActive = 1 }
}
`
	f, diags := hclsyntax.ParseConfig([]byte(src), "x.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	content, _ := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "create"}, {Type: "update"}}})
	var create, update hcl.Diagnostics
	for _, b := range content.Blocks {
		w, refs, d := decodeWriteShape(b)
		if b.Type == "create" {
			create = d
			if !strings.Contains(w.Defaults, `"isActive":1`) || len(refs) != 1 {
				t.Errorf("create defaults %q, var refs %v", w.Defaults, refs)
			}
		} else {
			update = d
		}
	}
	if create.HasErrors() {
		t.Errorf("create: %v", create)
	}
	if !update.HasErrors() || !strings.Contains(update.Error(), "Unexpected defaults") {
		t.Errorf("update: %v, want Unexpected defaults", update)
	}
}
