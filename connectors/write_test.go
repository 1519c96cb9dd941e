package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mapsync/engine/plan"
)

func TestUpdateFormats(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		run    func(t *testing.T) (WriteResult, *harness, func() map[string]any)
		method string
		path   string
		body   string            // exact request body
		want   map[string]string // path -> value in the stored record afterwards
	}{
		{
			name: "json_patch", method: "PATCH", path: lhBase + "/company/configurations/5",
			body: `[{"op":"replace","path":"/name","value":"renamed"},{"op":"replace","path":"/type/id","value":2}]`,
			want: map[string]string{"name": "renamed", "type.id": "2", "serialNumber": "SN000005"},
			run: func(t *testing.T) (WriteResult, *harness, func() map[string]any) {
				s := newLinkHeaderServer(t, 10)
				c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL))
				r := c.Update(ctx, "configuration", []Update{{ID: "5", Fields: map[string]any{"name": "renamed", "type.id": 2}}})
				return r[0], s.harness, func() map[string]any { rec, _ := s.store.get(5); return rec }
			},
		},
		{
			name: "json_patch in an envelope", method: "PATCH", path: "/v2/servicedesk/tickets/5",
			body: `[{"op":"replace","path":"/Title","value":"renamed"}]`,
			want: map[string]string{"Title": "renamed", "AccountId": "3"},
			run: func(t *testing.T) (WriteResult, *harness, func() map[string]any) {
				s := newEnvelopeServer(t, 10)
				c := mustClient(t, envelopeSystem(s.srv.URL, 10), envelopeVars(s.srv.URL))
				r := c.Update(ctx, "ticket", []Update{{ID: "5", Fields: map[string]any{"Title": "renamed"}}})
				return r[0], s.harness, func() map[string]any { rec, _ := s.store.get(5); return rec }
			},
		},
		{
			name: "jsonapi", method: "PATCH", path: "/configurations/5",
			body: `{"data":{"attributes":{"name":"renamed","serial-number":"X-1"},"id":"5","type":"configurations"}}`,
			want: map[string]string{"name": "renamed", "serial-number": "X-1", "organization-id": "1"},
			run: func(t *testing.T) (WriteResult, *harness, func() map[string]any) {
				s := newJSONAPIServer(t, 10, 0)
				c := mustClient(t, jsonapiSystem(s.srv.URL, 10), jsonapiVars(s.srv.URL))
				r := c.Update(ctx, "configuration", []Update{{ID: "5", Fields: map[string]any{"name": "renamed", "attributes.serial-number": "X-1"}}})
				return r[0], s.harness, func() map[string]any { rec, _ := s.configs.get(5); return rec }
			},
		},
		{
			name: "partial_patch", method: "PATCH", path: qbZone + "/v1.0/ConfigurationItems",
			body: `{"id":5,"referenceTitle":"renamed"}`,
			want: map[string]string{"referenceTitle": "renamed", "serialNumber": "SN000005"},
			run: func(t *testing.T) (WriteResult, *harness, func() map[string]any) {
				s := newQueryBodyServer(t, 10)
				c := mustClient(t, queryBodySystem(s.srv.URL, 10), queryBodyVars(s.srv.URL))
				r := c.Update(ctx, "configuration", []Update{{ID: "5", Fields: map[string]any{"referenceTitle": "renamed"}}})
				return r[0], s.harness, func() map[string]any { rec, _ := s.store.get(5); return rec }
			},
		},
		{
			name: "put", method: "PUT", path: lhBase + "/company/configurations/5",
			want: map[string]string{"name": "renamed", "company.id": "6", "serialNumber": "SN000005", "site.name": "HQ"},
			run: func(t *testing.T) (WriteResult, *harness, func() map[string]any) {
				s := newLinkHeaderServer(t, 10)
				sys := linkHeaderSystem(s.srv.URL, 10)
				sys.Objects[0].Write = plan.WritePut
				c := mustClient(t, sys, linkHeaderVars(s.srv.URL))
				r := c.Update(ctx, "configuration", []Update{{ID: "5", Fields: map[string]any{"name": "renamed", "site.name": "HQ"}}})
				return r[0], s.harness, func() map[string]any { rec, _ := s.store.get(5); return rec }
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, h, stored := tc.run(t)
			if res.Status != StatusOK {
				t.Fatalf("result = %+v", res)
			}
			var sent *logEntry
			for _, e := range h.entries() {
				if e.Method == tc.method && e.Path == tc.path {
					sent = &e
				}
			}
			if sent == nil {
				t.Fatalf("no %s %s in %+v", tc.method, tc.path, h.entries())
			}
			if tc.body != "" && sent.Body != tc.body {
				t.Errorf("body = %s\nwant   %s", sent.Body, tc.body)
			}
			rec := stored()
			for p, want := range tc.want {
				if v, _ := Value(rec, p); IDString(v) != want {
					t.Errorf("%s = %v, want %s", p, v, want)
				}
			}
		})
	}
}

