package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newValidateCmd) }

func newValidateCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate [DIR]",
		Short: "Check mapping files and report every problem",
		Long: `validate loads every *.hcl file of DIR (default: mappings), checks the set as
a whole (unknown blocks and attributes, names and references, reference
cycles, enum values, expressions) and compiles the plan. It prints every
problem found, not only the first:

  mappings/psa.hcl:12:5: error: Unsupported argument
      An argument named "nmae" is not expected here. Did you mean "name"?

Exit status: 0 when there is no error (warnings allowed), 1 with errors,
2 on usage errors (such as a DIR that does not exist).`,
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
			if asJSON {
				if err := writeDiagnosticsJSON(out, diags); err != nil {
					return err
				}
			} else {
				writeDiagnostics(out, diags, dir)
				errs, warns := countSeverities(diags)
				switch {
				case errs > 0:
					fmt.Fprintf(out, "%s: %s, %s\n", dir, plural(errs, "error"), plural(warns, "warning"))
				default:
					fmt.Fprintf(out, "%s: valid (%s, %s, %s, %s; plan %s)\n", dir,
						plural(len(cfg.Files), "file"), plural(len(cfg.Systems), "system"),
						plural(len(cfg.Syncs), "sync"), plural(warns, "warning"), p.Hash[:12])
				}
			}
			if diags.HasErrors() {
				return failed()
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print diagnostics as a JSON array of {severity, summary, detail, file, line, column, end_line, end_column}")
	return cmd
}
