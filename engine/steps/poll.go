package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"mapsync/connectors"
	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// PollPageSize is the page size of a poll's listings: a quiet system
// answers each object's poll with one small page.
const PollPageSize = 10

// PollInput is what the watcher remembers between two polls.
type PollInput struct {
	// Watermarks holds, per object, when the last poll of it started
	// (zero: never polled; the poll lists from Now - Lookback).
	Watermarks map[string]time.Time `json:"watermarks,omitempty"`
	// Seen holds the updated value of every record the last poll listed
	// (RecordRef.Key -> value), so a record listed again in the lookback
	// overlap is not reported twice.
	Seen map[string]string `json:"seen,omitempty"`
}

// PollResult is what changed since the last poll.
type PollResult struct {
	// Changed are the documentation-side records that changed, sorted.
	Changed    []RecordRef          `json:"changed,omitempty"`
	Watermarks map[string]time.Time `json:"watermarks"`
	Seen       map[string]string    `json:"seen,omitempty"`
	Objects    []string             `json:"objects,omitempty"` // the objects polled
	Requests   int64                `json:"requests"`
}

// Poller notices documentation-side changes of the objects whose values
// flow to the PSA, cheaply: for each such object one changed-since
// listing (newest first or a server-side filter, as the mapping declares)
// in small pages, from the last poll's start less the lookback. It holds
// no database: any worker can poll. Its connector client is kept between
// polls, so the system's rate limit holds across them.
type Poller struct {
	run    *Run
	client *connectors.Client
	now    func() time.Time
}

// NewPoller builds the poller of a sync (Config.Dir and RunID are not
// used; Vars is required).
func NewPoller(cfg Config) (*Poller, error) {
	r, err := Inspect(cfg)
	if err != nil {
		return nil, err
	}
	if r.cfg.Vars == nil {
		return nil, fmt.Errorf("steps: poller: no variable resolver")
	}
	opts := append(slices.Clip(r.cfg.ConnectorOptions), connectors.WithAttemptHook(countAttempt))
	c, err := connectors.New(r.systems[match.Doc], r.cfg.Vars, opts...)
	if err != nil {
		return nil, fmt.Errorf("steps: poller: %s system: %w", match.Doc, err)
	}
	return &Poller{run: r, client: c, now: r.cfg.Now}, nil
}

// Objects are the objects the poller lists: enabled, flowing to the PSA
// (two_way or to_psa) and with a changed-since listing on the doc side.
func (p *Poller) Objects() ([]string, error) { return pollObjects(p.run) }

func pollObjects(r *Run) ([]string, error) {
	var out []string
	for _, o := range r.sync.Objects {
		if o.Direction != plan.DirTwoWay && o.Direction != plan.DirToPSA {
			continue
		}
		obj, err := r.object(o.Object)
		if err != nil {
			return nil, err
		}
		if obj.mappers[match.Doc].Object().ChangedSince == nil {
			continue
		}
		on, _, err := r.Enabled(o.Object)
		if err != nil {
			return nil, err
		}
		if on {
			out = append(out, o.Object)
		}
	}
	return out, nil
}

// Poll lists what changed since the watermarks. The requests it makes are
// counted under CountRequests.
func (p *Poller) Poll(ctx context.Context, in PollInput) (PollResult, error) {
	objects, err := p.Objects()
	if err != nil {
		return PollResult{}, err
	}
	start := p.now().UTC()
	var listed []Polled
	for _, name := range objects {
		since := Since(in.Watermarks[name], start, p.run.cfg.Lookback)
		obj := p.run.objects[name].mappers[match.Doc].Object()
		for page, err := range p.client.List(ctx, name, connectors.ListQuery{Since: since, PageSize: PollPageSize}) {
			if err != nil {
				return PollResult{}, fmt.Errorf("steps: poll %s: %w", name, err)
			}
			for _, rec := range page.Records {
				id, _ := connectors.Value(rec, obj.ID)
				up, _ := connectors.Value(rec, obj.Updated)
				if s := connectors.IDString(id); s != "" {
					listed = append(listed, Polled{Object: name, ID: s, Updated: connectors.IDString(up)})
				}
			}
		}
	}
	return NextPoll(in, objects, listed, start), nil
}

