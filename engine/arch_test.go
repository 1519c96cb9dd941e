package engine_test

// The architecture of the module, pinned: which package may import what,
// and where the names of vendor systems may appear. The import rules read
// `go list -deps -json ./...`; the naming rule parses every Go file of the
// module.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
)

const module = "mapsync"

// listedPackage is the part of `go list -json` the rules read.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Imports    []string // direct imports of the non-test files
	Deps       []string // transitive imports of the non-test files
	Error      *struct{ Err string }
}

var (
	listOnce sync.Once
	listed   map[string]*listedPackage // import path -> package, dependencies included
	listRoot string                    // module root directory
	listErr  error
)

// goList runs `go list -deps -json ./...` at the module root once per test
// binary.
func goList(t *testing.T) (map[string]*listedPackage, string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go tool is not on PATH:", err)
	}
	listOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			listErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			listErr = errors.New("not inside a module")
			return
		}
		listRoot = filepath.Dir(gomod)
		cmd := exec.Command("go", "list", "-e", "-deps", "-json", "./...")
		cmd.Dir = listRoot
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err = cmd.Output()
		if err != nil {
			listErr = fmt.Errorf("go list: %w\n%s", err, stderr.String())
			return
		}
		listed = map[string]*listedPackage{}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var p listedPackage
			if err := dec.Decode(&p); err == io.EOF {
				break
			} else if err != nil {
				listErr = fmt.Errorf("decode go list output: %w", err)
				return
			}
			listed[p.ImportPath] = &p
		}
	})
	if listErr != nil {
		t.Fatal(listErr)
	}
	return listed, listRoot
}

// ours lists the packages of the module, sorted by import path.
func ours(pkgs map[string]*listedPackage) []*listedPackage {
	var out []*listedPackage
	for path, p := range pkgs {
		if path == module || strings.HasPrefix(path, module+"/") {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *listedPackage) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	return out
}

// under reports whether path is the package dir or below it.
func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

// anyUnder reports whether path is under one of dirs.
func anyUnder(path string, dirs ...string) bool {
	for _, d := range dirs {
		if under(path, d) {
			return true
		}
	}
	return false
}

// importRule forbids the packages matched by from to import (directly, or
// transitively when deep) the packages matched by forbidden.
type importRule struct {
	name      string
	from      func(pkg string) bool
	deep      bool
	forbidden func(imp string) bool
}

// violations returns one message per forbidden import of the rule.
func (r importRule) violations(pkgs map[string]*listedPackage) []string {
	var out []string
	for _, p := range ours(pkgs) {
		if !r.from(p.ImportPath) {
			continue
		}
		if p.Error != nil {
			out = append(out, fmt.Sprintf("%s: go list: %s", p.ImportPath, p.Error.Err))
			continue
		}
		imports := p.Imports
		how := "imports"
		if r.deep {
			imports, how = p.Deps, "reaches"
		}
		seen := map[string]bool{}
		for _, imp := range imports {
			if !r.forbidden(imp) {
				continue
			}
			var chain []string
			if r.deep && !slices.Contains(p.Imports, imp) {
				// Report the first forbidden package on the way only
				// (engine/match, not every DuckDB package behind it).
				chain = importChain(pkgs, p.ImportPath, imp)
				for i, c := range chain[1:] {
					if r.forbidden(c) {
						imp, chain = c, chain[:i+2]
						break
					}
				}
			}
			if seen[imp] {
				continue
			}
			seen[imp] = true
			msg := fmt.Sprintf("%s %s %s", p.ImportPath, how, imp)
			if len(chain) > 2 {
				msg += " (via " + strings.Join(chain, " -> ") + ")"
			}
			out = append(out, msg)
		}
	}
	return out
}

// importChain is one shortest chain of imports from -> ... -> to.
func importChain(pkgs map[string]*listedPackage, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var chain []string
			for c := to; c != ""; c = prev[c] {
				chain = append(chain, c)
			}
			slices.Reverse(chain)
			return chain
		}
		if p := pkgs[cur]; p != nil {
			for _, imp := range p.Imports {
				if _, seen := prev[imp]; !seen {
					prev[imp] = cur
					queue = append(queue, imp)
				}
			}
		}
	}
	return []string{from, "?", to}
}

