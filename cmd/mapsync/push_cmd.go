package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"mapsync/connectors"
	"mapsync/engine/controls"
	"mapsync/engine/plan"
	"mapsync/engine/steps"
	"mapsync/workflows"
)

func init() { commands = append(commands, newPushCmd, newPushAllCmd) }

type pushOptions struct {
	temporal temporalOptions
	mappings string
	sync     string
	noRun    bool
}

func newPushCmd() *cobra.Command {
	var o pushOptions
	cmd := &cobra.Command{
		Use:   "push OBJECT ID...",
		Short: "Confirm documentation records for a push to the PSA",
		Long: `push confirms documentation records that wait for a push (state
not_yet_pushed: records that were in the documentation system before the
first sync, or imported, of an object whose create_in_psa is "confirmed").
Each ID is a documentation record's id (ID or doc:ID). The confirmation is
kept in the sync's controls (syncs/<sync>/controls.json under the data
directory) until the record is linked: an in-scope record is created in the
PSA by the next run; an out-of-scope one keeps waiting, with the reason.

Then an incremental run of that object starts (as 'mapsync sync' would:
Temporal from --temporal, else the embedded server), unless --no-run; when a
run of the sync is already going, the confirmation applies at the next run.
Exit status 1 if the run failed.`,
		Example: `  mapsync push configuration 2291 2292
  mapsync push configuration doc:2291 --no-run`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runPush(ctx, cmd, o, args[0], args[1:])
		},
	}
	f := cmd.Flags()
	o.temporal.addFlags(f)
	f.StringVar(&o.mappings, "mappings", "mappings", "directory of the mapping files")
	f.StringVar(&o.sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.BoolVar(&o.noRun, "no-run", false, "only record the confirmations; the next run pushes the records")
	return cmd
}

// pushIDs reads the record arguments of push: documentation ids only.
func pushIDs(args []string) ([]string, error) {
	var ids []string
	for _, a := range args {
		r, err := parseRecordArg(a)
		if err != nil {
			return nil, err
		}
		if r.Side == controls.SidePSA {
			return nil, usageErr("%s: push confirms documentation records (give ID or doc:ID); a PSA record needs no push", a)
		}
		if !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// pushSync compiles the mappings and returns the plan, the sync's name and
// an inspected run (no connection) to check objects with.
func pushSync(cmd *cobra.Command, mappings, sync string) (*plan.Plan, string, *steps.Run, error) {
	p, err := compileForRun(cmd, mappings)
	if err != nil {
		return nil, "", nil, err
	}
	name, err := chooseSync(p, sync)
	if err != nil {
		return nil, "", nil, err
	}
	r, err := steps.Inspect(steps.Config{Plan: p, Sync: name})
	if err != nil {
		return nil, "", nil, &exitError{code: exitFailure, err: err}
	}
	return p, name, r, nil
}

// checkPushObjects refuses objects that cannot be pushed: an unknown one
// is a usage error, one that does not flow to the PSA a failure.
func checkPushObjects(r *steps.Run, objects []string) error {
	for _, obj := range objects {
		if !slices.Contains(r.Objects(), obj) {
			return usageErr("the sync has no object %q (have %s)", obj, strings.Join(r.Objects(), ", "))
		}
	}
	if err := r.CheckPushAll(objects); err != nil {
		var se *steps.Error
		if errors.As(err, &se) {
			err = se.Err
		}
		return &exitError{code: exitFailure, err: err}
	}
	return nil
}

func runPush(ctx context.Context, cmd *cobra.Command, o pushOptions, object string, args []string) error {
	ids, err := pushIDs(args)
	if err != nil {
		return err
	}
	p, name, r, err := pushSync(cmd, o.mappings, o.sync)
	if err != nil {
		return err
	}
	if err := checkPushObjects(r, []string{object}); err != nil {
		return err
	}
	dir := workflows.SyncDir(o.temporal.dataDir, name)
	now := time.Now()
	added := 0
	if _, err := controls.Update(dir, func(s *controls.Set) error {
		for _, id := range ids {
			if s.Confirm(object, id, now) {
				added++
			}
		}
		return nil
	}); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%d %s record(s) confirmed for a push (%d already were): %s\n", len(ids), object, len(ids)-added, strings.Join(ids, ", "))
	if o.noRun {
		fmt.Fprintln(out, "The next run of the sync pushes them.")
		return nil
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	sess, err := openTemporal(ctx, o.temporal, logger, sessionNeeds{worker: true})
	if err != nil {
		fmt.Fprintf(out, "No run started (%v): the next run of the sync pushes them.\n", err)
		return nil
	}
	defer sess.Close()
	if _, err := workflows.NewPlanStore(workflows.PlanDir(o.temporal.dataDir)).Save(p); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	in := workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: workflows.ModeIncremental, Objects: []string{object}}
	return startPushRun(ctx, cmd, sess, in)
}

// startPushRun runs in and prints its summary; a run of the sync already
// going is not a failure: the confirmations apply at the next run.
func startPushRun(ctx context.Context, cmd *cobra.Command, sess *temporalSession, in workflows.SyncInput) error {
	res, err := runSync(ctx, sess.client, in, cmd.OutOrStdout(), cmd.ErrOrStderr())
	if errors.Is(err, errRunInProgress) {
		fmt.Fprintf(cmd.OutOrStdout(), "A run of sync %s is in progress: the confirmations apply at its next run.\n", in.Sync)
		return nil
	}
	printSummary(cmd.OutOrStdout(), res)
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "mapsync: the run failed: %v\n", runFailure(err))
		return failed()
	}
	return nil
}

