package main

import (
	"strings"
	"testing"

	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/controls"
	"mapsync/workflows"
)

// push records confirmations of documentation records and refuses what
// it cannot push, with clear messages and exit codes.
func TestPushCommand(t *testing.T) {
	data := t.TempDir()
	base := []string{"--mappings", "../../mappings", "--sync", shippedSync(t).Name, "--data-dir", data, "--no-run"}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"psa id refused", []string{"push", "configuration", "psa:12"}, exitUsage, "push confirms documentation records"},
		{"bad prefix", []string{"push", "configuration", "x:12"}, exitUsage, "the prefix must be psa: or doc:"},
		{"unknown object", []string{"push", "gadget", "12"}, exitUsage, `no object "gadget"`},
		{"object not flowing to the psa", []string{"push", "ticket", "12"}, exitFailure, "does not flow to the PSA"},
		{"confirmed", []string{"push", "configuration", "12", "doc:13", "12"}, exitOK, "2 configuration record(s) confirmed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append(tc.args, base...)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d, want %d with %q\n%s%s", code, tc.code, tc.want, out, errOut)
			}
		})
	}
	set, err := controls.Load(workflows.SyncDir(data, shippedSync(t).Name))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range set.Pushes {
		got = append(got, p.Object+"/"+p.ID)
	}
	if strings.Join(got, " ") != "configuration/12 configuration/13" {
		t.Errorf("confirmations %v, want configuration/12 and configuration/13", got)
	}
}

// push-all previews, refuses a PSA that already holds in-scope records of
// the object (unless --force) and objects that do not flow to the PSA,
// and needs --yes without a terminal.
func TestPushAllCommand(t *testing.T) {
	sb, err := local.Start(local.Options{Data: msp.Options{Seed: 3, Companies: 3, ConfigsPerCo: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	for k, v := range sb.Env() {
		t.Setenv(k, v)
	}
	data := t.TempDir()
	base := []string{"push-all", "--mappings", "../../mappings", "--data-dir", data}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"not flowing to the psa", []string{"--object", "ticket"}, exitFailure, []string{"does not flow to the PSA"}},
		{"the psa holds records", []string{"--object", "configuration"}, exitFailure,
			[]string{"push-all preview", "refused: the PSA already holds", "--force pushes anyway"}},
		{"forced, no terminal", []string{"--object", "configuration", "--force"}, exitUsage,
			[]string{"(forced) the PSA already holds", "pass --yes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append(base, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errOut)
				}
			}
		})
	}
}
