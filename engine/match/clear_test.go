package match

import (
	"context"
	"testing"

	"mapsync/engine/plan"
)

// overlayOrg is the organization object with status as a read-only overlay
// of PSA values: to_doc, cleared on disconnect.
func overlayOrg(t *testing.T) *Object {
	return object(t, "organization", func(s *plan.ObjectSync) {
		s.Fields = fieldSyncs("organization", map[string]string{"status": plan.DirToDoc})
		for i := range s.Fields {
			if s.Fields[i].Name == "status" {
				s.Fields[i].ClearOnDisconnect = true
			}
		}
	})
}

// disconnectCycle runs one cycle in which the link of psaID becomes
// disconnected after matching (as the disconnect control sets it), when
// disconnect is true, or earlier (stateRun set to another run).
func disconnectCycle(t *testing.T, dir, runID string, o *Object, psa, doc []Row, stateRun string) []Op {
	t.Helper()
	ctx := context.Background()
	r := openTestRun(t, dir, runID)
	stageRows(t, r, o, PSA, psa...)
	stageRows(t, r, o, Doc, doc...)
	mustMatch(t, r, o, full)
	if stateRun != "" {
		if _, err := r.DB().Exec(`UPDATE links SET state = 'disconnected', state_run = ? WHERE object = ?`, stateRun, o.Name()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Plan(ctx, o); err != nil {
		t.Fatalf("Plan: %v", err)
	}
	ops, err := r.Ops(ctx, OpFilter{Object: o.Name()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return ops
}

func TestClearOnDisconnect(t *testing.T) {
	row := func(id, status string) Row { return rec(id, 1, "name", "Acme", "status", status) }
	tests := []struct {
		name     string
		doc      Row    // the doc record in the disconnecting run
		stateRun string // the run in which the link became disconnected
		want     []change
	}{
		{"disconnected in this run: written empty", row("d1", "Gold"), "r2", []change{{"Gold", nil}}},
		{"doc edited before the disconnect: still cleared", row("d1", "Edited"), "r2", []change{{"Edited", nil}}},
		{"already empty: nothing to write", rec("d1", 1, "name", "Acme"), "r2", nil},
		{"disconnected in an earlier run: left alone", row("d1", "Gold"), "r0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			o := overlayOrg(t)
			psa := []Row{row("p1", "Gold")}
			if ops := disconnectCycle(t, dir, "r1", o, psa, []Row{row("d1", "Gold")}, ""); len(ops) != 0 {
				t.Fatalf("run 1: %+v", ops)
			}
			ops := disconnectCycle(t, dir, "r2", o, psa, []Row{tt.doc}, tt.stateRun)
			ups := only(t, ops, OpUpdate)
			if len(ups) != len(tt.want) || len(ops) != len(tt.want) {
				t.Fatalf("ops %+v, want %d updates", ops, len(tt.want))
			}
			for i, want := range tt.want {
				up := ups[i]
				if up.TargetSide != Doc || up.TargetID != "d1" || up.SourceID != "p1" || up.Key == "" {
					t.Errorf("update %+v", up)
				}
				got := fieldsOf(t, up)
				if len(got) != 1 || got["status"] != want {
					t.Errorf("fields %s, want status %v", up.Fields, want)
				}
			}
		})
	}
}

// A doc-side edit of a to_doc field never flows to the PSA; the doc value
// is overwritten only when the PSA's value changes.
func TestToDocOverlayDocEditStays(t *testing.T) {
	dir := t.TempDir()
	o := overlayOrg(t)
	row := func(id, status string) Row { return rec(id, 1, "name", "Acme", "status", status) }
	if ops := disconnectCycle(t, dir, "r1", o, []Row{row("p1", "Gold")}, []Row{row("d1", "Gold")}, ""); len(ops) != 0 {
		t.Fatalf("run 1: %+v", ops)
	}
	if ops := disconnectCycle(t, dir, "r2", o, []Row{row("p1", "Gold")}, []Row{row("d1", "Edited in docs")}, ""); len(ops) != 0 {
		t.Fatalf("run 2: a doc edit of a to_doc field planned %+v", ops)
	}
	ops := disconnectCycle(t, dir, "r3", o, []Row{row("p1", "Silver")}, []Row{row("d1", "Edited in docs")}, "")
	ups := only(t, ops, OpUpdate)
	if len(ups) != 1 || ups[0].TargetSide != Doc || fieldsOf(t, ups[0])["status"] != (change{"Edited in docs", "Silver"}) {
		t.Fatalf("run 3: the PSA change must overwrite the doc value: %+v", ops)
	}
}

func TestClearOnDisconnectNeedsToDoc(t *testing.T) {
	spec := objectSyncs["organization"]
	spec.Fields = fieldSyncs("organization", nil)
	spec.Fields[3].ClearOnDisconnect = true // status, two_way
	probs := CheckObject(spec, canonical["organization"])
	if len(probs) != 1 || probs[0].Place.Attr != "clear_on_disconnect" {
		t.Fatalf("problems %+v", probs)
	}
}
