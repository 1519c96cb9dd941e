// Package mappings holds the mapping files that ship with mapsync, embedded
// in the binary: the CLI describes the systems it supports from them (their
// titles, roles and variables), so that its help names only what ships.
package mappings

import (
	"embed"
	"io/fs"
)

//go:embed *.hcl
var files embed.FS

// FS returns the shipped mapping files (*.hcl at its root).
func FS() fs.FS { return files }

// Files returns the shipped mapping files by name, for engine.LoadFiles.
func Files() map[string][]byte {
	out := map[string][]byte{}
	names, _ := fs.Glob(files, "*.hcl")
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			panic("mappings: read embedded " + n + ": " + err.Error())
		}
		out[n] = b
	}
	return out
}
