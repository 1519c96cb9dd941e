package steps

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// stagedSync runs the whole sync once as the workflow does: per object in
// stage order extract both sides, match, diff and apply; then the deferred
// pass of every object that has one, applied; then commit. It returns the
// deferred pass's ops as "object op target_side status fields" lines.
func stagedSync(t *testing.T, p *plan.Plan, sys *local.Systems, dir, runID string) (deferred []string, links map[string][][2]string) {
	t.Helper()
	deferred, links, _ = stagedSyncSince(t, p, sys, dir, runID, time.Time{})
	return deferred, links
}

// stagedSyncSince is stagedSync listing only what changed after since
// (zero: everything). It also returns the extractions.
func stagedSyncSince(t *testing.T, p *plan.Plan, sys *local.Systems, dir, runID string, since time.Time) (deferred []string, links map[string][][2]string, extracts []ExtractResult) {
	t.Helper()
	ctx := context.Background()
	r, err := Open(ctx, Config{
		Plan: p, Dir: dir, RunID: runID, Threads: 1,
		Vars:             connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
		ConnectorOptions: []connectors.Option{connectors.WithClock(fastClock{}), connectors.WithRequestTimeout(10 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	apply := func(name string) {
		batches, err := r.Batches(ctx, name, 1_000_000)
		if err != nil {
			t.Fatalf("%s: batches of %s: %v", runID, name, err)
		}
		for _, b := range batches {
			if _, err := r.Apply(ctx, ApplyInput{Object: name, Range: b, LastAttempt: true}); err != nil {
				t.Fatalf("%s: apply %s: %v", runID, name, err)
			}
		}
	}
	for _, name := range r.Objects() {
		var listing match.Listing
		for _, side := range Sides {
			res, err := r.Extract(ctx, ExtractInput{Object: name, Side: side, Since: since})
			if err != nil {
				t.Fatalf("%s: extract %s: %v", runID, name, err)
			}
			extracts = append(extracts, res)
			if side == match.PSA {
				listing.PSAComplete = res.Complete
			} else {
				listing.DocComplete = res.Complete
			}
		}
		if _, err := r.Match(ctx, name, listing); err != nil {
			t.Fatalf("%s: match %s: %v", runID, name, err)
		}
		if _, err := r.Diff(ctx, name); err != nil {
			t.Fatalf("%s: diff %s: %v", runID, name, err)
		}
		apply(name)
	}
	for _, name := range r.Deferred() {
		if _, err := r.DiffDeferred(ctx, name); err != nil {
			t.Fatalf("%s: deferred %s: %v", runID, name, err)
		}
		apply(name)
	}
	deferred = query(t, r, `SELECT concat_ws(' ', object, op, target_side, status, CAST(fields AS VARCHAR)) FROM ops
		WHERE starts_with(coalesce(reason, ''), ?) ORDER BY seq`, match.DeferredReason)
	links = map[string][][2]string{}
	for _, row := range query(t, r, `SELECT object || ' ' || psa_id || ' ' || doc_id FROM links WHERE psa_id IS NOT NULL AND doc_id IS NOT NULL`) {
		f := strings.Fields(row)
		links[f[0]] = append(links[f[0]], [2]string{f[1], f[2]})
	}
	if _, err := r.Commit(ctx, CommitInput{}); err != nil {
		t.Fatalf("%s: commit: %v", runID, err)
	}
	return deferred, links, extracts
}

// checkPrimaries checks that every linked organization whose PSA primary
// site is linked has exactly that location flagged primary on the doc
// side, and returns how many it checked.
func checkPrimaries(t *testing.T, sys *local.Systems, links map[string][][2]string) int {
	t.Helper()
	ctx := context.Background()
	sites, err := sys.PrimarySites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	flagged, err := sys.FlaggedLocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	loc := map[string]string{}
	for _, l := range links["location"] {
		loc[l[0]] = l[1]
	}
	n := 0
	for _, org := range links["organization"] {
		site, ok := sites[org[0]]
		if !ok || loc[site] == "" {
			continue
		}
		n++
		if got := flagged[org[1]]; !slices.Equal(got, []string{loc[site]}) {
			t.Errorf("doc organization %s (psa %s): flagged locations %v, want [%s] (psa site %s)", org[1], org[0], got, loc[site], site)
		}
	}
	return n
}

func TestDeferredPrimaryLocation(t *testing.T) {
	ctx := context.Background()
	sys := valueSandboxes(t)
	p := shippedWith(t, nil)
	dir := t.TempDir()

	ops, links := stagedSync(t, p, sys, dir, "run1")
	if len(opsOf(ops, "organization", "update", "doc")) == 0 {
		t.Fatalf("run 1 wrote no primary location: %q", ops)
	}
	for _, o := range ops {
		if !strings.Contains(o, "primary_location") || !strings.Contains(o, " applied ") {
			t.Errorf("deferred op not an applied primary_location write: %s", o)
		}
	}
	if n := checkPrimaries(t, sys, links); n == 0 {
		t.Fatal("no organization with a linked primary site to check")
	}

	t.Run("an unchanged second run writes nothing", func(t *testing.T) {
		ops, _ := stagedSync(t, p, sys, dir, "run2")
		for _, o := range ops {
			if !strings.HasPrefix(o, "organization skip") {
				t.Errorf("run 2 deferred op: %s", o)
			}
		}
		if ups := opsOf(ops, "organization", "update", "doc"); len(ups) != 0 {
			t.Errorf("run 2 rewrites primary locations: %q", ups)
		}
	})

	t.Run("a new primary site in the PSA moves the flag", func(t *testing.T) {
		// A second site of a linked company, synced first.
		sites, err := sys.PrimarySites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		company := ""
		for _, org := range links["organization"] {
			if sites[org[0]] != "" {
				company = org[0]
				break
			}
		}
		if company == "" {
			t.Fatal("no linked company with a primary site")
		}
		var created map[string]any
		if err := sys.PSARequest(ctx, http.MethodPost, "/company/companies/"+company+"/sites", map[string]any{
			"name": "Annex", "addressLine1": "9 Side Street", "city": "Springfield",
		}, &created); err != nil {
			t.Fatal(err)
		}
		site := fmt.Sprint(created["id"])
		stagedSync(t, p, sys, dir, "run3")
		if err := sys.SetPrimarySite(ctx, company, site); err != nil {
			t.Fatal(err)
		}
		ops, links = stagedSync(t, p, sys, dir, "run4")
		if ups := opsOf(ops, "organization", "update", "doc"); len(ups) != 1 {
			t.Errorf("run 4 writes %d primary locations, want 1: %q", len(ups), ops)
		}
		checkPrimaries(t, sys, links)
		ops, _ = stagedSync(t, p, sys, dir, "run5")
		if ups := opsOf(ops, "organization", "update", "doc"); len(ups) != 0 {
			t.Errorf("run 5 rewrites primary locations: %q", ups)
		}
	})
}
