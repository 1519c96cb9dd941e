package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine"
	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// shipped is the shipped plan reduced to the sync of the default PSA
// sandbox (the one local.Start runs by default), the sync these tests run.
var shipped = sync.OnceValues(func() (*plan.Plan, error) {
	l := engine.LoadDir("../../mappings")
	if l.Diags.HasErrors() {
		return nil, fmt.Errorf("mappings: %s", l.Diags.Error())
	}
	p := *l.Plan
	p.Syncs = slices.DeleteFunc(slices.Clone(p.Syncs), func(s plan.Sync) bool { return s.PSA != local.DefaultPSA })
	if len(p.Syncs) != 1 {
		return nil, fmt.Errorf("mappings: %d syncs with psa = system.%s, want 1", len(p.Syncs), local.DefaultPSA)
	}
	return &p, nil
})

// withSettings returns a copy of the plan whose sync has other settings.
func withSettings(p *plan.Plan, kv map[string]any) *plan.Plan {
	cp := *p
	cp.Syncs = slices.Clone(p.Syncs)
	cp.Syncs[0].Settings = map[string]any{}
	for k, v := range p.Syncs[0].Settings {
		cp.Syncs[0].Settings[k] = v
	}
	for k, v := range kv {
		cp.Syncs[0].Settings[k] = v
	}
	return &cp
}

// unthrottled lifts the plan's requests-per-second limits: the sandboxes
// run in this process (the limits protect the real services).
func unthrottled(p *plan.Plan) *plan.Plan {
	cp := *p
	cp.Systems = slices.Clone(p.Systems)
	for i := range cp.Systems {
		cp.Systems[i].RateLimit.RequestsPerSecond, cp.Systems[i].RateLimit.Burst = 0, 0
	}
	return &cp
}

