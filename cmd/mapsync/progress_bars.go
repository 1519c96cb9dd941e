package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"mapsync/workflows"
)

// barsView shows a run on a terminal with live progress bars (mpb): one
// row per object, naming its stage (extract, match, apply) with the ops
// applied of those planned and, once the object is done, the records and
// pages extracted from each side; a row per deferred-reference pass; then a
// row for the commit. The rows' texts are guarded by their own locks (the
// decorators read them while rendering); v.mu guards the rows' index.
type barsView struct {
	out   io.Writer
	p     *mpb.Progress
	start time.Time

	opts []mpb.ContainerOption

	mu       sync.Mutex
	shown    map[string]bool // rows done in an earlier container (before a stop)
	rows     map[string]*barRow
	order    []*barRow
	cur      *barRow
	deferred map[string]bool // objects in their deferred-reference pass
	retry    string
}

// barRow is one row: an object's pass (or the commit) and its counts.
type barRow struct {
	key string
	bar *mpb.Bar

	mu      sync.Mutex
	stage   string
	applied int64
	planned int64
	sum     *workflows.ObjectSummary
}

// newBarsView starts the bars on out; opts are mpb's container options
// (tests give a buffer, a width and a manual refresh).
func newBarsView(out io.Writer, id, runID string, opts ...mpb.ContainerOption) *barsView {
	fmt.Fprintf(out, "run %s (workflow %s)\n", runID, id)
	opts = append([]mpb.ContainerOption{mpb.WithOutput(out), mpb.WithRefreshRate(200 * time.Millisecond)}, opts...)
	return &barsView{out: out, opts: opts, start: time.Now(), rows: map[string]*barRow{}, shown: map[string]bool{}, deferred: map[string]bool{}}
}

// row returns the row of key, adding it (labelled label) the first time.
func (v *barsView) row(key, label string) *barRow {
	if r, ok := v.rows[key]; ok {
		return r
	}
	if v.p == nil {
		v.p = mpb.New(v.opts...)
	}
	r := &barRow{key: key}
	// total 0: none yet, and the bar is done only when complete says so
	r.bar = v.p.New(0, mpb.BarStyle().Lbound("[").Rbound("]"),
		mpb.PrependDecorators(
			decor.Name(label, decor.WCSyncSpaceR),
			decor.Any(func(decor.Statistics) string { r.mu.Lock(); defer r.mu.Unlock(); return r.stage }, decor.WCSyncSpaceR),
		),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string { r.mu.Lock(); defer r.mu.Unlock(); return r.counts() }, decor.WC{W: 1}),
		),
	)
	v.rows[key] = r
	v.order = append(v.order, r)
	return r
}

// counts is the text after a row's bar (r.mu held).
func (r *barRow) counts() string {
	var parts []string
	if s := r.sum; s != nil {
		parts = append(parts, fmt.Sprintf("psa %d records/%d pages, doc %d records/%d pages, matched %d",
			s.ExtractedPSA, s.PagesPSA, s.ExtractedDoc, s.PagesDoc, s.Matched))
	}
	switch {
	case r.planned > 0:
		parts = append(parts, fmt.Sprintf("applied %d/%d", r.applied, r.planned))
	case r.stage == "apply": // (a retry run's progress plans no count)
		parts = append(parts, fmt.Sprintf("applied %d", r.applied))
	}
	return strings.Join(parts, ", ")
}

// complete fills the row's bar and names its stage done.
func (r *barRow) complete() {
	r.mu.Lock()
	r.stage = "done"
	total := max(r.planned, 1)
	r.mu.Unlock()
	r.bar.SetTotal(total, true)
}

func (v *barsView) update(pr workflows.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i := range pr.Done { // objects done: their counts, their bars full
		s := pr.Done[i]
		if v.shown[s.Object] {
			continue
		}
		r := v.row(s.Object, s.Object)
		r.mu.Lock()
		first := r.sum == nil
		r.sum = &s
		r.mu.Unlock()
		if first {
			r.complete()
		}
	}
	key, label := pr.Object, pr.Object
	switch {
	case pr.Stage == "commit" || pr.Stage == "done":
		key, label = "/commit", "commit"
	case pr.Object == "":
		return // prepare
	case pr.Stage == "deferred" || v.deferred[pr.Object]:
		v.deferred[pr.Object] = true
		key, label = pr.Object+"/deferred", pr.Object+" deferred"
	}
	if r, ok := v.rows[key]; v.shown[key] || ok && r.bar.Completed() {
		return // a row already done (a late poll)
	}
	r := v.row(key, label)
	if v.cur != nil && v.cur != r && !v.cur.bar.Completed() {
		v.cur.complete() // the run moved on
	}
	v.cur = r
	r.mu.Lock()
	r.stage = pr.Stage
	if pr.Stage == "apply" || pr.Stage == "deferred" {
		r.applied, r.planned = pr.Applied, pr.Planned
	}
	r.mu.Unlock()
	if pr.Planned > 0 && pr.Stage == "apply" {
		r.bar.SetTotal(pr.Planned, false)
		r.bar.SetCurrent(min(pr.Applied, pr.Planned))
	}
	if pr.Stage == "done" {
		r.complete()
	}
}

// retrying prints the retries above the bars when they change.
func (v *barsView) retrying(note string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if note == v.retry {
		return
	}
	v.retry = note
	if note == "" {
		return
	}
	var w io.Writer = v.out
	if v.p != nil {
		w = v.p // above the bars
	}
	for _, line := range strings.Split(note, "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// stop ends the bars where they are, so that the terminal can be used (a
// question on Ctrl+C, the command leaving the run); the next update shows
// the rows not done yet again.
func (v *barsView) stop() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.stopLocked(false)
}

// stopLocked ends the container: rows not done are filled (full) or left
// where they are (!full).
func (v *barsView) stopLocked(full bool) {
	if v.p == nil {
		return
	}
	for _, r := range v.order {
		switch {
		case r.bar.Completed():
			v.shown[r.key] = true
		case full:
			r.complete()
			v.shown[r.key] = true
		default: // ended where it is (its counts say where), and rendered
			r.mu.Lock()
			r.stage = "stopped"
			r.mu.Unlock()
			r.bar.SetTotal(-1, true)
		}
	}
	v.p.Wait()
	v.p, v.rows, v.order, v.cur = nil, map[string]*barRow{}, nil, nil
}

// finish ends the bars (full when the run succeeded, stopped where they
// were when it failed) and says how the run ended.
func (v *barsView) finish(err error) {
	v.mu.Lock()
	v.stopLocked(err == nil)
	v.mu.Unlock()
	took := time.Since(v.start).Round(10 * time.Millisecond)
	if err != nil {
		fmt.Fprintf(v.out, "run failed after %s\n", took)
		return
	}
	fmt.Fprintf(v.out, "run done in %s\n", took)
}
