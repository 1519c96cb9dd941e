package itglue

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
)

// TestNodeITGlueClient drives the sandbox over HTTPS with node-itglue, a
// third-party npm client of the real IT Glue API. It never downloads
// anything: it runs only when node is installed and ITGLUE_NODE_MODULES
// names a node_modules directory that holds node-itglue, e.g.
//
//	mkdir -p /tmp/itglue-client && cd /tmp/itglue-client && npm install node-itglue
//	ITGLUE_NODE_MODULES=/tmp/itglue-client/node_modules go test ./connectors/sandbox/itglue -run NodeITGlue
func TestNodeITGlueClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; skipping the node-itglue client check")
	}
	modules := os.Getenv("ITGLUE_NODE_MODULES")
	if modules == "" {
		t.Skip("ITGLUE_NODE_MODULES is not set (a node_modules dir holding node-itglue); skipping the node-itglue client check")
	}
	if _, err := os.Stat(filepath.Join(modules, "node-itglue", "package.json")); err != nil {
		t.Skipf("node-itglue is not installed under %s; skipping the node-itglue client check", modules)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "nodeclient", "check.js"))
	if err != nil {
		t.Fatal(err)
	}

	sb := New(Options{})
	if err := sb.Seed(testDataset(30, 80)); err != nil { // 2400 configurations: 3 pages of 1000
		t.Fatal(err)
	}
	certFile := filepath.Join(t.TempDir(), "sandbox.pem")
	srv, err := core.Start(sb.Handler(), core.ServeOptions{TLS: true, CertFile: certFile})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+modules,
		"NODE_EXTRA_CA_CERTS="+certFile, // trust the sandbox's self-signed certificate
		"SANDBOX_URL="+srv.URL,
		"SANDBOX_KEY="+sb.Credentials().APIKey,
	)
	outb, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("node: %v", err)
	}
	var out struct {
		Configs struct{ Pages, Distinct, Total int }
		Nested  struct {
			Count    int
			AllInOrg bool
		}
		Created      []string
		CreateErrors []string
		Patched      struct{ Notes, Type string }
		BulkArchived int
		BadKey       struct {
			Status int
			Title  string
		}
		PSAWithoutType struct{ Status int } `json:"psaWithoutType"`
		NotFound       struct{ Status int }
	}
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatalf("node output %s: %v", outb, err)
	}
	t.Logf("node-itglue: %s", outb)
	if out.Configs.Pages != 3 || out.Configs.Distinct != 2400 || out.Configs.Total != 2400 {
		t.Errorf("paging: %+v", out.Configs)
	}
	if out.Nested.Count != 80 || !out.Nested.AllInOrg {
		t.Errorf("nested route: %+v", out.Nested)
	}
	if !slices.Equal(out.Created, []string{"NODE-1", "NODE-2"}) || !slices.Equal(out.CreateErrors, []string{"/data/1/attributes/configuration_type_id"}) {
		t.Errorf("batch create: %v errors %v", out.Created, out.CreateErrors)
	}
	if out.Patched.Notes != "from node" || out.Patched.Type != "Managed Server" || out.BulkArchived != 2 {
		t.Errorf("patch: %+v, bulk archived %d", out.Patched, out.BulkArchived)
	}
	if out.BadKey.Status != 403 || out.BadKey.Title != "Forbidden" || out.PSAWithoutType.Status != 422 || out.NotFound.Status != 404 {
		t.Errorf("errors: bad key %+v, psa %+v, not found %+v", out.BadKey, out.PSAWithoutType, out.NotFound)
	}
}
