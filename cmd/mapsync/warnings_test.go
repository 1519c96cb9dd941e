package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"mapsync/cmd/mapsync/internal/fieldwarn"
	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine"
	"mapsync/engine/steps"
	"mapsync/workflows"
)

// syncWithoutTemporal runs the shipped sync once against the sandboxes
// through the engine's steps (plan, apply, commit), writing the sync's
// files under dataDir as a worker would.
func syncWithoutTemporal(t *testing.T, dataDir string, sys *local.Systems) string {
	t.Helper()
	ctx := context.Background()
	p := engine.MustLoadDir("../../mappings")
	for i := range p.Systems { // the sandboxes run in this process
		p.Systems[i].RateLimit.RequestsPerSecond, p.Systems[i].RateLimit.Burst = 0, 0
	}
	name := defaultPSASync(t, p).Name
	r, err := steps.Open(ctx, steps.Config{Plan: p, Dir: workflows.SyncDir(dataDir, name), Sync: name, RunID: "cli-run-1", Threads: 1,
		Vars: connectors.NewResolver(p.Variables, sys.LookupEnv(nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, object := range r.Objects() {
		batches, err := r.Batches(ctx, object, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range batches {
			if _, err := r.Apply(ctx, steps.ApplyInput{Object: object, Range: b, LastAttempt: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := r.Commit(ctx, steps.CommitInput{}); err != nil {
		t.Fatal(err)
	}
	return name
}

// The seeded data set holds configurations whose PSA MAC field lists
// several addresses: after a run, `errors --warnings` lists each with the
// configuration's name, field, value and reason (table and JSON), and
// status counts them per object.
func TestErrorsWarnings(t *testing.T) {
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 3}})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	dir := t.TempDir()
	cli := func(args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(append(args, "--data-dir", dir), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := cli("errors", "--warnings"); code != 0 || !strings.Contains(out, "no field warnings") {
		t.Fatalf("before any run: exit %d\n%s", code, out)
	}
	sync := syncWithoutTemporal(t, dir, sys)

	code, out := cli("errors", "--warnings")
	if code != 0 {
		t.Fatalf("errors --warnings exited %d\n%s", code, out)
	}
	row := regexp.MustCompile(`(?m)^` + sync + `\s+configuration\s+psa \d+\s+OMA-HV01\s+primary_mac\s+"00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F"\s+MAC address field holds more than one MAC address`)
	if !regexp.MustCompile(`^SYNC\s+OBJECT\s+RECORD\s+NAME\s+FIELD\s+VALUE\s+REASON\s+RUN\n`).MatchString(out) || !row.MatchString(out) || !strings.Contains(out, "cli-run-1") {
		t.Errorf("errors --warnings:\n%s", out)
	}
	code, out = cli("errors", "--warnings", "--json", "--sync", sync)
	var list []fieldwarn.Warning
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("errors --warnings --json exited %d\n%s", code, out)
	}
	macs := 0
	for _, w := range list {
		if w.Object == "configuration" && w.Field == "primary_mac" && w.Side == "psa" && w.Name != "" && w.Value != nil && w.Run == "cli-run-1" && w.Reason != "" {
			macs++
		}
	}
	if macs < 2 {
		t.Errorf("want the seeded multi-MAC configurations in the JSON, got %+v", list)
	}
	code, out = cli("status", "--sync", sync)
	counts := regexp.MustCompile(`(?m)^\s*` + sync + `\s+configuration\s+\d+\s+(\d+)\s*$`)
	m := counts.FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "field warnings: ") {
		t.Fatalf("status exited %d\n%s", code, out)
	}
	n := 0
	for _, w := range list {
		if w.Object == "configuration" {
			n++
		}
	}
	if m[1] != fmt.Sprint(n) {
		t.Errorf("status counts %s configuration warnings, the list has %d\n%s", m[1], n, out)
	}
}
