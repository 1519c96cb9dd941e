package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"mapsync/engine"
	"mapsync/engine/controls"
	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

// publishOrgLinks publishes results in which organization psa:7 is linked
// to doc:8 and psa:8 to doc:9 (so a bare 8 is ambiguous).
func publishOrgLinks(t *testing.T, dataDir string) plan.Sync {
	t.Helper()
	ctx := context.Background()
	p := engine.MustLoadDir("../../mappings")
	s := defaultPSASync(t, p)
	var spec plan.ObjectSync
	for _, o := range s.Objects {
		if o.Object == "organization" {
			spec = o
		}
	}
	var ct plan.CanonicalType
	for _, c := range p.Canonical {
		if c.Name == "organization" {
			ct = c
		}
	}
	obj, err := match.NewObject(spec, ct)
	if err != nil {
		t.Fatal(err)
	}
	r, err := match.OpenRun(ctx, match.Config{Dir: workflows.SyncDir(dataDir, s.Name), Sync: s.Name, RunID: "r1", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Remove()
	stage := func(side match.Side, rows ...match.Row) {
		st, err := r.Stager(ctx, obj, side)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Append(ctx, rows); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	org := func(id, name string) match.Row {
		return match.Row{ID: id, Values: map[string]any{"name": name, "type": "Customer", "status": "Active"}}
	}
	stage(match.PSA, org("7", "Acme"), org("8", "Beta"))
	stage(match.Doc, org("8", "Acme"), org("9", "Beta"))
	if _, err := r.Match(ctx, obj, match.Listing{PSAComplete: true, DocComplete: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// The control commands refuse what they cannot apply, with exit status
// 2 and a message saying why, and record what they can.
func TestControlCommandArguments(t *testing.T) {
	dataDir := t.TempDir()
	cli := func(args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(append(args, "--data-dir", dataDir, "--mappings", "../../mappings", "--sync", shippedSync(t).Name, "--no-run"), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	before := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"link", "disable", "organization"}, exitUsage, "requires at least 2 arg"},
		{[]string{"link", "disable", "planet", "7"}, exitUsage, `has no object "planet"`},
		{[]string{"link", "disconnect", "organization", "x:7"}, exitUsage, "the prefix must be psa: or doc:"},
		{[]string{"link", "disconnect", "organization", "psa:"}, exitUsage, "give an id"},
		{[]string{"link", "disable", "organization", "7"}, exitUsage, "no published results yet"},
		{[]string{"pause", "--type", "Firewall"}, exitUsage, "--type needs --object"},
		{[]string{"pause", "--object", "location", "--type", "Main"}, exitUsage, "no record type to pause by"},
		{[]string{"resume", "--object", "planet"}, exitUsage, `has no object "planet"`},
		{[]string{"pause", "extra"}, exitUsage, "unknown command"},
	}
	for _, args := range [][]string{{"link", "cut", "organization", "7"}, {"link"}} {
		var out bytes.Buffer
		if code := run(args, &out, &out); code != exitUsage || !strings.Contains(out.String(), "mapsync link disable|disconnect|enable") {
			t.Errorf("%v: exit %d, want 2 naming the actions:\n%s", args, code, out.String())
		}
	}
	for _, tc := range before {
		code, out := cli(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, out)
		}
	}

	s := publishOrgLinks(t, dataDir)
	after := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"link", "disable", "organization", "8"}, exitUsage, "is ambiguous"},
		{[]string{"link", "disable", "organization", "psa:9"}, exitUsage, "no organization link has this record"},
		{[]string{"link", "disconnect", "organization", "7", "doc:9"}, exitOK, "psa:8 = doc:9: disconnected (was syncing)"},
		{[]string{"link", "disable", "organization", "doc:9"}, exitOK, "psa:8 = doc:9: sync disabled (was syncing)"},
		{[]string{"link", "enable", "organization", "psa:7"}, exitOK, "psa:7 = doc:8: enabled"},
		{[]string{"pause", "--object", "configuration", "--type", "Firewall"}, exitOK, "configuration of type Firewall: paused"},
		{[]string{"pause", "--object", "configuration", "--type", "Firewall"}, exitOK, "already paused"},
		{[]string{"resume", "--object", "configuration"}, exitOK, "not paused; nothing to resume"},
		{[]string{"pause"}, exitOK, "every object: paused"},
		{[]string{"resume", "--object", "configuration", "--type", "Firewall"}, exitOK, "--no-run: the control applies at the next run"},
	}
	for _, tc := range after {
		code, out := cli(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, out)
		}
	}
	set, err := controls.Load(workflows.SyncDir(dataDir, s.Name))
	if err != nil {
		t.Fatal(err)
	}
	wantLinks := []controls.Link{{Object: "organization", Side: "psa", ID: "8", Action: controls.Disable}}
	if len(set.Links) != 1 || set.Links[0].ID != wantLinks[0].ID || set.Links[0].Action != controls.Disable {
		t.Errorf("link controls %+v, want %+v", set.Links, wantLinks)
	}
	if len(set.Pauses) != 1 || set.Pauses[0].Object != "" {
		t.Errorf("pauses %+v, want the pause of every object only", set.Pauses)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"status", "--data-dir", dataDir, "--temporal", "127.0.0.1:1"}, &out, &errOut); code != 0 ||
		!slices.ContainsFunc(strings.Split(out.String(), "\n"), func(l string) bool {
			return strings.Contains(l, "disable") && strings.Contains(l, "mapsync link enable organization psa:8")
		}) {
		t.Errorf("status exited %d, want the disabled link listed:\n%s%s", code, out.String(), errOut.String())
	}
}
