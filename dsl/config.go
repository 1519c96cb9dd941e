package dsl

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// FileExt is the extension of mapping files.
const FileExt = ".hcl"

// Config is a loaded mapping set: every block of every file, decoded and
// validated as a whole.
type Config struct {
	Files     map[string]*hcl.File // by file name as given
	Variables map[string]*Variable
	Canonical map[string]*Canonical
	Systems   map[string]*System
	Syncs     map[string]*Sync
	// Tests are the mapping tests (test blocks), in file and position
	// order (testblock.go).
	Tests []*Test
}

// LoadDir loads every *.hcl file of dir (not recursing). File names in
// diagnostics are dir joined with the file's name.
func LoadDir(dir string) (*Config, hcl.Diagnostics) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read mapping directory", Detail: err.Error()}}
	}
	files := map[string][]byte{}
	var diags hcl.Diagnostics
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), FileExt) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read mapping file", Detail: err.Error()})
			continue
		}
		files[name] = src
	}
	if len(files) == 0 && !diags.HasErrors() {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No mapping files",
			Detail: fmt.Sprintf("Directory %s holds no *%s files.", dir, FileExt)}}
	}
	cfg, ldiags := LoadFiles(files)
	return cfg, append(diags, ldiags...)
}

// LoadFiles loads mapping files held in memory, keyed by file name. The
// order of the map does not matter: files are read in name order.
func LoadFiles(files map[string][]byte) (*Config, hcl.Diagnostics) {
	cfg := &Config{
		Files:     map[string]*hcl.File{},
		Variables: map[string]*Variable{},
		Canonical: map[string]*Canonical{},
		Systems:   map[string]*System{},
		Syncs:     map[string]*Sync{},
	}
	var diags hcl.Diagnostics
	names := keys(files)
	for _, name := range names {
		f, pdiags := hclsyntax.ParseConfig(files[name], name, hcl.InitialPos)
		if f != nil {
			cfg.Files[name] = f // kept for printing source lines
		}
		if pdiags.HasErrors() {
			// The first syntax error is the real one; what follows it (and
			// any analysis of a half-parsed file) cascades from it. The
			// other files are still analysed.
			for _, d := range pdiags {
				if d.Severity == hcl.DiagError {
					diags = append(diags, unclosedBlock(files[name], d))
					break
				}
			}
			continue
		}
		diags = append(diags, pdiags...)
		if f == nil {
			continue
		}
		diags = append(diags, cfg.addFile(f)...)
	}
	diags = append(diags, cfg.validate()...)
	for _, d := range diags {
		d.Subject, d.Context = sane(d.Subject), sane(d.Context)
	}
	SortDiagnostics(diags)
	return cfg, diags
}

// sane repairs a range whose end lies before its start (the HCL parser
// gives such ranges for some broken expressions): it becomes an empty range
// at its start, so every diagnostic still has a usable position.
func sane(r *hcl.Range) *hcl.Range {
	if r == nil || (r.End.Byte >= r.Start.Byte && r.End.Line >= r.Start.Line) {
		return r
	}
	fixed := *r
	fixed.End = fixed.Start
	return &fixed
}

var fileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "canonical", LabelNames: []string{"name"}},
	{Type: "system", LabelNames: []string{"name"}},
	{Type: "sync", LabelNames: []string{"name"}},
	{Type: "test", LabelNames: []string{"name"}},
}}

func (c *Config) addFile(f *hcl.File) hcl.Diagnostics {
	content, diags := f.Body.Content(fileSchema)
	if content == nil {
		return diags
	}
	for _, b := range content.Blocks {
		switch b.Type {
		case "variable":
			v, d := decodeVariableBlock(b)
			diags = append(diags, d...)
			if first, dup := c.Variables[v.Name]; dup {
				diags = append(diags, duplicate("variable", v.Name, first.NameRange, v.NameRange))
				continue
			}
			c.Variables[v.Name] = v
		case "canonical":
			ct, d := decodeCanonicalBlock(b)
			diags = append(diags, d...)
			if first, dup := c.Canonical[ct.Name]; dup {
				diags = append(diags, duplicate("canonical type", ct.Name, first.NameRange, ct.NameRange))
				continue
			}
			c.Canonical[ct.Name] = ct
		case "system":
			s, d := decodeSystemBlock(b)
			diags = append(diags, d...)
			if first, dup := c.Systems[s.Name]; dup {
				diags = append(diags, duplicate("system", s.Name, first.NameRange, s.NameRange))
				continue
			}
			c.Systems[s.Name] = s
		case "sync":
			s, d := decodeSyncBlock(b)
			diags = append(diags, d...)
			if first, dup := c.Syncs[s.Name]; dup {
				diags = append(diags, duplicate("sync", s.Name, first.NameRange, s.NameRange))
				continue
			}
			c.Syncs[s.Name] = s
		case "test":
			t, d := decodeTestBlock(b)
			diags = append(diags, d...)
			c.Tests = append(c.Tests, t)
		}
	}
	return diags
}

// CanonicalInOrder returns the canonical types in declaration order (file
// name, then position), the order cycles are searched in.
func (c *Config) CanonicalInOrder() []*Canonical {
	out := make([]*Canonical, 0, len(c.Canonical))
	for _, ct := range c.Canonical {
		out = append(out, ct)
	}
	sort.Slice(out, func(i, j int) bool { return declBefore(out[i].DeclRange, out[j].DeclRange) })
	return out
}

func declBefore(a, b hcl.Range) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Start.Byte < b.Start.Byte
}