// sandboxRun starts a seeded sandbox pair and opens a run of the shipped
// sync against it.
func sandboxRun(t *testing.T, companies int, dir, runID string) (*Run, *local.Systems) {
	t.Helper()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = unthrottled(p)
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: companies}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	r, err := Open(context.Background(), Config{
		Plan: p, Dir: dir, RunID: runID, Threads: 1,
		Vars: connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, sys
}

// query returns the rows of a one-column query as strings.
// query runs a statement on the run's database; {sync} in it stands for
// the sync's name (stage tables are "stage:<sync>:<object>:<side>").
func query(t *testing.T, r *Run, stmt string, args ...any) []string {
	t.Helper()
	stmt = strings.ReplaceAll(stmt, "{sync}", r.Sync().Name)
	rows, err := r.DB().DB().QueryContext(context.Background(), stmt, args...)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s *string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s == nil {
			out = append(out, "NULL")
		} else {
			out = append(out, *s)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func edge(t *testing.T, d *msp.Dataset, name, side string) []string {
	t.Helper()
	for _, e := range d.EdgeCases {
		if e.Name == name && e.Side == side {
			return e.Keys
		}
	}
	t.Fatalf("the data set has no edge case %s on the %s side", name, side)
	return nil
}

func psaID(t *testing.T, sys *local.Systems, key string) string {
	t.Helper()
	id, ok := sys.PSAID(key)
	if !ok {
		t.Fatalf("no PSA record for key %s", key)
	}
	return id
}

func docID(t *testing.T, sys *local.Systems, key string) string {
	t.Helper()
	id, ok := sys.DocID(key)
	if !ok {
		t.Fatalf("no doc record for key %s", key)
	}
	return id
}

func TestPlanOnSandbox(t *testing.T) {
	ctx := context.Background()
	r, sys := sandboxRun(t, 20, t.TempDir(), "run1")
	defer r.Remove()
	res, err := r.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Extracts {
		if e.Disabled == "" && !e.Complete || e.Rejected > 0 {
			t.Errorf("extract %s %s: complete %v, rejected %d %v", e.Object, e.Side, e.Complete, e.Rejected, e.Rejections)
		}
	}
	d := sys.Data

	t.Run("a multi-MAC configuration is planned without its MAC, with the reason", func(t *testing.T) {
		id := psaID(t, sys, edge(t, d, msp.EdgeConfigMultiMAC, "psa")[0])
		got := query(t, r, `SELECT op || ' ' || reason FROM ops WHERE object = 'configuration' AND source_id = ? ORDER BY seq`, id)
		if !slices.Contains(got, "invalid primary_mac: MAC address field holds more than one MAC address or is not a MAC address") {
			t.Errorf("ops of %s: %q", id, got)
		}
		fields := query(t, r, `SELECT CAST(fields AS VARCHAR) FROM ops WHERE object = 'configuration' AND source_id = ? AND op IN ('create', 'update')`, id)
		if len(fields) != 1 || strings.Contains(fields[0], "primary_mac") || !strings.Contains(fields[0], `"name"`) {
			t.Errorf("the configuration must still be written, without its MAC: %q", fields)
		}
	})

	t.Run("out-of-scope companies and configurations are listed with reasons", func(t *testing.T) {
		for _, key := range append(edge(t, d, msp.EdgeCompanyUnsyncedType, "psa"), edge(t, d, msp.EdgeCompanyUnsyncedStatus, "psa")...) {
			got := query(t, r, `SELECT action || ': ' || reason FROM unmatched WHERE object = 'organization' AND side = 'psa' AND id = ?`, psaID(t, sys, key))
			if len(got) != 1 || got[0] != "excluded: out of scope: organization type or status is not set to sync" {
				t.Errorf("company %s: %q", key, got)
			}
		}
		for _, key := range edge(t, d, msp.EdgeConfigUnsyncedType, "psa") {
			got := query(t, r, `SELECT reason FROM unmatched WHERE object = 'configuration' AND side = 'psa' AND id = ?`, psaID(t, sys, key))
			if len(got) != 1 || !strings.Contains(got[0], "configuration type or status is not set to sync") {
				t.Errorf("configuration %s: %q", key, got)
			}
		}
		// Records of an out-of-scope company are out of scope with it.
		prospect := psaID(t, sys, edge(t, d, msp.EdgeCompanyUnsyncedType, "psa")[0])
		got := query(t, r, `SELECT DISTINCT u.action || ': ' || u.reason FROM "stage:{sync}:configuration:psa" s
			LEFT JOIN unmatched u ON u.object = 'configuration' AND u.side = 'psa' AND s._id = u.id
			WHERE s.organization = ? ORDER BY 1`, prospect)
		if !slices.Contains(got, "excluded: out of scope: its organization is out of scope: organization type or status is not set to sync") {
			t.Errorf("configurations of company %s: %q", prospect, got)
		}
		for _, g := range got {
			if !strings.HasPrefix(g, "excluded: out of scope: ") {
				t.Errorf("configuration of company %s: %s", prospect, g)
			}
		}
	})

	t.Run("a doc record documented twice: the earliest created is matched", func(t *testing.T) {
		keys := edge(t, d, msp.EdgeDocDuplicate, "doc")
		orig, dup := docID(t, sys, keys[0]), docID(t, sys, keys[1])
		got := query(t, r, `SELECT psa_id FROM links WHERE object = 'configuration' AND doc_id = ?`, orig)
		if len(got) != 1 || got[0] != psaID(t, sys, keys[0]) {
			t.Errorf("the original %s is linked to %q, want the PSA record of %s", orig, got, keys[0])
		}
		if got := query(t, r, `SELECT state FROM links WHERE object = 'configuration' AND doc_id = ? AND psa_id IS NOT NULL`, dup); len(got) != 0 {
			t.Errorf("the duplicate %s is linked: %q", dup, got)
		}
		// Reported, not merged: the duplicate is unmatched, and says why.
		got = query(t, r, `SELECT action || ': ' || reason FROM unmatched WHERE object = 'configuration' AND side = 'doc' AND id = ?`, dup)
		if len(got) != 1 || !strings.Contains(got[0], "records with the same") || !strings.Contains(got[0], "are matched to other records") {
			t.Errorf("the duplicate %s is not reported as one: %q", dup, got)
		}
	})

	t.Run("equal PSA records take equal doc records in order of creation", func(t *testing.T) {
		keys := edge(t, d, msp.EdgeConfigDupNameType, "psa")
		psa := query(t, r, `SELECT _id FROM "stage:{sync}:configuration:psa" WHERE _id IN (?, ?) ORDER BY _created, _id`,
			psaID(t, sys, keys[0]), psaID(t, sys, keys[1]))
		var docs []string
		for _, k := range keys {
			if id, found := sys.DocID(k); found {
				docs = append(docs, id)
			}
		}
		if len(docs) == 0 {
			t.Skip("the doc side has no copy of these configurations in this data set")
		}
		docs = query(t, r, `SELECT _id FROM "stage:{sync}:configuration:doc" WHERE list_contains(?, _id) ORDER BY _created, _id`, docs)
		for i, doc := range docs { // the k-th created PSA record takes the k-th created doc record
			if got := query(t, r, `SELECT psa_id FROM links WHERE object = 'configuration' AND doc_id = ?`, doc); len(got) != 1 || got[0] != psa[i] {
				t.Errorf("doc %s is linked to %q, want PSA record %s (%d. created)", doc, got, psa[i], i+1)
			}
		}
		if len(docs) == 1 {
			got := query(t, r, `SELECT outcome || ': ' || reason FROM match_decisions WHERE object = 'configuration' AND psa_id = ?`, psa[1])
			if len(got) != 1 || !strings.HasPrefix(got[0], "lost: ") {
				t.Errorf("the younger PSA record %s: %q", psa[1], got)
			}
		}
	})

	t.Run("a company the doc side already has is matched, not created", func(t *testing.T) {
		psa := psaID(t, sys, "c0001")
		got := query(t, r, `SELECT rule || ' ' || doc_id FROM links WHERE object = 'organization' AND psa_id = ?`, psa)
		if len(got) != 1 || got[0] != "name "+docID(t, sys, "c0001") {
			t.Errorf("links of c0001: %q", got)
		}
		if got := query(t, r, `SELECT op FROM ops WHERE object = 'organization' AND op = 'create' AND source_id = ?`, psa); len(got) != 0 {
			t.Errorf("c0001 is created again: %q", got)
		}
	})

	t.Run("ticket configurations are read from their sub-resource, for in-scope tickets only", func(t *testing.T) {
		got := query(t, r, `SELECT count(*) FILTER (WHERE configurations IS NOT NULL)::VARCHAR || ' ' ||
				count(*) FILTER (WHERE configurations IS NOT NULL AND _scope_reason IS NOT NULL)::VARCHAR
			FROM "stage:{sync}:ticket:psa"`)
		var with, outWith int
		fmt.Sscan(got[0], &with, &outWith)
		if with == 0 || outWith != 0 {
			t.Errorf("tickets with configurations: %d (out of scope: %d)", with, outWith)
		}
		fetches := 0
		for _, e := range res.Extracts {
			fetches += e.Fetches
		}
		if fetches == 0 {
			t.Error("no sub-resource was fetched")
		}
	})

	t.Run("a flag reference: the doc organization's primary location", func(t *testing.T) {
		got := query(t, r, `SELECT count(*)::VARCHAR || ' ' || count(l._id)::VARCHAR
			FROM "stage:{sync}:organization:doc" o
			LEFT JOIN "stage:{sync}:location:doc" l ON l._id = o.primary_location AND l.organization = o._id
				AND json_extract_string(l._raw, '$.attributes.primary') = 'true'
			WHERE o.primary_location IS NOT NULL`)
		var n, ok int
		fmt.Sscan(got[0], &n, &ok)
		if n == 0 || n != ok {
			t.Errorf("%d organizations have a primary location, %d of them a flagged location of their own", n, ok)
		}
	})

	t.Run("the whole source record of an op", func(t *testing.T) {
		id := query(t, r, `SELECT min(_id) FROM "stage:{sync}:contact:psa" WHERE emails IS NOT NULL`)[0]
		rec, err := r.SourceRecord(ctx, "contact", match.Op{Seq: 1, SourceSide: match.PSA, SourceID: id,
			Fields: []byte(`{"title": {"old": "a", "new": "Chief Coffee Officer"}}`)})
		if err != nil {
			t.Fatal(err)
		}
		emails, _ := rec["emails"].([]any)
		if rec["title"] != "Chief Coffee Officer" || len(emails) == 0 || rec["_id"] != nil || rec["first_name"] == nil {
			t.Errorf("source record of contact %s: %#v", id, rec)
		}
	})

	t.Run("the report adds up", func(t *testing.T) {
		rep, err := r.Report(ctx, ReportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Objects) != len(r.Objects()) {
			t.Fatalf("report has %d objects", len(rep.Objects))
		}
		org := rep.Objects[0]
		if org.Object != "organization" || org.Records.PSA != 20 || org.Create.Doc == 0 || len(org.Matched) == 0 {
			t.Errorf("organization report: %+v", org)
		}
	})

	if _, err := r.Publish(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDisabledObjectSkipsItsStages(t *testing.T) {
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	cp := withSettings(p, map[string]any{"contacts": false})
	r, err := Open(context.Background(), Config{Plan: cp, Dir: t.TempDir(), RunID: "off", Threads: 1,
		Vars: connectors.NewResolver(cp.Variables, func(string) (string, bool) { return "http://127.0.0.1:1", true })})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Remove()
	ex, err := r.Extract(context.Background(), ExtractInput{Object: "contact", Side: match.PSA})
	if err != nil || !strings.Contains(ex.Disabled, "settings.contacts") || ex.Pages != 0 {
		t.Fatalf("extract of a disabled object: %+v, %v", ex, err)
	}
	m, err := r.Match(context.Background(), "contact", match.Listing{})
	if err != nil || m.Disabled == "" {
		t.Fatalf("match of a disabled object: %+v, %v", m, err)
	}
}

func TestExtractResumes(t *testing.T) {
	ctx := context.Background()
	r, _ := sandboxRun(t, 8, t.TempDir(), "resume")
	defer r.Remove()
	// Parents first: configurations are scoped by their organization.
	if _, err := r.Extract(ctx, ExtractInput{Object: "organization", Side: match.PSA}); err != nil {
		t.Fatal(err)
	}
	full, err := r.Extract(ctx, ExtractInput{Object: "configuration", Side: match.PSA})
	if err != nil || !full.Complete || full.Pages != 1 {
		t.Fatalf("full listing: %+v, %v", full, err)
	}
	in := ExtractInput{Object: "configuration", Side: match.PSA, PageSize: 50, MaxPages: 2}
	var staged, calls int
	var cursors []*connectors.Cursor
	for {
		res, err := r.Extract(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		calls++
		staged += res.Staged
		if res.Done {
			if !res.Complete || res.Next != nil {
				t.Fatalf("last call: %+v", res)
			}
			break
		}
		if res.Pages != 2 || res.Next == nil || res.Complete {
			t.Fatalf("call %d: %+v", calls, res)
		}
		cursors = append(cursors, res.Next)
		in.Cursor = res.Next
	}
	if staged != full.Staged || calls != (full.Staged+99)/100 {
		t.Errorf("resumed listing staged %d records in %d calls, want %d", staged, calls, full.Staged)
	}
	// A call repeated from an earlier cursor (a retried activity) stages
	// nothing twice.
	if _, err := r.Extract(ctx, ExtractInput{Object: "configuration", Side: match.PSA, PageSize: 50, MaxPages: 1, Cursor: cursors[0]}); err != nil {
		t.Fatal(err)
	}
	if got := query(t, r, `SELECT count(*)::VARCHAR || '/' || count(DISTINCT _id)::VARCHAR FROM "stage:{sync}:configuration:psa"`); got[0] != fmt.Sprintf("%d/%d", full.Staged, full.Staged) {
		t.Errorf("rows/ids after a repeated page: %s, want %d each", got[0], full.Staged)
	}
}

// Without a sweep bound, an incremental run lists nested records (sites
// under their company) under every linked parent, from the cursor: a site
// can change while its company does not. (With one, the shipped mapping's,
// see TestSweepNestedListing.)
func TestIncrementalListsChildrenOfUnchangedParents(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r1, sys := sandboxRun(t, 6, dir, "first")
	if _, err := r1.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r1.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	site := query(t, r1, `SELECT _id || '/' || organization FROM "stage:{sync}:location:psa"
		WHERE _scope_reason IS NULL AND _id IN (SELECT psa_id FROM links WHERE object = 'location') ORDER BY _id LIMIT 1`)
	if len(site) != 1 {
		t.Fatalf("no linked site after the first run: %v", site)
	}
	id, company, _ := strings.Cut(site[0], "/")
	res := r1.Client(match.PSA).Update(ctx, "location", []connectors.Update{{
		ID: id, Fields: map[string]any{"addressLine2": "Suite 900"}, Refs: map[string]string{"organization": company},
	}})
	if len(res) != 1 || res[0].Status != connectors.StatusOK {
		t.Fatalf("updating site %s: %+v", id, res)
	}
	if err := r1.Close(); err != nil {
		t.Fatal(err)
	}

	p := withoutSweeps(unthrottled(must(shipped())))
	r2, err := Open(ctx, Config{Plan: p, Dir: dir, RunID: "second", Threads: 1,
		Vars: connectors.NewResolver(p.Variables, sys.LookupEnv(nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Remove()
	since := time.Now().Add(-time.Minute)
	orgs, err := r2.Extract(ctx, ExtractInput{Object: "organization", Side: match.PSA, Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if orgs.Staged != 0 {
		t.Fatalf("no company changed, yet %d were staged", orgs.Staged)
	}
	locs, err := r2.Extract(ctx, ExtractInput{Object: "location", Side: match.PSA, Since: since})
	if err != nil {
		t.Fatal(err)
	}
	got := query(t, r2, `SELECT _id FROM "stage:{sync}:location:psa"`)
	if locs.Staged != 1 || len(got) != 1 || got[0] != id {
		t.Errorf("incremental sites: staged %d %v, want just the changed site %s", locs.Staged, got, id)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
