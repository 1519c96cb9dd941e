package engine

import (
	"github.com/hashicorp/hcl/v2"

	"mapsync/dsl"
	"mapsync/engine/plan"
)

// Loaded is a mapping set read from disk: the parsed files (kept for
// printing diagnostics with their source lines) and, when they had no
// errors, the compiled plan.
type Loaded struct {
	Config *dsl.Config
	Plan   *plan.Plan // nil when Diags has errors
	Diags  hcl.Diagnostics
}

// LoadDir loads the mapping files of dir and compiles them: the one way
// the CLI and every test turn mapping files into a plan. The compiled plan
// then goes through the runtime's own checks (RuntimeProblems), so what
// loads without errors is what a run accepts. Diagnostics come
// sorted by file and position; Plan is nil when any is an error.
func LoadDir(dir string) Loaded {
	cfg, diags := dsl.LoadDir(dir)
	return finish(cfg, diags)
}

// LoadFiles is LoadDir over in-memory files (name -> source).
func LoadFiles(files map[string][]byte) Loaded {
	cfg, diags := dsl.LoadFiles(files)
	return finish(cfg, diags)
}

func finish(cfg *dsl.Config, diags hcl.Diagnostics) Loaded {
	out := Loaded{Config: cfg}
	if !diags.HasErrors() {
		p, cdiags := Compile(cfg)
		diags = append(diags, cdiags...)
		if !diags.HasErrors() {
			// What the runtime would refuse, reported where it is declared.
			diags = append(diags, runtimeDiagnostics(cfg, p)...)
		}
		if !diags.HasErrors() {
			out.Plan = p
		}
	}
	dsl.SortDiagnostics(diags)
	out.Diags = diags
	return out
}

// MustLoadDir is LoadDir for tests and tools whose mapping files are known
// good: it panics with the diagnostics when there are errors.
func MustLoadDir(dir string) *plan.Plan {
	l := LoadDir(dir)
	if l.Diags.HasErrors() {
		panic("engine: mapping files in " + dir + ": " + l.Diags.Error())
	}
	return l.Plan
}
