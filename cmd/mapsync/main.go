// Command mapsync keeps a documentation platform and PSA tools in step,
// driven by HCL mapping files.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes scripts can rely on.
const (
	exitOK       = 0
	exitFailure  = 1 // the command ran and found errors (invalid mappings, failed records, ...)
	exitUsage    = 2 // bad flags or arguments
	exitInternal = 3 // something broke that is not the user's input
)

// exitError carries an exit code up to main; its message (if any) has
// already been printed or is printed by main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// failed returns an error that makes mapsync exit with code 1 without
// printing anything more (the command already reported the problem).
func failed() error { return &exitError{code: exitFailure} }

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "mapsync: %v\n", ee.err)
		}
		return ee.code
	}
	// Errors cobra produces itself (unknown flag, wrong argument count) are usage errors.
	fmt.Fprintf(stderr, "mapsync: %v\nRun 'mapsync --help' for usage.\n", err)
	return exitUsage
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "mapsync",
		Short:         "Keep your documentation platform and your PSA in step, driven by HCL mapping files",
		Long:          rootLong(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	for _, add := range commands {
		root.AddCommand(add())
	}
	return root
}

// commands is filled by the init functions of the command files in this
// package (validate.go, mappings.go, sandbox.go, ...), one per command.
var commands []func() *cobra.Command
