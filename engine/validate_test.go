package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"mapsync/connectors"
	"mapsync/engine"
	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/records"
)

// Each case is a mapping set that a run would refuse; validate (engine.LoadDir)
// must refuse it too, at the place in the files, with the runtime's reason.
func TestValidateRejectsWhatARunRejects(t *testing.T) {
	cases := []struct {
		set, at, fragment string
	}{
		// connectors.CheckSystem (connectors.New)
		{"bulk_no_results", "set.hcl:20:7", "bulk create has no results block"},
		{"list_path_two_refs", "set.hcl:35:17", "list_path has 2 {ref:...} placeholders"},
		{"list_body_placeholder", "set.hcl:20:19", "fills no ${...} placeholder"},
		// match.CheckObject (match.NewObject)
		{"match_key_json", "set.hcl:56:25", `field "phones" of type json cannot be a match key`},
		{"narrow_list", "set.hcl:58:17", `field "tags" of type list cannot be a match key`},
		{"clear_on_disconnect", "set.hcl:56:29", "clear_on_disconnect needs a field that flows only to the documentation side"},
		// records.Check (records.New, Mapper.NewWriter)
		{"fetch_no_id", "set.hcl:23:15", "has no {id}"},
		{"lookup_parent_unused", "set.hcl:35:16", `scoped under "manufacturer", which no field of organization uses`},
		// records.CheckFlags (steps.Open)
		{"flag_unstaged", "set.hcl:51:14", "the sync does not stage site records"},
		// records.CheckDerived (steps.Open)
		{"derive_write", "set.hcl:133:17", "cannot be written there"},
		{"derive_nested_source", "set.hcl:56:5", `derive source "contact" is listed under a parent`},
		// the language: typed attributes, one diagnostic per syntax error
		{"path_number", "set.hcl:19:14", "path must be a string"},
		{"unclosed_block", "set.hcl:18:5", "no closing brace"},
	}
	for _, tc := range cases {
		t.Run(tc.set, func(t *testing.T) {
			dir := filepath.Join("../testdata/mappings/invalid", tc.set)
			l := engine.LoadDir(dir)
			if l.Plan != nil {
				t.Fatal("a set the runtime refuses must not give a plan")
			}
			if len(l.Diags) != 1 {
				t.Fatalf("want exactly one diagnostic, got %d: %s", len(l.Diags), l.Diags.Error())
			}
			d := l.Diags[0]
			if d.Subject == nil {
				t.Fatalf("diagnostic without a place: %s", d.Error())
			}
			at := fmt.Sprintf("%s:%d:%d", filepath.Base(d.Subject.Filename), d.Subject.Start.Line, d.Subject.Start.Column)
			if at != tc.at || !strings.Contains(d.Detail, tc.fragment) {
				t.Errorf("got %s %q, want %s containing %q", at, d.Detail, tc.at, tc.fragment)
			}
		})
	}
}

// The other direction: every set that validates is one the runtime's
// constructors accept.
func TestValidateAcceptsWhatARunAccepts(t *testing.T) {
	sets, _ := filepath.Glob("../testdata/mappings/valid/*")
	sets = append(sets, "../mappings")
	for _, dir := range sets {
		t.Run(filepath.Base(dir), func(t *testing.T) { runtimeAccepts(t, dir) })
	}
}

type noVars struct{}

func (noVars) Resolve(t plan.Template) (string, error) { return string(t), nil }

func runtimeAccepts(t *testing.T, dir string) {
	t.Helper()
	l := engine.LoadDir(dir)
	if l.Diags.HasErrors() {
		t.Fatalf("validate refuses %s: %s", dir, l.Diags.Error())
	}
	p := l.Plan
	canon := map[string]plan.CanonicalType{}
	for _, c := range p.Canonical {
		canon[c.Name] = c
	}
	systems := map[string]plan.System{}
	for _, s := range p.Systems {
		systems[s.Name] = s
		c, err := connectors.New(s, noVars{})
		if err != nil {
			t.Errorf("connectors.New: %v", err)
			continue
		}
		c.Close()
	}
	for _, s := range p.Syncs {
		for _, o := range s.Objects {
			if _, err := match.NewObject(o, canon[o.Object]); err != nil {
				t.Errorf("match.NewObject: %v", err)
			}
			for _, sys := range []plan.System{systems[s.PSA], systems[s.Doc]} {
				m, err := records.New(records.Spec{System: sys, Object: o.Object, Canonical: canon[o.Object],
					Settings: s.Settings, Scope: o.Scope, ScopeReason: o.ScopeReason})
				if err != nil {
					t.Errorf("records.New: %v", err)
					continue
				}
				if _, err := m.NewWriter(emptyLookups{}, records.WriterOptions{DryRun: true}); err != nil {
					t.Errorf("NewWriter: %v", err)
				}
			}
		}
		if err := plan.Err(records.CheckFlags(s, p.Canonical, systems[s.PSA], systems[s.Doc])); err != nil {
			t.Errorf("flags (steps.Open): %v", err)
		}
	}
}

type emptyLookups struct{}

func (emptyLookups) Lookup(context.Context, string) (*connectors.LookupTable, error) {
	return nil, errors.New("no lookups in this test")
}

func (emptyLookups) CreateLookupValue(context.Context, string, string, string) (connectors.LookupEntry, error) {
	return connectors.LookupEntry{}, errors.New("no lookups in this test")
}
