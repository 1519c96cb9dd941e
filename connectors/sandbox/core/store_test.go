package core

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func fixedClock(t0 time.Time) func() time.Time {
	n := 0
	return func() time.Time { n++; return t0.Add(time.Duration(n) * time.Second) }
}

func TestTableCRUD(t *testing.T) {
	t0 := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	tb := NewTable(TableOptions{Clock: fixedClock(t0), Stamp: func(r *Record) {
		r.Data["id"] = r.ID
		r.Data["updated"] = r.Updated.Format(time.RFC3339)
	}})
	a := tb.Insert(map[string]any{"name": "a"})
	b := tb.Insert(map[string]any{"name": "b"})
	if a.ID != 1 || b.ID != 2 || a.Data["id"] != int64(1) {
		t.Fatalf("ids %d %d data %v", a.ID, b.ID, a.Data)
	}
	u, err := tb.Update(1, func(d map[string]any) error { d["name"] = "a2"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if a.Data["name"] != "a" {
		t.Error("update modified the old record version")
	}
	if !u.Updated.After(a.Updated) || u.Created != a.Created || u.Data["updated"] == a.Data["updated"] {
		t.Errorf("timestamps: old %v/%v new %v/%v", a.Created, a.Updated, u.Created, u.Updated)
	}
	if _, err := tb.Update(1, func(d map[string]any) error { d["name"] = "x"; return errors.New("no") }); err == nil {
		t.Error("failing update returned no error")
	}
	if r, _ := tb.Get(1); r.Data["name"] != "a2" {
		t.Errorf("failed update changed data: %v", r.Data)
	}
	if _, err := tb.Update(99, func(map[string]any) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("update missing: %v", err)
	}
	if _, err := tb.Put(10, t0, t0, map[string]any{"name": "ten"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Put(5, t0, t0, map[string]any{"name": "five"}); err != nil {
		t.Fatal(err)
	}
	if c := tb.Insert(map[string]any{}); c.ID != 11 {
		t.Errorf("next id after Put(10) = %d", c.ID)
	}
	if !tb.Delete(2) || tb.Delete(2) {
		t.Error("delete")
	}
	var ids []int64
	for _, r := range tb.All() {
		ids = append(ids, r.ID)
	}
	if want := []int64{1, 5, 10, 11}; !equalIDs(ids, want) {
		t.Errorf("order %v, want %v", ids, want)
	}
	js, err := u.JSON()
	if err != nil || !strings.Contains(string(js), `"name":"a2"`) {
		t.Errorf("JSON %s %v", js, err)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFixtureRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)
	db := NewDB()
	items := db.Add("items", NewTable(TableOptions{Clock: fixedClock(t0)}))
	db.Add("empty", NewTable(TableOptions{}))
	items.Insert(map[string]any{"name": "a", "n": 12345678901234, "f": 1.5, "nested": map[string]any{"x": []any{1, "two", nil, true}}})
	items.Insert(map[string]any{"name": "b"})
	items.Delete(2) // next_id must survive the round trip
	first, err := db.DumpBytes("test/1")
	if err != nil {
		t.Fatal(err)
	}
	db2 := NewDB()
	db2.Add("items", NewTable(TableOptions{}))
	db2.Add("empty", NewTable(TableOptions{}))
	if err := db2.Load(bytes.NewReader(first), "test/1"); err != nil {
		t.Fatal(err)
	}
	second, err := db2.DumpBytes("test/1")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("round trip differs:\n%s\n---\n%s", first, second)
	}
	if r := db2.Table("items").Insert(map[string]any{}); r.ID != 3 {
		t.Errorf("next id after load = %d, want 3", r.ID)
	}
}

func TestFixtureLoadErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"bad json", `{`, "load fixture"},
		{"wrong format", `{"format":"other","tables":{}}`, `format "other"`},
		{"unknown table", `{"format":"f","tables":{"nope":{"next_id":1,"records":[]}}}`, `unknown table "nope"`},
		{"repeated id", `{"format":"f","tables":{"items":{"next_id":3,"records":[{"id":1,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","data":{}},{"id":1,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","data":{}}]}}}`, "repeated"},
		{"unknown field", `{"format":"f","tables":{},"extra":1}`, "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := NewDB()
			items := db.Add("items", NewTable(TableOptions{}))
			items.Insert(map[string]any{"keep": true})
			err := db.Load(strings.NewReader(tc.doc), "f")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want containing %q", err, tc.want)
			}
			if items.Len() != 1 {
				t.Error("a failed load changed the table")
			}
		})
	}
}

func TestTableRangeAndAfter(t *testing.T) {
	tb := NewTable(TableOptions{})
	for i := 0; i < 10; i++ {
		tb.Insert(map[string]any{})
	}
	tb.Delete(4)
	ids := func(rs []*Record) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	tests := []struct {
		from, n   int
		want      []int64
		wantTotal int
	}{
		{0, 3, []int64{1, 2, 3}, 9},
		{3, 3, []int64{5, 6, 7}, 9},
		{7, 5, []int64{9, 10}, 9},
		{9, 5, nil, 9},
		{-1, 5, nil, 9},
	}
	for _, tc := range tests {
		got, total := tb.Range(tc.from, tc.n)
		if !equalIDs(ids(got), tc.want) || total != tc.wantTotal {
			t.Errorf("Range(%d, %d) = %v, %d", tc.from, tc.n, ids(got), total)
		}
	}
	afterTests := []struct {
		id       int64
		n        int
		want     []int64
		wantMore bool
	}{
		{0, 3, []int64{1, 2, 3}, true},
		{3, 2, []int64{5, 6}, true},
		{4, 2, []int64{5, 6}, true},
		{8, 5, []int64{9, 10}, false},
		{10, 5, nil, false},
	}
	for _, tc := range afterTests {
		got, more := tb.After(tc.id, tc.n)
		if !equalIDs(ids(got), tc.want) || more != tc.wantMore {
			t.Errorf("After(%d, %d) = %v, %v", tc.id, tc.n, ids(got), more)
		}
	}
}