func TestBulkUpdateJSONAPI(t *testing.T) {
	s := newJSONAPIServer(t, 10, 0)
	c := mustClient(t, jsonapiSystem(s.srv.URL, 10), jsonapiVars(s.srv.URL))
	var ups []Update
	for i := 1; i <= 6; i++ {
		ups = append(ups, Update{ID: itoa(i), Key: "k" + itoa(i), Fields: map[string]any{"serial-number": "NEW-" + itoa(i)}})
	}
	res := c.Update(context.Background(), "configuration", ups)
	for i, r := range res {
		if r.Status != StatusOK || r.Key != "k"+itoa(i+1) || r.ID != itoa(i+1) {
			t.Errorf("result %d = %+v", i, r)
		}
		if rec, _ := s.configs.get(i + 1); rec["serial-number"] != "NEW-"+itoa(i+1) {
			t.Errorf("record %d = %v", i+1, rec)
		}
	}
	if got := s.count("PATCH", "/configurations", 0); got != 2 {
		t.Errorf("bulk PATCH requests = %d, want 2 (chunks of 4)", got)
	}
	first := s.entries()[0].Body
	if !strings.Contains(first, `{"attributes":{"id":1,"serial-number":"NEW-1"},"id":"1","type":"configurations"}`) {
		t.Errorf("bulk body = %s", first)
	}
}

