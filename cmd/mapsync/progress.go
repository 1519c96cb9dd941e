package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/term"

	"mapsync/workflows"
)

// progressView shows a run while waitRunWith follows it: the progress
// query's values, the retries of its steps, how it ended.
type progressView interface {
	update(workflows.Progress)
	retrying(note string) // "" when no step is retried
	finish(err error)
	// stop stops showing the run for now (Ctrl+C asks a question, or the
	// command leaves the run); the next update shows it again.
	stop()
}

// newProgressView shows progress bars when stdout is a terminal
// (progress_bars.go), JSON log lines on stderr otherwise.
func newProgressView(stdout, stderr io.Writer, id, runID string) progressView {
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return newBarsView(stdout, id, runID)
	}
	return newJSONView(stderr, id, runID)
}

// jsonView logs a run as JSON lines: one when a stage or object starts,
// one per retry, one when the run ends.
type jsonView struct {
	log   zerolog.Logger
	start time.Time
	last  string // stage/object last logged
	retry string // the retries last logged
}

func newJSONView(w io.Writer, id, runID string) *jsonView {
	v := &jsonView{start: time.Now()}
	v.log = zerolog.New(w).With().Timestamp().Str("workflow", id).Str("run", runID).Logger()
	v.log.Info().Msg("run started")
	return v
}

func (v *jsonView) update(pr workflows.Progress) {
	key := pr.Stage + "/" + pr.Object
	if key != v.last {
		v.log.Info().Str("stage", pr.Stage).Str("object", pr.Object).Int64("planned", pr.Planned).Msg("stage")
	}
	v.last = key
}

func (v *jsonView) retrying(note string) {
	if note == v.retry {
		return
	}
	v.retry = note
	if note == "" {
		return
	}
	for _, line := range strings.Split(note, "\n") {
		v.log.Warn().Str("retry", line).Msg("retrying")
	}
}

func (v *jsonView) stop() {}

func (v *jsonView) finish(err error) {
	took := time.Since(v.start).Round(10 * time.Millisecond)
	ev := v.log.Info()
	if err != nil {
		ev = v.log.Error().Str("error", err.Error())
	}
	ev.Dur("took", took).Msg("run ended")
}

// printSummary prints the per-object table of a run.
func printSummary(w io.Writer, r workflows.SyncResult) {
	if len(r.Objects) == 0 {
		return
	}
	mode := r.Mode
	if r.DryRun {
		mode += ", dry run: nothing written"
	}
	fmt.Fprintf(w, "\nsync %s (%s), run %s\n", r.Sync, mode, r.RunID)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "object\textracted psa\textracted doc\tmatched\tlinked\tcreated\tupdated\torphaned\tinvalid\terrors\trequests\t")
	var t workflows.ObjectSummary
	for _, o := range r.Objects {
		created, updated := o.Created+o.Adopted, o.Updated
		if r.DryRun {
			created, updated = o.Planned.Create, o.Planned.Update
		}
		errs, reqs := o.Errors, o.Requests
		if d := o.Deferred; d != nil { // its deferred references count with it
			updated, errs = updated+d.Updated, errs+d.Errors // (its requests are in o.Requests)
			if r.DryRun {
				updated += d.Planned.Update - d.Updated
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", o.Object, o.ExtractedPSA, o.ExtractedDoc,
			o.Matched, o.Linked, created, updated, o.Orphaned, o.Invalid, errs, reqs)
		t.ExtractedPSA += o.ExtractedPSA
		t.ExtractedDoc += o.ExtractedDoc
		t.Matched += o.Matched
		t.Linked += o.Linked
		t.Created += created
		t.Updated += updated
		t.Orphaned += o.Orphaned
		t.Invalid += o.Invalid
		t.Errors += errs
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", t.ExtractedPSA, t.ExtractedDoc, t.Matched, t.Linked,
		t.Created, t.Updated, t.Orphaned, t.Invalid, t.Errors, r.Requests)
	tw.Flush()
	if r.DryRun {
		fmt.Fprintln(w, "(created/updated: planned writes)")
	}
	if r.ResultsFile != "" {
		fmt.Fprintf(w, "results: %s\n", r.ResultsFile)
	}
	if t.Errors > 0 {
		fmt.Fprintf(w, "%d records failed: see `mapsync errors`, then `mapsync retry`\n", t.Errors)
	}
	if t.Invalid > 0 && !r.DryRun {
		fmt.Fprintf(w, "%d invalid values left out of writes: see `mapsync errors --warnings`\n", t.Invalid)
	}
}
