package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"mapsync/workflows"
)

// deferredUpdates is how many records the deferred-reference passes of a
// run wrote.
func deferredUpdates(r workflows.SyncResult) (n int64) {
	for _, o := range r.Objects {
		if o.Deferred != nil {
			n += o.Deferred.Updated
		}
	}
	return n
}

// checkPrimaryNames checks that every PSA company present on the doc side
// (by name) has exactly its primary site flagged primary there, and
// returns how many it checked.
func checkPrimaryNames(t *testing.T, h *harness) int {
	t.Helper()
	psa, doc, err := h.sb.PrimaryNames(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := h.sb.ListRecords(t.Context(), "doc", "organization")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range orgs {
		name := fmt.Sprint(o.Fields["name"])
		site, ok := psa[name]
		if !ok {
			continue
		}
		n++
		if got := doc[name]; !slices.Equal(got, []string{site}) {
			t.Errorf("doc organization %q: primary locations %q, want [%q]", name, got, site)
		}
	}
	return n
}

// The first sync writes the organizations' primary locations on the doc
// side in the same run (the locations it links are created after the
// organizations), an unchanged run writes nothing, and a new primary site
// in the PSA moves the doc flag on the next incremental run.
func TestDeferredPrimaryLocationEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "refs", small)

	res := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log("first sync " + summary(res))
	if deferredUpdates(res) == 0 {
		t.Fatalf("the first sync wrote no deferred reference\n%s", summary(res))
	}
	if n := checkPrimaryNames(t, h); n == 0 {
		t.Fatal("no synced organization to check")
	}

	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	if n := writes(res); n != 0 {
		t.Errorf("an unchanged incremental run wrote %d records\n%s", n, summary(res))
	}
	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	if n := writes(res); n != 0 {
		t.Errorf("an unchanged full run wrote %d records\n%s", n, summary(res))
	}

	// A new site of a synced company, synced, then made its primary one.
	co, err := h.sb.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	cid, ok := h.sb.PSAID(co.Key)
	if !ok {
		t.Fatalf("no PSA id for %s", co.Key)
	}
	var site map[string]any
	if err := h.sb.PSARequest(ctx, http.MethodPost, "/company/companies/"+cid+"/sites", map[string]any{
		"name": "Riverside Annex", "addressLine1": "12 Quay Road", "city": "Riverside",
	}, &site); err != nil {
		t.Fatal(err)
	}
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	if err := h.sb.SetPrimarySite(ctx, cid, fmt.Sprint(site["id"])); err != nil {
		t.Fatal(err)
	}
	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	t.Logf("after the primary site moved: %d deferred writes, %d requests\n%s", deferredUpdates(res), res.Requests, summary(res))
	if n := deferredUpdates(res); n != 1 {
		t.Errorf("the incremental run after the primary site moved wrote %d deferred references, want 1", n)
	}
	checkPrimaryNames(t, h)
	psa, doc, err := h.sb.PrimaryNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if psa[co.Name] != "Riverside Annex" || !slices.Equal(doc[co.Name], []string{"Riverside Annex"}) {
		t.Errorf("company %q: psa primary %q, doc primaries %q; want Riverside Annex on both", co.Name, psa[co.Name], doc[co.Name])
	}
	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	if n := writes(res); n != 0 {
		t.Errorf("the run after that wrote %d records\n%s", n, summary(res))
	}
}
