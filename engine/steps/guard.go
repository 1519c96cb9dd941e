package steps

import (
	"context"
	"fmt"
	"math"
	"strings"

	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// GuardOptions overrides the mapping's mass-change guard for one run (the
// CLI's --max-change and --allow-mass-change).
type GuardOptions struct {
	MaxChange float64 `json:"max_change,omitempty"` // (0, 1]; 0 = the mapping's (guard { max_change })
	Allow     bool    `json:"allow,omitempty"`      // report, never stop
}

// GuardVerdict is the mass-change guard's decision for one object.
type GuardVerdict struct {
	Object       string   `json:"object"`
	MaxChange    float64  `json:"max_change"`
	Before       int64    `json:"before"` // the object's links before the run: the denominator
	Orphaned     int64    `json:"orphaned"`
	Disconnected int64    `json:"disconnected"`
	Rewritten    int64    `json:"rewritten"`
	Examples     []string `json:"examples,omitempty"`
	// Over names the counts above MaxChange of Before ("orphaned 53%").
	Over    []string `json:"over,omitempty"`
	Blocked bool     `json:"blocked"` // over the limit and not allowed
	Allowed bool     `json:"allowed"` // over the limit, allowed by the run's options
}

// Over reports whether the counts exceed the limit.
func (v GuardVerdict) over() bool { return len(v.Over) > 0 }

// Message is what a stopped run says: per count, the share, a few
// examples, and how to allow it.
func (v GuardVerdict) Message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mass-change guard: this run would change more than %s of the %d %s links (%s)",
		pct(v.MaxChange), v.Before, v.Object, strings.Join(v.Over, ", "))
	fmt.Fprintf(&b, "; it would orphan %d (%s), disconnect %d (%s), rewrite %d (%s)",
		v.Orphaned, share(v.Orphaned, v.Before), v.Disconnected, share(v.Disconnected, v.Before), v.Rewritten, share(v.Rewritten, v.Before))
	if len(v.Examples) > 0 {
		fmt.Fprintf(&b, "; for example: %s", strings.Join(v.Examples, "; "))
	}
	need := float64(max(v.Orphaned, v.Disconnected, v.Rewritten)) / float64(max(v.Before, 1))
	fmt.Fprintf(&b, "; nothing was written for this object. If the change is intended, run again with --allow-mass-change (or --max-change %.2f), or raise guard { max_change } in the mapping",
		math.Min(1, math.Ceil(need*100)/100))
	return b.String()
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

func share(n, of int64) string {
	if of == 0 {
		return "-"
	}
	return pct(float64(n) / float64(of))
}

// CheckGuard is the mass-change guard: a run may orphan, disconnect or
// rewrite (overwrite synced values of) at most maxChange of an object's links,
// each count taken on its own, the denominator being the object's links
// before the run (both records known, any state). An object with no
// links yet (its first sync) is never stopped. allow turns a stop into a
// report.
func CheckGuard(c match.Change, maxChange float64, allow bool) GuardVerdict {
	v := GuardVerdict{Object: c.Object, MaxChange: maxChange, Before: c.Before,
		Orphaned: c.Orphaned, Disconnected: c.Disconnected, Rewritten: c.Rewritten, Examples: c.Examples}
	if c.Before == 0 || maxChange <= 0 || maxChange >= 1 {
		return v
	}
	for _, x := range []struct {
		what string
		n    int64
	}{{"orphaned", c.Orphaned}, {"disconnected", c.Disconnected}, {"rewritten", c.Rewritten}} {
		if float64(x.n) > maxChange*float64(c.Before) {
			v.Over = append(v.Over, x.what+" "+share(x.n, c.Before))
		}
	}
	if v.over() {
		v.Blocked, v.Allowed = !allow, allow
	}
	return v
}

// GuardError is the error of a run the mass-change guard stopped.
type GuardError struct{ Verdict GuardVerdict }

func (e *GuardError) Error() string { return e.Verdict.Message() }

// Guard checks one object's planned changes (after Diff, before Apply)
// against its mass-change guard: opt's MaxChange, else the mapping's
// (the object's guard, else the sync's, else plan.DefaultMaxChange). In a
// run that writes, a stopped object's links are put back as the run found
// them and its ops dropped, and a *GuardError is returned: nothing of it
// is written, and nothing of it is published. A dry run (plan) only puts
// the links back, so the plan's report still shows the ops, and returns
// the verdict without an error.
func (r *Run) Guard(ctx context.Context, object string, opt GuardOptions) (GuardVerdict, error) {
	return r.guard(ctx, object, opt, r.cfg.DryRun)
}

func (r *Run) guard(ctx context.Context, object string, opt GuardOptions, dry bool) (GuardVerdict, error) {
	o, err := r.object(object)
	if err != nil {
		return GuardVerdict{Object: object}, err
	}
	if on, _, err := r.Enabled(object); err != nil || !on {
		return GuardVerdict{Object: object}, err
	}
	limit := o.spec.MaxChange
	if opt.MaxChange > 0 {
		limit = opt.MaxChange
	}
	if limit <= 0 {
		limit = plan.DefaultMaxChange
	}
	c, err := r.db.Changes(ctx, o.match)
	if err != nil {
		return GuardVerdict{Object: object}, ledgerError("mass-change guard", err)
	}
	v := CheckGuard(c, limit, opt.Allow)
	if !v.Blocked {
		return v, nil
	}
	if err := r.db.RestoreLinks(ctx, o.match, dry); err != nil {
		return v, ledgerError("mass-change guard", err)
	}
	if dry {
		return v, nil
	}
	return v, &GuardError{Verdict: v}
}
