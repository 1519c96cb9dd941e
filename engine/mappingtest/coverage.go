package mappingtest

import (
	"fmt"

	"mapsync/dsl"
	"mapsync/engine/plan"
)

// Coverage lists what the test blocks of a system leave unchecked, one
// line per gap: every field its objects read from records needs a read
// case that expects it; every field a sync writes into the system needs a
// write case whose change (after) holds it; an object a sync writes into
// the system needs a create and an update case. Fields not read from
// records (flags, write-only) need no read case; read-only, fetched and
// flag fields need no write case.
func Coverage(cfg *dsl.Config, p *plan.Plan, systemName string) []string {
	sys, ok := system(p, systemName)
	if !ok {
		return []string{fmt.Sprintf("no system %q", systemName)}
	}
	written := writtenFields(p, systemName)
	var gaps []string
	for _, obj := range sys.Objects {
		read, wrote := map[string]bool{}, map[string]bool{}
		actions := map[string]bool{}
		for _, t := range cfg.Tests {
			if t.System != systemName || t.Object != obj.Name {
				continue
			}
			for _, r := range t.Reads {
				for name := range r.Expect {
					read[name] = true
				}
				for name := range r.ExpectInvalid {
					read[name] = true
				}
			}
			for _, w := range t.Writes {
				actions[w.Action] = true
				for _, c := range w.Changes() {
					for name := range c.After {
						wrote[name] = true
					}
				}
			}
		}
		objWritten := false
		for _, f := range obj.Fields {
			if f.Flag == "" && f.Access != plan.FieldWrite && !read[f.Name] {
				gaps = append(gaps, fmt.Sprintf("%s %s: field %s is read by no read test", systemName, obj.Name, f.Name))
			}
			if !written[obj.Name][f.Name] || f.Access == plan.FieldRead || f.Fetch != "" || f.Flag != "" {
				continue
			}
			objWritten = true
			if !wrote[f.Name] {
				gaps = append(gaps, fmt.Sprintf("%s %s: field %s is written by no write test", systemName, obj.Name, f.Name))
			}
		}
		if objWritten {
			for _, a := range []string{dsl.TestCreate, dsl.TestUpdate} {
				if !actions[a] {
					gaps = append(gaps, fmt.Sprintf("%s %s: no write test with action = %q", systemName, obj.Name, a))
				}
			}
		}
	}
	return gaps
}

// writtenFields lists, per object, the fields some sync writes into the
// system (the fields' resolved directions).
func writtenFields(p *plan.Plan, systemName string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, s := range p.Syncs {
		var into string
		switch systemName {
		case s.PSA:
			into = plan.DirToPSA
		case s.Doc:
			into = plan.DirToDoc
		default:
			continue
		}
		for _, o := range s.Objects {
			for _, f := range o.Fields {
				if f.Direction == plan.DirTwoWay || f.Direction == into {
					if out[o.Object] == nil {
						out[o.Object] = map[string]bool{}
					}
					out[o.Object][f.Name] = true
				}
			}
		}
	}
	return out
}
