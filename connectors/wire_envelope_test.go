package connectors

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"mapsync/engine/plan"
)

// mixedServer speaks three envelopes on one API: sites in the system's
// {"items": [...]}, contacts in {"Success", "StatusCode", "Error", "Result"}
// (failures arrive with HTTP 200), and the contact types lookup in
// {"values": [...]}.
type mixedServer struct {
	*harness
	contacts *memStore
	// failNext makes the next n contact requests answer HTTP 200 with
	// Success false and this StatusCode.
	failStatus atomic.Int64
	failN      atomic.Int64
}

func newMixedServer(t *testing.T) *mixedServer {
	s := &mixedServer{contacts: newMemStore()}
	for _, n := range []string{"Ann", "Bob", "Cy"} {
		s.contacts.put(map[string]any{"Name": n})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sites", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"id": 1, "name": "HQ"}}})
	})
	mux.HandleFunc("GET /contact-types", func(w http.ResponseWriter, r *http.Request) {
		if s.failed(w) {
			return
		}
		writeJSON(w, 200, map[string]any{"values": []any{map[string]any{"id": 4, "label": "Billing"}}})
	})
	mux.HandleFunc("POST /contact-types", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"value": map[string]any{"id": 5}})
	})
	mux.HandleFunc("GET /contacts", func(w http.ResponseWriter, r *http.Request) {
		if s.failed(w) {
			return
		}
		writeJSON(w, 200, map[string]any{"Success": true, "Result": map[string]any{"Rows": s.contacts.sorted(nil, nil)}})
	})
	mux.HandleFunc("GET /contacts/{id}", func(w http.ResponseWriter, r *http.Request) {
		if s.failed(w) {
			return
		}
		id, _ := strconv.Atoi(r.PathValue("id"))
		rec, ok := s.contacts.get(id)
		if !ok {
			writeJSON(w, 200, map[string]any{"Success": false, "StatusCode": 404, "Error": map[string]any{"Message": "contact not found"}})
			return
		}
		writeJSON(w, 200, map[string]any{"Success": true, "Result": rec})
	})
	mux.HandleFunc("POST /contacts", func(w http.ResponseWriter, r *http.Request) {
		if s.failed(w) {
			return
		}
		var rec map[string]any
		_ = decodeJSONBody(r, &rec)
		if rec["Name"] == nil {
			writeJSON(w, 200, map[string]any{"Success": false, "StatusCode": 400, "Error": map[string]any{"Message": "Name is required"}})
			return
		}
		s.contacts.put(rec)
		writeJSON(w, 200, map[string]any{"Success": true, "Result": rec})
	})
	s.harness = newHarness(t, mux)
	return s
}

func (s *mixedServer) failed(w http.ResponseWriter) bool {
	if s.failN.Add(-1) < 0 {
		s.failN.Store(0)
		return false
	}
	writeJSON(w, 200, map[string]any{"Success": false, "StatusCode": s.failStatus.Load(),
		"Error": map[string]any{"Message": "busy, status " + strconv.Itoa(int(s.failStatus.Load()))}})
	return true
}

func (s *mixedServer) failNext(n, status int) {
	s.failStatus.Store(int64(status))
	s.failN.Store(int64(n))
}

func mixedSystem(url string) plan.System {
	contactEnv := &plan.Envelope{Items: "Result.Rows", Item: "Result", Success: "Success", Status: "StatusCode",
		ErrorMessage: []string{"Error.Message"}}
	return plan.System{Name: "mixed", BaseURL: plan.Template(url), Paging: plan.Paging{Style: plan.PagingNone},
		Retry:    plan.Retry{MaxAttempts: 3},
		Envelope: plan.Envelope{Items: "items", Item: ""},
		Objects: []plan.Object{
			{Name: "site", ListPath: "/sites", ID: "id", Write: plan.WriteNone},
			{Name: "contact", ListPath: "/contacts", ID: "id", Write: plan.WriteJSONPatch, Envelope: contactEnv,
				Fields: []plan.Field{{Name: "name", Path: "Name", Access: plan.FieldBoth}}},
		},
		Lookups: []plan.Lookup{{Name: "contact_type", Path: "/contact-types", ID: "id", Label: "label",
			Missing: plan.MissingCreate, CreatePath: "/contact-types", CreateBody: `{"label":"${label}"}`,
			Envelope: &plan.Envelope{Items: "values", Item: "value", Success: "Success", Status: "StatusCode"}}},
	}
}