type pushAllOptions struct {
	temporal temporalOptions
	mappings string
	sync     string
	objects  []string
	force    bool
	yes      bool
}

func newPushAllCmd() *cobra.Command {
	var o pushAllOptions
	cmd := &cobra.Command{
		Use:   "push-all",
		Short: "Create every waiting documentation record in a new or empty PSA, once",
		Long: `push-all is for a PSA that is new or empty of an object type: it creates in
the PSA every in-scope documentation record of that type that has no PSA
record (the records that otherwise wait as not_yet_pushed for a confirmation).

It first prints a preview, a dry run like 'mapsync plan' (both systems are
read in full, nothing is written): per object type, how many documentation
records would be created in the PSA, a few of their names, and those that
cannot be created now with the reasons (a field the PSA requires is missing,
...; they keep waiting). It refuses (exit 1) an object type the PSA already
holds in-scope records of, unless --force, and object types that do not
flow to the PSA. It asks for confirmation unless --yes (without a terminal,
--yes is required), then runs a full sync that pushes them.

--object limits it to some object types (repeatable; default: every type
whose records can be created in the PSA). System variables come from the
environment, as for 'mapsync plan'.`,
		Example: `  mapsync push-all --object configuration
  mapsync push-all --object organization --object configuration --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runPushAll(ctx, cmd, o)
		},
	}
	f := cmd.Flags()
	o.temporal.addFlags(f)
	f.StringVar(&o.mappings, "mappings", "mappings", "directory of the mapping files")
	f.StringVar(&o.sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.StringSliceVar(&o.objects, "object", nil, "push this object type (repeatable; default: every type that can be created in the PSA)")
	f.BoolVar(&o.force, "force", false, "push even where the PSA already holds in-scope records of the type")
	f.BoolVar(&o.yes, "yes", false, "do not ask for confirmation")
	return cmd
}

func runPushAll(ctx context.Context, cmd *cobra.Command, o pushAllOptions) error {
	out := cmd.OutOrStdout()
	p, name, ir, err := pushSync(cmd, o.mappings, o.sync)
	if err != nil {
		return err
	}
	objects := o.objects
	if len(objects) == 0 {
		objects = ir.PushableObjects()
	}
	if err := checkPushObjects(ir, objects); err != nil {
		return err
	}
	vars := connectors.NewResolver(p.Variables, os.LookupEnv)
	if err := checkVariables(p, name, vars); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	prog := newStepPrinter(cmd.ErrOrStderr())
	r, err := steps.Open(ctx, steps.Config{
		Plan: p, Sync: name, Dir: workflows.SyncDir(o.temporal.dataDir, name), RunID: newRunID(), Vars: vars,
		ConnectorOptions: []connectors.Option{connectors.WithUserAgent("mapsync-push-all")},
		Progress:         prog.show, DryRun: true, PushAll: objects,
	})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	prev, err := r.PreviewPushAll(ctx, objects)
	r.Remove()
	prog.done()
	if err != nil {
		return planFailed(err)
	}
	total, refused := writePushAllPreview(out, prev, o.force)
	if refused {
		return &exitError{code: exitFailure, err: errors.New("push-all refused (see above): --force pushes anyway")}
	}
	if total == 0 {
		fmt.Fprintln(out, "Nothing to push.")
		return nil
	}
	if !o.yes {
		if !term.IsTerminal(int(os.Stdin.Fd())) {
			return usageErr("push-all asks for confirmation and there is no terminal: pass --yes")
		}
		if !confirm(cmd.InOrStdin(), out, fmt.Sprintf("Create %d record(s) in the PSA? [y/N] ", total)) {
			fmt.Fprintln(out, "Nothing was pushed.")
			return nil
		}
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	sess, err := openTemporal(ctx, o.temporal, logger, sessionNeeds{worker: true})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer sess.Close()
	if _, err := workflows.NewPlanStore(workflows.PlanDir(o.temporal.dataDir)).Save(p); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	in := workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: workflows.ModeFull, PushAll: objects}
	res, err := runSync(ctx, sess.client, in, out, cmd.ErrOrStderr())
	printSummary(out, res)
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "mapsync: the run failed: %v\n", runFailure(err))
		return failed()
	}
	return nil
}

// writePushAllPreview prints the preview and returns how many records
// would be created and whether an object is refused.
func writePushAllPreview(w io.Writer, prev []steps.PushAllPreview, force bool) (total int64, refused bool) {
	fmt.Fprintln(w, "push-all preview (nothing was written):")
	for _, p := range prev {
		fmt.Fprintf(w, "\n%s: %d to create in the PSA", p.Object, p.Creates)
		if p.Held > 0 {
			fmt.Fprintf(w, ", %d held back", p.Held)
		}
		fmt.Fprintf(w, " (the PSA holds %d in scope)\n", p.InScopePSA)
		for _, n := range p.Names {
			fmt.Fprintf(w, "  + %s\n", n)
		}
		if p.Creates > int64(len(p.Names)) && len(p.Names) > 0 {
			fmt.Fprintf(w, "  ... and %d more\n", p.Creates-int64(len(p.Names)))
		}
		for _, c := range p.Reasons {
			fmt.Fprintf(w, "  ! %d: %s\n", c.Count, c.Key)
		}
		if why := p.Refusal(); why != "" {
			if force {
				fmt.Fprintf(w, "  (forced) %s\n", why)
			} else {
				fmt.Fprintf(w, "  refused: %s\n", why)
				refused = true
				continue
			}
		}
		total += p.Creates
	}
	return total, refused
}

// confirm asks a yes/no question on in; only y or yes is a yes.
func confirm(in io.Reader, out io.Writer, question string) bool {
	fmt.Fprint(out, question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
