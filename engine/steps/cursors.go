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
type cursorFile struct {
	Cursors map[string]time.Time `json:"cursors"`
	Run     string               `json:"run"` // the run that last moved them
}

func cursorPath(syncDir string) string { return filepath.Join(syncDir, "cursors.json") }

// LoadCursors reads a sync's cursors (none yet: an empty map).
func LoadCursors(syncDir string) (map[string]time.Time, error) {
	b, err := os.ReadFile(cursorPath(syncDir))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]time.Time{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cursors: %w", err)
	}
	var f cursorFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("cursors %s: %w", cursorPath(syncDir), err)
	}
	if f.Cursors == nil {
		f.Cursors = map[string]time.Time{}
	}
	return f.Cursors, nil
}

// SaveCursors merges updates into the stored cursors (atomically: temp
// file + rename).
func SaveCursors(syncDir, run string, updates map[string]time.Time) error {
	cur, err := LoadCursors(syncDir)
	if err != nil {
		return err
	}
	maps.Copy(cur, updates)
	b, err := json.MarshalIndent(cursorFile{Cursors: cur, Run: run}, "", "  ")
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
