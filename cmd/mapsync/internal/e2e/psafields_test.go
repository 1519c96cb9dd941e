package e2e

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"mapsync/engine/match"
	"mapsync/workflows"
)

// The first sync through the workflows shows each configuration's answered
// PSA questions, and each company's custom fields, on its documentation
// record (the psa-custom-fields overlay); a documentation-side edit of the
// overlay never reaches the PSA.
func TestFirstSyncShowsPSACustomFields(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "psafields", small)
	sync := h.shipped().Name
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})

	db, err := match.OpenResults(ctx, workflows.SyncDir(h.dataDir, sync))
	if err != nil {
		t.Fatal(err)
	}
	type pair struct{ object, psa, doc string }
	var pairs []pair
	rows, err := db.Query(`SELECT object, psa_id, doc_id FROM links WHERE object IN ('configuration', 'organization')
		AND state = 'syncing' AND psa_id IS NOT NULL AND doc_id IS NOT NULL ORDER BY object, psa_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.object, &p.psa, &p.doc); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, p)
	}
	rows.Close()
	db.Close()
	psaPath := map[string]string{"configuration": "/company/configurations/", "organization": "/company/companies/"}
	docPath := map[string]string{"configuration": "/configurations/", "organization": "/organizations/"}
	shown := map[string]int{}
	var edited *pair
	for i, p := range pairs {
		var psa map[string]any
		if err := h.sb.PSARequest(ctx, http.MethodGet, psaPath[p.object]+p.psa, nil, &psa); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{}
		if p.object == "configuration" {
			qs, _ := psa["questions"].([]any)
			for _, q := range qs {
				m := q.(map[string]any)
				if a, ok := m["answer"].(string); ok && a != "" {
					want[m["question"].(string)] = a
				}
			}
		} else {
			cfs, _ := psa["customFields"].([]any)
			for _, c := range cfs {
				m := c.(map[string]any)
				if v := m["value"]; v != nil && v != "" {
					want[m["caption"].(string)] = v
				}
			}
		}
		var doc struct {
			Data struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"data"`
		}
		if err := h.sb.DocRequest(ctx, http.MethodGet, docPath[p.object]+p.doc, nil, &doc); err != nil {
			t.Fatal(err)
		}
		got := map[string]any{}
		list, _ := doc.Data.Attributes["psa-custom-fields"].([]any)
		for _, e := range list {
			m := e.(map[string]any)
			got[m["name"].(string)] = m["value"]
		}
		if len(got) != len(want) {
			t.Errorf("%s %s: doc shows %v, the PSA holds %v", p.object, p.psa, got, want)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s: %q = %v on the doc side, %v in the PSA", p.object, p.psa, k, got[k], v)
			}
		}
		if len(want) > 0 {
			shown[p.object]++
			if p.object == "configuration" && edited == nil {
				edited = &pairs[i]
			}
		}
	}
	if shown["configuration"] == 0 || shown["organization"] == 0 {
		t.Fatalf("no record shows PSA fields (%v): the test tests nothing", shown)
	}

	// An edit of the overlay in the documentation system stays there and
	// never reaches the PSA.
	var before map[string]any
	if err := h.sb.PSARequest(ctx, http.MethodGet, psaPath["configuration"]+edited.psa, nil, &before); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"data": map[string]any{"type": "configurations", "attributes": map[string]any{
		"psa-custom-fields": []any{map[string]any{"name": "Backup Solution", "value": "edited in docs"}}}}}
	if err := h.sb.DocRequest(ctx, http.MethodPatch, docPath["configuration"]+edited.doc, body, nil); err != nil {
		t.Fatal(err)
	}
	res := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	if db, err = match.OpenResults(ctx, workflows.SyncDir(h.dataDir, sync)); err != nil {
		t.Fatal(err)
	}
	var toPSA int
	err = db.QueryRow(`SELECT count(*) FROM ops WHERE run = ? AND object = 'configuration' AND source_id = ? AND target_side = 'psa'`,
		res.RunID, edited.doc).Scan(&toPSA)
	db.Close()
	if err != nil || toPSA != 0 {
		t.Errorf("the doc-side edit planned %d writes to the PSA (%v)", toPSA, err)
	}
	var after map[string]any
	if err := h.sb.PSARequest(ctx, http.MethodGet, psaPath["configuration"]+edited.psa, nil, &after); err != nil {
		t.Fatal(err)
	}
	if a, b := after["questions"], before["questions"]; !reflect.DeepEqual(a, b) {
		t.Errorf("PSA questions changed: %v -> %v", b, a)
	}
}
