package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/plan"
	"mapsync/engine/steps"
)

func init() { commands = append(commands, newPlanCmd) }

// planOptions is what `mapsync plan` runs with.
type planOptions struct {
	dir       string
	sync      string
	asJSON    bool
	results   string
	full      bool
	sandbox   bool
	companies int
	seed      int64
}

// defaultResults is where results go; sandbox runs get their own directory
// so that sandbox links never meet a real system's.
const (
	defaultResults        = "results"
	defaultSandboxResults = "results/sandbox"
)

func newPlanCmd() *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what a sync would write, writing nothing to either system",
		Long: `plan compiles the mapping files, reads both systems of a sync completely
(through the same connectors a sync uses, so it works against the real
services and the sandboxes alike), matches their records and plans the writes
of every object type, and prints per object type:

  - the records read on each side, and how many are in the sync's scope;
  - the pairs matched, per match rule;
  - the records to create, per side, and to update, with the fields;
  - the links to orphan;
  - the writes held back (skip) and the fields or records that cannot be
    written (invalid), with the reasons;
  - the records out of scope and the documentation-only records waiting for
    a push, with the reasons;
  - the mass-change guard's verdict: the object types whose links a sync
    would orphan, disconnect or rewrite beyond guard { max_change } (default
    20% of the type's links), which a sync run refuses unless allowed.

Nothing is written to either system (lookup tables are read to check the
planned writes). The decisions, links and ops land in
<results>/<sync>/results.duckdb (query them with 'mapsync sql') and as Parquet
files under <results>/<sync>/runs/<run-id>/.

` + wrap("System variables (base URLs, credentials) come from the environment variables named by the mapping files' variable blocks; the shipped mapping files read "+orNone(shippedEnv(), "none")+
			" ('mapsync mappings show' lists them with their descriptions). With --sandbox, local sandboxes of "+joinAnd(sandboxTitles())+
			" seeded with generated data are started in this process and the variables point at them (the mappings' requests-per-second throttles are lifted for them: they protect the real services); results then go to results/sandbox unless --results says otherwise.", 80, "") + `

--full adds one line per record (creates, updates, skips, invalid and
out-of-scope records) to the summary. --json prints the report as JSON.

A line per step goes to stderr on a terminal. Exit status: 0 when the plan
was made (invalid records are findings, not failures), 1 when the mappings
are invalid or a system cannot be read, 2 on usage errors, 3 on internal
errors.`,
		Example: `  mapsync plan --sandbox
  mapsync plan --sandbox --full --sandbox-companies 20
  ` + envExample() + ` mapsync plan --json > plan.json
  mapsync sql "select rule, count(*) from match_decisions group by all"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.sandbox && o.companies < 1 {
				return usageErr("--sandbox-companies must be at least 1")
			}
			if !cmd.Flags().Changed("results") && o.sandbox {
				o.results = defaultSandboxResults
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runPlan(ctx, cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "mappings", "directory of the mapping files")
	f.StringVar(&o.sync, "sync", "", "the sync to plan (default: the only sync of the mapping set, or the one whose systems' variables are set; with --sandbox, the sync of the default PSA sandbox)")
	f.BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	f.StringVar(&o.results, "results", defaultResults, "results directory (the sync's results go to DIR/<sync>)")
	f.BoolVar(&o.full, "full", false, "list every record concerned, not only the counts")
	f.BoolVar(&o.sandbox, "sandbox", false, "start seeded sandboxes ("+joinAnd(sandboxTitles())+") in this process and plan against them")
	f.IntVar(&o.companies, "sandbox-companies", 200, "with --sandbox: number of companies generated")
	f.Int64Var(&o.seed, "sandbox-seed", 1, "with --sandbox: seed of the generated data set")
	return cmd
}

func runPlan(ctx context.Context, cmd *cobra.Command, o planOptions) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	p, err := compileForRun(cmd, o.dir)
	if err != nil {
		return err
	}
	name, psa, err := sandboxSync(p, o.sync, o.sandbox)
	if err != nil {
		return err
	}
	lookup := os.LookupEnv
	if o.sandbox {
		sys, err := local.Start(local.Options{PSA: psa, Data: msp.Options{Seed: o.seed, Companies: o.companies}})
		if err != nil {
			return &exitError{code: exitInternal, err: err}
		}
		defer sys.Close()
		lookup = sys.LookupEnv(os.LookupEnv)
		p = withoutRateLimits(p)
	}
	vars := connectors.NewResolver(p.Variables, lookup)
	if err := checkVariables(p, name, vars); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	prog := newStepPrinter(stderr)
	dir := filepath.Join(o.results, name)
	unlock, err := lockResults(dir)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer unlock()
	r, err := steps.Open(ctx, steps.Config{
		Plan: p, Sync: name, Dir: dir, RunID: newRunID(), Vars: vars,
		ConnectorOptions: []connectors.Option{connectors.WithUserAgent("mapsync-plan")},
		Progress:         prog.show,
	})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer r.Remove()
	pres, err := r.Plan(ctx)
	if err != nil {
		return planFailed(err)
	}
	if _, err := r.Publish(ctx); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	rep, err := r.Report(ctx, steps.ReportOptions{Details: o.full})
	if err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	prog.done()
	results := filepath.Join(dir, "results.duckdb")
	if o.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(planJSON{Report: rep, Results: results, Guards: pres.Guards}); err != nil {
			return &exitError{code: exitInternal, err: err}
		}
		return nil
	}
	writePlan(stdout, rep, o.full)
	writeGuards(stdout, pres.Guards)
	fmt.Fprintf(stdout, "\nResults: %s (query with: mapsync sql --results %s \"select ...\")\n", results, o.results)
	return nil
}

// withoutRateLimits returns a copy of the plan whose systems are not
// throttled by the client: the sandboxes run in this process, and the
// requests-per-second limits of the mappings protect the real services.
// Request budgets per window (which the sandboxes enforce like the real
// services) and concurrency limits stay.
func withoutRateLimits(p *plan.Plan) *plan.Plan {
	cp := *p
	cp.Systems = append([]plan.System(nil), p.Systems...)
	for i := range cp.Systems {
		cp.Systems[i].RateLimit.RequestsPerSecond = 0
		cp.Systems[i].RateLimit.Burst = 0
	}
	return &cp
}

// planJSON is the --json output.
type planJSON struct {
	steps.Report
	Results string `json:"results"`
	// Guards is the mass-change guard's verdict per object: what a sync
	// run would do (stop when blocked).
	Guards []steps.GuardVerdict `json:"guards"`
}

// planFailed classifies a failed plan: a system that cannot be read (or
// answers what the mapping does not expect) is the user's to fix (1);
// anything else is internal (3).
func planFailed(err error) error {
	if errors.Is(err, context.Canceled) {
		return &exitError{code: exitFailure, err: fmt.Errorf("interrupted: %w", err)}
	}
	if connectors.KindOf(err) != "" {
		return &exitError{code: exitFailure, err: err}
	}
	return &exitError{code: exitInternal, err: err}
}

// checkVariables resolves every template of the sync's systems once, so a
// missing variable is reported before anything is read (by name, never by
// value).
func checkVariables(p *plan.Plan, syncName string, vars connectors.Resolver) error {
	var s plan.Sync
	for _, x := range p.Syncs {
		if x.Name == syncName {
			s = x
		}
	}
	var errs []error
	for _, sys := range p.Systems {
		if sys.Name != s.PSA && sys.Name != s.Doc {
			continue
		}
		ts := []plan.Template{sys.BaseURL, sys.Auth.Username, sys.Auth.Password, sys.TLS.CAFile}
		for _, t := range sys.Headers {
			ts = append(ts, t)
		}
		for _, t := range sys.Auth.Headers {
			ts = append(ts, t)
		}
		if sys.Auth.Token != nil {
			ts = append(ts, sys.Auth.Token.URL)
			for _, t := range sys.Auth.Token.Fields {
				ts = append(ts, t)
			}
		}
		if o := sys.Auth.OAuth2; o != nil {
			ts = append(ts, o.TokenURL, o.ClientID, o.ClientSecret)
			for _, t := range o.Params {
				ts = append(ts, t)
			}
		}
		if sys.Discovery != nil {
			ts = append(ts, sys.Discovery.URL)
			for _, t := range sys.Discovery.Query {
				ts = append(ts, t)
			}
		}
		seen := map[string]bool{}
		for _, t := range ts {
			if _, err := vars.Resolve(t); err != nil && !seen[err.Error()] {
				seen[err.Error()] = true
				errs = append(errs, fmt.Errorf("system %s: %w", sys.Name, err))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("cannot reach the systems: %w (or use --sandbox)", errors.Join(errs...))
	}
	return nil
}

// newRunID returns a sortable, unique run id.
func newRunID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "plan-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// sandboxSync chooses the sync a command runs: the one named (or the only
// or the configured one, see chooseSync); with sandboxes, the one named
// must have a PSA some sandbox stands in for, and without a name it is the
// sync of the default PSA sandbox. psa is the sandbox to start.
func sandboxSync(p *plan.Plan, name string, sandbox bool) (sync, psa string, err error) {
	if !sandbox {
		sync, err = chooseSync(p, name)
		return sync, "", err
	}
	if name == "" {
		sync, err = syncOfPSA(p, local.DefaultPSA)
		return sync, local.DefaultPSA, err
	}
	if sync, err = chooseSync(p, name); err != nil {
		return "", "", err
	}
	for _, s := range p.Syncs {
		if s.Name == sync {
			psa = s.PSA
		}
	}
	if !slices.Contains(local.PSANames(), psa) {
		return "", "", usageErr("--sandbox: no sandbox stands in for system %s, the PSA of sync %s (there are: %s)", psa, sync, strings.Join(local.PSANames(), ", "))
	}
	return sync, psa, nil
}

// sandboxTitles lists the titles of the sandboxes --sandbox starts.
func sandboxTitles() []string {
	var out []string
	for _, sb := range local.Sandboxes() {
		out = append(out, sb.Title)
	}
	return out
}

// envExample sets the first two variables the shipped mapping files read,
// for an example command line.
func envExample() string {
	env := shippedEnv()
	if len(env) > 2 {
		env = env[:2]
	}
	var parts []string
	for _, e := range env {
		parts = append(parts, e+"=...")
	}
	return strings.Join(parts, " ")
}
