package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

// controlOptions are the flags of the commands that set user controls
// (link, pause, resume).
type controlOptions struct {
	temporal temporalOptions
	mappings string
	sync     string
	noRun    bool
}

func (o *controlOptions) addFlags(f *pflag.FlagSet) {
	o.temporal.addFlags(f)
	f.StringVar(&o.mappings, "mappings", "mappings", "directory of the mapping files")
	f.StringVar(&o.sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.BoolVar(&o.noRun, "no-run", false, "only record the control; the next run applies it")
}

// controlTarget is the sync a control command works on.
type controlTarget struct {
	plan *plan.Plan
	sync plan.Sync
	dir  string // the sync's directory (controls.json, results.duckdb)
}

func (o *controlOptions) target(cmd *cobra.Command) (*controlTarget, error) {
	p, err := compileForRun(cmd, o.mappings)
	if err != nil {
		return nil, err
	}
	name, err := chooseSync(p, o.sync)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(p.Syncs, func(s plan.Sync) bool { return s.Name == name })
	return &controlTarget{plan: p, sync: p.Syncs[i], dir: workflows.SyncDir(o.temporal.dataDir, name)}, nil
}

// object returns the sync's object named name, or a usage error listing
// them.
func (t *controlTarget) object(name string) (plan.ObjectSync, error) {
	var names []string
	for _, o := range t.sync.Objects {
		if o.Object == name {
			return o, nil
		}
		names = append(names, o.Object)
	}
	return plan.ObjectSync{}, usageErr("sync %s has no object %q (objects: %s)", t.sync.Name, name, strings.Join(names, ", "))
}

// linkOf is one link a record named on the command line belongs to.
type linkOf struct {
	PSA, Doc, State string
}

func (l linkOf) String() string { return "psa:" + l.PSA + " = doc:" + l.Doc }

// resolveLink finds the link of object whose record arg names: a psa: or
// doc: id is looked up on that side, a bare id on both (refused when it
// names records of two links, or of both sides).
func resolveLink(ctx context.Context, dir, sync, object string, arg recordArg) (linkOf, error) {
	db, err := match.OpenResults(ctx, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return linkOf{}, usageErr("sync %s has no published results yet, so it has no links: run `mapsync sync` first", sync)
	}
	if err != nil {
		return linkOf{}, &exitError{code: exitFailure, err: err}
	}
	defer db.Close()
	q := `SELECT psa_id, doc_id, state, CASE WHEN psa_id = $3 THEN 'psa' ELSE 'doc' END FROM links
		WHERE sync = $1 AND object = $2 AND psa_id IS NOT NULL AND doc_id IS NOT NULL AND `
	switch arg.Side {
	case "psa":
		q += `psa_id = $3`
	case "doc":
		q += `doc_id = $3`
	default:
		q += `(psa_id = $3 OR doc_id = $3)`
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY psa_id, doc_id`, sync, object, arg.ID)
	if err != nil {
		return linkOf{}, &exitError{code: exitFailure, err: fmt.Errorf("reading the links: %w", err)}
	}
	defer rows.Close()
	var found []linkOf
	var sides []string
	for rows.Next() {
		var l linkOf
		var side string
		if err := rows.Scan(&l.PSA, &l.Doc, &l.State, &side); err != nil {
			return linkOf{}, &exitError{code: exitFailure, err: err}
		}
		found = append(found, l)
		sides = append(sides, side)
	}
	if err := closeRows(rows); err != nil {
		return linkOf{}, &exitError{code: exitFailure, err: err}
	}
	switch {
	case len(found) == 0:
		return linkOf{}, usageErr("%s %s: no %s link has this record (see `mapsync sql \"SELECT * FROM links WHERE object = '%s'\"`)", object, arg, object, object)
	case len(found) > 1:
		var names []string
		for i, l := range found {
			names = append(names, sides[i]+":"+arg.ID+" (link "+l.String()+")")
		}
		return linkOf{}, usageErr("%s %s is ambiguous: it names %s; write psa:%s or doc:%s", object, arg, strings.Join(names, " and "), arg.ID, arg.ID)
	}
	return found[0], nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	return errors.Join(err, rows.Close())
}

// startControlRun starts an incremental run of the sync limited to
// objects (nil: all) so a control shows at once, when a worker serves
// mapsync's queue; otherwise, or when a run of the sync is already going,
// it says the control applies at the next run. It starts no server and
// no worker of its own.
func startControlRun(cmd *cobra.Command, o *controlOptions, t *controlTarget, objects []string) error {
	out := cmd.OutOrStdout()
	later := func(why string) error {
		fmt.Fprintf(out, "%s: the control applies at the next run of sync %s\n", why, t.sync.Name)
		return nil
	}
	if o.noRun {
		return later("--no-run")
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
	defer cancel()
	hostPort := o.temporal.hostPort
	if hostPort == "" {
		hostPort = "127.0.0.1:7233"
		if !listening(hostPort) {
			return later("no Temporal server on " + hostPort)
		}
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelError}))
	c, err := connect(ctx, devConfig{temporal: o.temporal.hostPort, namespace: o.temporal.namespace}, hostPort, logger)
	if err != nil {
		return later(fmt.Sprintf("Temporal cannot be reached (%v)", err))
	}
	defer c.Close()
	pollers, err := recentPollers(ctx, c, o.temporal.namespace)
	if err != nil || !slices.ContainsFunc(pollers, pollerAlive) {
		return later("no worker serves mapsync's queue")
	}
	if _, err := workflows.NewPlanStore(workflows.PlanDir(o.temporal.dataDir)).Save(t.plan); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	in := workflows.SyncInput{Sync: t.sync.Name, PlanHash: t.plan.Hash, Mode: workflows.ModeIncremental, Objects: objects}
	what := "every object"
	if len(objects) > 0 {
		what = strings.Join(objects, ", ")
	}
	fmt.Fprintf(out, "starting an incremental run of %s (%s) so the control shows now\n", t.sync.Name, what)
	res, err := runSyncWith(cmd.Context(), c, in, out, cmd.ErrOrStderr(), nil)
	if errors.Is(err, errRunInProgress) {
		return later("a run of the sync is already going")
	}
	printSummary(out, res)
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "mapsync: the control is recorded, but the run failed: %v\n", runFailure(err))
		return failed()
	}
	return nil
}

// printTo writes a line per change.
func printTo(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}
