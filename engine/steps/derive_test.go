package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/engine"
	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// store is a small HTTP API over in-memory collections: GET /c lists
// (records changed after ?modifiedAfter= only, by DateModified), POST /c
// creates (ids 1, 2, ...), PUT /c/{id} replaces. It counts the lists per
// collection.
type store struct {
	mu     sync.Mutex
	recs   map[string][]map[string]any
	lists  map[string]int
	nextID int
}

func newStore() *store {
	return &store{recs: map[string][]map[string]any{}, lists: map[string]int{}}
}

func (s *store) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	coll := parts[0]
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case req.Method == http.MethodGet && len(parts) == 1:
		s.lists[coll]++
		after := req.URL.Query().Get("modifiedAfter")
		out := []map[string]any{}
		for _, r := range s.recs[coll] {
			if m, _ := r["DateModified"].(string); after == "" || m > after {
				out = append(out, r)
			}
		}
		reply(out)
	case req.Method == http.MethodGet && len(parts) == 2:
		for _, r := range s.recs[coll] {
			if r["id"] == parts[1] {
				reply(r)
				return
			}
		}
		http.NotFound(w, req)
	case req.Method == http.MethodPost && len(parts) == 1:
		var rec map[string]any
		if err := json.NewDecoder(req.Body).Decode(&rec); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.nextID++
		rec["id"] = fmt.Sprint(s.nextID)
		s.recs[coll] = append(s.recs[coll], rec)
		reply(rec)
	case req.Method == http.MethodPut && len(parts) == 2:
		var rec map[string]any
		if err := json.NewDecoder(req.Body).Decode(&rec); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for i, r := range s.recs[coll] {
			if r["id"] == parts[1] {
				rec["id"] = parts[1]
				s.recs[coll][i] = rec
				reply(rec)
				return
			}
		}
		http.NotFound(w, req)
	default:
		http.Error(w, "unsupported", http.StatusMethodNotAllowed)
	}
}

// set replaces (by key and id) or adds a record.
func (s *store) set(coll, key string, rec map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.recs[coll] {
		if r[key] == rec[key] {
			s.recs[coll][i] = rec
			return
		}
	}
	s.recs[coll] = append(s.recs[coll], rec)
}

func (s *store) all(coll string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.recs[coll])
}

func (s *store) listed(coll string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.lists[coll]
	s.lists[coll] = 0
	return n
}

