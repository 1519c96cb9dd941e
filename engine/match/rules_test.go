package match

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"mapsync/engine/plan"
)

// TestValueRules walks the decision table of the value rules
// (docs/durable-runs.md "What is never overwritten") over one field:
// memory absent or present (equal or differing on the two sides) ×
// changed on psa / doc / both / neither × direction × empty values.
func TestValueRules(t *testing.T) {
	type mem struct{ psa, doc any } // the field's memory on each side; nil = JSON null
	cases := []struct {
		name   string
		dir    string
		mem    *mem // nil: no memory (a new link)
		p, d   any  // current values (nil = empty)
		target Side // "" = no write
		value  any
	}{
		// No memory (rule 2).
		{name: "two_way new link equal", dir: plan.DirTwoWay, p: "A", d: "A"},
		{name: "two_way new link psa only", dir: plan.DirTwoWay, p: "A", d: nil, target: Doc, value: "A"},
		{name: "two_way new link doc only fills the psa", dir: plan.DirTwoWay, p: nil, d: "B", target: PSA, value: "B"},
		{name: "two_way new link doc only vs empty string", dir: plan.DirTwoWay, p: "", d: "B", target: PSA, value: "B"},
		{name: "two_way new link both differ: winner", dir: plan.DirTwoWay, p: "A", d: "B", target: Doc, value: "A"},
		{name: "two_way new link both empty", dir: plan.DirTwoWay, p: "", d: nil},
		{name: "to_doc new link source set", dir: plan.DirToDoc, p: "A", d: "B", target: Doc, value: "A"},
		{name: "to_doc new link source empty: no blanking", dir: plan.DirToDoc, p: nil, d: "B"},
		{name: "to_psa new link source set", dir: plan.DirToPSA, p: "A", d: "B", target: PSA, value: "B"},
		{name: "to_psa new link source empty: no blanking", dir: plan.DirToPSA, p: "A", d: nil},
		// Memory on both sides (rule 1).
		{name: "two_way psa changed", dir: plan.DirTwoWay, mem: &mem{"M", "M"}, p: "A", d: "M", target: Doc, value: "A"},
		{name: "two_way doc changed", dir: plan.DirTwoWay, mem: &mem{"M", "M"}, p: "M", d: "B", target: PSA, value: "B"},
		{name: "two_way both changed: winner", dir: plan.DirTwoWay, mem: &mem{"M", "M"}, p: "A", d: "B", target: Doc, value: "A"},
		{name: "two_way both changed alike", dir: plan.DirTwoWay, mem: &mem{"M", "M"}, p: "A", d: "A"},
		{name: "two_way psa blanked", dir: plan.DirTwoWay, mem: &mem{"M", "M"}, p: nil, d: "M", target: Doc, value: nil},
		{name: "two_way doc blanked", dir: plan.DirTwoWay, mem: &mem{"M", "M"}, p: "M", d: nil, target: PSA, value: nil},
		{name: "two_way neither changed, values differ: no write", dir: plan.DirTwoWay, mem: &mem{"A", nil}, p: "A", d: nil},
		{name: "two_way doc holds what it could, psa unchanged", dir: plan.DirTwoWay, mem: &mem{"TX", "X"}, p: "TX", d: "X"},
		{name: "two_way doc changed after a value it could not store", dir: plan.DirTwoWay, mem: &mem{"TX", nil}, p: "TX", d: "NY", target: PSA, value: "NY"},
		{name: "to_doc psa changed", dir: plan.DirToDoc, mem: &mem{"M", "M"}, p: "A", d: "M", target: Doc, value: "A"},
		{name: "to_doc doc edit stays in doc", dir: plan.DirToDoc, mem: &mem{"M", "M"}, p: "M", d: "B"},
		{name: "to_doc psa blanked", dir: plan.DirToDoc, mem: &mem{"M", "M"}, p: nil, d: "M", target: Doc, value: nil},
		{name: "to_doc psa empty since create: no write", dir: plan.DirToDoc, mem: &mem{nil, "B"}, p: nil, d: "B"},
		{name: "to_psa doc changed", dir: plan.DirToPSA, mem: &mem{"M", "M"}, p: "M", d: "B", target: PSA, value: "B"},
		{name: "to_psa psa edit stays in psa", dir: plan.DirToPSA, mem: &mem{"M", "M"}, p: "A", d: "M"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			o := object(t, "organization", func(s *plan.ObjectSync) {
				s.Fields = fieldSyncs("organization", map[string]string{"short_name": c.dir})
			})
			row := func(id string, v any) Row { return rec(id, 1, "name", "Acme", "short_name", v) }
			var before []func(*Run)
			if c.mem != nil {
				runCycle(t, dir, "r0", o, full, []Row{row("p1", "M")}, []Row{row("d1", "M")})
				before = append(before, func(r *Run) { setMemory(t, r, "short_name", c.mem.psa, c.mem.doc) })
			}
			_, ops := runCycle(t, dir, "r1", o, full, []Row{row("p1", c.p)}, []Row{row("d1", c.d)}, before...)
			ups := only(t, ops, OpUpdate)
			if c.target == "" {
				if len(ups) != 0 {
					t.Fatalf("want no write, got %s -> %s: %s", ups[0].SourceSide, ups[0].TargetSide, ups[0].Fields)
				}
				return
			}
			if len(ups) != 1 || ups[0].TargetSide != c.target {
				t.Fatalf("want one update of %s, got %+v", c.target, ups)
			}
			f := fieldsOf(t, ups[0])
			if got, ok := f["short_name"]; !ok || got.New != c.value || len(f) != 1 {
				t.Errorf("update fields %s, want short_name = %v", ups[0].Fields, c.value)
			}
		})
	}
}

