package connectwise

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// TestConnectwiseRestClient drives the sandbox with a real third-party
// client, the npm package connectwise-rest, through testdata/cwrest/check.js.
// It never downloads anything: it runs only when node is installed and
// MAPSYNC_CWREST_NODE_MODULES names a node_modules directory that holds
// the package, e.g.
//
//	mkdir /tmp/cwrest && (cd /tmp/cwrest && npm install connectwise-rest)
//	MAPSYNC_CWREST_NODE_MODULES=/tmp/cwrest/node_modules go test ./connectors/sandbox/connectwise -run ConnectwiseRest
func TestConnectwiseRestClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; skipping the connectwise-rest client check")
	}
	mods := os.Getenv("MAPSYNC_CWREST_NODE_MODULES")
	if mods == "" {
		t.Skip("MAPSYNC_CWREST_NODE_MODULES is not set; to run: npm install connectwise-rest in a scratch directory and point it at that node_modules")
	}
	if _, err := os.Stat(filepath.Join(mods, "connectwise-rest", "package.json")); err != nil {
		t.Skipf("connectwise-rest is not installed in %s", mods)
	}
	sb := New(Options{})
	if err := sb.Seed(msp.Generate(msp.Options{Seed: 9, Companies: 20})); err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	srv, err := core.Start(sb.Handler(), core.ServeOptions{TLS: true, CertFile: certFile}) // the client only speaks https
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := sb.Credentials()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "cwrest", "check.js"))
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+mods,
		"NODE_EXTRA_CA_CERTS="+certFile,
		"CW_HOST="+strings.TrimPrefix(srv.URL, "https://"),
		"CW_COMPANY="+c.CompanyID, "CW_PUBLIC="+c.PublicKey, "CW_PRIVATE="+c.PrivateKey, "CW_CLIENTID="+c.ClientID,
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("connectwise-rest check failed: %v\n%s", err, out)
	}
	t.Logf("connectwise-rest: %s", strings.TrimSpace(string(out)))
	if !strings.HasPrefix(string(out), "ok ") {
		t.Errorf("unexpected output %q", out)
	}
}