func TestArchitectureImports(t *testing.T) {
	pkgs, _ := goList(t)
	if len(ours(pkgs)) < 10 {
		t.Fatalf("go list found only %d packages of module %s; the rules would check nothing", len(ours(pkgs)), module)
	}
	standard := func(imp string) bool { p := pkgs[imp]; return p != nil && p.Standard }
	runtime := func(imp string) bool {
		return anyUnder(imp, module+"/engine/records", module+"/engine/match", module+"/engine/steps",
			module+"/workflows", module+"/connectors", module+"/cmd") ||
			strings.HasPrefix(imp, "github.com/duckdb/") || strings.HasPrefix(imp, "go.temporal.io/")
	}
	temporal := func(imp string) bool { return strings.HasPrefix(imp, "go.temporal.io/") }
	temporalSDK := func(imp string) bool { return under(imp, "go.temporal.io/sdk") }
	duckdb := func(imp string) bool { return strings.HasPrefix(imp, "github.com/duckdb/") }
	inCmd := func(pkg string) bool { return under(pkg, module+"/cmd") }
	sandbox := func(pkg string) bool { return under(pkg, module+"/connectors/sandbox") }

	rules := []importRule{{
		name:      "engine/plan is a leaf: the standard library only",
		from:      func(pkg string) bool { return pkg == module+"/engine/plan" },
		forbidden: func(imp string) bool { return !standard(imp) },
	}, {
		name: "dsl reaches no runtime package (records, match, steps, workflows, connectors, cmd, DuckDB, Temporal)",
		from: func(pkg string) bool { return under(pkg, module+"/dsl") },
		deep: true, forbidden: runtime,
	}, {
		name: "connectors (but the sandboxes) reach neither Temporal nor DuckDB",
		from: func(pkg string) bool { return under(pkg, module+"/connectors") && !sandbox(pkg) },
		deep: true, forbidden: func(imp string) bool { return temporal(imp) || duckdb(imp) },
	}, {
		name:      "only workflows and the binary's wiring under cmd/ import the Temporal SDK",
		from:      func(pkg string) bool { return !under(pkg, module+"/workflows") && !inCmd(pkg) },
		forbidden: temporalSDK,
	}, {
		name: "engine, dsl and connectors do not reach the Temporal SDK",
		from: func(pkg string) bool {
			return anyUnder(pkg, module+"/engine", module+"/dsl", module+"/connectors")
		},
		deep: true, forbidden: temporalSDK,
	}, {
		name: "only cmd/ imports the embedded Temporal server (devserver, go.temporal.io/server)",
		from: func(pkg string) bool { return !inCmd(pkg) },
		forbidden: func(imp string) bool {
			return under(imp, module+"/cmd/mapsync/internal/devserver") || under(imp, "go.temporal.io/server")
		},
	}, {
		name:      "no package outside cmd/ and the sandboxes imports a sandbox",
		from:      func(pkg string) bool { return !inCmd(pkg) && !sandbox(pkg) },
		forbidden: sandbox,
	}}
	for _, r := range rules {
		if v := r.violations(pkgs); len(v) > 0 {
			t.Errorf("rule %q is broken:\n\t%s", r.name, strings.Join(v, "\n\t"))
		}
	}
}

// vendorName matches the names of PSAs and other vendor systems, in
// identifiers (after lower-casing) and string literals.
var vendorName = regexp.MustCompile(`(?i)connect[ _-]?wise|autotask|kaseya|\bbms\b|pulseway|tigerpaw|it[ _-]?glue|connect[ _-]?secure`)

// cwPrefix matches ConnectWise's cw_ prefix (CW_BASE_URL, cw_company) in
// string literals.
var cwPrefix = regexp.MustCompile(`(?i)(^|[^a-z0-9])cw_`)

// vendorNamesAllowedIn are the directories (relative to the module root,
// slash-separated) whose files may name vendor systems: the mapping files
// and the fake vendor APIs. Directories named testdata are skipped too.
var vendorNamesAllowedIn = []string{"mappings", "testdata", "connectors/sandbox"}

