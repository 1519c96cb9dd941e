package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"mapsync/engine/controls"
)

func init() { commands = append(commands, newLinkCmd) }

func newLinkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "link",
		Short: "Disable, disconnect or enable one link between a PSA record and a documentation record",
		Long: `link puts a user control on links, named by one of their records:

  mapsync link disable    OBJECT ID...   keep the link, sync nothing over it (state sync_disabled)
  mapsync link disconnect OBJECT ID...   end the link: both records stay as they are in both
                                         systems and are never paired again (state disconnected)
  mapsync link enable     OBJECT ID...   lift the control: the link syncs again; only what
                                         changed on either side since flows

ID is [psa:|doc:]ID: the record's id in the PSA or in the documentation
system. A bare id is looked up among the sync's published links on both
sides, and refused when it is unknown or names records of two links.

The control is recorded in the sync's controls file (under --data-dir) and
holds until it is lifted, whatever run comes next. When a worker serves
mapsync's queue, an incremental run of the object is started so the state
shows at once (--no-run: don't); otherwise the next run applies it.

Exit status: 0 when the control was recorded (even when no run could be
started), 1 when the run started here failed, 2 for unknown objects or ids.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("name an action: mapsync link disable|disconnect|enable OBJECT ID...")
			}
			return usageErr("unknown action %q: mapsync link disable|disconnect|enable OBJECT ID...", args[0])
		},
	}
	for _, a := range []struct{ name, short, action string }{
		{"disable", "Keep the links but sync nothing over them (state sync_disabled)", controls.Disable},
		{"disconnect", "End the links, keeping both records as they are; they are never paired again (state disconnected)", controls.Disconnect},
		{"enable", "Lift a disable or disconnect: the links sync again", ""},
	} {
		cmd.AddCommand(newLinkActionCmd(a.name, a.short, a.action))
	}
	return cmd
}

func newLinkActionCmd(name, short, action string) *cobra.Command {
	var o controlOptions
	cmd := &cobra.Command{
		Use:   name + " OBJECT ID...",
		Short: short,
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target(cmd)
			if err != nil {
				return err
			}
			object := args[0]
			if _, err := t.object(object); err != nil {
				return err
			}
			var recs []recordArg
			for _, a := range args[1:] {
				r, err := parseRecordArg(a)
				if err != nil {
					return err
				}
				recs = append(recs, r)
			}
			var links []linkOf
			for _, r := range recs {
				l, err := resolveLink(cmd.Context(), t.dir, t.sync.Name, object, r)
				if err != nil {
					return err
				}
				links = append(links, l)
			}
			var lines []string
			now := time.Now()
			_, err = controls.Update(t.dir, func(s *controls.Set) error {
				lines = lines[:0]
				for _, l := range links {
					lifted := s.Enable(object, controls.SidePSA, l.PSA) + s.Enable(object, controls.SideDoc, l.Doc)
					if action == "" {
						if lifted == 0 {
							lines = append(lines, fmt.Sprintf("%s %s: no control to lift (state %s)", object, l, l.State))
						} else {
							lines = append(lines, fmt.Sprintf("%s %s: enabled (was %s); it syncs again from the next run", object, l, l.State))
						}
						continue
					}
					if err := s.SetLink(object, controls.SidePSA, l.PSA, action, now); err != nil {
						return err
					}
					lines = append(lines, fmt.Sprintf("%s %s: %s (was %s)", object, l, pastTense(action), l.State))
				}
				return nil
			})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			printTo(cmd.OutOrStdout(), lines)
			return startControlRun(cmd, &o, t, []string{object})
		},
	}
	o.addFlags(cmd.Flags())
	return cmd
}

func pastTense(action string) string {
	switch action {
	case controls.Disable:
		return "sync disabled"
	case controls.Disconnect:
		return "disconnected"
	}
	return action
}