// Polled is one record a poll listed.
type Polled struct {
	Object  string
	ID      string
	Updated string
}

// Since is where a poll lists from: the watermark less the lookback (an
// overlap covering clock skew and records saved while the last poll
// listed), or now less the lookback on the first poll.
func Since(watermark, now time.Time, lookback time.Duration) time.Time {
	if watermark.IsZero() || watermark.After(now) {
		watermark = now
	}
	return watermark.Add(-lookback)
}

// NextPoll decides what a poll found: a listed record is changed unless
// the last poll listed it with the same updated value (the lookback
// overlap lists records again); a record listed twice counts once. The
// watermark of every polled object moves to the poll's start; Seen keeps
// the records of this listing only (older ones fell out of the window).
func NextPoll(in PollInput, objects []string, listed []Polled, start time.Time) PollResult {
	res := PollResult{Watermarks: map[string]time.Time{}, Seen: map[string]string{}, Objects: objects}
	maps.Copy(res.Watermarks, in.Watermarks)
	for _, o := range objects {
		res.Watermarks[o] = start
	}
	changed := map[string]RecordRef{}
	for _, l := range listed {
		ref := RecordRef{Object: l.Object, Side: match.Doc, ID: l.ID}
		k := ref.Key()
		if prev, ok := in.Seen[k]; !ok || prev != l.Updated {
			changed[k] = ref
		}
		res.Seen[k] = l.Updated
	}
	for _, ref := range changed {
		res.Changed = append(res.Changed, ref)
	}
	sort.Slice(res.Changed, func(i, j int) bool { return res.Changed[i].Key() < res.Changed[j].Key() })
	if len(res.Seen) == 0 {
		res.Seen = nil
	}
	return res
}

// MergeRecords adds recs to pending, keeping one entry per record, sorted.
func MergeRecords(pending, recs []RecordRef) []RecordRef {
	m := map[string]RecordRef{}
	for _, r := range append(slices.Clone(pending), recs...) {
		m[r.Key()] = r
	}
	out := make([]RecordRef, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// DefaultWatchShare is the share of the documentation system's request
// budget a watcher's polls use when it is quiet (one page per polled
// object and poll), which sets its default interval (WatchInterval).
const DefaultWatchShare = 0.2

// WatchInterval is the pause between polls that keeps a quiet watcher of
// a sync within share of the documentation system's request budget
// (window_requests per window_seconds, else requests_per_second): one
// request per polled object and poll. At least one second; objects is how
// many objects a poll lists (0: no watcher is needed).
func WatchInterval(p *plan.Plan, sync string, share float64) (interval time.Duration, objects int, err error) {
	r, err := Inspect(Config{Plan: p, Sync: sync})
	if err != nil {
		return 0, 0, err
	}
	objs, err := pollObjects(r)
	if err != nil {
		return 0, 0, err
	}
	rl := r.systems[match.Doc].RateLimit
	rate := rl.RequestsPerSecond
	if rl.WindowRequests > 0 && rl.WindowSeconds > 0 {
		rate = float64(rl.WindowRequests) / float64(rl.WindowSeconds)
	}
	interval = time.Second
	if rate > 0 && share > 0 && len(objs) > 0 {
		need := time.Duration(float64(len(objs)) / (share * rate) * float64(time.Second))
		interval = max(interval, need.Round(100*time.Millisecond))
	}
	return interval, len(objs), nil
}

// BudgetShare is the share of a system's request budget that requests
// made in window use (0 when the system declares no limit).
func BudgetShare(rl plan.RateLimit, requests int64, window time.Duration) float64 {
	rate := rl.RequestsPerSecond
	if rl.WindowRequests > 0 && rl.WindowSeconds > 0 {
		rate = float64(rl.WindowRequests) / float64(rl.WindowSeconds)
	}
	if rate <= 0 || window <= 0 {
		return 0
	}
	return float64(requests) / (rate * window.Seconds())
}