// setMemory sets one field's memory on both sides of every link (a JSON
// null is kept as a remembered empty value, not dropped).
func setMemory(t *testing.T, r *Run, field string, psa, doc any) {
	t.Helper()
	rows, err := r.DB().Query(`SELECT psa_id, doc_id, CAST(psa_synced AS VARCHAR), CAST(doc_synced AS VARCHAR) FROM links`)
	if err != nil {
		t.Fatal(err)
	}
	type link struct{ p, d, ps, ds string }
	var links []link
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.p, &l.d, &l.ps, &l.ds); err != nil {
			t.Fatal(err)
		}
		links = append(links, l)
	}
	rows.Close()
	set := func(raw string, v any) string {
		m := map[string]any{}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		m[field] = v
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, l := range links {
		if _, err := r.DB().Exec(`UPDATE links SET psa_synced = json(?), doc_synced = json(?) WHERE psa_id = ? AND doc_id = ?`,
			set(l.ps, psa), set(l.ds, doc), l.p, l.d); err != nil {
			t.Fatal(fmt.Errorf("set memory: %w", err))
		}
	}
}

// merge_by is refused by the runtime on a field that is not a json list
// (the language reports it too; a plan built another way must not run).
func TestMergeByNeedsAJSONField(t *testing.T) {
	spec := objectSyncs["organization"]
	spec.Fields = fieldSyncs("organization", nil)
	for i := range spec.Fields {
		if spec.Fields[i].Name == "short_name" {
			spec.Fields[i].MergeBy = "value"
		}
	}
	_, err := NewObject(spec, canonical["organization"])
	var p plan.Problem
	if err == nil || !errors.As(err, &p) || p.Place.Attr != "merge_by" || !strings.Contains(err.Error(), "json") {
		t.Fatalf("NewObject with merge_by on a string field: %v", err)
	}
}

// Value rule 4: a create remembers, on the source side, its value of every
// mapped field (one-way fields toward the source included, empty ones as
// null) and, on the new record's side, what it is sent and empty for the
// rest; so one-way fields never flow back after the create.
func TestCreateRemembersEveryField(t *testing.T) {
	ctx := context.Background()
	o := object(t, "organization", func(s *plan.ObjectSync) {
		s.CreateInPSA = plan.CreateAlways
		s.Fields = fieldSyncs("organization", map[string]string{"short_name": plan.DirToDoc})
	})
	r := openTestRun(t, t.TempDir(), "r1")
	stageRows(t, r, o, PSA)
	stageRows(t, r, o, Doc, rec("d1", 1, "name", "Only Doc", "short_name", "OD"))
	mustMatch(t, r, o, full)
	if _, err := r.Plan(ctx, o); err != nil {
		t.Fatal(err)
	}
	ops, err := r.Ops(ctx, OpFilter{Op: OpCreate})
	if err != nil || len(ops) != 1 {
		t.Fatalf("creates: %+v, %v", ops, err)
	}
	var after map[string]map[string]any
	if err := json.Unmarshal(ops[0].After, &after); err != nil {
		t.Fatalf("after %s: %v", ops[0].After, err)
	}
	doc, psa := after["doc"], after["psa"]
	if v, ok := doc["short_name"]; !ok || v != "OD" {
		t.Errorf("the source does not remember its one-way field: %s", ops[0].After)
	}
	if v, ok := psa["short_name"]; !ok || v != nil {
		t.Errorf("the new record's side must remember the one-way field it was not sent as empty: %s", ops[0].After)
	}
	if v, ok := doc["status"]; !ok || v != nil {
		t.Errorf("an empty source field must be remembered as empty: %s", ops[0].After)
	}
	if psa["name"] != "Only Doc" || doc["name"] != "Only Doc" {
		t.Errorf("the written name: %s", ops[0].After)
	}
}
