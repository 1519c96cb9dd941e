package connectors

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"mapsync/engine/plan"
)

func strp(s string) *string { return &s }

// echoSystem is one object "contact" on a server that answers every write
// with {"id": 7, "name": "x"} (or what answer says).
func echoSystem(url, write string) plan.System {
	return plan.System{Name: "echo", BaseURL: plan.Template(url), Paging: plan.Paging{Style: plan.PagingNone},
		Objects: []plan.Object{{Name: "contact", ResourceType: "contacts", ListPath: "/contacts", CreatePath: "/contacts",
			ItemPath: "/contacts/{id}", ID: "id", Write: write,
			Fields: []plan.Field{{Name: "name", Path: "name", Access: plan.FieldBoth}, {Name: "email", Path: "contact.email", Access: plan.FieldBoth}}}}}
}

// Each write shape puts the method, route and body the mapping declares
// on the wire; the write styles are presets that send what they always
// sent.
func TestWriteShapesOnTheWire(t *testing.T) {
	var answer string
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeJSON(w, 200, map[string]any{"id": 7, "name": "old", "kept": true})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answer))
	}))
	fields := map[string]any{"name": "Ann", "contact.email": "a@x.test"}
	for _, tc := range []struct {
		name    string
		write   string
		create  *plan.WriteShape
		update  *plan.WriteShape
		answer  string
		method  string
		path    string
		body    string
		wantID  string // create: the id read from the answer
		wantRec bool   // the answer's record is returned
	}{
		// Presets: what the write styles always sent.
		{name: "create preset", write: plan.WriteJSONPatch, answer: `{"id":7}`,
			method: "POST", path: "/contacts", body: `{"contact":{"email":"a@x.test"},"name":"Ann"}`, wantID: "7", wantRec: true},
		{name: "create preset jsonapi", write: plan.WriteJSONAPI, answer: `{"id":7}`,
			method: "POST", path: "/contacts", body: `{"data":{"attributes":{"contact":{"email":"a@x.test"},"name":"Ann"},"type":"contacts"}}`, wantID: "7", wantRec: true},
		{name: "update json_patch", write: plan.WriteJSONPatch, update: &plan.WriteShape{}, answer: `{}`,
			method: "PATCH", path: "/contacts/7", body: `[{"op":"replace","path":"/contact/email","value":"a@x.test"},{"op":"replace","path":"/name","value":"Ann"}]`, wantRec: true},
		{name: "update partial_patch", write: plan.WritePartialPatch, update: &plan.WriteShape{}, answer: `{"itemId":7}`,
			method: "PATCH", path: "/contacts", body: `{"contact":{"email":"a@x.test"},"id":7,"name":"Ann"}`, wantRec: true},
		{name: "update put", write: plan.WritePut, update: &plan.WriteShape{}, answer: `{}`,
			method: "PUT", path: "/contacts/7", body: `{"contact":{"email":"a@x.test"},"id":7,"kept":true,"name":"Ann"}`, wantRec: true},
		{name: "update jsonapi", write: plan.WriteJSONAPI, update: &plan.WriteShape{}, answer: `{}`,
			method: "PATCH", path: "/contacts/7", body: `{"data":{"attributes":{"contact":{"email":"a@x.test"},"name":"Ann"},"id":"7","type":"contacts"}}`, wantRec: true},
		// Declared shapes.
		{name: "create array", write: plan.WriteJSONPatch, create: &plan.WriteShape{Body: plan.BodyArray}, answer: `[{"id":9}]`,
			method: "POST", path: "/contacts", body: `[{"contact":{"email":"a@x.test"},"name":"Ann"}]`, wantID: "9", wantRec: true},
		{name: "create wrapped, PUT, id path", write: plan.WriteJSONPatch,
			create: &plan.WriteShape{Method: "PUT", Path: "/contacts/new", Body: "object:contact", Item: strp("none"), ID: strp("result.newId")},
			answer: `{"result":{"newId":"c-1"}}`, method: "PUT", path: "/contacts/new",
			body: `{"contact":{"contact":{"email":"a@x.test"},"name":"Ann"}}`, wantID: "c-1"},
		{name: "create answering only an id, re-read", write: plan.WriteJSONPatch,
			create: &plan.WriteShape{ID: strp("itemId"), Reread: true}, answer: `{"itemId":7}`,
			method: "POST", path: "/contacts", body: `{"contact":{"email":"a@x.test"},"name":"Ann"}`, wantID: "7", wantRec: true},
		{name: "create answering only an id", write: plan.WriteJSONPatch,
			create: &plan.WriteShape{ID: strp("itemId")}, answer: `{"itemId":7}`,
			method: "POST", path: "/contacts", body: `{"contact":{"email":"a@x.test"},"name":"Ann"}`, wantID: "7"},
		{name: "create item path", write: plan.WriteJSONPatch, create: &plan.WriteShape{Item: strp("data.0")},
			answer: `{"data":[{"id":11}]}`, method: "POST", path: "/contacts", body: `{"contact":{"email":"a@x.test"},"name":"Ann"}`, wantID: "11", wantRec: true},
		{name: "update object on collection route carries the id", write: plan.WriteJSONPatch,
			update: &plan.WriteShape{Method: "PUT", Path: "/contacts", Body: plan.BodyObject}, answer: `{}`,
			method: "PUT", path: "/contacts", body: `{"contact":{"email":"a@x.test"},"id":7,"name":"Ann"}`, wantRec: true},
		{name: "update object on item route has no id", write: plan.WriteJSONPatch,
			update: &plan.WriteShape{Body: plan.BodyObject}, answer: `{}`,
			method: "PATCH", path: "/contacts/7", body: `{"contact":{"email":"a@x.test"},"name":"Ann"}`, wantRec: true},
		{name: "update wrapped array by POST (upsert)", write: plan.WriteNone,
			update: &plan.WriteShape{Method: "POST", Path: "/contacts", Body: plan.BodyArray}, answer: `[{"id":7,"name":"Ann"}]`,
			method: "POST", path: "/contacts", body: `[{"contact":{"email":"a@x.test"},"id":7,"name":"Ann"}]`, wantRec: true},
		{name: "update partial on item route still carries the id", write: plan.WriteJSONPatch,
			update: &plan.WriteShape{Body: plan.BodyPartial, Item: strp("")}, answer: `{"id":7}`,
			method: "PATCH", path: "/contacts/7", body: `{"contact":{"email":"a@x.test"},"id":7,"name":"Ann"}`, wantRec: true},
		{name: "update wrapped", write: plan.WriteJSONPatch, update: &plan.WriteShape{Method: "PUT", Body: "object:contact"}, answer: `{}`,
			method: "PUT", path: "/contacts/7", body: `{"contact":{"contact":{"email":"a@x.test"},"name":"Ann"}}`, wantRec: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := echoSystem(h.srv.URL, tc.write)
			sys.Objects[0].Create, sys.Objects[0].Update = tc.create, tc.update
			c := mustClient(t, sys, testVars(nil))
			answer = tc.answer
			before := len(h.entries())
			var res WriteResult
			if tc.update != nil {
				res = c.Update(context.Background(), "contact", []Update{{ID: "7", Fields: fields}})[0]
			} else {
				res = c.Create(context.Background(), "contact", []WriteRecord{{Fields: fields}})[0]
			}
			if res.Status != StatusOK {
				t.Fatalf("status %s: %s", res.Status, res.Message)
			}
			var sent *logEntry
			for _, e := range h.entries()[before:] {
				if e.Method != http.MethodGet {
					sent = &e
				}
			}
			if sent == nil {
				t.Fatal("nothing written")
			}
			if sent.Method != tc.method || sent.Path != tc.path || canonJSON(sent.Body) != canonJSON(tc.body) {
				t.Errorf("sent %s %s %s\nwant %s %s %s", sent.Method, sent.Path, sent.Body, tc.method, tc.path, tc.body)
			}
			if tc.update == nil && res.ID != tc.wantID {
				t.Errorf("id %q, want %q", res.ID, tc.wantID)
			}
			if (res.Record != nil) != tc.wantRec {
				t.Errorf("record %v, want one: %v", res.Record, tc.wantRec)
			}
		})
	}
}

