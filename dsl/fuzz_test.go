package dsl_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mapsync/dsl"
	"mapsync/engine"
)

// FuzzLoad feeds arbitrary bytes to the loader as one mapping file: loading
// (and compiling what loads without errors) must never panic, and every
// diagnostic must point inside the file. The seed corpus is every mapping
// set of testdata/ and the shipped mappings, each set also as one file, so
// mutations reach cross-file validation and expression compiling.
// `go test` runs the seeds (and testdata/fuzz) only; fuzz with
//
//	go test ./dsl -run='^$' -fuzz=FuzzLoad -fuzztime=5m
//
// (the status line stalls while a worker minimizes a new input, up to
// -fuzzminimizetime, 60s by default).
func FuzzLoad(f *testing.F) {
	for _, set := range seedSets(f) {
		var all strings.Builder
		for _, name := range set {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			all.Write(b)
			all.WriteString("\n")
		}
		f.Add([]byte(all.String()))
	}
	f.Add([]byte(""))
	f.Add([]byte("sync \"x\" { psa = system.x.y  doc = 1 }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, diags := dsl.LoadFiles(map[string][]byte{"fuzz.hcl": src})
		for _, d := range diags {
			if d.Subject == nil {
				continue
			}
			r := d.Subject
			if r.Filename != "fuzz.hcl" || r.Start.Line < 1 || r.Start.Byte > r.End.Byte || r.End.Byte > len(src) {
				t.Fatalf("diagnostic %q has a range outside the file: %+v", d.Summary, *r)
			}
		}
		if cfg != nil && !diags.HasErrors() {
			if _, cdiags := engine.Compile(cfg); cdiags.HasErrors() {
				t.Fatalf("a set that loads without errors must compile: %s", cdiags.Error())
			}
		}
	})
}

// seedSets returns the .hcl files of every mapping set, one list per folder.
func seedSets(f *testing.F) [][]string {
	f.Helper()
	var dirs []string
	for _, pattern := range []string{"../testdata/mappings/*/*", "../mappings"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		dirs = append(dirs, m...)
	}
	sort.Strings(dirs)
	var sets [][]string
	for _, d := range dirs {
		files, err := filepath.Glob(filepath.Join(d, "*.hcl"))
		if err != nil {
			f.Fatal(err)
		}
		if len(files) > 0 {
			sets = append(sets, files)
		}
	}
	if len(sets) < 5 {
		f.Fatalf("found only %d seed sets", len(sets))
	}
	return sets
}
