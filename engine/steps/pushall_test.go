package steps

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
)

// openPushAll opens a dry run of the shipped sync on fresh sandboxes that
// pushes all of objects.
func openPushAll(t *testing.T, sys *local.Systems, objects ...string) *Run {
	t.Helper()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = unthrottled(p)
	r, err := Open(context.Background(), Config{
		Plan: p, Dir: t.TempDir(), RunID: "preview", Threads: 1, DryRun: true, PushAll: objects,
		Vars:             connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
		ConnectorOptions: []connectors.Option{connectors.WithClock(fastClock{}), connectors.WithRequestTimeout(10 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// The push-all preview: refused (without --force) while the PSA holds
// in-scope records of the object; against a PSA emptied of the object it
// lists the doc records it would create and refuses nothing.
func TestPreviewPushAll(t *testing.T) {
	cases := []struct {
		name    string
		empty   bool
		refused bool
	}{
		{name: "the PSA holds configurations", refused: true},
		{name: "a PSA emptied of configurations", empty: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sys, err := local.Start(local.Options{Data: msp.Options{Companies: 5}})
			if err != nil {
				t.Fatal(err)
			}
			defer sys.Close()
			if tc.empty {
				if n := sys.PSADeleteEvery("configurations", 1); n <= 0 {
					t.Fatalf("emptying the PSA's configurations deleted %d", n)
				}
			}
			r := openPushAll(t, sys, "configuration")
			prev, err := r.PreviewPushAll(context.Background(), []string{"configuration"})
			if err != nil {
				t.Fatal(err)
			}
			if len(prev) != 1 || prev[0].Object != "configuration" {
				t.Fatalf("preview %+v, want configuration only", prev)
			}
			p := prev[0]
			if got := p.Refusal() != ""; got != tc.refused {
				t.Errorf("refused = %v (%q), want %v; preview %+v", got, p.Refusal(), tc.refused, p)
			}
			if tc.empty && (p.Creates == 0 || len(p.Names) == 0 || p.InScopePSA != 0) {
				t.Errorf("preview %+v, want doc configurations to create, with names, and none in the PSA", p)
			}
		})
	}
}

// Push-all refuses objects that do not flow to the PSA.
func TestCheckPushAll(t *testing.T) {
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	r := openPushAll(t, sys)
	for _, tc := range []struct {
		object string
		want   string // "" = accepted
	}{
		{"configuration", ""},
		{"organization", ""},
		{"ticket", "does not flow to the PSA"},
		{"nosuch", "no object"},
	} {
		err := r.CheckPushAll([]string{tc.object})
		var se *Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want accepted", tc.object, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &se) || se.Kind != KindInput):
			t.Errorf("%s: %v, want an input error with %q", tc.object, err, tc.want)
		}
	}
	if got := r.PushableObjects(); strings.Join(got, ",") != "organization,location,contact,configuration" {
		t.Errorf("pushable objects %v", got)
	}
}