// An API that creates and updates on one route (the id in the body
// decides) and answers an update without the record: the update is a POST
// of the record with its id, and the record is read again.
func TestUpsertByPostAndReread(t *testing.T) {
	store := newMemStore()
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			var id int
			_ = json.Unmarshal([]byte(strings.TrimPrefix(r.URL.Path, "/contacts/")), &id)
			rec, ok := store.get(id)
			if !ok {
				writeJSON(w, 404, map[string]any{"message": "no such contact"})
				return
			}
			writeJSON(w, 200, rec)
		case http.MethodPost:
			var list []map[string]any
			if err := decodeJSONBody(r, &list); err != nil || len(list) != 1 {
				writeJSON(w, 400, map[string]any{"message": "an array of one contact is expected"})
				return
			}
			rec := list[0]
			if idf, ok := rec["id"].(float64); ok { // an update
				cur, found := store.get(int(idf))
				if !found {
					writeJSON(w, 404, map[string]any{"message": "no such contact"})
					return
				}
				for k, v := range rec {
					cur[k] = v
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
			store.put(rec)
			writeJSON(w, 200, []any{rec})
		}
	}))
	sys := echoSystem(h.srv.URL, "")
	sys.Objects[0].Create = &plan.WriteShape{Body: plan.BodyArray}
	sys.Objects[0].Update = &plan.WriteShape{Method: "POST", Path: "/contacts", Body: plan.BodyArray, Reread: true}
	c := mustClient(t, sys, testVars(nil))
	ctx := context.Background()
	cr := c.Create(ctx, "contact", []WriteRecord{{Fields: map[string]any{"name": "Ann", "contact.email": "a@x.test"}}})[0]
	if cr.Status != StatusOK || cr.ID != "1" {
		t.Fatalf("create %+v", cr)
	}
	up := c.Update(ctx, "contact", []Update{{ID: cr.ID, Fields: map[string]any{"name": "Anna"}}})[0]
	if up.Status != StatusOK || up.Record["name"] != "Anna" || up.Record["contact"] == nil {
		t.Fatalf("update %+v", up)
	}
	if store.len() != 1 {
		t.Errorf("%d contacts: the update created one", store.len())
	}
	if n := h.count("GET", "/contacts/1", 200); n != 1 {
		t.Errorf("re-reads %d, want 1", n)
	}
	// An unknown id is the server's 404, a record-level refusal.
	if bad := c.Update(ctx, "contact", []Update{{ID: "99", Fields: map[string]any{"name": "X"}}})[0]; bad.Status != StatusRejected || bad.HTTPStatus != 404 {
		t.Errorf("unknown id: %+v", bad)
	}
}

