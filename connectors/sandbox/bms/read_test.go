package bms

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

func TestListPagingCoversEveryRecordOnceInIDOrder(t *testing.T) {
	h := newEnv(t, 12, Options{})
	for _, c := range []struct{ path, coll string }{
		{"/crm/accounts/summary", "accounts"},
		{"/crm/contacts/summary", "contacts"},
		{"/servicedesk/hardwareasset", "hardwareassets"},
		{"/servicedesk/tickets", "tickets"},
		{"/crm/locations", "locations"},
	} {
		want := h.sb.Count(c.coll)
		if want < 5 {
			t.Fatalf("%s: only %d seeded", c.coll, want)
		}
		var last int64
		seen := 0
		for page := 1; ; page++ {
			r := mustOK(t, h.call("GET", c.path+"?PageSize=7&PageNumber="+strconv.Itoa(page), nil))
			if r.total(t) != want {
				t.Fatalf("%s: TotalRecords %d, want %d", c.path, r.total(t), want)
			}
			items := r.list(t)
			if len(items) == 0 {
				break
			}
			if len(items) > 7 {
				t.Fatalf("%s: page of %d", c.path, len(items))
			}
			for _, it := range items {
				id := num(t, it.(map[string]any)["Id"])
				if id <= last {
					t.Fatalf("%s: id %d after %d", c.path, id, last)
				}
				last = id
				seen++
			}
		}
		if seen != want {
			t.Errorf("%s: paged %d records, want %d", c.path, seen, want)
		}
	}
}

func TestPageSizeIsCappedAndDefaulted(t *testing.T) {
	h := newEnv(t, 30, Options{})
	if n := len(mustOK(t, h.call("GET", "/servicedesk/hardwareasset?PageSize=5000", nil)).list(t)); n != MaxPageSize {
		t.Errorf("PageSize=5000 gave %d records, want the cap %d", n, MaxPageSize)
	}
	if n := len(mustOK(t, h.call("GET", "/servicedesk/hardwareasset", nil)).list(t)); n != DefaultPageSize {
		t.Errorf("no PageSize gave %d records, want %d", n, DefaultPageSize)
	}
	if r := h.call("GET", "/servicedesk/hardwareasset?PageSize=ten", nil); r.status != http.StatusBadRequest || r.Success {
		t.Errorf("PageSize=ten: %d %s", r.status, r.body)
	}
}

func TestSearchBodyMatchesQueryFilters(t *testing.T) {
	h := newEnv(t, 10, Options{})
	name := h.d.PSA.Companies[3].Name
	get := mustOK(t, h.call("GET", "/crm/accounts/summary?Filter.AccountName="+url.QueryEscape(name), nil))
	post := mustOK(t, h.call("POST", "/crm/accounts/search", map[string]any{"PageSize": 50, "PageNumber": 1, "Filter": map[string]any{"AccountName": name}}))
	if get.total(t) == 0 || get.total(t) != post.total(t) || string(mustJSON(get.Result)) != string(mustJSON(post.Result)) {
		t.Fatalf("GET %s vs POST %s", get.body, post.body)
	}
	for _, a := range get.list(t) {
		if a.(map[string]any)["AccountName"] != name && get.total(t) == 1 {
			t.Errorf("unexpected %v", a)
		}
	}
	// contacts: the spec's GET search (query) and the POST search (body)
	acct := h.id(h.d.PSA.Companies[3].Key)
	g := mustOK(t, h.call("GET", "/crm/contacts/search?Filter.AccountIds="+itoa(acct), nil))
	p := mustOK(t, h.call("POST", "/crm/contacts/search", map[string]any{"Filter": map[string]any{"AccountIds": []any{acct}}}))
	if g.total(t) != len(h.d.PSA.Companies[3].Contacts) || p.total(t) != g.total(t) {
		t.Errorf("contacts of account %d: GET %d, POST %d, seeded %d", acct, g.total(t), p.total(t), len(h.d.PSA.Companies[3].Contacts))
	}
	if _, ok := g.list(t)[0].(map[string]any)["IsPoc"]; !ok {
		t.Errorf("search-select shape lacks IsPoc: %s", g.body)
	}
}

func TestSortAndExclude(t *testing.T) {
	h := newEnv(t, 10, Options{})
	r := mustOK(t, h.call("GET", "/crm/accounts/summary?Sort=AccountName%20desc&Exclude=Locations&PageSize=100", nil))
	items := r.list(t)
	for i := 1; i < len(items); i++ {
		a, b := items[i-1].(map[string]any), items[i].(map[string]any)
		if compareValues(a["AccountName"], b["AccountName"]) < 0 {
			t.Fatalf("not sorted descending: %v before %v", a["AccountName"], b["AccountName"])
		}
		if _, ok := b["Locations"]; ok {
			t.Fatal("Exclude=Locations left Locations in")
		}
	}
}

