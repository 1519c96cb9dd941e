package records_test

import (
	"context"
	"encoding/json"
	"fmt"
	. "mapsync/engine/records"
	"slices"
	"sync"
	"testing"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/engine"
	"mapsync/engine/plan"
)

// shipped compiles the mapping files of the repository once per test
// binary: the mapper is tested against what it will really run.
var shipped = sync.OnceValues(func() (*plan.Plan, error) {
	l := engine.LoadDir("../../mappings")
	if l.Diags.HasErrors() {
		return nil, fmt.Errorf("mappings: %s", l.Diags.Error())
	}
	// The sync of the default PSA sandbox, and only its two systems.
	p := *l.Plan
	p.Syncs = slices.DeleteFunc(slices.Clone(p.Syncs), func(s plan.Sync) bool { return s.PSA != local.DefaultPSA })
	if len(p.Syncs) != 1 {
		return nil, fmt.Errorf("mappings: %d syncs with psa = system.%s, want 1", len(p.Syncs), local.DefaultPSA)
	}
	p.Systems = slices.DeleteFunc(slices.Clone(p.Systems), func(s plan.System) bool { return s.Name != p.Syncs[0].PSA && s.Name != p.Syncs[0].Doc })
	return &p, nil
})

func shippedPlan(t *testing.T) *plan.Plan {
	t.Helper()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// spec builds the Spec of one object of one side of the shipped sync.
func spec(t *testing.T, role, object string) Spec {
	t.Helper()
	p := shippedPlan(t)
	if len(p.Syncs) == 0 {
		t.Fatal("the shipped mappings have no sync")
	}
	s := p.Syncs[0]
	name := s.PSA
	if role == plan.RoleDoc {
		name = s.Doc
	}
	out := Spec{Object: object, Settings: s.Settings}
	for _, sys := range p.Systems {
		if sys.Name == name {
			out.System = sys
		}
	}
	for _, c := range p.Canonical {
		if c.Name == object {
			out.Canonical = c
		}
	}
	for _, o := range s.Objects {
		if o.Object == object {
			out.Scope, out.ScopeReason = o.Scope, o.ScopeReason
		}
	}
	return out
}

func mapper(t *testing.T, role, object string) *Mapper {
	t.Helper()
	m, err := New(spec(t, role, object))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// decode parses a JSON record the way the connector does.
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test record: %v", err)
	}
	return m
}

// memLookups is an in-memory lookup source: tables by name, and the values
// created through it.
type memLookups struct {
	mu      sync.Mutex
	tables  map[string][]connectors.LookupEntry
	missing map[string]string // name -> policy, as the plan declares
	created []connectors.LookupEntry
	loads   map[string]int
	reject  map[string]bool // labels whose creation the system refuses
	nextID  int
}

func (l *memLookups) Lookup(_ context.Context, name string) (*connectors.LookupTable, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.loads == nil {
		l.loads = map[string]int{}
	}
	l.loads[name]++
	t := &connectors.LookupTable{Name: name, Missing: l.missing[name]}
	for _, e := range l.tables[name] {
		t.Add(e)
	}
	return t, nil
}

func (l *memLookups) CreateLookupValue(_ context.Context, name, label, parent string) (connectors.LookupEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reject[label] {
		return connectors.LookupEntry{}, &connectors.Error{Op: "create " + name + " value", Kind: connectors.KindRejected, HTTPStatus: 422, Message: "name is invalid"}
	}
	l.nextID++
	e := connectors.LookupEntry{ID: fmt.Sprint(9000 + l.nextID), Label: label, Parent: parent}
	l.created = append(l.created, e)
	return e, nil
}
