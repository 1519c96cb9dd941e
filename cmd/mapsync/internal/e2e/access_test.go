package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"mapsync/connectors/sandbox/local"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// TestWrongKeyFailsPromptly: with a wrong secret for every system, the run
// fails at its first request with one non-retryable error that names the
// system, its base URL and the variables to check, instead of retrying
// the activity for as long as the retry policy allows.
func TestWrongKeyFailsPromptly(t *testing.T) {
	var psaTitle string
	var secretEnvs []string
	h := newHarnessWith(t, "access", small, func(cfg *workflows.Config) {
		p := testPlan(t)
		for _, v := range p.Variables {
			if v.Sensitive && v.Env != "" {
				secretEnvs = append(secretEnvs, v.Env)
			}
		}
		for _, s := range p.Systems {
			if s.Name == local.DefaultPSA {
				psaTitle = s.Title
			}
		}
		real := cfg.Env
		cfg.Env = func(name string) (string, bool) {
			for _, e := range secretEnvs {
				if e == name {
					return "wrong-key-0000", true
				}
			}
			return real(name)
		}
	})
	if len(secretEnvs) == 0 || psaTitle == "" {
		t.Fatalf("the plan has no sensitive variable or no psa system title")
	}
	// The harness retries activities every second at most, 25 times: a
	// retried 401 would outlast this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := h.sync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	if err == nil || ctx.Err() != nil {
		t.Fatalf("run with a wrong key: err %v (context: %v), want a prompt failure", err, ctx.Err())
	}
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "(type: SystemAccess, retryable: false)") {
		t.Fatalf("run with a wrong key: %v, want a non-retryable SystemAccess error", err)
	}
	msg := err.Error()
	for _, want := range []string{psaTitle + " at http://", "authentication failed", "HTTP 401", "check the variables"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	access := workflows.AccessFailures(err)
	if len(access) == 0 || !strings.Contains(access[0], psaTitle+" at http://") {
		t.Errorf("AccessFailures = %q, want the message of the psa refusal first", access)
	}
	if strings.Contains(msg, "wrong-key-0000") {
		t.Errorf("message leaks the key: %s", msg)
	}
}

// TestDamagedResultsRepair: a truncated results file stops the next run at
// once with the file and the repair command; after the repair (from the
// per-run Parquet files) the links and their memories are back: an
// unchanged full run writes nothing.
func TestDamagedResultsRepair(t *testing.T) {
	h := newHarness(t, "access", small)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	dir := workflows.SyncDir(h.dataDir, h.shipped().Name)
	results := filepath.Join(dir, "results.duckdb")
	if err := os.Truncate(results, 4096); err != nil {
		t.Fatal(err)
	}
	_, err := h.sync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "mapsync repair "+dir) {
		t.Fatalf("run on a truncated results file: %v (context %v), want a prompt failure naming the repair command", err, ctx.Err())
	}
	if _, err := match.RebuildResults(ctx, dir); err != nil {
		t.Fatal(err)
	}
	res := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	if n := writes(res); n != 0 {
		t.Errorf("an unchanged run after the repair wrote %d records\n%s", n, summary(res))
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "work"))
	for _, e := range entries {
		t.Errorf("scratch file left behind: %s", e.Name())
	}
}
