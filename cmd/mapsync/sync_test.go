package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
)

// TestSyncCommands drives the run commands against a Temporal server
// started here and the sandboxes: sync (which starts its own worker), a
// dry run, errors, retry, status and schedule create/list/delete.
func TestSyncCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	dir, srv, sb := serverAndSandboxes(ctx, t)
	for k, v := range sb.Env() {
		t.Setenv(k, v)
	}
	common := []string{"--temporal", srv.HostPort(), "--data-dir", dir}
	cli := func(args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(append(args, common...), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	withMappings := func(args ...string) []string { return append(args, "--mappings", "../../mappings") }

	code, out := cli(withMappings("sync", "--full", "--dry-run")...)
	if code != 0 || !strings.Contains(out, "dry run: nothing written") {
		t.Fatalf("sync --dry-run exited %d:\n%s", code, out)
	}
	code, out = cli(withMappings("sync", "--full")...)
	if code != 0 || !strings.Contains(out, "configuration") {
		t.Fatalf("sync --full exited %d:\n%s", code, out)
	}
	t.Log(out)
	code, out = cli(withMappings("sync")...)
	if code != 0 || !strings.Contains(out, "(incremental)") {
		t.Fatalf("sync exited %d:\n%s", code, out)
	}
	var errs, errOut bytes.Buffer
	if code := run([]string{"errors", "--data-dir", dir}, &errs, &errOut); code != 0 {
		t.Errorf("errors exited %d:\n%s%s", code, errs.String(), errOut.String())
	}
	// Whatever failed is retried; records that fail again make it exit 1.
	if code, out = cli(withMappings("retry")...); code != 0 && code != 1 {
		t.Errorf("retry exited %d:\n%s", code, out)
	}
	code, out = cli("status")
	if code != 0 || !strings.Contains(out, "recent runs:") || !strings.Contains(out, "mapsync-sync-"+shippedSync(t).Name) || !strings.Contains(out, "syncing") {
		t.Errorf("status exited %d:\n%s", code, out)
	}
	if code, out = cli(withMappings("schedule", "create", "--every", "1h")...); code != 0 {
		t.Errorf("schedule create exited %d:\n%s", code, out)
	}
	if code, out = cli("schedule", "list"); code != 0 || !strings.Contains(out, "mapsync-schedule-"+shippedSync(t).Name) {
		t.Errorf("schedule list exited %d:\n%s", code, out)
	}
	if code, out = cli(withMappings("schedule", "delete")...); code != 0 {
		t.Errorf("schedule delete exited %d:\n%s", code, out)
	}
}

// serverAndSandboxes starts a Temporal server (no UI) in a temporary data
// directory and the sandboxes seeded with a small MSP; both stop with the
// test.
func serverAndSandboxes(ctx context.Context, t *testing.T) (string, *devserver.Server, *local.Systems) {
	t.Helper()
	dir := t.TempDir()
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: dir, Port: devFreePort(t), DisableUI: true,
		SearchAttributes: mapsyncSearchAttributes(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	sb, err := local.Start(local.Options{Data: msp.Options{Seed: 3, Companies: 8, ConfigsPerCo: 4, ContactsPerCo: 2, SitesPerCo: 1, TicketsPerCo: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return dir, srv, sb
}
