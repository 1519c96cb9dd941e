package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"mapsync/engine/controls"
	"mapsync/workflows"
)

// printControls lists the sync's active user controls (pauses, link
// disables and disconnects) from its controls file.
func printControls(out io.Writer, dataDir, sync string) error {
	s, err := controls.Load(workflows.SyncDir(dataDir, sync))
	if err != nil {
		return err
	}
	if len(s.Pauses) == 0 && len(s.Links) == 0 {
		fmt.Fprintln(out, "controls: none (no pauses, no disabled or disconnected links)")
		return nil
	}
	fmt.Fprintln(out, "controls:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  CONTROL\tOBJECT\tRECORD\tSINCE\tLIFT WITH")
	for _, p := range s.Pauses {
		obj, rec := p.Object, "-"
		if obj == "" {
			obj = "(every object)"
		}
		if p.Type != "" {
			rec = "type " + p.Type
		}
		fmt.Fprintf(tw, "  pause\t%s\t%s\t%s\tmapsync resume%s\n", obj, rec, p.At.Local().Format("2006-01-02 15:04"), resumeFlags(p))
	}
	for _, l := range s.Links {
		fmt.Fprintf(tw, "  %s\t%s\t%s:%s\t%s\tmapsync link enable %s %s:%s\n", l.Action, l.Object, l.Side, l.ID,
			l.At.Local().Format("2006-01-02 15:04"), l.Object, l.Side, l.ID)
	}
	return tw.Flush()
}
