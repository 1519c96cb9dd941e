package e2e

import (
	"context"
	"fmt"
	"slices"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/local"
	"mapsync/engine/match"
	"mapsync/engine/steps"
	"mapsync/workflows"
)

// recordStep is the model's "watcher / record run" step: one to three
// linked records get a field edited on one side, then a record run for
// exactly those records (as the watcher or mapsync sync --record starts)
// runs under faults. The prediction is the value rules, applied to the
// named records only: every other record keeps what it had.
func (m *model) recordStep(ctx context.Context) {
	var named []*mrec
	var refs []workflows.RecordRef
	for range 1 + m.rng.IntN(3) {
		r := m.pickRec(func(r *mrec) bool {
			return r.state == stSyncing && !r.psaGone && !r.outOfScope && !slices.Contains(named, r)
		})
		if r == nil {
			break
		}
		side, id, cur := local.SidePSA, r.psaID, r.P
		if m.rng.IntN(2) == 0 {
			side, id, cur = local.SideDoc, r.docID, r.D
		}
		fields := m.fields[r.object]
		f := fields[m.rng.IntN(len(fields))]
		var v any = m.next(f[:2] + "-")
		kind := "set"
		if f == "emails" {
			l := append(slices.Clone(cur[f].([]string)), m.next("e")+"@example.com")
			if lim := m.listLimit(side, r.object, f); lim > 0 && len(l) > lim { // the PSA holds fewer
				l = append(l[:lim-1], l[len(l)-1])
			}
			v, kind = l, "add"
		}
		if !m.tryEdit(ctx, side, r.object, id, f, kind, v) {
			continue
		}
		cur[f] = v
		m.logf("  edit %s #%d (%s %s) %s.%s = %s", r.object, r.n, side, id, side, f, show(v))
		named = append(named, r)
		refs = append(refs, workflows.RecordRef{Object: r.object, Side: match.Side(side), ID: id})
	}
	if len(refs) == 0 {
		return
	}
	f, err := core.ParseFaults(modelFaults)
	if err != nil {
		m.t.Fatal(err)
	}
	in := workflows.SyncInput{Records: refs, Tuning: workflows.Tuning{MaxAttempts: 3, ApplyBatch: 4}, Guard: steps.GuardOptions{Allow: true}}
	var last error
	for attempt := range 3 {
		if attempt < 2 {
			m.h.sb.SetFaults(f)
		} else {
			m.h.sb.SetFaults(nil)
		}
		res, err := m.h.sync(ctx, in)
		m.h.sb.SetFaults(nil)
		if err == nil {
			m.logf("  record run ok (attempt %d, %d writes)", attempt+1, writes(res))
			m.t.Logf("record run of %d records: ok at attempt %d, %d writes", len(refs), attempt+1, writes(res))
			for _, r := range named {
				for _, fl := range m.fields[r.object] {
					m.applyField(r, fl)
				}
			}
			return
		}
		last = err
		m.failures++
		m.logf("  record run failed (attempt %d): %v", attempt+1, err)
		m.checkDuplicates(ctx, true)
	}
	m.diverge(divergence{kind: "run", note: fmt.Sprintf("a fault-free record run failed: %v", last)})
}
