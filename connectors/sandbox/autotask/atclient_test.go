package autotask

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
)

// TestApigrateClient drives the sandbox over HTTPS with
// @apigrate/autotask-restapi, a third-party Node client of the real
// Autotask REST API: zone discovery, a query with a nested and/or filter,
// paging over 500 records (by id and through nextPageUrl), get, create
// (top level and child), PATCH and error answers. It never downloads
// anything: it runs only when node is installed and
// MAPSYNC_ATREST_NODE_MODULES names a node_modules directory that holds
// the package, e.g.
//
//	mkdir /tmp/atclient && (cd /tmp/atclient && npm install @apigrate/autotask-restapi@2.0.1)
//	MAPSYNC_ATREST_NODE_MODULES=/tmp/atclient/node_modules go test ./connectors/sandbox/autotask -run ApigrateClient
func TestApigrateClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; skipping the @apigrate/autotask-restapi client check")
	}
	mods := os.Getenv("MAPSYNC_ATREST_NODE_MODULES")
	if mods == "" {
		t.Skip("MAPSYNC_ATREST_NODE_MODULES is not set; to run: npm install @apigrate/autotask-restapi@2.0.1 in a scratch directory and point it at that node_modules")
	}
	if _, err := os.Stat(filepath.Join(mods, "@apigrate", "autotask-restapi", "package.json")); err != nil {
		t.Skipf("@apigrate/autotask-restapi is not installed in %s", mods)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "atclient", "check.js"))
	if err != nil {
		t.Fatal(err)
	}
	sb := New(Options{})
	if err := sb.Seed(dataset()); err != nil {
		t.Fatal(err)
	}
	total := sb.Count("ConfigurationItems")
	if total <= MaxPageSize {
		t.Fatalf("the data set needs more than one page of configuration items, has %d", total)
	}
	wantNested := 0
	for _, r := range sb.table("Companies").All() {
		name, _ := r.Data["companyName"].(string)
		if num(r.Data["companyType"]) == 7 || (r.Data["isActive"] == false && strings.Contains(strings.ToLower(name), "e")) {
			wantNested++
		}
	}
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	srv, err := core.Start(sb.Handler(), core.ServeOptions{TLS: true, CertFile: certFile})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := sb.Credentials()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+mods,
		"NODE_EXTRA_CA_CERTS="+certFile, // trust the sandbox's self-signed certificate
		"SANDBOX_URL="+srv.URL, "AT_USER="+c.UserName, "AT_SECRET="+c.Secret, "AT_CODE="+c.IntegrationCode,
	)
	outb, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("node: %v", err)
	}
	t.Logf("@apigrate/autotask-restapi: %s", outb)
	var out struct {
		ZoneURL  string `json:"zoneUrl"`
		Nested   struct{ Items, Count int }
		IDPaging struct {
			Pages, Distinct int
		} `json:"idPaging"`
		NextPaging struct {
			Pages, Distinct int
		} `json:"nextPaging"`
		Get     struct{ Same bool }
		Created struct {
			Company, ContactCompany int64
			CiNotes, CiTitle        string
		}
		Invalid struct {
			Status int
			Errors []string
		}
		Missing   any
		BadSecret int
	}
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatalf("node output %s: %v", outb, err)
	}
	pages := (total + MaxPageSize - 1) / MaxPageSize
	if out.ZoneURL != srv.URL+"/ATServicesRest/" {
		t.Errorf("zone url %q", out.ZoneURL)
	}
	if out.Nested.Items != wantNested || out.Nested.Count != wantNested || wantNested == 0 {
		t.Errorf("nested filter: %+v, want %d", out.Nested, wantNested)
	}
	if out.IDPaging.Distinct != total || out.NextPaging.Distinct != total || out.NextPaging.Pages != pages {
		t.Errorf("paging: by id %+v, by nextPageUrl %+v; want %d records in %d pages", out.IDPaging, out.NextPaging, total, pages)
	}
	if !out.Get.Same || out.Created.Company == 0 || out.Created.ContactCompany != out.Created.Company ||
		out.Created.CiNotes != "patched from node" || out.Created.CiTitle != "NODE-01" {
		t.Errorf("get/create/patch: %+v %+v", out.Get, out.Created)
	}
	if out.Invalid.Status != 500 || len(out.Invalid.Errors) == 0 || out.Missing != nil || out.BadSecret != 401 {
		t.Errorf("errors: invalid %+v, missing %v, bad secret %d", out.Invalid, out.Missing, out.BadSecret)
	}
}
