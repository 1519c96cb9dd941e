package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"mapsync/engine/mappingtest"
)

func init() { commands = append(commands, newTestCmd) }

func newTestCmd() *cobra.Command {
	return &cobra.Command{
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

Exit status: 0 when every test passes, 1 when a test fails or the mapping
files have errors (printed as validate prints them), 2 on usage errors.`,
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
			results := mappingtest.Run(cmd.Context(), cfg, p)
			bad := mappingtest.Report(out, results)
			if len(results) == 0 {
				fmt.Fprintf(out, "%s: no test blocks\n", dir)
				return nil
			}
			fmt.Fprintf(out, "%s: %s passed, %s failed\n", dir, plural(len(results)-bad, "test"), plural(bad, "test"))
			if bad > 0 {
				return failed()
			}
			return nil
		},
	}
}
