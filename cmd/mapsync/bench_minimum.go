package main

import (
	"fmt"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"

	"mapsync/engine/plan"
	"mapsync/engine/steps"
	"mapsync/workflows"
)

// The benchmark's minimum: the fewest requests any engine could send for
// the change a run must carry, computed from the sandboxes' own data and
// the plan, never from what the engine sent.
//
//   - Listings: for each object of the sync and each side, the run must
//     learn what changed since the side's cursor: max(1, ceil(records
//     updated after the cursor / the API's maximum page size)) requests
//     (an empty listing still costs one request to learn that nothing
//     changed). The records counted are those the sandboxes hold updated
//     after the cursor: the bench's edits and the previous run's own
//     writes, which show up as changed. An incremental run's nested
//     listing (a list path under a parent, {ref:FIELD}: sites under
//     companies) counts as one flat listing: the sweep of parents (sweep =
//     "...") is the engine's overhead, not part of the minimum.
//   - Writes: an incremental run's necessary writes are the bench's own
//     edits, each one update of the linked record on the other side: per
//     object, ceil(edits / the bulk update route's max) requests where the
//     target has a bulk update route, else one per record.
//   - A full run (the first sync, creating and filling everything) is the
//     exception: its writes and its nested listings (one request series
//     per parent in scope, which the API leaves no way around and only the
//     engine's scope decides) are taken as the sandboxes received them
//     (fullRunSent), a bulk request counting once.

// benchEdit is an edit the bench made before a run: n records of an
// object (canonical name) on a side ("psa", "doc").
type benchEdit struct {
	object, side string
	n            int
}

// changeCounter counts, in the sandboxes' data, the records of an object
// on a side updated after since (zero: all), and for nested records the
// distinct parents holding them (local.Systems.ChangedSince).
type changeCounter interface {
	ChangedSince(side, object string, since time.Time) (records, parents int, err error)
}

// benchMinimum is the minimum of one run of a sync (see above), counted
// just before the run starts: full says the run lists everything, cursors
// are the cursors it starts from (workflows.CursorKey). A full run's
// writes and nested listings are not in it: the caller adds fullRunSent.
func benchMinimum(p *plan.Plan, syncName string, sb changeCounter, full bool, cursors map[string]time.Time, edits []benchEdit) (int, error) {
	var s *plan.Sync
	for i := range p.Syncs {
		if p.Syncs[i].Name == syncName {
			s = &p.Syncs[i]
		}
	}
	if s == nil {
		return 0, fmt.Errorf("minimum: no sync %q", syncName)
	}
	systems := map[string]string{workflows.SidePSA: s.PSA, workflows.SideDoc: s.Doc}
	total := 0
	for _, os := range s.Objects {
		if os.Direction == plan.DirNone {
			continue
		}
		for _, side := range []string{workflows.SidePSA, workflows.SideDoc} {
			sys, obj, err := planObject(p, systems[side], os.Object)
			if err != nil {
				return 0, err
			}
			var since time.Time
			if !full {
				since = cursors[workflows.CursorKey(os.Object, side)]
			}
			n, _, err := sb.ChangedSince(side, os.Object, since)
			if err != nil {
				return 0, fmt.Errorf("minimum: %w", err)
			}
			route, err := plan.ParseRoute(obj.ListPath)
			if err != nil {
				return 0, fmt.Errorf("minimum: %s: %w", obj.Name, err)
			}
			if full && len(route.Refs()) > 0 {
				continue // fullRunSent
			}
			total += listingRequests(n, pageMax(sys))
		}
	}
	if full {
		return total, nil
	}
	for _, e := range edits {
		target := s.Doc
		if e.side == workflows.SideDoc {
			target = s.PSA
		}
		_, obj, err := planObject(p, target, e.object)
		if err != nil {
			return 0, err
		}
		total += writeRequests(e.n, obj)
	}
	return total, nil
}

// listingRequests is what learning about n changed records costs with
// pages of at most size: max(1, ceil(n/size)); size 0 is one request.
func listingRequests(n, size int) int {
	if size <= 0 || n <= 0 {
		return 1
	}
	return (n + size - 1) / size
}

// writeRequests is what updating n records of obj costs: ceil(n/max) with
// a bulk update route, else n.
func writeRequests(n int, obj *plan.Object) int {
	if n <= 0 {
		return 0
	}
	if obj.Bulk != nil && obj.Bulk.Update != nil && obj.Bulk.Update.Max > 0 {
		return (n + obj.Bulk.Update.Max - 1) / obj.Bulk.Update.Max
	}
	return n
}

// pageMax is the largest page the system serves (0: one page).
func pageMax(sys *plan.System) int {
	if sys.Paging.Style == "" || sys.Paging.Style == plan.PagingNone {
		return 0
	}
	return max(sys.Paging.MaxSize, sys.Paging.Size)
}

func planObject(p *plan.Plan, system, object string) (*plan.System, *plan.Object, error) {
	for i := range p.Systems {
		if p.Systems[i].Name != system {
			continue
		}
		for j := range p.Systems[i].Objects {
			if p.Systems[i].Objects[j].Name == object {
				return &p.Systems[i], &p.Systems[i].Objects[j], nil
			}
		}
	}
	return nil, nil, fmt.Errorf("minimum: system %s has no object %s", system, object)
}

// benchMinimumBefore is benchMinimum of the next run of a sync whose
// worker keeps its data in dataDir, in mode, after edits.
func benchMinimumBefore(p *plan.Plan, syncName string, sb changeCounter, dataDir, mode string, edits []benchEdit) (int, error) {
	cursors, err := steps.LoadCursors(workflows.SyncDir(dataDir, syncName))
	if err != nil {
		return 0, &exitError{code: exitInternal, err: err}
	}
	m, err := benchMinimum(p, syncName, sb, mode == workflows.ModeFull, cursors, edits)
	if err != nil {
		return 0, &exitError{code: exitInternal, err: err}
	}
	return m, nil
}

// fullRunSent is what a full run's minimum takes as sent (see above): the
// write requests the sandboxes received and the listing requests on the
// nested list routes of the sync's objects.
func fullRunSent(p *plan.Plan, syncName string, logs ...core.LogSnapshot) int {
	nested := map[string]bool{}
	for _, s := range p.Syncs {
		if s.Name != syncName {
			continue
		}
		for _, os := range s.Objects {
			for _, system := range []string{s.PSA, s.Doc} {
				if _, obj, err := planObject(p, system, os.Object); err == nil {
					if r, err := plan.ParseRoute(obj.ListPath); err == nil && len(r.Refs()) > 0 {
						nested[routeShape(obj.ListPath)] = true
					}
				}
			}
		}
	}
	_, writes := requestCounts(logs...)
	n := writes
	for _, l := range logs {
		for route, c := range l.ByRoute {
			if path, ok := strings.CutPrefix(route, "GET "); ok && nested[routeShape(path)] {
				n += c
			}
		}
	}
	return n
}

// routeShape is a route with every placeholder ({ref:organization},
// {parentId}) written {}.
func routeShape(route string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(route, '{')
		j := strings.IndexByte(route[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(route)
			return b.String()
		}
		b.WriteString(route[:i] + "{}")
		route = route[i+j+1:]
	}
}
