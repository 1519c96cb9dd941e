package local_test

import (
	"testing"

	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine"
)

// The sandboxes stand in for the systems of the shipped mapping files: each
// is a shipped system with the same title, and the values Start gives are
// exactly the environment variables those mapping files read.
func TestSandboxesMatchTheShippedMappings(t *testing.T) {
	p := engine.MustLoadDir("../../../mappings")
	titles := map[string]string{}
	for _, s := range p.Systems {
		titles[s.Name] = s.Title
	}
	for _, sb := range local.Sandboxes() {
		title, ok := titles[sb.Name]
		if !ok {
			t.Errorf("sandbox %s stands in for no shipped system", sb.Name)
		} else if title != sb.Title {
			t.Errorf("sandbox %s is titled %q, its mapping %q", sb.Name, sb.Title, title)
		}
	}
	// Every PSA sandbox together gives the variables of every shipped file.
	env := map[string]string{}
	for _, psa := range local.PSANames() {
		s, err := local.Start(local.Options{PSA: psa, Data: msp.Options{Companies: 2}})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range s.Env() {
			env[k] = v
		}
		s.Close()
	}
	read := map[string]bool{}
	for _, v := range p.Variables {
		if v.Env == "" {
			continue
		}
		read[v.Env] = true
		if _, ok := env[v.Env]; !ok {
			t.Errorf("the sandboxes give no value for %s (variable %s)", v.Env, v.Name)
		}
	}
	for name := range env {
		if !read[name] {
			t.Errorf("the sandboxes set %s, which no shipped variable reads", name)
		}
	}
}