// derivedRun runs every step of one run of the derived-locations fixture,
// full (since zero) or incremental, and returns its extractions and the
// links per psa id after it.
func derivedRun(t *testing.T, p *plan.Plan, vars map[string]string, dir, runID string, since time.Time) (map[string]ExtractResult, map[string]string) {
	t.Helper()
	ctx := context.Background()
	r, err := Open(ctx, Config{
		Plan: p, Dir: dir, RunID: runID, Threads: 1,
		Vars: connectors.NewResolver(p.Variables, func(k string) (string, bool) { v, ok := vars[k]; return v, ok }),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	extracts := map[string]ExtractResult{}
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
			in := ExtractInput{Object: name, Side: side}
			if side == match.PSA {
				in.Since = since
			}
			res, err := r.Extract(ctx, in)
			if err != nil {
				t.Fatalf("%s: extract %s: %v", runID, name, err)
			}
			if res.Rejected > 0 {
				t.Fatalf("%s: extract %s %s rejected %v", runID, name, side, res.Rejections)
			}
			extracts[name+"/"+string(side)] = res
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
	links := map[string]string{}
	for _, row := range query(t, r, `SELECT psa_id || '=' || doc_id || chr(9) || state FROM links WHERE object = 'location' AND psa_id IS NOT NULL`) {
		k, v, _ := strings.Cut(row, "\t")
		links[k] = v
	}
	if _, err := r.Commit(ctx, CommitInput{}); err != nil {
		t.Fatalf("%s: commit: %v", runID, err)
	}
	return extracts, links
}

// Locations derived from accounts and contacts: the first run creates one
// documentation location per distinct address (the account's own address
// winning over a contact's at the same address) and points each
// organization at its primary one; an address change gives a new location
// and orphans the old one on a full run, its documentation record kept
// as it was; an incremental run that did not list a source leaves the
// locations it derives alone.
func TestDerivedLocations(t *testing.T) {
	l := engine.LoadDir("../../testdata/mappings/valid/derived_locations")
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags.Error())
	}
	psa, doc := newStore(), newStore()
	psaSrv, docSrv := httptest.NewServer(psa), httptest.NewServer(doc)
	defer psaSrv.Close()
	defer docSrv.Close()
	vars := map[string]string{"TP_URL": psaSrv.URL, "DOCS_URL": docSrv.URL}
	dir := t.TempDir()

	t0 := "2026-01-01T00:00:00Z"
	account := func(n int, name, addr, city, modified string) map[string]any {
		return map[string]any{"AccountNumber": n, "AccountName": name, "Address1": addr, "City": city, "DateModified": modified,
			"Phones": []any{map[string]any{"Type": "Main", "Number": fmt.Sprintf("555-010%d x9", n), "Primary": true}}}
	}
	contact := func(n, acct int, addr, city, modified string) map[string]any {
		return map[string]any{"ContactNumber": n, "AccountNumber": acct, "FirstName": fmt.Sprint("c", n), "Address1": addr, "City": city,
			"Phone": fmt.Sprintf("555-03%d", n), "DateModified": modified}
	}
	psa.set("accounts", "AccountNumber", account(7, "Acme", "1 Main St", "Springfield", t0))
	psa.set("accounts", "AccountNumber", account(8, "Beta", "", "", t0))
	psa.set("contacts", "ContactNumber", contact(31, 7, "1 MAIN ST", "springfield", t0))
	psa.set("contacts", "ContactNumber", contact(32, 7, "9 Side Rd", "Shelbyville", t0))
	psa.set("contacts", "ContactNumber", contact(33, 7, "9 side rd", "Shelbyville", t0))
	psa.set("contacts", "ContactNumber", contact(34, 8, "5 Elm", "Ogdenville", t0))

	docLocation := func(name string) map[string]any {
		t.Helper()
		var found map[string]any
		for _, r := range doc.all("locations") {
			if r["name"] == name {
				if found != nil {
					t.Fatalf("two documentation locations named %q", name)
				}
				found = r
			}
		}
		if found == nil {
			t.Fatalf("no documentation location named %q in %v", name, doc.all("locations"))
		}
		return found
	}
	primaryOf := func(org string) any {
		for _, r := range doc.all("organizations") {
			if r["name"] == org {
				if v := r["primary_location_id"]; v != nil {
					return fmt.Sprint(v)
				}
				return nil
			}
		}
		t.Fatalf("no documentation organization %q", org)
		return nil
	}

	// Run 1, full.
	ex, links := derivedRun(t, l.Plan, vars, dir, "run1", time.Time{})
	if lx := ex["location/psa"]; !lx.Complete || lx.Staged != 3 || lx.Listed != 6 {
		t.Errorf("run1 location listing %+v: want complete, 3 staged of 6 source records (2 accounts read from staging, 4 contacts listed)", lx)
	}
	if a, c := psa.listed("accounts"), psa.listed("contacts"); a != 1 || c != 1 {
		t.Errorf("run1 listed accounts %d times, contacts %d times: want once each (locations read the staged accounts)", a, c)
	}
	if got := len(doc.all("locations")); got != 3 {
		t.Fatalf("run1: %d documentation locations %v, want 3 (one per distinct address)", got, doc.all("locations"))
	}
	main := docLocation("1 Main St") // the account's address wins over contact 31's
	if main["phone"] != "555-0107" || main["organization_id"] == nil {
		t.Errorf("primary location %v: want the account's phone without extension, and its organization", main)
	}
	// Contacts 32 and 33: one location, the lower contact id wins.
	if side := docLocation("9 Side Rd"); side["phone"] != "555-0332" {
		t.Errorf("location of contacts 32 and 33 %v: want contact 32's phone", side)
	}
	if primaryOf("Acme") != fmt.Sprint(main["id"]) {
		t.Errorf("Acme's primary location is %v, want %v", primaryOf("Acme"), main["id"])
	}
	if primaryOf("Beta") != nil {
		t.Errorf("Beta has no address, but a primary location %v", primaryOf("Beta"))
	}
	for k, state := range links {
		if state != "syncing" {
			t.Errorf("run1 link %s is %s", k, state)
		}
	}
	oldMain := "7|1 main st||springfield=" + fmt.Sprint(main["id"])
	if _, ok := links[oldMain]; !ok {
		t.Fatalf("run1 links %v: no %s", links, oldMain)
	}

	// Run 2, full: the account and contact 31 move to 2 Oak Ave.
	t1 := "2026-01-02T00:00:00Z"
	psa.set("accounts", "AccountNumber", account(7, "Acme", "2 Oak Ave", "Springfield", t1))
	psa.set("contacts", "ContactNumber", contact(31, 7, "2 Oak Ave", "Springfield", t1))
	_, links = derivedRun(t, l.Plan, vars, dir, "run2", time.Time{})
	if links[oldMain] != "orphaned" {
		t.Errorf("run2: the old address's link is %q, want orphaned (links %v)", links[oldMain], links)
	}
	if got := docLocation("1 Main St"); fmt.Sprint(got) != fmt.Sprint(main) {
		t.Errorf("run2: the orphaned documentation location changed: %v, was %v", got, main)
	}
	oak := docLocation("2 Oak Ave")
	if primaryOf("Acme") != fmt.Sprint(oak["id"]) {
		t.Errorf("run2: Acme's primary location is %v, want the new %v", primaryOf("Acme"), oak["id"])
	}
	newMain := "7|2 oak ave||springfield=" + fmt.Sprint(oak["id"])
	if links[newMain] != "syncing" || len(doc.all("locations")) != 4 {
		t.Errorf("run2: links %v, %d documentation locations: want %s linked and 4 locations", links, len(doc.all("locations")), newMain)
	}

	// Run 3, incremental: only the account changed (to 3 Pine St); contact
	// 31, still at 2 Oak Ave, is not listed, and neither is anything else.
	t2 := "2026-01-03T00:00:00Z"
	psa.set("accounts", "AccountNumber", account(7, "Acme", "3 Pine St", "Springfield", t2))
	cursor, _ := time.Parse(time.RFC3339, t1)
	ex, links = derivedRun(t, l.Plan, vars, dir, "run3", cursor)
	if lx := ex["location/psa"]; lx.Complete || lx.Staged != 1 {
		t.Errorf("run3 location listing %+v: want incomplete, only the changed account's location", lx)
	}
	for _, k := range []string{newMain, "7|9 side rd||shelbyville", "8|5 elm||ogdenville"} {
		var state string
		for link, s := range links {
			if strings.HasPrefix(link, k) {
				state = s
			}
		}
		if state != "syncing" {
			t.Errorf("run3: link %s is %q, want left linked (its sources were not listed) in %v", k, state, links)
		}
	}
	if links[oldMain] != "orphaned" {
		t.Errorf("run3: the orphaned link is %q", links[oldMain])
	}
	pine := docLocation("3 Pine St")
	if primaryOf("Acme") != fmt.Sprint(pine["id"]) {
		t.Errorf("run3: Acme's primary location is %v, want %v", primaryOf("Acme"), pine["id"])
	}

	// Run 4, full: 2 Oak Ave is still derived from contact 31: kept.
	_, links = derivedRun(t, l.Plan, vars, dir, "run4", time.Time{})
	if links[newMain] != "syncing" {
		t.Errorf("run4: %s is %q, want linked: contact 31 still derives it", newMain, links[newMain])
	}
	if len(doc.all("locations")) != 5 {
		t.Errorf("run4: %d documentation locations, want 5 (none deleted)", len(doc.all("locations")))
	}
}