// CheckSystem refuses the shapes no request can carry, at the attribute.
func TestCheckWriteShapes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		write  string
		create *plan.WriteShape
		update *plan.WriteShape
		attr   string
		msg    string
	}{
		{"create json_patch", plan.WriteJSONPatch, &plan.WriteShape{Body: plan.BodyJSONPatch}, nil, "create.body", "a create cannot send"},
		{"create whole", plan.WriteJSONPatch, &plan.WriteShape{Body: plan.BodyWhole}, nil, "create.body", "a create cannot send"},
		{"json_patch without id", plan.WriteJSONPatch, nil, &plan.WriteShape{Path: "/contacts"}, "update.path", "cannot carry the record's id"},
		{"unknown body", plan.WriteJSONPatch, nil, &plan.WriteShape{Body: "xml"}, "update.body", `body shape "xml" is not one of`},
		{"wrapped without member", plan.WriteJSONPatch, &plan.WriteShape{Body: "object:"}, nil, "create.body", "body shape"},
		{"method", plan.WriteJSONPatch, &plan.WriteShape{Method: "DELETE"}, nil, "create.method", "not one of POST, PUT, PATCH"},
		{"update without body", plan.WriteNone, nil, &plan.WriteShape{Method: "POST"}, "update", "update needs a body"},
		{"route", plan.WriteJSONPatch, nil, &plan.WriteShape{Path: "/c/{uuid}"}, "update.path", "uuid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := echoSystem("http://x", tc.write)
			sys.Objects[0].Create, sys.Objects[0].Update = tc.create, tc.update
			var found bool
			for _, p := range CheckSystem(sys) {
				if p.Place.Object == "contact" && p.Place.Attr == tc.attr && strings.Contains(p.Message, tc.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem at %s with %q in %v", tc.attr, tc.msg, CheckSystem(sys))
			}
		})
	}
	ok := echoSystem("http://x", plan.WriteNone)
	ok.Objects[0].Create = &plan.WriteShape{Body: plan.BodyArray}
	ok.Objects[0].Update = &plan.WriteShape{Method: "POST", Path: "/contacts", Body: plan.BodyPartial}
	if ps := CheckSystem(ok); len(ps) != 0 {
		t.Errorf("a valid upsert shape refused: %v", ps)
	}
}

