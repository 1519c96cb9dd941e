package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"mapsync/engine/match"
	"mapsync/workflows"
)

// warning is one row of a sync's warnings file: a field left out of a
// write of one record, and why.
type warning struct {
	ID         int64     `json:"id"`
	Sync       string    `json:"sync"`
	Run        string    `json:"run"`
	Object     string    `json:"object"`
	Name       string    `json:"name"` // the source record's display name
	Side       string    `json:"side"` // the source side
	SourceID   string    `json:"source_id"`
	TargetSide string    `json:"target_side"`
	TargetID   string    `json:"target_id,omitempty"`
	Field      string    `json:"field"`
	Value      any       `json:"value"`
	Reason     string    `json:"reason"`
	Kind       string    `json:"kind"` // read | write
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
}

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
func readWarnings(dataDir, sync string) ([]warning, error) {
	syncs, err := syncNames(dataDir, sync)
	if err != nil {
		return nil, err
	}
	var out []warning
	for _, s := range syncs {
		list, err := readSyncWarnings(workflows.SyncDir(dataDir, s))
		if err != nil {
			return nil, fmt.Errorf("warnings of %s: %w", s, err)
		}
		out = append(out, list...)
	}
	return out, nil
}

func readSyncWarnings(dir string) ([]warning, error) {
	db, ok, err := match.OpenWarnings(dir)
	if err != nil || !ok {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, sync, run, object, coalesce(name, ''), side, source_id, target_side, coalesce(target_id, ''),
		field, coalesce(value, 'null'), reason, kind, first_seen, last_seen FROM warnings ORDER BY object, name, field, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []warning
	for rows.Next() {
		var w warning
		var value string
		if err := rows.Scan(&w.ID, &w.Sync, &w.Run, &w.Object, &w.Name, &w.Side, &w.SourceID, &w.TargetSide, &w.TargetID,
			&w.Field, &value, &w.Reason, &w.Kind, &w.FirstSeen, &w.LastSeen); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(value), &w.Value); err != nil {
			w.Value = value
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// printWarnings writes the warnings as a table.
func printWarnings(out io.Writer, list []warning) {
	if len(list) == 0 {
		fmt.Fprintln(out, "no field warnings")
		return
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SYNC\tOBJECT\tRECORD\tNAME\tFIELD\tVALUE\tREASON\tRUN")
	for _, w := range list {
		name := w.Name
		if name == "" {
			name = "-"
		}
		value := "-"
		if w.Value != nil {
			b, _ := json.Marshal(w.Value) // decoded from JSON: encodes again
			value = string(b)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", w.Sync, w.Object, w.Side, w.SourceID, name, w.Field, value, w.Reason, w.Run)
	}
	tw.Flush()
	fmt.Fprintf(out, "\n%d fields left out of writes; each stays listed until a run writes it or its value changes\n", len(list))
}
