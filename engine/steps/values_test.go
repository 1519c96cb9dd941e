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
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/plan"
)

// These tests check the value rules (docs/durable-runs.md "What is never
// overwritten") end to end on the sandboxes: a sync run applies its writes
// and commits, and a second run must not read what the first one wrote
// (or could not write) as a change.

// valueSandboxes starts a seeded sandbox pair for the shipped sync.
func valueSandboxes(t *testing.T) *local.Systems {
	t.Helper()
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 3}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	return sys
}

// shippedWith is the shipped plan, unthrottled, with edits to its object
// syncs (the shared plan is not changed).
func shippedWith(t *testing.T, edit func(*plan.ObjectSync)) *plan.Plan {
	t.Helper()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	cp := *unthrottled(p)
	cp.Syncs = slices.Clone(cp.Syncs)
	cp.Syncs[0].Objects = slices.Clone(cp.Syncs[0].Objects)
	if edit != nil {
		for i := range cp.Syncs[0].Objects {
			edit(&cp.Syncs[0].Objects[i])
		}
	}
	return &cp
}

// syncOnce runs the whole sync once: plan, apply every object's writes,
// commit. It returns the run's ops as "object op target_side status
// message fields" lines.
func syncOnce(t *testing.T, p *plan.Plan, sys *local.Systems, dir, runID string) []string {
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
	if _, err := r.Plan(ctx); err != nil {
		t.Fatalf("%s: plan: %v", runID, err)
	}
	for _, name := range r.Objects() {
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
	ops := query(t, r, `SELECT concat_ws(' ', object, op, target_side, status, coalesce(message, reason, '-'), CAST(fields AS VARCHAR)) FROM ops ORDER BY seq`)
	if _, err := r.Commit(ctx, CommitInput{}); err != nil {
		t.Fatalf("%s: commit: %v", runID, err)
	}
	return ops
}

// opsOf keeps the ops lines of one object and op kind bound for one side.
func opsOf(ops []string, object, op, target string) []string {
	var out []string
	for _, o := range ops {
		if strings.HasPrefix(o, object+" "+op+" "+target+" ") {
			out = append(out, o)
		}
	}
	return out
}

// Defect: a location created in the documentation system without its
// region (the region list lacks the PSA's state: lookup miss with
// missing = "empty") was remembered as holding the PSA's state, so the
// next run read the empty region as a documentation-side blanking and
// wiped the PSA's state.
func TestValueNotStoredOnCreateIsNotReadBack(t *testing.T) {
	ctx := context.Background()
	sys := valueSandboxes(t)
	p := shippedWith(t, nil)
	co, err := sys.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	cid := psaID(t, sys, co.Key)
	var state map[string]any
	if err := sys.PSARequest(ctx, http.MethodPost, "/company/states", map[string]any{"identifier": "YT", "name": "Yukon"}, &state); err != nil {
		t.Fatal(err)
	}
	var site map[string]any
	if err := sys.PSARequest(ctx, http.MethodPost, "/company/companies/"+cid+"/sites", map[string]any{
		"name": "Whitehorse Depot", "addressLine1": "1 Ptarmigan St", "city": "Whitehorse", "stateReference": map[string]any{"id": state["id"]},
	}, &site); err != nil {
		t.Fatal(err)
	}
	sitePath := fmt.Sprintf("/company/companies/%s/sites/%v", cid, site["id"])
	dir := t.TempDir()
	ops := syncOnce(t, p, sys, dir, "run1")
	if len(opsOf(ops, "location", "create", "doc")) == 0 {
		t.Fatalf("run 1 created no location in the documentation system: %q", ops)
	}
	ops = syncOnce(t, p, sys, dir, "run2")
	if ups := opsOf(ops, "location", "update", "psa"); len(ups) != 0 {
		t.Errorf("run 2 updates psa locations: %q", ups)
	}
	var got map[string]any
	if err := sys.PSARequest(ctx, http.MethodGet, sitePath, nil, &got); err != nil {
		t.Fatal(err)
	}
	if ref, _ := got["stateReference"].(map[string]any); ref == nil || ref["name"] != "Yukon" {
		t.Errorf("after two runs the PSA site's state is %v, want Yukon", got["stateReference"])
	}
}

// Defect: a location created in the PSA from a documentation record never
// gets its to_doc fields (phone, fax); they were not remembered, so the
// next run copied the PSA's empty values over the documentation's.
func TestOneWayFieldsDoNotFlowBackAfterCreate(t *testing.T) {
	ctx := context.Background()
	sys := valueSandboxes(t)
	p := shippedWith(t, func(o *plan.ObjectSync) {
		if o.Object == "location" {
			o.CreateInPSA = plan.CreateAlways
		}
	})
	co, err := sys.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	org := docID(t, sys, co.Key)
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	body := map[string]any{"data": map[string]any{"type": "locations", "attributes": map[string]any{
		"name": "Harbour Annex", "address-1": "9 Quay Road", "city": "Portland", "phone": "5550100", "fax": "5550101",
	}}}
	if err := sys.DocRequest(ctx, http.MethodPost, "/organizations/"+org+"/relationships/locations", body, &created); err != nil {
		t.Fatal(err)
	}
	if created.Data.ID == "" {
		t.Fatal("the documentation sandbox returned no location id")
	}
	dir := t.TempDir()
	ops := syncOnce(t, p, sys, dir, "run1")
	if len(opsOf(ops, "location", "create", "psa")) == 0 {
		t.Fatalf("run 1 created no location in the PSA: %q", ops)
	}
	ops = syncOnce(t, p, sys, dir, "run2")
	if ups := opsOf(ops, "location", "update", "doc"); len(ups) != 0 {
		t.Errorf("run 2 updates doc locations: %q", ups)
	}
	var got struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := sys.DocRequest(ctx, http.MethodGet, "/locations/"+created.Data.ID, nil, &got); err != nil {
		t.Fatal(err)
	}
	if a := got.Data.Attributes; a["phone"] != "5550100" || a["fax"] != "5550101" {
		t.Errorf("after two runs the documentation location holds phone %v, fax %v", a["phone"], a["fax"])
	}
}

// Defect: a documentation-side edit of a contact's e-mail was refused by
// the engine (the PSA's from_canonical builds one list from emails and
// phones and needs the whole record, which Apply did not give it).
func TestContactEmailEditFlowsToThePSA(t *testing.T) {
	ctx := context.Background()
	sys := valueSandboxes(t)
	p := shippedWith(t, nil)
	co, err := sys.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	syncOnce(t, p, sys, dir, "run1")
	var ct msp.Contact
	var doc string
	for _, c := range co.Contacts {
		if id, ok := sys.DocID(c.Key); ok {
			ct, doc = c, id
			break
		}
	}
	if doc == "" {
		t.Fatalf("company %s has no contact on the documentation side", co.Key)
	}
	const email = "edited.by.hand@example.com"
	body := map[string]any{"data": map[string]any{"type": "contacts", "attributes": map[string]any{
		"contact-emails": []any{map[string]any{"value": email, "label-name": "Work", "primary": true}},
	}}}
	if err := sys.DocRequest(ctx, http.MethodPatch, "/contacts/"+doc, body, nil); err != nil {
		t.Fatal(err)
	}
	// In the same run the PSA's user changes the contact's phone: the
	// e-mail written to the PSA must not put the old phone back (the PSA
	// keeps one list of both).
	pid := psaID(t, sys, ct.Key)
	var cur map[string]any
	if err := sys.PSARequest(ctx, http.MethodGet, "/company/contacts/"+pid, nil, &cur); err != nil {
		t.Fatal(err)
	}
	const phone = "(555) 010-7777"
	items, _ := cur["communicationItems"].([]any)
	changed := false
	for _, it := range items {
		if m, _ := it.(map[string]any); m != nil && m["communicationType"] == "Phone" && !changed {
			m["value"], changed = phone, true
		}
	}
	if !changed {
		items = append(items, map[string]any{"type": map[string]any{"name": "Direct"}, "value": phone})
	}
	if err := sys.PSARequest(ctx, http.MethodPatch, "/company/contacts/"+pid,
		[]map[string]any{{"op": "replace", "path": "/communicationItems", "value": items}}, nil); err != nil {
		t.Fatal(err)
	}
	ops := syncOnce(t, p, sys, dir, "run2")
	for _, o := range opsOf(ops, "contact", "update", "psa") {
		if !strings.Contains(o, " applied ") {
			t.Errorf("run 2: contact update not applied: %s", o)
		}
	}
	var got map[string]any
	if err := sys.PSARequest(ctx, http.MethodGet, "/company/contacts/"+pid, nil, &got); err != nil {
		t.Fatal(err)
	}
	items, _ = got["communicationItems"].([]any)
	holds := map[string]bool{}
	for _, it := range items {
		if m, _ := it.(map[string]any); m != nil {
			v, _ := m["value"].(string)
			holds[v] = true
		}
	}
	if !holds[email] || !holds[phone] {
		t.Errorf("the PSA contact's communication items %v lack the edited e-mail or the new phone", items)
	}
	ops = syncOnce(t, p, sys, dir, "run3")
	if ups := append(opsOf(ops, "contact", "update", "psa"), opsOf(ops, "contact", "update", "doc")...); len(ups) != 0 {
		t.Errorf("run 3 still updates contacts: %q", ups)
	}
}

// Defect: the PSA's list of e-mails replaced the documentation system's
// labelled list, losing the entries the PSA does not hold and their
// labels. With merge_by the entries are merged.
func TestListFieldIsMergedNotReplaced(t *testing.T) {
	ctx := context.Background()
	sys := valueSandboxes(t)
	p := shippedWith(t, nil)
	co, err := sys.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, c := range co.Contacts {
		if id, ok := sys.DocID(c.Key); ok {
			if _, ok := sys.PSAID(c.Key); ok {
				doc = id
				break
			}
		}
	}
	if doc == "" {
		t.Fatalf("company %s has no contact on both sides", co.Key)
	}
	type contact struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	var cur contact
	if err := sys.DocRequest(ctx, http.MethodGet, "/contacts/"+doc, nil, &cur); err != nil {
		t.Fatal(err)
	}
	emails, _ := cur.Data.Attributes["contact-emails"].([]any)
	const extra = "home.only.in.docs@example.com"
	emails = append(emails, map[string]any{"value": extra, "label-name": "Home", "primary": false})
	body := map[string]any{"data": map[string]any{"type": "contacts", "attributes": map[string]any{"contact-emails": emails}}}
	if err := sys.DocRequest(ctx, http.MethodPatch, "/contacts/"+doc, body, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	syncOnce(t, p, sys, dir, "run1")
	ops := syncOnce(t, p, sys, dir, "run2")
	if ups := opsOf(ops, "contact", "update", "doc"); len(ups) != 0 {
		t.Errorf("run 2 updates doc contacts: %q", ups)
	}
	var got contact
	if err := sys.DocRequest(ctx, http.MethodGet, "/contacts/"+doc, nil, &got); err != nil {
		t.Fatal(err)
	}
	items, _ := got.Data.Attributes["contact-emails"].([]any)
	labels := map[string]any{}
	for _, it := range items {
		if m, _ := it.(map[string]any); m != nil {
			v, _ := m["value"].(string)
			labels[v] = m["label-name"]
		}
	}
	if labels[extra] != "Home" {
		t.Errorf("after two runs the documentation contact's e-mails are %v: the Home entry is lost", items)
	}
	for _, it := range emails[:len(emails)-1] {
		m := it.(map[string]any)
		if v, _ := m["value"].(string); labels[v] != m["label-name"] {
			t.Errorf("e-mail %s is labelled %v, was %v", v, labels[v], m["label-name"])
		}
	}
}

// An update none of whose values the target can store (the PSA's new state
// is missing from the documentation system's region list) sends nothing,
// and is remembered: the next run does not plan it again, and the PSA keeps
// its value.
func TestUnstorableUpdateIsRemembered(t *testing.T) {
	ctx := context.Background()
	sys := valueSandboxes(t)
	p := shippedWith(t, nil)
	co, err := sys.SyncedCompany()
	if err != nil {
		t.Fatal(err)
	}
	var sitePath string
	for _, s := range co.Sites {
		if _, ok := sys.DocID(s.Key); ok {
			if id, ok := sys.PSAID(s.Key); ok {
				sitePath = fmt.Sprintf("/company/companies/%s/sites/%s", psaID(t, sys, co.Key), id)
				break
			}
		}
	}
	if sitePath == "" {
		t.Fatalf("company %s has no site on both sides", co.Key)
	}
	dir := t.TempDir()
	syncOnce(t, p, sys, dir, "run1")
	var state map[string]any
	if err := sys.PSARequest(ctx, http.MethodPost, "/company/states", map[string]any{"identifier": "YT", "name": "Yukon"}, &state); err != nil {
		t.Fatal(err)
	}
	if err := sys.PSARequest(ctx, http.MethodPatch, sitePath,
		[]map[string]any{{"op": "replace", "path": "/stateReference", "value": map[string]any{"id": state["id"]}}}, nil); err != nil {
		t.Fatal(err)
	}
	ops := syncOnce(t, p, sys, dir, "run2")
	if len(opsOf(ops, "location", "skip", "doc")) == 0 {
		t.Fatalf("run 2 did not hold back the location update: %q", ops)
	}
	ops = syncOnce(t, p, sys, dir, "run3")
	if got := append(opsOf(ops, "location", "skip", "doc"), opsOf(ops, "location", "update", "psa")...); len(got) != 0 {
		t.Errorf("run 3 plans the unstorable update again, or writes back: %q", got)
	}
	var got map[string]any
	if err := sys.PSARequest(ctx, http.MethodGet, sitePath, nil, &got); err != nil {
		t.Fatal(err)
	}
	if ref, _ := got["stateReference"].(map[string]any); ref == nil || ref["name"] != "Yukon" {
		t.Errorf("the PSA site's state is %v, want Yukon", got["stateReference"])
	}
}