// Each object and lookup reads its own envelope; the others keep the
// system's.
func TestObjectAndLookupEnvelopes(t *testing.T) {
	s := newMixedServer(t)
	c := mustClient(t, mixedSystem(s.srv.URL), testVars(nil))
	ctx := context.Background()
	sites, _ := collect(t, c, "site", ListQuery{})
	contacts, _ := collect(t, c, "contact", ListQuery{})
	if len(sites) != 1 || len(contacts) != 3 || contacts[2]["Name"] != "Cy" {
		t.Fatalf("sites %v contacts %v", sites, contacts)
	}
	rec, err := c.Get(ctx, "contact", "2")
	if err != nil || rec["Name"] != "Bob" {
		t.Fatalf("get: %v %v", rec, err)
	}
	tbl, err := c.Lookup(ctx, "contact_type")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := tbl.ID("Billing", ""); !ok || id != "4" {
		t.Errorf("lookup Billing = %q %v", id, ok)
	}
	// The rows read through a related record come through the lookup's
	// own envelope too.
	rows, err := c.LookupRows(ctx, "contact_type")
	if err != nil || len(rows) == 0 {
		t.Fatalf("lookup rows %v %v", rows, err)
	}
	e, err := c.CreateLookupValue(ctx, "contact_type", "Sales", "")
	if err != nil || e.ID != "5" {
		t.Errorf("created %+v %v", e, err)
	}
	res := c.Create(ctx, "contact", []WriteRecord{{Fields: map[string]any{"Name": "Di"}}})[0]
	if res.Status != StatusOK || res.ID != "4" || res.Record["Name"] != "Di" {
		t.Errorf("create %+v", res)
	}
}

