package main

import (
	"fmt"
	"regexp"

	"github.com/spf13/cobra"

	"mapsync/engine/mappingtest"
)

func init() { commands = append(commands, newTestCmd) }

func newTestCmd() *cobra.Command {
	var run string
	var coverage bool
	cmd := &cobra.Command{
		Use:   "test [DIR]",
		Short: "Run the mapping tests (test blocks) of the mapping files, without a server",
		Long: `test loads the mapping files of DIR (default: mappings) as validate does, then
runs every test block: a read case maps a raw record with the engine's own
mapper and compares the canonical fields it lists; a write case prepares a
canonical change with the engine's own writer (lookups stubbed by the test)
and compares the request the system's connector would send (method, path,
body as JSON). Nothing is sent anywhere. See docs/mapping-language.md,
"Mapping tests".

It prints one line per test, PASS or FAIL with the test block's
file:line:col; under a failing test, each failing read or write block at its
own position with a diff of expected (---) against got (+++).

--run REGEXP runs only the tests whose name it matches. --coverage then
lists what the test blocks leave unchecked, per system: each field its
objects read with no read case expecting it, each field a sync writes into
the system with no write case writing it, each object written with no
create or no update case; a gap fails the command.

Exit status: 0 when every test passes, 1 when a test fails (or, with
--coverage, leaves a gap) or the mapping files have errors (printed as
validate prints them), 2 on usage errors.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "mappings"
			if len(args) == 1 {
				dir = args[0]
			}
			cfg, p, diags, err := loadPlan(dir)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if diags.HasErrors() {
				writeDiagnostics(out, diags, dir)
				errs, warns := countSeverities(diags)
				fmt.Fprintf(out, "%s: %s, %s; no test run\n", dir, plural(errs, "error"), plural(warns, "warning"))
				return failed()
			}
			var filter *regexp.Regexp
			if run != "" {
				if filter, err = regexp.Compile(run); err != nil {
					return usageErr("--run: %v", err)
				}
				kept := cfg.Tests[:0:0]
				for _, t := range cfg.Tests {
					if filter.MatchString(t.Name) {
						kept = append(kept, t)
					}
				}
				cfg.Tests = kept
			}
			results := mappingtest.Run(cmd.Context(), cfg, p)
			bad := mappingtest.Report(out, results)
			if len(results) == 0 {
				fmt.Fprintf(out, "%s: no test blocks\n", dir)
				return nil
			}
			fmt.Fprintf(out, "%s: %s passed, %s failed\n", dir, plural(len(results)-bad, "test"), plural(bad, "test"))
			gaps := 0
			if coverage {
				for _, s := range p.Systems {
					g := mappingtest.Coverage(cfg, p, s.Name)
					for _, line := range g {
						fmt.Fprintf(out, "gap: %s\n", line)
					}
					gaps += len(g)
				}
				fmt.Fprintf(out, "%s: coverage: %s\n", dir, plural(gaps, "gap"))
			}
			if bad > 0 || gaps > 0 {
				return failed()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run only the tests whose name matches this regular expression")
	cmd.Flags().BoolVar(&coverage, "coverage", false, "list the fields and objects no test checks; a gap fails")
	return cmd
}
