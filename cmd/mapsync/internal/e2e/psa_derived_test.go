package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
	"mapsync/workflows"
)

// The PSA of these tests syncs one way into the documentation system:
// accounts and active contacts only, one phone entry per type, and
// locations derived from the address blocks of accounts and contacts.
var derivedData = msp.Options{Seed: 7, Companies: 8, ConfigsPerCo: 1, ContactsPerCo: 4, SitesPerCo: 2, TicketsPerCo: 1}

// dlAddress is a PSA address block.
type dlAddress struct {
	Address1, Address2, City, State, ZipCode, Country *string
}

type dlPhone struct {
	Type, Number string
	Extension    *string
	IsPrimary    bool
}

type dlAccount struct {
	AccountNumber int64
	AccountID     *string
	AccountName   string
	AccountType   string
	Status        string
	Address       *dlAddress
	PhoneNumbers  []dlPhone
	DateModified  string
}

type dlContact struct {
	ContactNumber  int64
	AccountNumber  int64
	FirstName      string
	LastName       *string
	Title          *string
	Active         bool
	Address        *dlAddress
	PhoneNumbers   []dlPhone
	EmailAddresses []struct{ Address string }
	DateModified   string
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func norm(s *string) string { return strings.ToLower(strings.TrimSpace(deref(s))) }

// derivedID is the id the mapping derives for an address of an account
// (empty without a first address line).
func derivedID(account int64, a *dlAddress) string {
	if a == nil || strings.TrimSpace(deref(a.Address1)) == "" {
		return ""
	}
	return fmt.Sprintf("%d|%s|%s|%s|%s|%s", account, norm(a.Address1), norm(a.Address2), norm(a.City), norm(a.State), norm(a.Country))
}

func psaList[T any](ctx context.Context, t *testing.T, h *harness, path string) []T {
	t.Helper()
	var out []T
	for page := 1; ; page++ {
		var body struct {
			Items      []T
			TotalPages int
		}
		if err := h.sb.PSARequest(ctx, http.MethodGet, fmt.Sprintf("%s?pageSize=500&page=%d", path, page), nil, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, body.Items...)
		if page >= body.TotalPages {
			return out
		}
	}
}

// docRecords lists a documentation resource: id -> attributes.
func docRecords(ctx context.Context, t *testing.T, h *harness, path string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for page := 1; ; page++ {
		var doc struct {
			Data []struct {
				ID         string         `json:"id"`
				Attributes map[string]any `json:"attributes"`
			} `json:"data"`
		}
		if err := h.sb.DocRequest(ctx, http.MethodGet, fmt.Sprintf("%s?page[size]=1000&page[number]=%d", path, page), nil, &doc); err != nil {
			t.Fatal(err)
		}
		for _, d := range doc.Data {
			out[d.ID] = d.Attributes
		}
		if len(doc.Data) < 1000 {
			return out
		}
	}
}

// linkStates reads the published links of an object: psa id -> [doc id, state].
func linkStates(t *testing.T, h *harness, object string) map[string][2]string {
	t.Helper()
	db, err := match.OpenResults(t.Context(), workflows.SyncDir(h.dataDir, h.shipped().Name))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT psa_id, coalesce(doc_id, ''), state FROM links WHERE object = ? AND psa_id IS NOT NULL`, object)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var p, d, s string
		if err := rows.Scan(&p, &d, &s); err != nil {
			t.Fatal(err)
		}
		out[p] = [2]string{d, s}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func noErrors(t *testing.T, res workflows.SyncResult) {
	t.Helper()
	for _, o := range res.Objects {
		if o.Errors > 0 || o.Invalid > 0 {
			t.Errorf("%s: %d record errors, %d invalid in a fault-free run", o.Object, o.Errors, o.Invalid)
		}
	}
}

// attr is an attribute of a documentation record as text: "" for null,
// whole numbers (ids) without exponent.
func attr(a map[string]any, name string) string {
	switch v := a[name].(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

func inScope(a dlAccount) bool {
	return (a.AccountType == "Customer" || a.AccountType == "Partner") && a.Status == "Active"
}

// samePerson counts the documentation contacts of an organization with
// this first and last name.
func samePerson(docContacts map[string]map[string]any, org, first, last string) int {
	n := 0
	for _, a := range docContacts {
		if attr(a, "organization-id") == org && attr(a, "first-name") == first && attr(a, "last-name") == last {
			n++
		}
	}
	return n
}

// A first full sync of the one-way PSA: organizations from accounts in
// scope, active contacts only (an inactive one never arrives), one phone
// entry per type with the primary marked, locations derived from the
// addresses (one per distinct address within an account; the account's
// is the organization's primary location, with its primary non-fax number
// without extension). Then an unchanged rerun writes nothing, a
// documentation-side edit never flows back, and an address change gives
// a new location on the incremental run and orphans the old one (kept,
// values untouched) on the next full run.
func TestDerivedLocationsPSAEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	h := newPSAHarness(t, local.DerivedLocationsPSA, local.DerivedLocationsPSA, derivedData, nil)
	cases := local.DerivedLocationsCases(h.sb.Data)
	for _, c := range []string{"contact-inactive", "contacts-shared-address", "contact-account-address", "contact-several-phone-types", "account-primary-phone-extension", "account-primary-phone-not-first"} {
		if len(cases[c]) == 0 {
			t.Fatalf("the seed placed no record for case %s", c)
		}
	}
	accounts := psaList[dlAccount](ctx, t, h, "/accounts")
	contacts := psaList[dlContact](ctx, t, h, "/contacts")
	acct := map[int64]dlAccount{}
	for _, a := range accounts {
		acct[a.AccountNumber] = a
	}
	byNumber := map[string]dlContact{}
	for _, c := range contacts {
		byNumber[fmt.Sprint(c.ContactNumber)] = c
	}
	docBefore := docRecords(ctx, t, h, "/contacts")

	res := h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log("first sync " + summary(res))
	noErrors(t, res)
	h.logErrors()

	orgs, locs, cts := linkStates(t, h, "organization"), linkStates(t, h, "location"), linkStates(t, h, "contact")
	docOrgs := docRecords(ctx, t, h, "/organizations")
	docLocs := docRecords(ctx, t, h, "/locations")
	docContacts := docRecords(ctx, t, h, "/contacts")

	// Organizations: exactly the accounts in scope, field by field.
	for _, a := range accounts {
		l, linked := orgs[fmt.Sprint(a.AccountNumber)]
		if linked != inScope(a) {
			t.Errorf("account %d (%s, %s): linked %v, in scope %v", a.AccountNumber, a.AccountType, a.Status, linked, inScope(a))
			continue
		}
		if !linked {
			continue
		}
		d := docOrgs[l[0]]
		if d["name"] != a.AccountName || attr(d, "short-name") != deref(a.AccountID) ||
			d["organization-type-name"] != a.AccountType || d["organization-status-name"] != a.Status {
			t.Errorf("account %d: doc organization %s has name %v, short name %v, type %v, status %v", a.AccountNumber, l[0],
				d["name"], d["short-name"], d["organization-type-name"], d["organization-status-name"])
		}
	}

	// Contacts: the active ones of linked accounts are linked; an inactive
	// one is neither linked nor created.
	inactive := 0
	for _, c := range contacts {
		a := acct[c.AccountNumber]
		if !inScope(a) {
			continue
		}
		_, linked := cts[fmt.Sprint(c.ContactNumber)]
		if linked != c.Active {
			t.Errorf("contact %d (active %v): linked %v", c.ContactNumber, c.Active, linked)
		}
		if !c.Active {
			inactive++
			org := orgs[fmt.Sprint(c.AccountNumber)][0]
			if before, after := samePerson(docBefore, org, c.FirstName, deref(c.LastName)), samePerson(docContacts, org, c.FirstName, deref(c.LastName)); after != before {
				t.Errorf("inactive contact %d reached the doc side: %d contacts of that name before, %d after", c.ContactNumber, before, after)
			}
		}
	}

	if inactive == 0 {
		t.Error("no inactive contact of a synced account to check")
	}

	// Phones: one entry per type, the primary marked, extensions kept.
	checkedPhones := 0
	for _, key := range cases["contact-several-phone-types"] {
		id, _ := h.sb.PSAID(key)
		c := byNumber[id]
		l, ok := cts[id]
		if !ok || !inScope(acct[c.AccountNumber]) {
			continue
		}
		want := map[string]dlPhone{}
		for _, p := range c.PhoneNumbers {
			if w, seen := want[p.Type]; !seen || (p.IsPrimary && !w.IsPrimary) {
				want[p.Type] = p
			}
		}
		got := map[string]map[string]any{}
		items, _ := docContacts[l[0]]["contact-phones"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			typ := fmt.Sprint(m["label-name"])
			if _, dup := got[typ]; dup {
				t.Errorf("contact %s: two doc phone entries of type %s: %v", id, typ, items)
			}
			got[typ] = m
		}
		if len(got) != len(want) || len(want) < 2 {
			t.Errorf("contact %s: doc phones %v, want one per type of %v", id, items, c.PhoneNumbers)
		}
		for typ, p := range want {
			m := got[typ]
			ext, _ := m["extension"].(string)
			if m == nil || m["value"] != p.Number || (m["primary"] == true) != p.IsPrimary || ext != deref(p.Extension) {
				t.Errorf("contact %s: doc phone of type %s is %v, want %+v", id, typ, m, p)
			}
		}
		checkedPhones++
	}
	if checkedPhones == 0 {
		t.Error("no synced contact with several phone types to check")
	}

	// Locations: one per distinct address within each linked account.
	flagged, err := h.sb.FlaggedLocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		ol, ok := orgs[fmt.Sprint(a.AccountNumber)]
		if !ok {
			continue
		}
		want := map[string]bool{}
		if id := derivedID(a.AccountNumber, a.Address); id != "" {
			want[id] = true
		}
		for _, c := range contacts {
			if c.AccountNumber == a.AccountNumber && c.Active {
				if id := derivedID(a.AccountNumber, c.Address); id != "" {
					want[id] = true
				}
			}
		}
		var got []string
		for id := range locs {
			if strings.HasPrefix(id, fmt.Sprintf("%d|", a.AccountNumber)) {
				got = append(got, id)
			}
		}
		if len(got) != len(want) {
			t.Errorf("account %d: %d linked locations %v, want %d", a.AccountNumber, len(got), got, len(want))
		}
		for _, id := range got {
			if !want[id] {
				t.Errorf("account %d: location %s derived from nothing", a.AccountNumber, id)
			}
		}
		// The account's address is the primary location.
		if id := derivedID(a.AccountNumber, a.Address); id != "" {
			if l := locs[id]; !slices.Equal(flagged[ol[0]], []string{l[0]}) {
				t.Errorf("account %d: doc organization %s flags locations %v, want [%s]", a.AccountNumber, ol[0], flagged[ol[0]], l[0])
			}
		}
	}

	// An account whose primary phone has an extension, or comes after
	// another number: its location's phone is the primary number without
	// the extension, its fax the fax.
	checkedPhone := 0
	for _, key := range slices.Concat(cases["account-primary-phone-extension"], cases["account-primary-phone-not-first"]) {
		id, _ := h.sb.PSAID(key)
		var a dlAccount
		for _, x := range accounts {
			if fmt.Sprint(x.AccountNumber) == id {
				a = x
			}
		}
		l, ok := locs[derivedID(a.AccountNumber, a.Address)]
		if !ok || !inScope(a) {
			continue
		}
		var main, fax string
		for _, p := range a.PhoneNumbers {
			if p.IsPrimary && p.Type != "Fax" {
				main = p.Number
			}
			if p.Type == "Fax" && fax == "" {
				fax = p.Number
			}
		}
		d := docLocs[l[0]]
		gotFax, _ := d["fax"].(string)
		if d["phone"] != main || gotFax != fax || d["name"] != deref(a.Address.Address1) {
			t.Errorf("account %d: doc location %s has name %v, phone %v, fax %v; want %q, %q, %q", a.AccountNumber, l[0], d["name"], d["phone"], d["fax"], deref(a.Address.Address1), main, fax)
		}
		checkedPhone++
	}
	if checkedPhone < 2 {
		t.Errorf("%d synced accounts with a phone extension or a primary phone not first to check, want 2 or more", checkedPhone)
	}

	// Two contacts at one address, and a contact at the account's address:
	// one location each on the doc side.
	countAt := func(org string, a *dlAddress) int {
		n := 0
		for _, d := range docRecords(ctx, t, h, "/locations") {
			if attr(d, "organization-id") == org && strings.EqualFold(attr(d, "address-1"), deref(a.Address1)) && strings.EqualFold(attr(d, "city"), deref(a.City)) {
				n++
			}
		}
		return n
	}
	for _, c := range []string{"contacts-shared-address", "contact-account-address"} {
		checked := 0
		for _, key := range cases[c] {
			id, _ := h.sb.PSAID(key)
			ct := byNumber[id]
			ol, ok := orgs[fmt.Sprint(ct.AccountNumber)]
			if !ok || !ct.Active || ct.Address == nil {
				continue
			}
			if n := countAt(ol[0], ct.Address); n != 1 {
				t.Errorf("%s: contact %s: %d doc locations at %s, want 1", c, id, n, deref(ct.Address.Address1))
			}
			if c == "contact-account-address" && derivedID(ct.AccountNumber, ct.Address) != derivedID(ct.AccountNumber, acct[ct.AccountNumber].Address) {
				t.Errorf("contact %s: not at its account's address", id)
			}
			checked++
			if checked == 2 {
				break
			}
		}
		if checked == 0 {
			t.Errorf("no synced record of case %s to check", c)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// An unchanged rerun writes nothing.
	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	if n := writes(res); n != 0 {
		t.Errorf("an unchanged incremental run wrote %d records\n%s", n, summary(res))
	}

	// A documentation-side edit of a contact's title never reaches the PSA.
	var psaContact, docContact string
	for p, l := range cts {
		psaContact, docContact = p, l[0]
		break
	}
	before := byNumber[psaContact]
	if err := h.sb.EditRecord(ctx, local.SideDoc, "contact", docContact, map[string]any{"title": "Chief Tinkerer"}); err != nil {
		t.Fatal(err)
	}
	h.sb.ResetLogs()
	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	noErrors(t, res)
	psaLog := h.sb.Logs()[0]
	for route, n := range psaLog.ByRoute {
		if !strings.HasPrefix(route, "GET ") {
			t.Errorf("the run sent %d %s requests to the one-way PSA", n, route)
		}
	}
	var after dlContact
	if err := h.sb.PSARequest(ctx, http.MethodGet, "/contacts/"+psaContact, nil, &after); err != nil {
		t.Fatal(err)
	}
	if deref(after.Title) != deref(before.Title) || after.DateModified != before.DateModified {
		t.Errorf("PSA contact %s: title %q modified %s after a doc-side edit, was %q modified %s", psaContact, deref(after.Title), after.DateModified, deref(before.Title), before.DateModified)
	}

	// An account moves: the incremental run creates the new location and
	// makes it the primary one; the next full run orphans the old one,
	// kept with its values.
	var moved dlAccount
	for _, a := range accounts {
		if _, ok := orgs[fmt.Sprint(a.AccountNumber)]; ok && a.Address != nil && derivedID(a.AccountNumber, a.Address) != "" {
			moved = a
			break
		}
	}
	if moved.AccountNumber == 0 {
		t.Fatal("no linked account with an address to move")
	}
	oldID := derivedID(moved.AccountNumber, moved.Address)
	oldDoc := locs[oldID][0]
	oldAttrs := docLocs[oldDoc]
	newLine := "740 Lighthouse Way"
	patch := map[string]any{"Address": map[string]any{"Address1": newLine, "Address2": nil}}
	if err := h.sb.PSARequest(ctx, http.MethodPatch, fmt.Sprintf("/accounts/%d", moved.AccountNumber), patch, nil); err != nil {
		t.Fatal(err)
	}
	// Its contacts at the old address move with it (else they would still
	// derive the old location).
	for _, c := range contacts {
		if c.AccountNumber == moved.AccountNumber && derivedID(c.AccountNumber, c.Address) == oldID {
			if err := h.sb.PSARequest(ctx, http.MethodPatch, fmt.Sprintf("/contacts/%d", c.ContactNumber), patch, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	na := *moved.Address
	na.Address1, na.Address2 = &newLine, nil
	newID := derivedID(moved.AccountNumber, &na)

	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeIncremental})
	t.Log("after the account moved " + summary(res))
	noErrors(t, res)
	locs = linkStates(t, h, "location")
	nl, ok := locs[newID]
	if !ok || nl[1] != "syncing" {
		t.Fatalf("no syncing link for the new address %s: %v", newID, nl)
	}
	if d := docRecords(ctx, t, h, "/locations")[nl[0]]; d["address-1"] != newLine || d["name"] != newLine {
		t.Errorf("new doc location %s: %v", nl[0], d)
	}
	flagged, err = h.sb.FlaggedLocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	docOrg := orgs[fmt.Sprint(moved.AccountNumber)][0]
	if !slices.Equal(flagged[docOrg], []string{nl[0]}) {
		t.Errorf("doc organization %s flags %v, want the new location [%s]", docOrg, flagged[docOrg], nl[0])
	}
	if s := locs[oldID][1]; s != "syncing" {
		t.Errorf("an incremental run changed the old location's link to %s", s)
	}

	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	t.Log("full run after the move " + summary(res))
	noErrors(t, res)
	locs = linkStates(t, h, "location")
	if s := locs[oldID]; s[1] != "orphaned" || s[0] != oldDoc {
		t.Errorf("old location %s: link %v, want orphaned to %s", oldID, s, oldDoc)
	}
	now, ok := docRecords(ctx, t, h, "/locations")[oldDoc]
	if !ok {
		t.Fatalf("the old doc location %s was deleted", oldDoc)
	}
	for _, k := range []string{"name", "address-1", "address-2", "city", "region-name", "postal-code", "country-name", "phone", "fax"} {
		if attr(now, k) != attr(oldAttrs, k) {
			t.Errorf("old doc location %s: %s is %v, was %v", oldDoc, k, now[k], oldAttrs[k])
		}
	}

	res = h.mustSync(ctx, workflows.SyncInput{Mode: workflows.ModeFull})
	if n := writes(res); n != 0 {
		t.Errorf("an unchanged full run wrote %d records\n%s", n, summary(res))
	}
}