// vendorNamesRuleFile is this file: it spells the names to find them.
const vendorNamesRuleFile = "engine/arch_test.go"

// identWords splits an identifier into its lower-cased words (camelCase,
// snake_case, digits), for the word match of short names such as BMS.
func identWords(id string) string {
	var b strings.Builder
	rs := []rune(id)
	for i, r := range rs {
		if r == '_' {
			b.WriteRune(' ')
			continue
		}
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) ||
			(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
			b.WriteRune(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// excerpt is the line of a string literal's source around [from, to),
// cut to about 60 characters.
func excerpt(src string, from, to int) string {
	start := strings.LastIndexByte(src[:from], '\n') + 1
	end := len(src)
	if i := strings.IndexByte(src[to:], '\n'); i >= 0 {
		end = to + i
	}
	if from-start > 30 {
		start = from - 30
	}
	if end-to > 30 {
		end = to + 30
	}
	return src[start:end]
}

// vendorTokens returns the identifiers and string literals of a file that
// name a vendor system, as "file:line: kind token".
func vendorTokens(fset *token.FileSet, f *ast.File, rel string) []string {
	var out []string
	report := func(pos token.Pos, kind, tok string) {
		out = append(out, fmt.Sprintf("%s:%d: %s %s", rel, fset.Position(pos).Line, kind, tok))
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if vendorName.MatchString(n.Name) || vendorName.MatchString(identWords(n.Name)) {
				report(n.Pos(), "identifier", n.Name)
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				break
			}
			// Match the source text, so that the line and excerpt of a
			// multi-line literal are those of the name; then the value.
			loc := vendorName.FindStringIndex(n.Value)
			if loc == nil {
				loc = cwPrefix.FindStringIndex(n.Value)
			}
			if loc == nil {
				if s, err := strconv.Unquote(n.Value); err == nil && (vendorName.MatchString(s) || cwPrefix.MatchString(s)) {
					loc = []int{0, len(n.Value)}
				}
			}
			if loc != nil {
				report(n.Pos()+token.Pos(loc[0]), "string", excerpt(n.Value, loc[0], loc[1]))
			}
		}
		return true
	})
	return out
}

func TestArchitectureNoVendorNamesInCode(t *testing.T) {
	_, root := goList(t)
	fset := token.NewFileSet()
	var found []string
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
				name == "testdata" || name == "vendor" || slices.Contains(vendorNamesAllowedIn, rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || rel == vendorNamesRuleFile {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution) // no comments
		if err != nil {
			return err
		}
		files++
		found = append(found, vendorTokens(fset, f, rel)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("parsed only %d Go files under %s; the rule would check nothing", files, root)
	}
	if len(found) > 0 {
		t.Errorf("%d identifiers or strings name a vendor system outside %s (take the names from the mapping files or the sandboxes):\n\t%s",
			len(found), strings.Join(vendorNamesAllowedIn, ", "), strings.Join(found, "\n\t"))
	}
}

// The naming rule's matcher itself: it must catch the names it is for and
// leave ordinary words alone.
func TestArchitectureVendorMatcher(t *testing.T) {
	src := `package p
// ConnectWise in a comment is fine.
var cwSandbox, ConnectWiseURL, itglueKey, kaseyaBMS, newBMSClient, submsg = 1, 2, 3, 4, 5, 6
var a, b, c, d = "CW_BASE_URL", "IT Glue", "Autotask", "members"
func Tigerpaw() {}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := vendorTokens(fset, f, "p.go")
	want := []string{
		"p.go:3: identifier ConnectWiseURL",
		"p.go:3: identifier itglueKey",
		"p.go:3: identifier kaseyaBMS",
		"p.go:3: identifier newBMSClient",
		`p.go:4: string "CW_BASE_URL"`,
		`p.go:4: string "IT Glue"`,
		`p.go:4: string "Autotask"`,
		"p.go:5: identifier Tigerpaw",
	}
	if !slices.Equal(got, want) {
		t.Errorf("vendorTokens:\n got %q\nwant %q", got, want)
	}
}
