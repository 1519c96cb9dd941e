package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

// recordRefs pairs the --record OBJECT values with the positional IDs (the
// i-th --record names the object of the i-th ID; --record OBJECT=ID also
// works) and resolves bare ids through the sync's published links.
func recordRefs(ctx context.Context, p *plan.Plan, sync, dataDir string, objects, args []string) ([]workflows.RecordRef, error) {
	var pairs [][2]string
	var bare []string
	for _, o := range objects {
		if obj, id, ok := strings.Cut(o, "="); ok {
			pairs = append(pairs, [2]string{obj, id})
		} else {
			bare = append(bare, o)
		}
	}
	if len(bare) != len(args) {
		return nil, usageErr("--record OBJECT ID: give one ID per --record (%d --record, %d IDs)", len(bare), len(args))
	}
	for i, o := range bare {
		pairs = append(pairs, [2]string{o, args[i]})
	}
	var s *plan.Sync
	for i := range p.Syncs {
		if p.Syncs[i].Name == sync {
			s = &p.Syncs[i]
		}
	}
	var refs []workflows.RecordRef
	for _, pr := range pairs {
		if s == nil || !slices.ContainsFunc(s.Objects, func(o plan.ObjectSync) bool { return o.Object == pr[0] }) {
			return nil, usageErr("--record %s: sync %s has no object %q", pr[0], sync, pr[0])
		}
		ra, err := parseRecordArg(pr[1])
		if err != nil {
			return nil, err
		}
		side := ra.Side
		if side == "" {
			if side, err = resolveSide(ctx, workflows.SyncDir(dataDir, sync), pr[0], ra.ID); err != nil {
				return nil, err
			}
		}
		refs = append(refs, workflows.RecordRef{Object: pr[0], Side: match.Side(side), ID: ra.ID})
	}
	return refs, nil
}

// resolveSide finds the side of a bare id in the published links: an
// error when no link or links on both sides have it.
func resolveSide(ctx context.Context, syncDir, object, id string) (string, error) {
	db, err := match.OpenResults(ctx, syncDir)
	if errors.Is(err, os.ErrNotExist) {
		return "", usageErr("record %s %s: no results yet to find it in: name its side (psa:%s or doc:%s)", object, id, id, id)
	}
	if err != nil {
		return "", &exitError{code: exitFailure, err: err}
	}
	defer db.Close()
	var psa, doc int
	err = db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE psa_id = ?), count(*) FILTER (WHERE doc_id = ?) FROM links WHERE object = ?`, id, id, object).Scan(&psa, &doc)
	if err != nil {
		return "", &exitError{code: exitFailure, err: fmt.Errorf("record %s %s: %w", object, id, err)}
	}
	switch {
	case psa > 0 && doc > 0:
		return "", usageErr("record %s %s: ambiguous, the id is linked on both sides: write psa:%s or doc:%s", object, id, id, id)
	case psa > 0:
		return "psa", nil
	case doc > 0:
		return "doc", nil
	}
	return "", usageErr("record %s %s: no link has that id: name its side (psa:%s or doc:%s)", object, id, id, id)
}