// A failure that arrives with HTTP 200 is the same typed error as the HTTP
// status the body states: a 404 is "not found", a 400 a record-level
// refusal, a 503 is retried (never for a create) and fails the call once
// the attempts are spent.
func TestFailuresInsideHTTP200(t *testing.T) {
	ctx := context.Background()
	t.Run("get 404", func(t *testing.T) {
		s := newMixedServer(t)
		c := mustClient(t, mixedSystem(s.srv.URL), testVars(nil))
		_, err := c.Get(ctx, "contact", "99")
		var e *Error
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.Kind != KindRejected || e.Message != "contact not found" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("list 503 retried", func(t *testing.T) {
		s := newMixedServer(t)
		c := mustClient(t, mixedSystem(s.srv.URL), testVars(nil))
		s.failNext(2, 503)
		recs, _ := collect(t, c, "contact", ListQuery{})
		if len(recs) != 3 || s.count("GET", "/contacts", 0) != 3 {
			t.Errorf("%d records after %d requests, want 3 after 3", len(recs), s.count("GET", "/contacts", 0))
		}
		if st := c.Stats(); st.Retries != 2 {
			t.Errorf("retries %d, want 2", st.Retries)
		}
	})
	t.Run("lookup 500 spent", func(t *testing.T) {
		s := newMixedServer(t)
		c := mustClient(t, mixedSystem(s.srv.URL), testVars(nil))
		s.failNext(10, 500)
		_, err := c.Lookup(ctx, "contact_type")
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindFailed || e.HTTPStatus != 500 || e.Attempts != 3 {
			t.Errorf("err = %v (%+v)", err, e)
		}
	})
	t.Run("create 400 rejected", func(t *testing.T) {
		s := newMixedServer(t)
		c := mustClient(t, mixedSystem(s.srv.URL), testVars(nil))
		res := c.Create(ctx, "contact", []WriteRecord{{Fields: map[string]any{"Other": 1}}})[0]
		if res.Status != StatusRejected || res.HTTPStatus != 400 || res.Message != "Name is required" {
			t.Errorf("create %+v", res)
		}
	})
	t.Run("create 503 not retried", func(t *testing.T) {
		s := newMixedServer(t)
		c := mustClient(t, mixedSystem(s.srv.URL), testVars(nil))
		s.failNext(1, 503)
		res := c.Create(ctx, "contact", []WriteRecord{{Fields: map[string]any{"Name": "Ed"}}})[0]
		if res.Status != StatusFailed || res.HTTPStatus != 503 || s.count("POST", "/contacts", 0) != 1 {
			t.Errorf("create %+v after %d requests", res, s.count("POST", "/contacts", 0))
		}
	})
	t.Run("flag without status is record-level", func(t *testing.T) {
		s := newMixedServer(t)
		sys := mixedSystem(s.srv.URL)
		sys.Objects[1].Envelope.Status = ""
		c := mustClient(t, sys, testVars(nil))
		s.failNext(1, 503)
		_, err := c.Get(ctx, "contact", "1")
		if KindOf(err) != KindRejected || s.count("GET", "/contacts/1", 0) != 1 {
			t.Errorf("err = %v after %d requests", err, s.count("GET", "/contacts/1", 0))
		}
	})
}

// An object or a lookup with its own paging replaces the system's: a
// search route paged in a POST body, a GET list paged by query parameters
// with its own total, a lookup read in one request.
func TestObjectAndLookupPaging(t *testing.T) {
	rows := func(from, n int) []any {
		var out []any
		for i := from; i < from+n; i++ {
			out = append(out, map[string]any{"id": i, "label": "v" + strconv.Itoa(i)})
		}
		return out
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tickets/search", func(w http.ResponseWriter, r *http.Request) {
		var b struct{ PageNumber, PageSize int }
		_ = decodeJSONBody(r, &b)
		n := min(b.PageSize, 5-(b.PageNumber-1)*b.PageSize)
		writeJSON(w, 200, map[string]any{"Result": rows((b.PageNumber-1)*b.PageSize+1, max(n, 0)), "TotalRecords": 5})
	})
	mux.HandleFunc("GET /accounts", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("per"))
		n := min(size, 4-(page-1)*size)
		writeJSON(w, 200, map[string]any{"Result": rows((page-1)*size+1, max(n, 0)), "Count": 4})
	})
	mux.HandleFunc("GET /statuses/lookup", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			writeJSON(w, 400, map[string]any{"message": "no parameters here: " + r.URL.RawQuery})
			return
		}
		writeJSON(w, 200, map[string]any{"Result": rows(1, 3)})
	})
	h := newHarness(t, mux)
	sys := plan.System{Name: "paged", BaseURL: plan.Template(h.srv.URL), Envelope: plan.Envelope{Items: "Result"},
		Paging: plan.Paging{Style: plan.PagingBody, PageParam: "PageNumber", SizeParam: "PageSize", FirstPage: 1, Size: 2, MaxSize: 100, TotalCount: "TotalRecords"},
		Objects: []plan.Object{
			{Name: "ticket", ListPath: "/tickets/search", ID: "id", Write: plan.WriteNone},
			{Name: "account", ListPath: "/accounts", ID: "id", Write: plan.WriteNone,
				Paging: &plan.Paging{Style: plan.PagingPageNumber, PageParam: "page", SizeParam: "per", FirstPage: 1, Size: 3, MaxSize: 50, TotalCount: "Count"}},
		},
		Lookups: []plan.Lookup{{Name: "status", Path: "/statuses/lookup", ID: "id", Label: "label", Missing: plan.MissingError,
			Paging: &plan.Paging{Style: plan.PagingNone}}}}
	c := mustClient(t, sys, testVars(nil))
	tickets, _ := collect(t, c, "ticket", ListQuery{})
	accounts, _ := collect(t, c, "account", ListQuery{})
	tbl, err := c.Lookup(context.Background(), "status")
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != 5 || h.count("POST", "/tickets/search", 200) != 3 {
		t.Errorf("tickets %d in %d requests, want 5 in 3", len(tickets), h.count("POST", "/tickets/search", 200))
	}
	if len(accounts) != 4 || h.count("GET", "/accounts", 200) != 2 {
		t.Errorf("accounts %d in %d requests, want 4 in 2 (the total stops it)", len(accounts), h.count("GET", "/accounts", 200))
	}
	if len(tbl.Entries()) != 3 || h.count("GET", "/statuses/lookup", 200) != 1 {
		t.Errorf("lookup %d rows in %d requests", len(tbl.Entries()), h.count("GET", "/statuses/lookup", 0))
	}
	bad := sys
	bad.Objects = append([]plan.Object(nil), sys.Objects...)
	bad.Objects[1].Paging = &plan.Paging{Style: plan.PagingNextURL}
	if ps := CheckSystem(bad); len(ps) != 1 || ps[0].Place.Object != "account" || ps[0].Place.Attr != "paging" {
		t.Errorf("an object's next_url paging without a path: %v", ps)
	}
}
