package steps

import (
	"context"
	"fmt"
	"slices"

	"mapsync/engine/controls"
	"mapsync/engine/match"
)

// linkControls reads the sync's user controls (syncs/<sync>/controls.json)
// as the match package applies them: pauses, link disables and
// disconnects (push confirmations are not link states).
func linkControls(dir string) ([]match.Control, error) {
	set, err := controls.Load(dir)
	if err != nil {
		return nil, err
	}
	var out []match.Control
	for _, r := range set.Rows() {
		switch r.Kind {
		case match.ControlPause, match.ControlDisable, match.ControlDisconnect:
			out = append(out, match.Control{Kind: r.Kind, Object: r.Object, Side: r.Side, ID: r.ID, Type: r.Type, At: r.At})
		}
	}
	return out, nil
}

// applyControls hands the controls of one object to the run's matcher,
// read afresh: a control set while the run goes holds from the next
// object it matches.
func (r *Run) applyControls(ctx context.Context, o *object) error {
	cs, err := linkControls(r.cfg.Dir)
	if err != nil {
		return fmt.Errorf("stages: match %s: %w", o.spec.Object, err)
	}
	if err := r.db.SetControls(ctx, o.match, cs); err != nil {
		return fmt.Errorf("stages: %w", err)
	}
	return nil
}

// LiftedObjects lists the objects of the sync in dir whose links the last
// run held with a control the user has lifted since (match.Lifted): an
// incremental run lists them in full, so what changed while they were
// held flows now.
func LiftedObjects(ctx context.Context, dir, sync string) ([]string, error) {
	cs, err := linkControls(dir)
	if err != nil {
		return nil, err
	}
	out, err := match.Lifted(ctx, dir, sync, cs)
	if err != nil {
		return nil, fmt.Errorf("stages: %w", err)
	}
	return out, nil
}

// StateSummary describes the sync in dir as its search attributes show
// it: the active pauses ("object", "object:type", "*" for every object,
// "*:type") and the link states present in the published results
// ("object:state"), both sorted.
func StateSummary(ctx context.Context, dir, sync string) (paused, states []string, err error) {
	set, err := controls.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range set.Pauses {
		s := p.Object
		if s == "" {
			s = "*"
		}
		if p.Type != "" {
			s += ":" + p.Type
		}
		paused = append(paused, s)
	}
	slices.Sort(paused)
	states, err = match.LinkStates(ctx, dir, sync)
	if err != nil {
		return nil, nil, fmt.Errorf("stages: %w", err)
	}
	return paused, states, nil
}