// TestWritesReportPerRecord: a batch with invalid records gets a result
// per record; the invalid ones carry the system's message, the others
// succeed.
func TestWritesReportPerRecord(t *testing.T) {
	ctx := context.Background()
	type batch struct {
		results []WriteResult
		stored  func() int
	}
	cases := []struct {
		name      string
		run       func(t *testing.T) batch
		msg       string // in each rejected record's message
		status    int
		wantTotal int // records stored afterwards
	}{
		{
			name: "json body, bulk route with per-record results", msg: "InvalidField: The name field is required. (name)", status: 400, wantTotal: 3,
			run: func(t *testing.T) batch {
				s := newLinkHeaderServer(t, 0)
				c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL))
				var recs []WriteRecord
				for i := range 5 {
					name := "new-" + itoa(i)
					if i == 1 || i == 3 {
						name = "" // allowed by the runtime's checks? no: required_on_create rejects it early
					}
					recs = append(recs, WriteRecord{Key: itoa(i), Fields: map[string]any{"name": name, "type.id": 1, "company.id": 4}})
				}
				// Bypass the runtime's own required-field check to see the system's message.
				c.objects["configuration"].Fields[0].RequiredOnCreate = false
				return batch{c.Create(ctx, "configuration", recs), s.store.len}
			},
		},
		{
			name: "json patch updates", msg: "InvalidObject: configuration object is invalid; InvalidField: The name field is required. (name)", status: 400, wantTotal: 10,
			run: func(t *testing.T) batch {
				s := newLinkHeaderServer(t, 10)
				c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL))
				var ups []Update
				for i := range 5 {
					name := "upd-" + itoa(i)
					if i == 1 || i == 3 {
						name = ""
					}
					ups = append(ups, Update{ID: itoa(i + 1), Key: itoa(i), Fields: map[string]any{"name": name}})
				}
				return batch{c.Update(ctx, "configuration", ups), s.store.len}
			},
		},
		{
			name: "jsonapi bulk create refused whole, then per record", msg: "Name can't be blank (/data/attributes/name)", status: 422, wantTotal: 3,
			run: func(t *testing.T) batch {
				s := newJSONAPIServer(t, 0, 0)
				c := mustClient(t, jsonapiSystem(s.srv.URL, 10), jsonapiVars(s.srv.URL))
				var recs []WriteRecord
				for i := range 5 {
					f := map[string]any{"name": "new-" + itoa(i), "organization-id": 3}
					if i == 1 || i == 3 {
						f["name"] = nil
					}
					recs = append(recs, WriteRecord{Key: itoa(i), Fields: f})
				}
				res := c.Create(ctx, "configuration", recs)
				// 2 bulk POSTs (4 + 1); the refused chunk of 4 is retried one by one.
				if got := s.count("POST", "/organizations/3/relationships/configurations", 0); got != 2+4 {
					t.Errorf("POSTs = %d, want 6", got)
				}
				return batch{res, s.configs.len}
			},
		},
		{
			name: "jsonapi bulk update refused whole, then per record", msg: "Name can't be blank (/data/attributes/name)", status: 422, wantTotal: 10,
			run: func(t *testing.T) batch {
				s := newJSONAPIServer(t, 10, 0)
				c := mustClient(t, jsonapiSystem(s.srv.URL, 10), jsonapiVars(s.srv.URL))
				var ups []Update
				for i := range 5 {
					f := map[string]any{"name": "upd-" + itoa(i)}
					if i == 1 || i == 3 {
						f["name"] = ""
					}
					ups = append(ups, Update{ID: itoa(i + 1), Key: itoa(i), Fields: f})
				}
				return batch{c.Update(ctx, "configuration", ups), s.configs.len}
			},
		},
		{
			name: "errors list", msg: "referenceTitle is required", status: 400, wantTotal: 3,
			run: func(t *testing.T) batch {
				s := newQueryBodyServer(t, 0)
				c := mustClient(t, queryBodySystem(s.srv.URL, 10), queryBodyVars(s.srv.URL))
				var recs []WriteRecord
				for i := range 5 {
					title := "ci-" + itoa(i)
					if i == 1 || i == 3 {
						title = ""
					}
					recs = append(recs, WriteRecord{Key: itoa(i), Fields: map[string]any{"referenceTitle": title}})
				}
				return batch{c.Create(ctx, "configuration", recs), s.store.len}
			},
		},
		{
			name: "success flag false on HTTP 200", msg: "Title is required", status: 200, wantTotal: 3,
			run: func(t *testing.T) batch {
				s := newEnvelopeServer(t, 0)
				c := mustClient(t, envelopeSystem(s.srv.URL, 10), envelopeVars(s.srv.URL))
				var recs []WriteRecord
				for i := range 5 {
					title := "t-" + itoa(i)
					if i == 1 || i == 3 {
						title = ""
					}
					recs = append(recs, WriteRecord{Key: itoa(i), Fields: map[string]any{"Title": title}})
				}
				return batch{c.Create(ctx, "ticket", recs), s.store.len}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.run(t)
			if len(b.results) != 5 {
				t.Fatalf("%d results", len(b.results))
			}
			for i, r := range b.results {
				if r.Index != i || r.Key != itoa(i) {
					t.Errorf("result %d has index %d key %q", i, r.Index, r.Key)
				}
				if i == 1 || i == 3 {
					if r.Status != StatusRejected || !strings.Contains(r.Message, tc.msg) || r.HTTPStatus != tc.status {
						t.Errorf("record %d: %+v, want rejected %d with %q", i, r, tc.status, tc.msg)
					}
					continue
				}
				if r.Status != StatusOK || r.ID == "" {
					t.Errorf("record %d: %+v, want ok with an id", i, r)
				}
			}
			if got := b.stored(); got != tc.wantTotal {
				t.Errorf("stored records = %d, want %d", got, tc.wantTotal)
			}
		})
	}
}

func TestCreateChecksBeforeSending(t *testing.T) {
	s := newJSONAPIServer(t, 0, 0)
	sys := jsonapiSystem(s.srv.URL, 10)
	sys.Objects[0].Fields = append(sys.Objects[0].Fields, plan.Field{Name: "updated", Path: "attributes.updated-at", WritePath: "updated-at", Access: plan.FieldRead})
	c := mustClient(t, sys, jsonapiVars(s.srv.URL))
	res := c.Create(context.Background(), "configuration", []WriteRecord{
		{Key: "no-parent", Fields: map[string]any{"name": "x"}},
		{Key: "read-only", Fields: map[string]any{"name": "x", "organization-id": 2, "updated-at": "2020-01-01"}},
		{Key: "explicit-ref", Fields: map[string]any{"name": "x"}, Refs: map[string]string{"organization": "9"}},
	})
	if res[0].Status != StatusRejected || !strings.Contains(res[0].Message, "organization") {
		t.Errorf("missing parent: %+v", res[0])
	}
	if res[1].Status != StatusRejected || !strings.Contains(res[1].Message, "read-only") {
		t.Errorf("read-only field: %+v", res[1])
	}
	if res[2].Status != StatusOK {
		t.Errorf("explicit ref: %+v", res[2])
	}
	if got := s.count("POST", "/organizations/9/", 0); got != 1 || len(s.entries()) != 1 {
		t.Errorf("requests: %+v", s.entries())
	}
}

