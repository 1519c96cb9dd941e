// Package fieldwarn reads and prints a sync's field warnings (the fields
// left out of writes, per record, and why: engine/match's warnings file)
// for `mapsync errors --warnings` and `mapsync status`, so the end-to-end
// tests check the very output users read.
package fieldwarn

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"mapsync/engine/match"
	"mapsync/workflows"
)

// Warning is one row of a sync's warnings file.
type Warning struct {
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

// Read reads the warnings files of the syncs (directories under dataDir).
func Read(dataDir string, syncs []string) ([]Warning, error) {
	out := []Warning{}
	for _, s := range syncs {
		list, err := readSync(workflows.SyncDir(dataDir, s))
		if err != nil {
			return nil, fmt.Errorf("warnings of %s: %w", s, err)
		}
		out = append(out, list...)
	}
	return out, nil
}

func readSync(dir string) ([]Warning, error) {
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
	var out []Warning
	for rows.Next() {
		var w Warning
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

// Print writes the warnings as a table.
func Print(out io.Writer, list []Warning) {
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

// Problem is one open record error or field warning, by sync and object.
type Problem struct{ Sync, Object string }

// PrintCounts prints the open record errors and the field warnings, in
// total and per sync and object.
func PrintCounts(out io.Writer, errs, warns []Problem) {
	fmt.Fprintf(out, "\nopen record errors: %d", len(errs))
	if len(errs) > 0 {
		fmt.Fprint(out, " (mapsync errors)")
	}
	fmt.Fprintf(out, "\nfield warnings: %d", len(warns))
	if len(warns) > 0 {
		fmt.Fprint(out, " (mapsync errors --warnings)")
	}
	fmt.Fprintln(out)
	counts := map[Problem]*[2]int{}
	var keys []Problem
	at := func(k Problem) *[2]int {
		if c, ok := counts[k]; ok {
			return c
		}
		c := &[2]int{}
		counts[k] = c
		keys = append(keys, k)
		return c
	}
	for _, e := range errs {
		at(e)[0]++
	}
	for _, w := range warns {
		at(w)[1]++
	}
	if len(keys) == 0 {
		return
	}
	slices.SortFunc(keys, func(a, b Problem) int { return cmp.Or(cmp.Compare(a.Sync, b.Sync), cmp.Compare(a.Object, b.Object)) })
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sync\tobject\terrors\twarnings\t")
	for _, k := range keys {
		c := counts[k]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t\n", k.Sync, k.Object, c[0], c[1])
	}
	tw.Flush()
}

// Problems lists the (sync, object) of each warning.
func Problems(list []Warning) []Problem {
	out := make([]Problem, len(list))
	for i, w := range list {
		out[i] = Problem{w.Sync, w.Object}
	}
	return out
}
