package steps

import (
	"context"
	"slices"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
)

func TestNextPoll(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	key := func(o, id string) string { return RecordRef{Object: o, Side: match.Doc, ID: id}.Key() }
	tests := []struct {
		name    string
		in      PollInput
		listed  []Polled
		changed []string // ids
		seen    int
	}{
		{name: "first poll reports what it lists", listed: []Polled{{"contact", "1", "a"}, {"contact", "2", "b"}}, changed: []string{"1", "2"}, seen: 2},
		{name: "the overlap lists a record again unchanged", in: PollInput{Seen: map[string]string{key("contact", "1"): "a"}},
			listed: []Polled{{"contact", "1", "a"}}, changed: nil, seen: 1},
		{name: "a record saved again is reported again", in: PollInput{Seen: map[string]string{key("contact", "1"): "a"}},
			listed: []Polled{{"contact", "1", "b"}}, changed: []string{"1"}, seen: 1},
		{name: "a record listed twice counts once", listed: []Polled{{"contact", "3", "a"}, {"contact", "3", "a"}}, changed: []string{"3"}, seen: 1},
		{name: "records out of the window are forgotten", in: PollInput{Seen: map[string]string{key("contact", "9"): "old"}},
			listed: nil, changed: nil, seen: 0},
		{name: "same id in two objects is two records", listed: []Polled{{"contact", "1", "a"}, {"location", "1", "a"}}, changed: []string{"1", "1"}, seen: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := NextPoll(tt.in, []string{"contact", "location"}, tt.listed, t0)
			var ids []string
			for _, c := range res.Changed {
				ids = append(ids, c.ID)
				if c.Side != match.Doc {
					t.Errorf("changed record on side %s", c.Side)
				}
			}
			if !slices.Equal(ids, tt.changed) {
				t.Errorf("changed = %v, want %v", ids, tt.changed)
			}
			if len(res.Seen) != tt.seen {
				t.Errorf("seen = %v, want %d entries", res.Seen, tt.seen)
			}
			if !res.Watermarks["contact"].Equal(t0) || !res.Watermarks["location"].Equal(t0) {
				t.Errorf("watermarks = %v, want the poll's start", res.Watermarks)
			}
		})
	}
}

func TestSinceOverlaps(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if got := Since(time.Time{}, now, time.Minute); !got.Equal(now.Add(-time.Minute)) {
		t.Errorf("first poll since %v", got)
	}
	w := now.Add(-10 * time.Second)
	if got := Since(w, now, time.Minute); !got.Equal(w.Add(-time.Minute)) {
		t.Errorf("since %v, want the watermark less the lookback", got)
	}
	if got := Since(now.Add(time.Hour), now, time.Minute); !got.Equal(now.Add(-time.Minute)) {
		t.Errorf("a watermark in the future: since %v", got)
	}
}

func TestMergeRecords(t *testing.T) {
	a := []RecordRef{{"contact", match.Doc, "2"}, {"contact", match.Doc, "1"}}
	b := []RecordRef{{"contact", match.Doc, "1"}, {"organization", match.Doc, "1"}}
	got := MergeRecords(a, b)
	want := []RecordRef{{"contact", match.Doc, "1"}, {"contact", match.Doc, "2"}, {"organization", match.Doc, "1"}}
	if !slices.Equal(got, want) {
		t.Errorf("merge = %v, want %v", got, want)
	}
}

// A poll against the sandboxes reports a record edited on the doc side
// (and nothing again on the next poll), with one small page per object.
func TestPollFindsDocEdits(t *testing.T) {
	ctx := context.Background()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = unthrottled(p)
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 3}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	pl, err := NewPoller(Config{Plan: p, Vars: connectors.NewResolver(p.Variables, sys.LookupEnv(nil)), Lookback: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := pl.Objects()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(objs, "ticket") || !slices.Contains(objs, "configuration") {
		t.Fatalf("polled objects %v: want those flowing to the PSA only", objs)
	}
	pctx, reqs := CountRequests(ctx)
	first, err := pl.Poll(pctx, PollInput{})
	if err != nil {
		t.Fatal(err)
	}
	if reqs.N() < int64(len(objs)) {
		t.Errorf("%d requests for %d objects", reqs.N(), len(objs))
	}
	recs, err := sys.ListRecords(ctx, local.SideDoc, "configuration")
	if err != nil || len(recs) == 0 {
		t.Fatalf("doc configurations: %v (%d)", err, len(recs))
	}
	id := recs[0].ID
	time.Sleep(1100 * time.Millisecond) // a new updated-at second
	if err := sys.EditRecord(ctx, local.SideDoc, "configuration", id, map[string]any{"asset_tag": "POLL-1"}); err != nil {
		t.Fatal(err)
	}
	second, err := pl.Poll(ctx, PollInput{Watermarks: first.Watermarks, Seen: first.Seen})
	if err != nil {
		t.Fatal(err)
	}
	want := RecordRef{Object: "configuration", Side: match.Doc, ID: id}
	if !slices.Contains(second.Changed, want) {
		t.Errorf("second poll changed %v, want %v among them", second.Changed, want)
	}
	pctx, reqs = CountRequests(ctx)
	third, err := pl.Poll(pctx, PollInput{Watermarks: second.Watermarks, Seen: second.Seen})
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Changed) != 0 {
		t.Errorf("a quiet poll reported %v", third.Changed)
	}
	if reqs.N() != int64(len(objs)) {
		t.Errorf("a quiet poll made %d requests for %d objects, want one each", reqs.N(), len(objs))
	}
}
