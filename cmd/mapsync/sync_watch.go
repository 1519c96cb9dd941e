package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.temporal.io/sdk/client"

	"mapsync/engine/plan"
	"mapsync/workflows"
)

// interruptAction is what `mapsync sync` does with its run on Ctrl+C.
type interruptAction int

const (
	actWait   interruptAction = iota // keep following the run
	actCancel                        // cancel the run and wait for it to end
	actDetach                        // leave the run going and exit
)

// askInterrupt decides what a Ctrl+C (or SIGTERM) does to a running sync.
// With --detach the run is left going, without a question. Without a
// terminal on stdin there is nobody to ask: the run is cancelled (a
// supervisor that stops `mapsync sync` means to stop the run). On a
// terminal the user is asked: y cancels, n leaves it running, anything
// else (Enter) keeps waiting; end of input cancels.
func askInterrupt(in io.Reader, out io.Writer, interactive, detach bool, runID string) interruptAction {
	switch {
	case detach:
		return actDetach
	case !interactive:
		return actCancel
	}
	fmt.Fprintf(out, "\nCancel run %s? [y] cancel it  [n] leave it running and exit  [Enter] keep waiting: ", runID)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return actCancel
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return actCancel
	case "n", "no":
		return actDetach
	}
	return actWait
}

// followHint tells how to follow a run left running; ownWorker says the
// worker that served it was this process's (it stops with it).
func followHint(w io.Writer, id, runID string, ownWorker bool) {
	fmt.Fprintf(w, "run %s (workflow %s) keeps running: follow it with 'mapsync status' or the Temporal Web UI\n", runID, id)
	if ownWorker {
		fmt.Fprintln(w, "note: its worker ran in this process; the run waits until a worker serves the queue again ('mapsync dev')")
	}
}

// retryNote describes the retries of a run's pending activities ("" when
// none is being retried): which step, which attempt, and the last failure.
func retryNote(ctx context.Context, c client.Client, id, runID string) string {
	d, err := c.DescribeWorkflowExecution(ctx, id, runID)
	if err != nil {
		return ""
	}
	var notes []string
	for _, a := range d.GetPendingActivities() {
		if a.GetAttempt() <= 1 || a.GetLastFailure() == nil {
			continue
		}
		notes = append(notes, fmt.Sprintf("retrying %s (attempt %d): %s", a.GetActivityType().GetName(), a.GetAttempt(), a.GetLastFailure().GetMessage()))
	}
	slices.Sort(notes)
	return strings.Join(notes, "\n")
}

// workerEnvWarning warns when a worker of another process serves the
// queue while variables of the plan are set in this process: the worker
// reads them from its own environment, so the ones set here are not used.
// Only names are printed, never values.
func workerEnvWarning(w io.Writer, p *plan.Plan, lookup func(string) (string, bool)) {
	var set []string
	for _, v := range p.Variables {
		if v.Env == "" {
			continue
		}
		if _, ok := lookup(v.Env); ok {
			set = append(set, v.Env)
		}
	}
	if len(set) == 0 {
		return
	}
	fmt.Fprintf(w, "mapsync: warning: a worker of another process (mapsync dev?) serves the queue and reads the systems' variables from ITS environment; %s set here are not used by this run (set them where that worker runs and restart it)\n",
		strings.Join(set, ", "))
}

// stdinInteractive reports whether stdin is a terminal.
func stdinInteractive() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runFailure is what to say about a failed run: the access failures alone
// (system, URL, fix) when one stopped it, the whole error otherwise.
func runFailure(err error) string {
	if msgs := workflows.AccessFailures(err); len(msgs) > 0 {
		return "a system cannot be used as configured:\n  " + strings.Join(msgs, "\n  ")
	}
	return err.Error()
}
