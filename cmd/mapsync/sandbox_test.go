package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors/sandbox/local"
)

// sbBuffer is a goroutine-safe output buffer.
type sbBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *sbBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *sbBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSandboxCommand runs `mapsync sandbox` on free ports: it prints the
// URL of every sandbox, stops on cancel and dumps the fixture asked for.
// The wire protocols are tested in package local (TestServeTLS).
func TestSandboxCommand(t *testing.T) {
	dir := t.TempDir()
	dumpFile := filepath.Join(dir, "state.json")
	args := []string{"sandbox", "--tls", "--companies", "10", "--seed", "4",
		"--cert-file", filepath.Join(dir, "sandbox.pem"), "--dump-fixture", dumpFile}
	sandboxes := local.Sandboxes()
	for i, sb := range sandboxes {
		args = append(args, "--"+sandboxFlag(i, sb, "addr"), "127.0.0.1:0")
	}
	var out, errOut sbBuffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl+C") {
		select {
		case err := <-done:
			t.Fatalf("command ended early: %v\n%s%s", err, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sandboxes did not start:\n%s", out.String())
		}
	}
	for _, sb := range sandboxes {
		re := regexp.MustCompile(regexp.QuoteMeta(sb.Title) + ` sandbox: https://127\.0\.0\.1:\d+`)
		if !re.MatchString(out.String()) {
			t.Errorf("no HTTPS URL printed for the %s sandbox:\n%s", sb.Title, out.String())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("command: %v\n%s", err, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("command did not stop")
	}
	if st, err := os.Stat(dumpFile); err != nil || st.Size() == 0 {
		t.Errorf("no fixture dumped at stop: %v", err)
	}
}

func TestSandboxCommandUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sandbox", "--faults", "5xx=2"}, "between 0 and 1"},
		{[]string{"sandbox", "--companies", "0"}, "--companies must be at least 1"},
		{[]string{"sandbox", "extra"}, "unknown command"},
	}
	if sbs := local.Sandboxes(); len(sbs) > 1 {
		fixture := "--" + sandboxFlag(1, sbs[1], "fixture")
		tests = append(tests, struct {
			args []string
			want string
		}{[]string{"sandbox", "--no-" + sbs[1].Name, fixture, "x.json"}, fixture + " cannot be combined with --no-" + sbs[1].Name})
	}
	for _, tc := range tests {
		code, _, stderr := runCLI(tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}

// The sandbox command's help names only the sandboxes that exist.
func TestSandboxHelpNamesTheSandboxes(t *testing.T) {
	code, stdout, _ := runCLI("sandbox", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for i, sb := range local.Sandboxes() {
		if !strings.Contains(stdout, sb.Title) || !strings.Contains(stdout, "--"+sandboxFlag(i, sb, "addr")) {
			t.Errorf("help does not describe the %s sandbox:\n%s", sb.Title, stdout)
		}
	}
}
