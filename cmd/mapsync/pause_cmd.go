package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"mapsync/engine/controls"
)

func init() { commands = append(commands, newPauseCmd, newResumeCmd) }

// pauseScope is --object and --type, checked against the plan.
type pauseScope struct {
	object, typ string
}

func (p pauseScope) String() string {
	s := "every object"
	if p.object != "" {
		s = p.object
	}
	if p.typ != "" {
		s += " of type " + p.typ
	}
	return s
}

func (p pauseScope) objects() []string {
	if p.object == "" {
		return nil
	}
	return []string{p.object}
}

func (p *pauseScope) check(t *controlTarget) error {
	p.typ = strings.TrimSpace(p.typ)
	if p.object == "" {
		if p.typ != "" {
			return usageErr("--type needs --object: record types are an object's (e.g. --object configuration --type \"Managed Server\")")
		}
		return nil
	}
	o, err := t.object(p.object)
	if err != nil {
		return err
	}
	if p.typ != "" && o.TypeField == "" {
		return usageErr("object %s has no record type to pause by: its canonical type has no field named type and the mapping sets no type_field", p.object)
	}
	return nil
}

func newPauseCmd() *cobra.Command {
	var o controlOptions
	var p pauseScope
	cmd := &cobra.Command{
		Use:   "pause [--object OBJECT] [--type TYPE]",
		Short: "Pause syncing: every object, one object, or one object's records of one type",
		Long: `pause holds back the links of a sync: nothing is written over a paused link,
in either direction; the links and what each side last synced are kept, and
the state of each held link is paused. Without --object every object is
paused; --object OBJECT pauses one; --type TYPE (with --object) pauses the
object's records whose type is TYPE (the field the mapping's type_field
names, e.g. configuration_type; compared without regard to case).

mapsync resume lifts a pause; what changed on either side in the meantime
flows at the next run, by the usual value rules.

The pause is recorded in the sync's controls file (under --data-dir). When a
worker serves mapsync's queue, an incremental run is started so the state
shows at once (--no-run: don't); otherwise the next run applies it.

Exit status: 0 when the pause was recorded (even when no run could be
started), 1 when the run started here failed, 2 for an unknown object or a
type on an object without one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := o.target(cmd)
			if err != nil {
				return err
			}
			if err := p.check(t); err != nil {
				return err
			}
			var added bool
			if _, err := controls.Update(t.dir, func(s *controls.Set) error {
				added = s.AddPause(p.object, p.typ, time.Now())
				return nil
			}); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			if !added {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: already paused\n", p)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: paused (mapsync resume lifts it)\n", p)
			return startControlRun(cmd, &o, t, p.objects())
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&p.object, "object", "", "pause only this object (default: every object)")
	cmd.Flags().StringVar(&p.typ, "type", "", "pause only the object's records of this type (needs --object)")
	return cmd
}

func newResumeCmd() *cobra.Command {
	var o controlOptions
	var p pauseScope
	cmd := &cobra.Command{
		Use:   "resume [--object OBJECT] [--type TYPE]",
		Short: "Lift a pause",
		Long: `resume lifts the pause set with the same --object and --type (without
either, every pause of the sync). The held links sync again from the next
run: what changed on either side while they were paused flows by the usual
value rules (a change on one side is written to the other; changes on both
go to the field's winner); nothing that was not changed is overwritten.

When a worker serves mapsync's queue, an incremental run is started at once
(--no-run: don't); it lists the resumed objects in full, so changes made
while they were paused are seen.

Exit status: 0 when done (also when there was no such pause: the pauses
that are set are listed), 1 when the run started here failed, 2 for an
unknown object or a type on an object without one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := o.target(cmd)
			if err != nil {
				return err
			}
			if err := p.check(t); err != nil {
				return err
			}
			var lifted int
			var left []controls.Pause
			if _, err := controls.Update(t.dir, func(s *controls.Set) error {
				lifted = s.Resume(p.object, p.typ)
				left = s.Pauses
				return nil
			}); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			out := cmd.OutOrStdout()
			if lifted == 0 {
				fmt.Fprintf(out, "%s: not paused; nothing to resume\n", p)
				for _, x := range left {
					fmt.Fprintf(out, "  paused: %s (mapsync resume%s)\n", pauseScope{x.Object, x.Type}, resumeFlags(x))
				}
				return nil
			}
			if p.object == "" && p.typ == "" {
				fmt.Fprintf(out, "resumed: %d pause(s) lifted\n", lifted)
			} else {
				fmt.Fprintf(out, "%s: resumed\n", p)
			}
			return startControlRun(cmd, &o, t, p.objects())
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&p.object, "object", "", "the paused object (default: lift every pause)")
	cmd.Flags().StringVar(&p.typ, "type", "", "the paused record type (needs --object)")
	return cmd
}

func resumeFlags(p controls.Pause) string {
	s := ""
	if p.Object != "" {
		s += " --object " + p.Object
	}
	if p.Type != "" {
		s += fmt.Sprintf(" --type %q", p.Type)
	}
	return s
}