func TestBulkCreateMapsResultsBack(t *testing.T) {
	s := newJSONAPIServer(t, 0, 0)
	c := mustClient(t, jsonapiSystem(s.srv.URL, 10), jsonapiVars(s.srv.URL))
	var recs []WriteRecord
	for i := range 9 {
		org := 1 + i%2 // two parents: two nested routes
		recs = append(recs, WriteRecord{Key: itoa(i), Fields: map[string]any{"name": "n-" + itoa(i), "organization-id": org}})
	}
	res := c.Create(context.Background(), "configuration", recs)
	for i, r := range res {
		if r.Status != StatusOK {
			t.Fatalf("result %d = %+v", i, r)
		}
		id := 0
		if err := json.Unmarshal([]byte(r.ID), &id); err != nil {
			t.Fatal(err)
		}
		rec, _ := s.configs.get(id)
		if rec["name"] != "n-"+itoa(i) || IDString(rec["organization-id"]) != itoa(1+i%2) {
			t.Errorf("result %d points at %v", i, rec)
		}
	}
	// org 1: 5 records -> 4+1 (the single goes alone), org 2: 4 records -> 1 request.
	if a, b := s.count("POST", "/organizations/1/", 0), s.count("POST", "/organizations/2/", 0); a != 2 || b != 1 {
		t.Errorf("requests per parent = %d, %d", a, b)
	}
}

func TestBulkNoFallbackOnRetryableErrors(t *testing.T) {
	s := newJSONAPIServer(t, 0, 0)
	s.setFault(func(r *http.Request, _ []byte) (int, http.Header) {
		if r.Method == http.MethodPost {
			return http.StatusServiceUnavailable, nil
		}
		return 0, nil
	})
	c := mustClient(t, jsonapiSystem(s.srv.URL, 10), jsonapiVars(s.srv.URL))
	var recs []WriteRecord
	for range 3 {
		recs = append(recs, WriteRecord{Fields: map[string]any{"name": "n", "organization-id": 1}})
	}
	for _, r := range c.Create(context.Background(), "configuration", recs) {
		if r.Status != StatusFailed || r.HTTPStatus != 503 {
			t.Errorf("result = %+v, want failed 503", r)
		}
	}
	if got := s.count("POST", "/organizations/1/", 0); got != 5 {
		t.Errorf("POSTs = %d, want 5 (one bulk request, 5 attempts, no per-record fallback)", got)
	}
}

func TestCreateAmbiguousWhenResponseLost(t *testing.T) {
	cases := []struct {
		name   string
		lose   func(h *harness)
		opts   []Option
		bulk   bool
		nRecs  int
		posts  int
		stored int
	}{
		{name: "connection dropped after commit", lose: func(h *harness) { h.setDrop(isPost) }, nRecs: 1, posts: 1, stored: 1},
		{name: "timeout after commit", lose: func(h *harness) { h.setHold(isPost) }, opts: []Option{WithRequestTimeout(150 * time.Millisecond)}, nRecs: 1, posts: 1, stored: 1},
		{name: "bulk connection dropped after commit", lose: func(h *harness) { h.setDrop(isPost) }, bulk: true, nRecs: 3, posts: 1, stored: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newLinkHeaderServer(t, 0)
			tc.lose(s.harness)
			sys := linkHeaderSystem(s.srv.URL, 10)
			if !tc.bulk {
				sys.Objects[0].Bulk = nil
			}
			c := mustClient(t, sys, linkHeaderVars(s.srv.URL), tc.opts...)
			var recs []WriteRecord
			for i := range tc.nRecs {
				recs = append(recs, WriteRecord{Key: itoa(i), Fields: map[string]any{"name": "n" + itoa(i), "type.id": 1}})
			}
			for _, r := range c.Create(context.Background(), "configuration", recs) {
				if r.Status != StatusAmbiguous || !strings.Contains(r.Message, "may exist") {
					t.Errorf("result = %+v, want ambiguous", r)
				}
			}
			if got := s.count("POST", lhBase, 0); got != tc.posts {
				t.Errorf("POSTs = %d, want %d: a lost create must not be retried", got, tc.posts)
			}
			if got := s.store.len(); got != tc.stored {
				t.Errorf("stored = %d, want %d", got, tc.stored)
			}
			if st := c.Stats(); st.Ambiguous != 1 || st.Retries != 0 {
				t.Errorf("stats: ambiguous %d retries %d", st.Ambiguous, st.Retries)
			}
		})
	}
}

