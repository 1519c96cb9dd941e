package steps

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"

	"mapsync/engine/match"
)

// warningLines reads the sync's warnings of one source record as "object
// side field name value | reason" lines.
func warningLines(t *testing.T, dir, sourceID string) []string {
	t.Helper()
	db, ok, err := match.OpenWarnings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil
	}
	defer db.Close()
	rows, err := db.Query(`SELECT concat_ws(' ', object, side, field, coalesce(name, '-'), coalesce(value, '-'), '|', reason) FROM warnings WHERE source_id = ? ORDER BY object, field`, sourceID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A configuration whose PSA record holds two MAC addresses in one field
// and an operating system the documentation system does not know syncs
// without both fields; the warnings file says so, with the record's name,
// on every run until the values are fixed, and no longer after.
func TestWarningsListFieldsLeftOut(t *testing.T) {
	ctx := context.Background()
	sys := valueSandboxes(t)
	p := shippedWith(t, nil)
	dir := t.TempDir()
	syncOnce(t, p, sys, dir, "run1")
	res, err := match.OpenResults(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var psaID string
	err = res.QueryRow(`SELECT psa_id FROM links WHERE object = 'configuration' AND state = 'syncing' AND doc_id IS NOT NULL
		AND json_extract_string(psa_synced, '/primary_mac') IS NOT NULL ORDER BY psa_id LIMIT 1`).Scan(&psaID)
	res.Close()
	if err != nil {
		t.Fatalf("no linked configuration after run 1: %v", err)
	}
	path := "/company/configurations/" + psaID
	var cfg map[string]any
	if err := sys.PSARequest(ctx, http.MethodGet, path, nil, &cfg); err != nil {
		t.Fatal(err)
	}
	name, _ := cfg["name"].(string)
	patch := func(mac, os string) {
		t.Helper()
		if err := sys.PSARequest(ctx, http.MethodPatch, path, []map[string]any{
			{"op": "replace", "path": "/macAddress", "value": mac},
			{"op": "replace", "path": "/osType", "value": os},
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := warningLines(t, dir, psaID); len(got) != 0 {
		t.Fatalf("run 1 left warnings: %q", got)
	}
	patch("001A2B3C4D5E 001A2B3C4D5F", "Plan 9 from Bell Labs")
	doc := p.Syncs[0].Doc // the documentation system's name
	want := []string{
		`configuration psa operating_system ` + name + ` "Plan 9 from Bell Labs" | not sent to ` + doc + `: operating_system "Plan 9 from Bell Labs" does not exist in ` + doc + `: the field is left empty`,
		`configuration psa primary_mac ` + name + ` "001A2B3C4D5E 001A2B3C4D5F" | MAC address field holds more than one MAC address or is not a MAC address`,
	}
	for _, run := range []string{"run2", "run3"} { // run 3 changes nothing: the warnings stay
		syncOnce(t, p, sys, dir, run)
		if got := warningLines(t, dir, psaID); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: warnings\n%s\nwant\n%s", run, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	db, _, err := match.OpenWarnings(dir)
	if err != nil {
		t.Fatal(err)
	}
	var runs string
	if err := db.QueryRow(`SELECT string_agg(DISTINCT run, ',') FROM warnings`).Scan(&runs); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	db.Close()
	if !strings.Contains(runs, "run") {
		t.Errorf("warnings name no run: %q", runs)
	}
	patch("00:1A:2B:3C:4D:5E", "Windows Server 2022 Standard")
	syncOnce(t, p, sys, dir, "run4")
	if got := warningLines(t, dir, psaID); len(got) != 0 {
		t.Errorf("run 4, values fixed: warnings %q", got)
	}
}
