package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"mapsync/connectors/sandbox/local"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

// TestDemoExit runs `mapsync demo --exit` on a small MSP: the first sync,
// the edits, the incremental sync under a fault (one record fails), and
// the retry that applies it once the fault is gone.
func TestDemoExit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := run([]string{"demo", "--exit", "--companies", "12", "--data-dir", dir, "--mappings", "../../mappings",
		"--port", strconv.Itoa(devFreePort(t)), "--ui-port", strconv.Itoa(devFreePort(t))}, &out, &errOut)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"first sync: full", "editing both systems", "second sync: incremental", "retrying the failed records", "Where to look"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	failures, err := readFailures(dir, shippedSync(t).Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failures {
		if f.Object == "configuration" {
			t.Errorf("the configuration that failed under the fault is still an error after the retry: %+v", f)
		}
	}
	// The other commands read what the demo left.
	var errs, status bytes.Buffer
	if code := run([]string{"errors", "--data-dir", dir, "--json"}, &errs, &errOut); code != 0 {
		t.Errorf("mapsync errors exited %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(strings.TrimSpace(errs.String()), "[") && strings.TrimSpace(errs.String()) != "null" {
		t.Errorf("mapsync errors --json printed %q", errs.String())
	}
	if code := run([]string{"status", "--data-dir", dir}, &status, &errOut); code != 0 {
		t.Errorf("mapsync status exited %d: %s", code, errOut.String())
	}
	if !strings.Contains(status.String(), "configuration") || !strings.Contains(status.String(), "syncing") {
		t.Errorf("mapsync status lacks the configuration links:\n%s", status.String())
	}
	if _, ok, err := workflows.OpenErrors(workflows.SyncDir(dir, shippedSync(t).Name)); err != nil || !ok {
		t.Errorf("errors file: ok %v, err %v", ok, err)
	}
}

// TestSyncOfPSA: the demo runs the one sync whose psa is the sandbox asked
// for, and says why when there is none, several, or no such sandbox.
func TestSyncOfPSA(t *testing.T) {
	psa := local.DefaultPSA
	p := &plan.Plan{Syncs: []plan.Sync{{Name: "a", PSA: psa, Doc: "d"}, {Name: "b", PSA: "other", Doc: "d"}}}
	if got, err := syncOfPSA(p, psa); err != nil || got != "a" {
		t.Fatalf("syncOfPSA = %q, %v; want a", got, err)
	}
	for _, c := range []struct {
		p    *plan.Plan
		psa  string
		want string
	}{
		{p, "nosuch", "no such PSA sandbox"},
		{&plan.Plan{Syncs: []plan.Sync{{Name: "b", PSA: "other"}}}, psa, "no sync of the mapping set"},
		{&plan.Plan{Syncs: []plan.Sync{{Name: "a", PSA: psa}, {Name: "c", PSA: psa}}}, psa, "several syncs"},
	} {
		if _, err := syncOfPSA(c.p, c.psa); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("syncOfPSA(%q) = %v, want an error with %q", c.psa, err, c.want)
		}
	}
}
