package engine_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mapsync/dsl"
	"mapsync/engine"
	"mapsync/engine/plan"
)

func readDir(t *testing.T, dir, prefix string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no mapping files in %s: %v", dir, err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[prefix+filepath.Base(n)] = b
	}
	return files
}

func compile(t *testing.T, files map[string][]byte) *plan.Plan {
	t.Helper()
	cfg, diags := dsl.LoadFiles(files)
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	p, diags := engine.Compile(cfg)
	if diags.HasErrors() {
		t.Fatalf("compile: %s", diags.Error())
	}
	return p
}

func TestHashIsStable(t *testing.T) {
	base := compile(t, readDir(t, "../mappings", "mappings/"))
	if len(base.Hash) != 64 {
		t.Fatalf("hash %q is not a hex sha256", base.Hash)
	}
	if h, err := engine.Hash(base); err != nil || h != base.Hash {
		t.Fatalf("Hash(plan) = %s, %v; the plan says %s", h, err, base.Hash)
	}
	// The same files, read again many times (map order varies from run to
	// run) and from another directory, give the same plan.
	for i := 0; i < 20; i++ {
		prefix := "mappings/"
		if i%2 == 1 {
			prefix = "/somewhere/else/"
		}
		p := compile(t, readDir(t, "../mappings", prefix))
		if p.Hash != base.Hash {
			t.Fatalf("run %d: hash %s, want %s", i, p.Hash, base.Hash)
		}
	}
	// A change that means something changes the hash.
	files := readDir(t, "../mappings", "mappings/")
	changed := false
	for name, src := range files { // the file of the sync's settings
		if strings.Contains(string(src), `contacts               = true`) {
			files[name] = []byte(strings.Replace(string(src), `contacts               = true`, `contacts               = false`, 1))
			changed = true
		}
	}
	if !changed {
		t.Fatal("no shipped mapping file sets contacts = true")
	}
	if p := compile(t, files); p.Hash == base.Hash {
		t.Fatal("changing a setting must change the hash")
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	p := compile(t, readDir(t, "../mappings", ""))
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back plan.Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if h, err := engine.Hash(&back); err != nil || h != p.Hash {
		t.Fatalf("a plan read back from JSON hashes to %s (%v), want %s", h, err, p.Hash)
	}
}

const stagesSet = `
canonical "organization" {
  field "name" {
    type = "string"
  }
  field "parent" {
    type = "ref"
    ref  = "organization"
  }
  field "hq" {
    type     = "ref"
    ref      = "site"
    deferred = true
  }
}
canonical "site" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "name" {
    type = "string"
  }
}
canonical "device" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "site" {
    type = "ref"
    ref  = "site"
  }
  field "name" {
    type = "string"
  }
  field "notes" {
    type = "string"
  }
  field "serial" {
    type = "string"
  }
}
system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  write    = "json_patch"
  paging "none" {}
  object "organization" {
    list_path = "/orgs"
    field "name" {
      path = "name"
    }
    field "parent" {
      path = "parent.id"
    }
    field "hq" {
      path = "hq.id"
    }
  }
  object "site" {
    list_path = "/orgs/{ref:organization}/sites"
    field "organization" {
      path = "org.id"
    }
    field "name" {
      path = "name"
    }
  }
  object "device" {
    list_path = "/devices"
    field "organization" {
      path = "org.id"
    }
    field "site" {
      path = "site.id"
    }
    field "name" {
      path = "name"
    }
    field "notes" {
      path   = "notes"
      access = "read"
    }
    field "serial" {
      path = "serial"
    }
  }
}
system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "jsonapi"
  paging "none" {}
  object "organization" {
    list_path = "/organizations"
    field "name" {
      path = "attributes.name"
    }
    field "parent" {
      path = "attributes.parent-id"
    }
    field "hq" {
      flag = "attributes.primary"
    }
  }
  object "site" {
    list_path = "/locations"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "name" {
      path = "attributes.name"
    }
  }
  object "device" {
    list_path = "/configurations"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "site" {
      path = "attributes.location-id"
    }
    field "name" {
      path = "attributes.name"
    }
    field "notes" {
      path = "attributes.notes"
    }
    field "serial" {
      path = "attributes.serial-number"
    }
  }
}
sync "pair" {
  psa    = system.psa
  doc    = system.docs
  winner = "psa"
  object "device" {
    winner = "doc"
    field "serial" {
      direction = "to_doc"
      label     = "Serial #"
    }
    match {
      scope_by = "organization"
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "site" {
    match {
      scope_by = "organization"
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "organization" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
`

func TestStagesAndFields(t *testing.T) {
	p := compile(t, map[string][]byte{"set.hcl": []byte(stagesSet)})
	s := p.Syncs[0]
	type stage struct {
		object string
		stage  int
		deps   []string
	}
	var got []stage
	for _, o := range s.Objects {
		got = append(got, stage{o.Object, o.Stage, o.DependsOn})
	}
	want := []stage{{"organization", 0, nil}, {"site", 1, []string{"organization"}}, {"device", 2, []string{"organization", "site"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stages %+v, want %+v (the deferred and the self reference do not order stages)", got, want)
	}
	fields := map[string]plan.FieldSync{}
	for _, f := range s.Objects[2].Fields {
		fields[f.Name] = f
	}
	tests := []struct {
		name, direction, winner, label string
	}{
		{"name", plan.DirTwoWay, "doc", ""},          // the object's winner overrides the sync's
		{"notes", plan.DirToDoc, "doc", ""},          // read-only in the PSA: narrowed to to_doc
		{"serial", plan.DirToDoc, "doc", "Serial #"}, // explicit override and label
		{"site", plan.DirTwoWay, "doc", ""},
	}
	for _, tt := range tests {
		f, ok := fields[tt.name]
		if !ok || f.Direction != tt.direction || f.Winner != tt.winner || f.Label != tt.label {
			t.Errorf("field %s: %+v, want direction %s winner %s label %q", tt.name, f, tt.direction, tt.winner, tt.label)
		}
	}
	if f := fields["site"]; f.Ref != "site" || f.Deferred {
		t.Errorf("device.site: ref %q deferred %v", f.Ref, f.Deferred)
	}
	org := map[string]plan.FieldSync{}
	for _, f := range s.Objects[0].Fields {
		org[f.Name] = f
	}
	if !org["parent"].Deferred || !org["hq"].Deferred {
		t.Errorf("self and deferred references must be marked deferred: %+v", org)
	}
	// Field order is the canonical order, whatever the sync block says.
	var names []string
	for _, f := range s.Objects[2].Fields {
		names = append(names, f.Name)
	}
	if want := []string{"organization", "site", "name", "notes", "serial"}; !reflect.DeepEqual(names, want) {
		t.Errorf("field order %v, want %v", names, want)
	}
}

func TestCompileDefaults(t *testing.T) {
	p := compile(t, map[string][]byte{"set.hcl": []byte(stagesSet)})
	var site plan.Object
	for _, s := range p.Systems {
		for _, o := range s.Objects {
			if s.Name == "psa" && o.Name == "site" {
				site = o
			}
		}
	}
	if site.ItemPath != "/orgs/{ref:organization}/sites/{id}" || site.CreatePath != site.ListPath || site.UpdatePath != site.ItemPath ||
		site.Write != plan.WriteJSONPatch || site.ID != "id" {
		t.Errorf("defaults not applied: %+v", site)
	}
	if site.Fields[0].Range.File != "set.hcl" || site.Fields[0].Range.Line == 0 {
		t.Errorf("ranges are kept for run-time messages: %+v", site.Fields[0].Range)
	}
}

func TestCompileNil(t *testing.T) {
	if _, diags := engine.Compile(nil); !diags.HasErrors() {
		t.Fatal("compiling nothing is an error")
	}
}
