package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"mapsync/engine/plan"
)

func init() { commands = append(commands, newMappingsCmd) }

func newMappingsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mappings",
		Short: "Inspect the compiled mapping set",
	}
	cmd.AddCommand(newMappingsShowCmd())
	return cmd
}

type showOptions struct {
	dir    string
	sync   string
	asJSON bool
}

func newMappingsShowCmd() *cobra.Command {
	var opt showOptions
	cmd := &cobra.Command{
		Use:   "show [OBJECT]",
		Short: "Print the compiled field map of a sync, per object type",
		Long: `show compiles the mapping files and prints, for each object type of a sync
(in stage order), every field the two systems exchange: its label, direction,
where it sits in the PSA and in the documentation system, whether a side
requires it to create a record, and the lookups, references and transforms
involved. Give OBJECT to print one object type only.

Values of sensitive variables are never printed (they are never in a plan).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, diags, err := loadPlan(opt.dir)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				writeDiagnostics(cmd.ErrOrStderr(), diags, opt.dir)
				return failed()
			}
			view, err := buildShowView(p, opt.sync, args)
			if err != nil {
				return err
			}
			if opt.asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(view); err != nil {
					return fmt.Errorf("write mappings: %w", err)
				}
				return nil
			}
			return writeShowTable(cmd.OutOrStdout(), view)
		},
	}
	cmd.Flags().StringVar(&opt.dir, "dir", "mappings", "directory of the mapping files")
	cmd.Flags().StringVar(&opt.sync, "sync", "", "sync to show (default: the only one)")
	cmd.Flags().BoolVar(&opt.asJSON, "json", false, "print JSON instead of tables")
	return cmd
}

// showView is what `mappings show` prints, as a table or as JSON.
type showView struct {
	Sync      string         `json:"sync"`
	PSA       string         `json:"psa"`
	Doc       string         `json:"doc"`
	Winner    string         `json:"winner"`
	Hash      string         `json:"plan_hash"`
	Settings  map[string]any `json:"settings"`
	Variables []showVariable `json:"variables"`
	Objects   []showObject   `json:"objects"`
}

type showVariable struct {
	Name      string `json:"name"`
	Env       string `json:"env,omitempty"`
	Sensitive bool   `json:"sensitive,omitempty"`
	Default   string `json:"default,omitempty"` // never set for sensitive variables
}

type showObject struct {
	Object      string      `json:"object"`
	Stage       int         `json:"stage"`
	DependsOn   []string    `json:"depends_on,omitempty"`
	Direction   string      `json:"direction"`
	Enabled     string      `json:"enabled,omitempty"`
	Scope       string      `json:"scope,omitempty"`
	ScopeReason string      `json:"scope_reason,omitempty"`
	CreateInDoc bool        `json:"create_in_doc"`
	CreateInPSA string      `json:"create_in_psa"`
	Match       plan.Match  `json:"match"`
	Fields      []showField `json:"fields"`
}

type showField struct {
	Name      string `json:"name"`
	Label     string `json:"label,omitempty"`
	Type      string `json:"type"`
	Direction string `json:"direction"`
	Winner    string `json:"winner"`
	Ref       string `json:"ref,omitempty"`
	Deferred  bool   `json:"deferred,omitempty"`
	// ClearOnDisconnect: written empty on the doc record when its link is
	// disconnected.
	ClearOnDisconnect bool     `json:"clear_on_disconnect,omitempty"`
	PSA               showSide `json:"psa"`
	Doc               showSide `json:"doc"`
}

type showSide struct {
	Path             string `json:"path,omitempty"`
	WritePath        string `json:"write_path,omitempty"`
	Lookup           string `json:"lookup,omitempty"`
	Access           string `json:"access"`
	RequiredOnCreate bool   `json:"required_on_create,omitempty"`
	CreateOnly       bool   `json:"create_only,omitempty"`
	Fetch            string `json:"fetch,omitempty"`
	Flag             string `json:"flag,omitempty"`
	ToCanonical      string `json:"to_canonical,omitempty"`
	FromCanonical    string `json:"from_canonical,omitempty"`
}

func buildShowView(p *plan.Plan, syncName string, args []string) (*showView, error) {
	var names []string
	for _, s := range p.Syncs {
		names = append(names, s.Name)
	}
	var s *plan.Sync
	switch {
	case syncName != "":
		for i := range p.Syncs {
			if p.Syncs[i].Name == syncName {
				s = &p.Syncs[i]
			}
		}
		if s == nil {
			return nil, usageErr("unknown sync %q; the mapping set declares: %s", syncName, strings.Join(names, ", "))
		}
	case len(p.Syncs) == 1:
		s = &p.Syncs[0]
	case len(p.Syncs) == 0:
		return nil, usageErr("the mapping set declares no sync")
	default:
		return nil, usageErr("several syncs are declared; choose one with --sync: %s", strings.Join(names, ", "))
	}
	psa, doc := findSystem(p, s.PSA), findSystem(p, s.Doc)
	view := &showView{Sync: s.Name, PSA: s.PSA, Doc: s.Doc, Winner: s.Winner, Hash: p.Hash, Settings: s.Settings, Variables: []showVariable{}}
	for _, v := range p.Variables {
		sv := showVariable{Name: v.Name, Env: v.Env, Sensitive: v.Sensitive}
		if !v.Sensitive {
			sv.Default = v.Default
		}
		view.Variables = append(view.Variables, sv)
	}
	var objectNames []string
	for _, o := range s.Objects {
		objectNames = append(objectNames, o.Object)
		if len(args) == 1 && args[0] != o.Object {
			continue
		}
		so := showObject{Object: o.Object, Stage: o.Stage, DependsOn: o.DependsOn, Direction: o.Direction,
			Enabled: o.Enabled, Scope: o.Scope, ScopeReason: o.ScopeReason, CreateInDoc: o.CreateInDoc,
			CreateInPSA: o.CreateInPSA, Match: o.Match, Fields: []showField{}}
		for _, f := range o.Fields {
			so.Fields = append(so.Fields, showField{
				Name: f.Name, Label: f.Label, Type: f.Type, Direction: f.Direction, Winner: f.Winner,
				Ref: f.Ref, Deferred: f.Deferred, ClearOnDisconnect: f.ClearOnDisconnect,
				PSA: sideOf(psa, o.Object, f.Name), Doc: sideOf(doc, o.Object, f.Name),
			})
		}
		view.Objects = append(view.Objects, so)
	}
	if len(args) == 1 && len(view.Objects) == 0 {
		sort.Strings(objectNames)
		return nil, usageErr("unknown object %q; sync %s has: %s", args[0], s.Name, strings.Join(objectNames, ", "))
	}
	return view, nil
}

func findSystem(p *plan.Plan, name string) *plan.System {
	for i := range p.Systems {
		if p.Systems[i].Name == name {
			return &p.Systems[i]
		}
	}
	return nil
}

func sideOf(sys *plan.System, object, field string) showSide {
	if sys == nil {
		return showSide{}
	}
	for _, o := range sys.Objects {
		if o.Name != object {
			continue
		}
		for _, f := range o.Fields {
			if f.Name == field {
				return showSide{Path: f.Path, WritePath: f.WritePath, Lookup: f.Lookup, Access: f.Access,
					RequiredOnCreate: f.RequiredOnCreate, CreateOnly: f.CreateOnly, Fetch: f.Fetch, Flag: f.Flag,
					ToCanonical: f.ToCanonical, FromCanonical: f.FromCanonical}
			}
		}
	}
	return showSide{}
}

func writeShowTable(w io.Writer, v *showView) error {
	fmt.Fprintf(w, "sync %s: %s (psa) <-> %s (doc), %s wins conflicts; plan %s\n", v.Sync, v.PSA, v.Doc, v.Winner, v.Hash[:12])
	for _, o := range v.Objects {
		fmt.Fprintf(w, "\n%s  stage %d, %s", o.Object, o.Stage, o.Direction)
		if len(o.DependsOn) > 0 {
			fmt.Fprintf(w, ", after %s", strings.Join(o.DependsOn, ", "))
		}
		fmt.Fprintf(w, "; create in %s: %t, in %s: %s\n", v.Doc, o.CreateInDoc, v.PSA, o.CreateInPSA)
		if o.Enabled != "" {
			fmt.Fprintf(w, "  enabled: %s\n", o.Enabled)
		}
		if o.Scope != "" {
			fmt.Fprintf(w, "  scope:   %s\n", o.Scope)
		}
		fmt.Fprintf(w, "  match:   %s\n", describeMatch(o.Match))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  FIELD\tLABEL\tDIRECTION\t%s\t%s\tREQUIRED\tLOOKUP / REF / TRANSFORM\n", strings.ToUpper(v.PSA), strings.ToUpper(v.Doc))
		for _, f := range o.Fields {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Name, f.Label, arrow(f.Direction),
				describePath(f.PSA), describePath(f.Doc), required(v, f), notes(v, f))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if len(v.Variables) > 0 {
		fmt.Fprintln(w, "\nvariables")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, vr := range v.Variables {
			val := vr.Default
			if vr.Sensitive {
				val = "(sensitive: from the environment only)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", vr.Name, vr.Env, val)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

func arrow(dir string) string {
	switch dir {
	case plan.DirTwoWay:
		return "<->  two_way"
	case plan.DirToDoc:
		return " ->  to_doc"
	case plan.DirToPSA:
		return "<-   to_psa"
	}
	return "     none"
}

func describePath(s showSide) string {
	switch {
	case s.Flag != "":
		return "flag " + s.Flag
	case s.Fetch != "":
		return s.Fetch + " ." + s.Path
	case s.WritePath != "" && s.WritePath != s.Path:
		return s.Path + " (writes " + s.WritePath + ")"
	}
	return s.Path
}

func required(v *showView, f showField) string {
	var out []string
	if f.PSA.RequiredOnCreate {
		out = append(out, v.PSA)
	}
	if f.Doc.RequiredOnCreate {
		out = append(out, v.Doc)
	}
	return strings.Join(out, ", ")
}

func notes(v *showView, f showField) string {
	var out []string
	if f.Ref != "" {
		r := "ref " + f.Ref
		if f.Deferred {
			r += " (deferred)"
		}
		out = append(out, r)
	}
	for _, side := range []struct {
		name string
		s    showSide
	}{{v.PSA, f.PSA}, {v.Doc, f.Doc}} {
		if side.s.Lookup != "" {
			out = append(out, side.name+" lookup "+side.s.Lookup)
		}
		if side.s.ToCanonical != "" || side.s.FromCanonical != "" {
			out = append(out, side.name+" transform")
		}
		if side.s.CreateOnly {
			out = append(out, side.name+" create only")
		}
		if side.s.Access != "" && side.s.Access != plan.FieldBoth {
			out = append(out, side.name+" "+side.s.Access+" only")
		}
	}
	if f.ClearOnDisconnect {
		out = append(out, "cleared on disconnect")
	}
	return strings.Join(out, "; ")
}

func describeMatch(m plan.Match) string {
	var parts []string
	if m.ScopeBy != "" {
		parts = append(parts, "within the same "+m.ScopeBy)
	}
	for _, r := range m.Rules {
		parts = append(parts, fmt.Sprintf("rule %s [%s]", r.Name, strings.Join(r.Keys, ", ")))
	}
	if len(m.Narrow) > 0 {
		parts = append(parts, "narrowed by "+strings.Join(m.Narrow, ", "))
	}
	if m.Tie != "" {
		parts = append(parts, "tie: "+m.Tie)
	}
	return strings.Join(parts, "; ")
}
