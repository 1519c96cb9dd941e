package steps

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"
)

// cursorFile holds a sync's changed-since cursors: a key per (object,
// side) -> the time from which the next incremental run lists. It is
// written only by Commit (SaveCursors), after a run's writes are applied and its results
// published, so a failed run never moves a cursor.
//
// Sweeps, beside them, say where the rotating sweep of each nested listing
// (plan.Object.Sweep) stands, under the same keys; they move with the
// cursors, so a failed run leaves both where they were.
type cursorFile struct {
	Cursors map[string]time.Time `json:"cursors"`
	Sweeps  map[string]Sweep     `json:"sweeps,omitempty"`
	Run     string               `json:"run"` // the run that last moved them
}

// Sweep is where the rotating sweep of the parents of a nested listing
// stands after a run.
type Sweep struct {
	// At is the sweep's clock: the time up to which the parents read so
	// far stand for (sweepStep); the next run lists ceil(parents × (its
	// start - At) / bound) parents.
	At time.Time `json:"at"`
	// After is the last parent id swept, in id order; the next slice
	// starts after it ("" = from the first).
	After string `json:"after,omitempty"`
}

func cursorPath(syncDir string) string { return filepath.Join(syncDir, "cursors.json") }

// LoadCursors reads a sync's cursors (none yet: an empty map).
func LoadCursors(syncDir string) (map[string]time.Time, error) {
	f, err := loadCursorFile(syncDir)
	return f.Cursors, err
}

// LoadSweeps reads where the sweeps of a sync's nested listings stand
// (none yet: an empty map).
func LoadSweeps(syncDir string) (map[string]Sweep, error) {
	f, err := loadCursorFile(syncDir)
	return f.Sweeps, err
}

func loadCursorFile(syncDir string) (cursorFile, error) {
	f := cursorFile{Cursors: map[string]time.Time{}, Sweeps: map[string]Sweep{}}
	b, err := os.ReadFile(cursorPath(syncDir))
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("cursors: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("cursors %s: %w", cursorPath(syncDir), err)
	}
	if f.Cursors == nil {
		f.Cursors = map[string]time.Time{}
	}
	if f.Sweeps == nil {
		f.Sweeps = map[string]Sweep{}
	}
	return f, nil
}

// SaveCursors merges updates and sweeps into the stored cursors and
// sweeps (atomically: temp file + rename).
func SaveCursors(syncDir, run string, updates map[string]time.Time, sweeps map[string]Sweep) error {
	f, err := loadCursorFile(syncDir)
	if err != nil {
		return err
	}
	maps.Copy(f.Cursors, updates)
	maps.Copy(f.Sweeps, sweeps)
	f.Run = run
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("cursors: %w", err)
	}
	tmp := cursorPath(syncDir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("cursors: %w", err)
	}
	if err := os.Rename(tmp, cursorPath(syncDir)); err != nil {
		return fmt.Errorf("cursors: %w", err)
	}
	return nil
}