func isPost(r *http.Request) bool { return r.Method == http.MethodPost }

func TestUpdateRetriedAfterLostResponse(t *testing.T) {
	s := newLinkHeaderServer(t, 5)
	var dropped atomic.Bool
	s.setDrop(func(r *http.Request) bool { return r.Method == http.MethodPatch && dropped.CompareAndSwap(false, true) })
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL))
	res := c.Update(context.Background(), "configuration", []Update{{ID: "2", Fields: map[string]any{"name": "again"}}})
	if res[0].Status != StatusOK {
		t.Fatalf("result = %+v", res[0])
	}
	if got := s.count("PATCH", lhBase, 0); got != 2 {
		t.Errorf("PATCHes = %d, want 2 (an update is idempotent, so it is retried)", got)
	}
	if rec, _ := s.store.get(2); rec["name"] != "again" {
		t.Errorf("record = %v", rec)
	}
}

func TestCreateRetriedWhenSafe(t *testing.T) {
	t.Run("429 and 503 responses", func(t *testing.T) {
		s := newLinkHeaderServer(t, 0)
		var n atomic.Int64
		s.setFault(func(r *http.Request, _ []byte) (int, http.Header) {
			if r.Method != http.MethodPost {
				return 0, nil
			}
			switch n.Add(1) {
			case 1:
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}
			case 2:
				return http.StatusServiceUnavailable, nil
			}
			return 0, nil
		})
		sys := linkHeaderSystem(s.srv.URL, 10)
		sys.Objects[0].Bulk = nil
		c := mustClient(t, sys, linkHeaderVars(s.srv.URL))
		res := c.Create(context.Background(), "configuration", []WriteRecord{{Fields: map[string]any{"name": "x", "type.id": 1}}})
		if res[0].Status != StatusOK || s.store.len() != 1 || s.count("POST", lhBase, 0) != 3 {
			t.Errorf("result %+v, stored %d, posts %d", res[0], s.store.len(), s.count("POST", lhBase, 0))
		}
	})
	t.Run("dial failure", func(t *testing.T) {
		s := newLinkHeaderServer(t, 0)
		sys := linkHeaderSystem(s.srv.URL, 10)
		sys.Objects[0].Bulk = nil
		ft := &failFirstDial{base: http.DefaultTransport}
		c := mustClient(t, sys, linkHeaderVars(s.srv.URL), WithTransport(ft))
		res := c.Create(context.Background(), "configuration", []WriteRecord{{Fields: map[string]any{"name": "x", "type.id": 1}}})
		if res[0].Status != StatusOK || s.store.len() != 1 || ft.calls.Load() != 2 {
			t.Errorf("result %+v, stored %d, attempts %d", res[0], s.store.len(), ft.calls.Load())
		}
	})
}

// failFirstDial fails its first request as a refused connection would.
type failFirstDial struct {
	base  http.RoundTripper
	calls atomic.Int64
}

func (f *failFirstDial) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.calls.Add(1) == 1 {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return f.base.RoundTrip(r)
}

func TestDelete(t *testing.T) {
	s := newLinkHeaderServer(t, 3)
	c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), linkHeaderVars(s.srv.URL))
	res := c.Delete(context.Background(), "configuration", []string{"2", "99"})
	if res[0].Status != StatusOK || res[1].Status != StatusOK || res[1].Message != "already deleted" {
		t.Errorf("results = %+v", res)
	}
	if s.store.len() != 2 {
		t.Errorf("stored = %d", s.store.len())
	}
}

func TestReadOnlyObjectRefusesWrites(t *testing.T) {
	s := newJSONAPIServer(t, 0, 3)
	c := mustClient(t, jsonapiSystem(s.srv.URL, 10), jsonapiVars(s.srv.URL))
	res := c.Update(context.Background(), "organization", []Update{{ID: "1", Fields: map[string]any{"name": "x"}}})
	if res[0].Status != StatusRejected || !strings.Contains(res[0].Message, "read-only") || len(s.entries()) != 0 {
		t.Errorf("result = %+v, requests %d", res[0], len(s.entries()))
	}
}
