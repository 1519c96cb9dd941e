package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"mapsync/engine/match"
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

// resultLinks reads the published links: object -> [psa id, doc id].
func resultLinks(t *testing.T, h *harness) map[string][][2]string {
	t.Helper()
	db, err := match.OpenResults(t.Context(), workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT object, psa_id, doc_id FROM links WHERE psa_id IS NOT NULL AND doc_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][][2]string{}
	for rows.Next() {
		var o, p, d string
		if err := rows.Scan(&o, &p, &d); err != nil {
			t.Fatal(err)
		}
		out[o] = append(out[o], [2]string{p, d})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkPrimaries checks that every linked organization whose PSA primary
// site is linked has exactly that site's location flagged primary on the
// doc side, and returns how many it checked.
func checkPrimaries(t *testing.T, h *harness) int {
	t.Helper()
	links := resultLinks(t, h)
	sites, err := h.sb.PrimarySites(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	flagged, err := h.sb.FlaggedLocations(t.Context())
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
	if n := checkPrimaries(t, h); n == 0 {
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
	checkPrimaries(t, h)
	sites, err := h.sb.PrimarySites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sites[cid] != fmt.Sprint(site["id"]) {
		t.Errorf("company %s: primary site %s, want the new one %v", cid, sites[cid], site["id"])
	}
	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	if n := writes(res); n != 0 {
		t.Errorf("the run after that wrote %d records\n%s", n, summary(res))
	}
}

// Only a ticket's configurations change in the PSA (its updated date does
// not move): the next incremental run through the workflows writes them to
// the doc side's ticket.
func TestTicketConfigurationsReachDocIncrementally(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "refs", small)
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	time.Sleep(1100 * time.Millisecond) // the PSA's dates have whole seconds
	res := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	quiet := res.Requests

	links := resultLinks(t, h)
	open, err := h.sb.OpenTickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfgDoc := map[string]string{}
	for _, l := range links["configuration"] {
		cfgDoc[l[0]] = l[1]
	}
	var ticket, docTicket, cfg string
	for _, l := range links["ticket"] {
		company, ok := open[l[0]]
		if !ok || cfg != "" {
			continue
		}
		have, err := h.sb.DocTicketConfigurations(ctx, l[1])
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := h.sb.CompanyConfigurations(ctx, company)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cfgs {
			if cfgDoc[c] != "" && !slices.Contains(have, cfgDoc[c]) {
				ticket, docTicket, cfg = l[0], l[1], c
				break
			}
		}
	}
	if cfg == "" {
		t.Fatal("no open linked ticket with a linked configuration of its company to add")
	}
	if err := h.sb.AddTicketConfiguration(ctx, ticket, cfg); err != nil {
		t.Fatal(err)
	}
	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	t.Logf("incremental run after a ticket's configurations changed: %d requests (an unchanged incremental run: %d)\n%s", res.Requests, quiet, summary(res))
	got, err := h.sb.DocTicketConfigurations(ctx, docTicket)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, cfgDoc[cfg]) {
		t.Errorf("doc ticket %s has configurations %v, want the new %s among them", docTicket, got, cfgDoc[cfg])
	}
	for _, o := range res.Objects {
		if o.Object == "ticket" && o.Updated != 1 {
			t.Errorf("the run updated %d tickets, want 1\n%s", o.Updated, summary(res))
		}
	}
	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	if n := writes(res); n != 0 {
		t.Errorf("the next incremental run wrote %d records\n%s", n, summary(res))
	}
}
