package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"mapsync/dsl"
	"mapsync/dsl/format"
)

func init() { commands = append(commands, newFmtCmd) }

const fmtLong = `fmt rewrites mapping files (*.hcl) in their canonical layout: two-space
indentation, equals signs aligned within a block, one space around
operators, one newline at the end. Comments, order and values stay as written.

PATH is a file, a directory (every *.hcl file below it, recursively; hidden
directories are skipped) or - for standard input (the formatted text goes to
standard output). The default PATH is mappings. The names of the files it
rewrote are printed, one a line.

Flags (one dash or two):
  -check        write nothing; list the files that are not formatted (for CI)
  -diff         print a unified diff of each change
  -write=false  do not rewrite the files (implied by -check and by -)
  -list=false   do not print the names of the files

Exit status: 0 when every file is (now) formatted; 1 when -check finds a file
that is not formatted or a file does not parse (reported as
file:line:col: error: ...); 2 on usage errors (unknown flag, a PATH that does
not exist); 3 when a file cannot be read or written.`

// newFmtCmd parses its own flags with the standard flag package, so that
// the terraform-style one-dash spelling (-check, -write=false) works as well
// as --check.
func newFmtCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "fmt [-check] [-diff] [-write=false] [PATH...]",
		Short:              "Rewrite mapping files in canonical layout (-check for CI)",
		Long:               fmtLong,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o := fmtOptions{write: true, list: true}
			fs.BoolVar(&o.check, "check", false, "")
			fs.BoolVar(&o.diff, "diff", false, "")
			fs.BoolVar(&o.write, "write", true, "")
			fs.BoolVar(&o.list, "list", true, "")
			if err := fs.Parse(args); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					return cmd.Help()
				}
				return usageErr("fmt: %v\nRun 'mapsync fmt --help' for usage.", err)
			}
			if o.check {
				o.write = false
			}
			paths := fs.Args()
			if len(paths) == 0 {
				paths = []string{"mappings"}
			}
			return runFmt(cmd, o, paths)
		},
	}
}

type fmtOptions struct {
	check, diff, write, list bool
}

// fmtRun is the outcome over every path.
type fmtRun struct {
	unformatted int
	syntax      int
}

func runFmt(cmd *cobra.Command, o fmtOptions, paths []string) error {
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var r fmtRun
	for _, p := range paths {
		if p == "-" {
			src, err := io.ReadAll(cmd.InOrStdin())
			if err != nil {
				return &exitError{code: exitInternal, err: fmt.Errorf("fmt: read standard input: %w", err)}
			}
			if err := fmtOne(out, errOut, o, "<stdin>", src, &r, true); err != nil {
				return err
			}
			continue
		}
		files, err := fmtFiles(p)
		if err != nil {
			return err
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				return &exitError{code: exitInternal, err: fmt.Errorf("fmt: %w", err)}
			}
			if err := fmtOne(out, errOut, o, f, src, &r, false); err != nil {
				return err
			}
		}
	}
	if r.syntax > 0 || (o.check && r.unformatted > 0) {
		return failed()
	}
	return nil
}

// fmtFiles lists the mapping files of a path: the file itself, or every
// *.hcl file below a directory (hidden directories skipped), sorted.
func fmtFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, usageErr("fmt: %v", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), dsl.FileExt) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, &exitError{code: exitInternal, err: fmt.Errorf("fmt: %w", err)}
	}
	slices.Sort(files)
	return files, nil
}

// fmtOne formats one file (or standard input) as the options say.
func fmtOne(out, errOut io.Writer, o fmtOptions, name string, src []byte, r *fmtRun, stdin bool) error {
	formatted, diags := format.Source(name, src)
	if diags.HasErrors() {
		r.syntax++
		writeDiagnostics(errOut, diags, name)
		return nil
	}
	changed := !bytes.Equal(src, formatted)
	if changed {
		r.unformatted++
	}
	if stdin && !o.check {
		if o.diff {
			fmt.Fprint(out, format.Diff("old/"+name, "new/"+name, src, formatted))
			return nil
		}
		_, err := out.Write(formatted)
		return err
	}
	if !changed {
		return nil
	}
	if o.list {
		fmt.Fprintln(out, name)
	}
	if o.diff {
		fmt.Fprint(out, format.Diff("old/"+name, "new/"+name, src, formatted))
	}
	if o.write && !stdin {
		if err := writeFileKeepMode(name, formatted); err != nil {
			return &exitError{code: exitInternal, err: fmt.Errorf("fmt: %w", err)}
		}
	}
	return nil
}

// writeFileKeepMode replaces a file's content, keeping its permissions.
func writeFileKeepMode(name string, data []byte) error {
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(name); err == nil {
		mode = st.Mode().Perm()
	}
	return os.WriteFile(name, data, mode)
}
