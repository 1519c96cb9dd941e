package main

import (
	"os"
	"path/filepath"

	"mapsync/cmd/mapsync/internal/fieldwarn"
)

// syncNames is the sync given, or every sync with a directory.
func syncNames(dataDir, sync string) ([]string, error) {
	if sync != "" {
		return []string{sync}, nil
	}
	entries, err := os.ReadDir(filepath.Join(dataDir, "syncs"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// readWarnings reads the warnings files of one sync, or of every sync.
func readWarnings(dataDir, sync string) ([]fieldwarn.Warning, error) {
	syncs, err := syncNames(dataDir, sync)
	if err != nil {
		return nil, err
	}
	return fieldwarn.Read(dataDir, syncs)
}

// problemsOf lists the (sync, object) of each record error.
func problemsOf(list []failure) []fieldwarn.Problem {
	out := make([]fieldwarn.Problem, len(list))
	for i, f := range list {
		out[i] = fieldwarn.Problem{Sync: f.Sync, Object: f.Object}
	}
	return out
}
