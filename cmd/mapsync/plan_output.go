package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"mapsync/engine/match"
	"mapsync/engine/steps"
)

// stepPrinter writes one line per finished step to a terminal, and nothing
// when stderr is not one.
type stepPrinter struct {
	w     io.Writer // nil = quiet
	start time.Time
	last  time.Time
}

func newStepPrinter(stderr io.Writer) *stepPrinter {
	p := &stepPrinter{start: time.Now(), last: time.Now()}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.w = stderr
	}
	return p
}

func (p *stepPrinter) show(pr steps.Progress) {
	if p.w == nil || !pr.Done {
		return
	}
	took := time.Since(p.last).Round(time.Millisecond)
	p.last = time.Now()
	switch pr.Step {
	case "extract":
		fmt.Fprintf(p.w, "%-8s %-14s %-3s %7d records  %4d pages  %s\n", pr.Step, pr.Object, pr.Side, pr.Records, pr.Pages, took)
	case "publish":
		fmt.Fprintf(p.w, "%-8s %s  %s\n", pr.Step, pr.Note, took)
	default:
		fmt.Fprintf(p.w, "%-8s %-14s     %7d records  %s\n", pr.Step, pr.Object, pr.Records, took)
	}
}

func (p *stepPrinter) done() {
	if p.w != nil {
		fmt.Fprintf(p.w, "planned in %s\n", time.Since(p.start).Round(time.Millisecond))
	}
}

// writePlan prints a report as text. The output depends only on the
// report, so the same data planned twice prints the same text.
func writePlan(w io.Writer, rep steps.Report, full bool) {
	sysName := func(s match.Side) string {
		if s == match.PSA {
			return rep.PSA
		}
		return rep.Doc
	}
	width := max(len(rep.PSA), len(rep.Doc)) + 3 // "in " + name
	fmt.Fprintf(w, "Plan of sync %s (psa: %s, doc: %s). Nothing was written to either system.\n", rep.Sync, rep.PSA, rep.Doc)
	for _, o := range rep.Objects {
		fmt.Fprintf(w, "\n%s\n", o.Object)
		if o.Disabled != "" {
			fmt.Fprintf(w, "  not synced: %s\n", o.Disabled)
			continue
		}
		fmt.Fprintf(w, "  read          %s %d (%d in scope), %s %d (%d in scope)\n",
			rep.PSA, o.Records.PSA, o.InScope.PSA, rep.Doc, o.Records.Doc, o.InScope.Doc)
		var matched []string
		var pairs int64
		for _, c := range o.Matched {
			matched = append(matched, fmt.Sprintf("%d by %s", c.Count, c.Key))
			pairs += c.Count
		}
		line := fmt.Sprintf("%d pairs", pairs)
		if len(matched) > 0 {
			line += ": " + strings.Join(matched, ", ")
		}
		if o.Lost > 0 {
			line += fmt.Sprintf("; %d lost all their candidates to earlier-created records", o.Lost)
		}
		fmt.Fprintf(w, "  matched       %s\n", line)
		fmt.Fprintf(w, "  create        in %s %d, in %s %d\n", rep.Doc, o.Create.Doc, rep.PSA, o.Create.PSA)
		if len(o.Update) == 0 {
			fmt.Fprintf(w, "  update        none\n")
		}
		for _, u := range o.Update {
			var fs []string
			for _, f := range u.Fields {
				fs = append(fs, fmt.Sprintf("%s %d", f.Key, f.Count))
			}
			fmt.Fprintf(w, "  update        in %s %d: %s\n", sysName(u.Side), u.Records, strings.Join(fs, ", "))
		}
		fmt.Fprintf(w, "  orphan        %d\n", o.Orphan)
		writeCounts(w, "skip", o.Skip, sysName, "in ", width)
		writeCounts(w, "invalid", o.Invalid, sysName, "in ", width)
		writeCounts(w, "out of scope", o.OutOfScope, sysName, "", width)
		writeCounts(w, "waiting", o.Waiting, sysName, "", width)
		if full && len(o.Details) > 0 {
			fmt.Fprintf(w, "  records\n")
			for _, d := range o.Details {
				writeDetail(w, d, sysName)
			}
		}
	}
}

// writeCounts prints a list of reasons with their counts.
func writeCounts(w io.Writer, title string, cs []steps.Count, sysName func(match.Side) string, prep string, width int) {
	var total int64
	for _, c := range cs {
		total += c.Count
	}
	if total == 0 {
		fmt.Fprintf(w, "  %-13s 0\n", title)
		return
	}
	fmt.Fprintf(w, "  %-13s %d\n", title, total)
	for _, c := range cs {
		fmt.Fprintf(w, "    %5d  %-*s  %s\n", c.Count, width, prep+sysName(c.Side), c.Key)
	}
}

func writeDetail(w io.Writer, d steps.Detail, sysName func(match.Side) string) {
	var b strings.Builder
	fmt.Fprintf(&b, "    %-12s %-10s", d.What, sysName(d.Side))
	switch {
	case d.ID != "" && d.Source != "":
		fmt.Fprintf(&b, " %s <- %s", d.ID, d.Source)
	case d.Source != "":
		fmt.Fprintf(&b, " new <- %s", d.Source)
	default:
		fmt.Fprintf(&b, " %s", d.ID)
	}
	if d.Label != "" {
		fmt.Fprintf(&b, "  %q", d.Label)
	}
	if len(d.Fields) > 0 && d.What != "invalid" {
		fmt.Fprintf(&b, "  [%s]", strings.Join(d.Fields, ", "))
	}
	if d.Reason != "" {
		fmt.Fprintf(&b, "  %s", d.Reason)
	}
	fmt.Fprintln(w, b.String())
}

// writeGuards prints the mass-change guard's verdicts that matter: the
// object types a sync would stop at.
func writeGuards(w io.Writer, vs []steps.GuardVerdict) {
	var over []steps.GuardVerdict
	for _, v := range vs {
		if v.Blocked || v.Allowed {
			over = append(over, v)
		}
	}
	if len(over) == 0 {
		fmt.Fprintf(w, "\nMass-change guard: passes (no object type changes more than its max_change of its links).\n")
		return
	}
	fmt.Fprintf(w, "\nMass-change guard: a sync would STOP at these object types (nothing written for them, links kept as they are):\n")
	for _, v := range over {
		fmt.Fprintf(w, "  %s\n", v.Message())
	}
}
