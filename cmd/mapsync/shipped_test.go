package main

import (
	"slices"
	"strings"
	"testing"

	"mapsync/connectors/sandbox/local"
	"mapsync/engine"
	"mapsync/engine/plan"
	"mapsync/mappings"
)

// shippedSync is the sync of the shipped mapping files whose PSA is the
// default sandbox's: tests take system and sync names from it rather than
// spelling them.
func shippedSync(t testing.TB) plan.Sync {
	t.Helper()
	return defaultPSASync(t, engine.MustLoadDir("../../mappings"))
}

// defaultPSASync is the sync of p whose PSA is the default sandbox's.
func defaultPSASync(t testing.TB, p *plan.Plan) plan.Sync {
	t.Helper()
	name, err := syncOfPSA(p, local.DefaultPSA)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Syncs {
		if s.Name == name {
			return s
		}
	}
	panic("unreachable")
}

// shippedVariables are the variables of the shipped mapping files.
func shippedVariables(t testing.TB) []plan.Variable {
	t.Helper()
	return engine.MustLoadDir("../../mappings").Variables
}

// The embedded mapping files are the ones in mappings/, and the root help
// names every shipped system by its title, and no other product.
func TestHelpNamesTheShippedSystems(t *testing.T) {
	embedded := mappings.Files()
	onDisk := engine.MustLoadDir("../../mappings")
	if p := shippedPlan(); p == nil || p.Hash != onDisk.Hash || len(embedded) == 0 {
		t.Fatalf("the embedded mapping files do not compile to the plan of ../../mappings")
	}
	code, out, _ := runCLI("--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, s := range onDisk.Systems {
		if s.Title == "" {
			t.Errorf("shipped system %s has no title", s.Name)
		}
		if !strings.Contains(strings.Join(strings.Fields(out), " "), s.Title) {
			t.Errorf("--help does not name the shipped system %q:\n%s", s.Title, out)
		}
	}
	// Systems without mapping files are not claimed: the help's list of
	// systems is exactly the plan's.
	var titles []string
	for _, s := range onDisk.Systems {
		titles = append(titles, s.Title)
	}
	for _, role := range []string{plan.RolePSA, plan.RoleDoc} {
		for _, got := range shippedTitles(role) {
			if !slices.Contains(titles, got) {
				t.Errorf("shippedTitles(%s) has %q, not a shipped system", role, got)
			}
		}
	}
}

// plan --help lists every environment variable the shipped mappings read.
func TestPlanHelpListsTheVariables(t *testing.T) {
	code, out, _ := runCLI("plan", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	n := 0
	for _, v := range shippedVariables(t) {
		if v.Env == "" {
			continue
		}
		n++
		if !strings.Contains(out, v.Env) {
			t.Errorf("plan --help does not list %s:\n%s", v.Env, out)
		}
	}
	if n == 0 {
		t.Fatal("the shipped mappings read no environment variable")
	}
}
