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

// progressPrinter shows a run's stages: one line per stage on a terminal
// (with a live apply counter), JSON log lines on stderr otherwise.
type progressPrinter struct {
	out      io.Writer
	tty      bool
	log      zerolog.Logger
	start    time.Time
	last     string // stage/object last shown
	counting bool   // a \r counter line is open
	retry    string // the retries last shown
}

func newProgressPrinter(stdout, stderr io.Writer, id, runID string) *progressPrinter {
	p := &progressPrinter{out: stdout, start: time.Now()}
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		fmt.Fprintf(stdout, "run %s (workflow %s)\n", runID, id)
		return p
	}
	p.log = zerolog.New(stderr).With().Timestamp().Str("workflow", id).Str("run", runID).Logger()
	p.log.Info().Msg("run started")
	return p
}

func (p *progressPrinter) update(pr workflows.Progress) {
	key := pr.Stage + "/" + pr.Object
	if !p.tty {
		if key != p.last {
			p.log.Info().Str("stage", pr.Stage).Str("object", pr.Object).Int64("planned", pr.Planned).Msg("stage")
		}
		p.last = key
		return
	}
	if key != p.last {
		p.closeCounter()
		if pr.Object != "" {
			fmt.Fprintf(p.out, "  %-14s %s\n", pr.Object, pr.Stage)
		} else {
			fmt.Fprintf(p.out, "  %s\n", pr.Stage)
		}
		p.last = key
	}
	if pr.Stage == "apply" && pr.Planned > 0 {
		fmt.Fprintf(p.out, "\r  %-14s applied %d/%d", "", pr.Applied, pr.Planned)
		p.counting = true
	}
}

// retrying shows the retries of the run's steps when they change (note
// from retryNote; "" when none is retried).
func (p *progressPrinter) retrying(note string) {
	if note == p.retry {
		return
	}
	p.retry = note
	if note == "" {
		return
	}
	if !p.tty {
		for _, line := range strings.Split(note, "\n") {
			p.log.Warn().Str("retry", line).Msg("retrying")
		}
		return
	}
	p.closeCounter()
	for _, line := range strings.Split(note, "\n") {
		fmt.Fprintf(p.out, "  %s\n", line)
	}
}

func (p *progressPrinter) closeCounter() {
	if p.counting {
		fmt.Fprintln(p.out)
		p.counting = false
	}
}

func (p *progressPrinter) finish(err error) {
	took := time.Since(p.start).Round(10 * time.Millisecond)
	if !p.tty {
		ev := p.log.Info()
		if err != nil {
			ev = p.log.Error().Str("error", err.Error())
		}
		ev.Dur("took", took).Msg("run ended")
		return
	}
	p.closeCounter()
	if err != nil {
		fmt.Fprintf(p.out, "run failed after %s\n", took)
		return
	}
	fmt.Fprintf(p.out, "run done in %s\n", took)
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