// canonJSON re-encodes a JSON text with sorted keys.
func canonJSON(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return "invalid JSON: " + s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// A write shape's content_type is the media type of its body; the other
// writes keep the system's.
func TestWriteShapeContentType(t *testing.T) {
	var got []string
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.Header.Get("Content-Type"))
		writeJSON(w, 200, map[string]any{"id": 7})
	}))
	sys := echoSystem(h.srv.URL, plan.WriteJSONPatch)
	sys.ContentType = "application/json"
	sys.Objects[0].Update = &plan.WriteShape{ContentType: "application/json-patch+json"}
	c := mustClient(t, sys, testVars(nil))
	c.Create(context.Background(), "contact", []WriteRecord{{Fields: map[string]any{"name": "A"}}})
	c.Update(context.Background(), "contact", []Update{{ID: "7", Fields: map[string]any{"name": "B"}}})
	if strings.Join(got, ", ") != "POST application/json, PATCH application/json-patch+json" {
		t.Errorf("content types: %v", got)
	}
}

// An API that answers a refused write with HTTP 500 (retry reject_on):
// the write is not retried and is the record's refusal; reads still retry
// a 500, and without reject_on a write's 500 is retried as before.
func TestRejectOnForWrites(t *testing.T) {
	var gets int
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets++
			if gets == 1 {
				writeJSON(w, 500, map[string]any{"errors": []string{"temporarily unavailable"}})
				return
			}
			writeJSON(w, 200, map[string]any{"id": 7})
			return
		}
		writeJSON(w, 500, map[string]any{"errors": []string{"name is too long"}})
	}))
	for _, reject := range []bool{true, false} {
		sys := echoSystem(h.srv.URL, plan.WritePartialPatch)
		sys.Retry = plan.Retry{MaxAttempts: 3}
		if reject {
			sys.Retry.RejectOn = []int{500}
		}
		c := mustClient(t, sys, testVars(nil))
		before := h.count("PATCH", "/contacts", 0)
		res := c.Update(context.Background(), "contact", []Update{{ID: "7", Fields: map[string]any{"name": "X"}}})[0]
		sent := h.count("PATCH", "/contacts", 0) - before
		if reject && (res.Status != StatusRejected || res.HTTPStatus != 500 || res.Message != "name is too long" || sent != 1) {
			t.Errorf("reject_on: %+v after %d requests", res, sent)
		}
		if !reject && (res.Status != StatusFailed || sent != 3) {
			t.Errorf("without reject_on: %+v after %d requests", res, sent)
		}
		if reject {
			gets = 0
			if _, err := c.Get(context.Background(), "contact", "7"); err != nil || gets != 2 {
				t.Errorf("read: %v after %d requests", err, gets)
			}
		}
	}
}

// Every body shape of the vocabulary builds a body (whole from the record
// read first), so a name validation accepts always runs.
func TestBodyShapesMatchVocab(t *testing.T) {
	c := mustClient(t, echoSystem("http://x", plan.WriteJSONPatch), testVars(nil))
	obj, _ := c.object("contact")
	for _, name := range plan.BodyShapes.Names() {
		name = strings.ReplaceAll(name, "<member>", "contact")
		shape := plan.WriteShape{Method: "PATCH", Path: "/contacts", Body: name}
		b, err := c.shapeBody(obj, shape, "7", map[string]any{"name": "A"})
		if name == plan.BodyWhole {
			if err == nil {
				t.Errorf("whole built a body without the record")
			}
			continue
		}
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %s %v", name, b, err)
		}
	}
}