func TestModifiedOnWindowsFindOnlyTheChanged(t *testing.T) {
	h := newEnv(t, 8, Options{TokenLifetime: 72 * time.Hour})
	acct := h.id(h.d.PSA.Companies[2].Key)
	h.clock.Add(24 * time.Hour)
	t1 := h.clock.Now()
	mustOK(t, h.callCT("PATCH", "/crm/accounts/"+itoa(acct), []any{map[string]any{"op": "replace", "path": "/Description", "value": "changed"}}, "application/json-patch+json"))
	h.clock.Add(time.Hour)
	t2 := h.clock.Now()

	from := url.QueryEscape(wireTime(t1))
	r := mustOK(t, h.call("GET", "/crm/accounts/summary?Filter.ModifiedOnFrom="+from, nil))
	if r.total(t) != 1 || num(t, r.list(t)[0].(map[string]any)["Id"]) != acct {
		t.Fatalf("ModifiedOnFrom: %s", r.body)
	}
	r = mustOK(t, h.call("GET", "/crm/accounts/summary?Filter.ModifiedOnFrom="+from+"&Filter.ModifiedOnTo="+url.QueryEscape(wireTime(t2)), nil))
	if r.total(t) != 1 {
		t.Fatalf("window: %s", r.body)
	}
	r = mustOK(t, h.call("GET", "/crm/accounts/summary?Filter.ModifiedOnTo="+url.QueryEscape(wireTime(t1.Add(-time.Second))), nil))
	if r.total(t) != h.sb.Count("accounts")-1 {
		t.Fatalf("ModifiedOnTo before the change: %d of %d", r.total(t), h.sb.Count("accounts"))
	}
	if rec, _ := h.sb.ChangedSince("accounts", t1.Add(-time.Nanosecond)); rec != 1 {
		t.Errorf("ChangedSince = %d", rec)
	}
	if r := h.call("GET", "/crm/accounts/summary?Filter.ModifiedOnFrom=yesterday", nil); r.status != http.StatusBadRequest {
		t.Errorf("bad date: %d %s", r.status, r.body)
	}
}

func TestTicketFilters(t *testing.T) {
	h := newEnv(t, 15, Options{})
	all := mustOK(t, h.call("GET", "/servicedesk/tickets?PageSize=100", nil))
	open := mustOK(t, h.call("GET", "/servicedesk/tickets?PageSize=100&Filter.ExcludeCompleted=1", nil))
	closed := 0
	for _, c := range h.d.PSA.Companies {
		for _, tk := range c.Tickets {
			if tk.Closed {
				closed++
			}
		}
	}
	if closed == 0 || open.total(t) != all.total(t)-closed {
		t.Fatalf("ExcludeCompleted: %d of %d, %d closed", open.total(t), all.total(t), closed)
	}
	r := mustOK(t, h.call("POST", "/servicedesk/tickets/search", map[string]any{"PageSize": 100, "Filter": map[string]any{"StatusNames": "New,Closed"}}))
	for _, it := range r.list(t) {
		if s := it.(map[string]any)["StatusName"]; s != "New" && s != "Closed" {
			t.Errorf("StatusNames filter let %v through", s)
		}
	}
	if r.total(t) == 0 {
		t.Error("no New or Closed ticket")
	}
	future := url.QueryEscape(wireTime(h.clock.Now().Add(time.Hour)))
	if n := mustOK(t, h.call("GET", "/servicedesk/tickets?Filter.LastActivityUpdateFrom="+future, nil)).total(t); n != 0 {
		t.Errorf("LastActivityUpdateFrom in the future found %d", n)
	}
}

func TestNotFoundShapes(t *testing.T) {
	h := newEnv(t, 2, Options{})
	// documented soft failure: the summary lookups answer HTTP 200, Success=false
	for _, p := range []string{"/crm/accounts/summary/999999", "/crm/contacts/summary/999999"} {
		r := h.call("GET", p, nil)
		if r.status != http.StatusOK || r.Success || r.Error == nil || r.Error.Code != 404 || r.Result != nil {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	for _, p := range []string{"/crm/accounts/999999", "/servicedesk/tickets/999999", "/servicedesk/hardwareasset/999999", "/crm/contacts/999999"} {
		r := h.call("GET", p, nil)
		if r.status != http.StatusNotFound || r.Success || r.Error.Code != 404 {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	// a location under the wrong account is not found
	a1, a2 := h.id(h.d.PSA.Companies[0].Key), h.id(h.d.PSA.Companies[1].Key)
	loc := h.id(h.d.PSA.Companies[0].Sites[0].Key)
	mustOK(t, h.call("GET", "/crm/accounts/"+itoa(a1)+"/locations/"+itoa(loc), nil))
	if r := h.call("GET", "/crm/accounts/"+itoa(a2)+"/locations/"+itoa(loc), nil); r.status != http.StatusNotFound {
		t.Errorf("location under another account: %d", r.status)
	}
	if r := h.call("GET", "/no/such/route", nil); r.status != http.StatusNotFound || r.Success {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
	if r := h.call("DELETE", "/crm/accounts/summary", nil); r.status != http.StatusMethodNotAllowed || r.Success {
		t.Errorf("wrong method: %d %s", r.status, r.body)
	}
}

func TestLookupsAndLocationLookup(t *testing.T) {
	h := newEnv(t, 3, Options{})
	for _, n := range lookupNames {
		r := mustOK(t, h.call("GET", "/system/"+n+"/lookup", nil))
		items := r.list(t)
		if len(items) == 0 {
			t.Errorf("%s: empty", n)
			continue
		}
		m := items[0].(map[string]any)
		if m["Id"] == nil || m["Name"] == nil {
			t.Errorf("%s: %v", n, m)
		}
	}
	c := h.d.PSA.Companies[0]
	r := mustOK(t, h.call("GET", "/crm/accounts/"+itoa(h.id(c.Key))+"/locations/lookup", nil))
	if len(r.list(t)) != len(c.Sites) {
		t.Errorf("location lookup: %d, want %d", len(r.list(t)), len(c.Sites))
	}
	acc := mustOK(t, h.call("GET", "/crm/accounts/lookup?Filter.Name="+url.QueryEscape(c.Name), nil))
	if acc.total(t) < 1 || acc.list(t)[0].(map[string]any)["Name"] != c.Name {
		t.Errorf("account lookup: %s", acc.body)
	}
}
