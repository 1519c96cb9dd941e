package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"mapsync/engine/match"
	"mapsync/engine/steps"
	"mapsync/workflows"
)

// sandboxWrites counts the requests both sandboxes served that were not
// reads.
func (h *harness) sandboxWrites() int {
	n := 0
	for _, l := range h.sb.Logs() {
		for route, c := range l.ByRoute {
			if !strings.HasPrefix(route, "GET ") && !strings.HasPrefix(route, "HEAD ") {
				n += c
			}
		}
	}
	return n
}

// Defect 7: half the PSA's companies deleted, a full sync stops at the
// mass-change guard with a message saying what it would have done, writes
// nothing and publishes no orphaned link; with the run's override it goes
// through and orphans them.
func TestMassChangeGuardStopsAndAllows(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "guard", small)
	// The first sync (no links yet) is never stopped.
	first := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	if writes(first) == 0 {
		t.Fatal("the first sync wrote nothing")
	}
	companies := h.sb.PSACount("companies")
	deleted := h.sb.PSADeleteEvery("companies", 2)
	if deleted < companies/2 {
		t.Fatalf("deleted %d of %d companies", deleted, companies)
	}
	orphanedLinks := func() int64 {
		t.Helper()
		db, err := match.OpenResults(ctx, workflows.SyncDir(h.dataDir, h.shipped().Name))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int64
		if err := db.QueryRow(`SELECT count(*) FROM links WHERE state = 'orphaned'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	h.sb.ResetLogs()
	res, err := h.sync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log(summary(res))
	if err == nil {
		t.Fatal("a full sync orphaning half the companies' links succeeded")
	}
	if !isMassChange(err) {
		t.Fatalf("run failed with %v, want the mass-change guard's error", err)
	}
	for _, want := range []string{"mass-change guard", "orphan", "--allow-mass-change", "for example"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err.Error(), want)
		}
	}
	if n := h.sandboxWrites(); n != 0 {
		t.Errorf("the stopped run sent %d writes", n)
	}
	if n := orphanedLinks(); n != 0 {
		t.Errorf("the stopped run published %d orphaned links", n)
	}

	// Running again without the override stops again (the stopped run left
	// nothing behind that would let it pass).
	if _, err := h.sync(ctx, workflows.SyncInput{Mode: workflows.ModeFull}); !isMassChange(err) {
		t.Fatalf("second run without the override: %v, want the guard's error", err)
	}

	allowed := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull, Guard: stepsGuardAllow()})
	t.Log(summary(allowed))
	if n := orphanedLinks(); n < int64(deleted) {
		t.Errorf("the allowed run left %d orphaned links, want at least %d", n, deleted)
	}
}

func stepsGuardAllow() steps.GuardOptions { return steps.GuardOptions{Allow: true} }

// isMassChange reports whether err carries the guard's application error
// (the workflow wraps the activity's).
func isMassChange(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) && ae.Type() == "MassChange" {
			return true
		}
		if ae == nil {
			return false
		}
		err = ae
	}
	return false
}
