package engine_test

import (
	"testing"

	"mapsync/engine"
	"mapsync/engine/plan"
)

// A sync object without direction gets its PSA object's default
// direction and the create policies it implies; an explicit direction is
// kept. The plan carries what the system offers, and the run's check
// (plan.CheckOffers) accepts the compiled plan.
func TestCompileDefaultDirectionFromTheSystem(t *testing.T) {
	l := engine.LoadDir("../testdata/mappings/valid/psa_rules")
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags.Error())
	}
	p := l.Plan
	dirs := map[string]plan.ObjectSync{}
	for _, s := range p.Syncs {
		for _, o := range s.Objects {
			dirs[s.Name+"/"+o.Object] = o
		}
	}
	for key, want := range map[string]struct {
		dir, createInPSA string
		createInDoc      bool
	}{
		"accounts_one_way/organization":  {plan.DirToDoc, plan.CreateNever, true},   // default_direction
		"accounts_one_way/contact":       {plan.DirToDoc, plan.CreateNever, true},   // the only offer
		"products_two_way/configuration": {plan.DirTwoWay, plan.CreateAlways, true}, // no offers: two_way
	} {
		o, ok := dirs[key]
		if !ok || o.Direction != want.dir || o.CreateInPSA != want.createInPSA || o.CreateInDoc != want.createInDoc {
			t.Errorf("%s: direction %q, create_in_psa %q, create_in_doc %v; want %+v", key, o.Direction, o.CreateInPSA, o.CreateInDoc, want)
		}
	}
	systems := map[string]plan.System{}
	for _, s := range p.Systems {
		systems[s.Name] = s
	}
	for _, o := range systems["one_way_psa"].Objects {
		if len(o.Offers) != 1 || o.Offers[0] != plan.DirToDoc || o.DefaultDirection != plan.DirToDoc {
			t.Errorf("one_way_psa %s: offers %v, default %q", o.Name, o.Offers, o.DefaultDirection)
		}
	}
	for _, s := range p.Syncs {
		if probs := plan.CheckOffers(s, systems[s.PSA], systems[s.Doc]); len(probs) > 0 {
			t.Errorf("sync %s: %+v", s.Name, probs)
		}
	}
}

// A PSA whose two-way sync is off unless the sync turns it on: without
// direction the sync is one-way; a sync asking for two_way gets it.
func TestTwoWayOffUnlessTurnedOn(t *testing.T) {
	const set = `
canonical "contact" {
  field "name" {
    type = "string"
  }
}
system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  write    = "json_patch"
  paging "none" {}
  object "contact" {
    list_path         = "/contacts"
    offers            = ["two_way", "to_doc"]
    default_direction = "to_doc"
    field "name" {
      path               = "name"
      required_on_create = true
    }
  }
}
system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "put"
  paging "none" {}
  object "contact" {
    list_path = "/contacts"
    field "name" {
      path = "name"
    }
  }
}
sync "off" {
  psa = system.psa
  doc = system.docs
  object "contact" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
sync "on" {
  psa = system.psa
  doc = system.docs
  object "contact" {
    direction = "two_way"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
`
	p := compile(t, map[string][]byte{"set.hcl": []byte(set)})
	got := map[string]string{}
	for _, s := range p.Syncs {
		got[s.Name] = s.Objects[0].Direction + "/" + s.Objects[0].CreateInPSA
	}
	if got["off"] != "to_doc/never" || got["on"] != "two_way/confirmed" {
		t.Errorf("directions %v", got)
	}
}
