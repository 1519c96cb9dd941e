package e2e

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"mapsync/cmd/mapsync/internal/fieldwarn"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// Runs through the workflows on the sandboxes leave out the fields a
// configuration cannot sync (several MAC addresses in one field, an
// operating system IT Glue's list lacks); `mapsync errors --warnings`
// lists each with the configuration's name and `mapsync status` counts
// them per object, until the values are fixed.
func TestWarningsListedAndCounted(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newHarness(t, "warnings", small)
	sync := h.shipped().Name
	h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})

	db, err := match.OpenResults(ctx, workflows.SyncDir(h.dataDir, sync))
	if err != nil {
		t.Fatal(err)
	}
	var psaID string
	err = db.QueryRow(`SELECT psa_id FROM links WHERE object = 'configuration' AND state = 'syncing' AND doc_id IS NOT NULL
		AND json_extract_string(psa_synced, '/primary_mac') IS NOT NULL ORDER BY psa_id LIMIT 1`).Scan(&psaID)
	db.Close()
	if err != nil {
		t.Fatalf("no linked configuration with a MAC address: %v", err)
	}
	path := "/company/configurations/" + psaID
	var cfg map[string]any
	if err := h.sb.PSARequest(ctx, http.MethodGet, path, nil, &cfg); err != nil {
		t.Fatal(err)
	}
	name, _ := cfg["name"].(string)
	patch := func(mac, os string) {
		t.Helper()
		if err := h.sb.PSARequest(ctx, http.MethodPatch, path, []map[string]any{
			{"op": "replace", "path": "/macAddress", "value": mac},
			{"op": "replace", "path": "/osType", "value": os},
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	patch("001A2B3C4D5E 001A2B3C4D5F", "Plan 9 from Bell Labs")
	res := h.mustSync(ctx, workflows.SyncInput{})
	t.Log(summary(res))

	list, err := fieldwarn.Read(h.dataDir, []string{sync})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	fieldwarn.Print(&table, list)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^` + sync + `\s+configuration\s+psa ` + psaID + `\s+` + regexp.QuoteMeta(name) +
			`\s+primary_mac\s+"001A2B3C4D5E 001A2B3C4D5F"\s+MAC address field holds more than one MAC address.*\s` + res.RunID + `$`),
		regexp.MustCompile(`(?m)^` + sync + `\s+configuration\s+psa ` + psaID + `\s+` + regexp.QuoteMeta(name) +
			`\s+operating_system\s+"Plan 9 from Bell Labs"\s+not sent to ` + h.shipped().Doc + `: .*does not exist in ` + h.shipped().Doc + `.*\s` + res.RunID + `$`),
	} {
		if !want.MatchString(table.String()) {
			t.Errorf("errors --warnings lacks %s:\n%s", want, table.String())
		}
	}
	configs := 0
	for _, w := range list {
		if w.Object == "configuration" {
			configs++
		}
	}
	var status bytes.Buffer
	fieldwarn.PrintCounts(&status, nil, fieldwarn.Problems(list))
	count := regexp.MustCompile(`(?m)^\s*` + sync + `\s+configuration\s+0\s+(\d+)\s*$`).FindStringSubmatch(status.String())
	if count == nil || count[1] != itoa(configs) || configs < 2 || !strings.Contains(status.String(), "field warnings: "+itoa(len(list))) {
		t.Errorf("status counts (%d configuration warnings listed):\n%s", configs, status.String())
	}

	// Fixed in the PSA: the next run writes both, the warnings go.
	patch("00:1A:2B:3C:4D:5E", "Windows Server 2022 Standard")
	h.mustSync(ctx, workflows.SyncInput{})
	if list, err = fieldwarn.Read(h.dataDir, []string{sync}); err != nil {
		t.Fatal(err)
	}
	for _, w := range list {
		if w.SourceID == psaID && w.Object == "configuration" {
			t.Errorf("fixed values still warned: %+v", w)
		}
	}
}

func itoa(n int) string {
	var b []byte
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
