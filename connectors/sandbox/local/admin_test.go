package local

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"mapsync/connectors/sandbox/msp"
)

// The admin endpoint gives another process what the benchmark needs: the
// variables, request logs it can reset, and configuration edits made
// through the PSA's API.
func TestAdminEndpoint(t *testing.T) {
	ctx := context.Background()
	sys, err := Start(Options{Data: msp.Options{Companies: 3, ConfigsPerCo: 2}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	srv := httptest.NewServer(sys.AdminHandler())
	t.Cleanup(srv.Close)
	r, err := DialRemote(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range sys.Env() {
		if got, ok := r.LookupEnv(nil)(name); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", name, got, ok, want)
		}
	}
	if err := r.ChangeConfigurations(ctx, 2, "ADMIN"); err != nil {
		t.Fatal(err)
	}
	// Counting changed records across the process boundary gives what the
	// sandboxes count in place.
	for _, since := range []time.Time{{}, time.Now().Add(-time.Hour)} {
		wr, wp, werr := sys.ChangedSince("psa", "configuration", since)
		gr, gp, gerr := r.ChangedSince("psa", "configuration", since)
		if werr != nil || gerr != nil || gr != wr || gp != wp || wr == 0 {
			t.Errorf("ChangedSince(%v): remote %d %d %v, local %d %d %v", since, gr, gp, gerr, wr, wp, werr)
		}
	}
	if _, _, err := r.ChangedSince("psa", "no-such-object", time.Time{}); err == nil {
		t.Error("an unknown object was counted")
	}
	logs := r.Logs()
	if len(logs) != 2 || logs[0].ByRoute["PATCH /company/configurations/{id}"] != 2 || logs[0].First.IsZero() {
		t.Fatalf("logs after two edits: %+v", logs)
	}
	r.ResetLogs()
	if logs := r.Logs(); len(logs) != 2 || logs[0].Total != 0 || logs[1].Total != 0 {
		t.Errorf("logs after a reset: %+v", logs)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if err := r.ChangeConfigurations(ctx, -1, "X"); err == nil {
		t.Error("a negative count was accepted")
	}
}
