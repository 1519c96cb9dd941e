package connectors

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"mapsync/engine/plan"
)

// LookupEntry is one row of a lookup table.
type LookupEntry struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Parent string `json:"parent,omitempty"` // the parent lookup's id, for scoped tables
}

// LookupTable maps labels to ids, exactly (no case folding: matching is by
// exact string). Scoped tables (models under manufacturers) key by parent
// too. Safe for concurrent use.
type LookupTable struct {
	Name    string
	Missing string // the plan's missing-value policy
	mu      sync.RWMutex
	entries []LookupEntry
	index   map[string]string
}

func lookupKey(parent, label string) string { return parent + "\x00" + label }

// Add puts an entry in the table; the first entry of a label wins.
func (t *LookupTable) Add(e LookupEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.index == nil {
		t.index = map[string]string{}
	}
	k := lookupKey(e.Parent, e.Label)
	if _, dup := t.index[k]; dup {
		return
	}
	t.index[k] = e.ID
	t.entries = append(t.entries, e)
}

// ID returns the id of a label ("" parent for unscoped tables).
func (t *LookupTable) ID(label, parent string) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id, ok := t.index[lookupKey(parent, label)]
	return id, ok
}

// Entries returns a copy of the rows, in load order.
func (t *LookupTable) Entries() []LookupEntry {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]LookupEntry(nil), t.entries...)
}

// Map returns label -> id for one parent ("" for unscoped tables).
func (t *LookupTable) Map(parent string) map[string]string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	m := map[string]string{}
	for _, e := range t.entries {
		if e.Parent == parent {
			if _, dup := m[e.Label]; !dup {
				m[e.Label] = e.ID
			}
		}
	}
	return m
}

func (c *Client) lookup(name string) (*plan.Lookup, error) {
	l, ok := c.lookups[name]
	if !ok {
		return nil, configError("lookup", "system %q has no lookup %q", c.sys.Name, name)
	}
	return l, nil
}

// Lookup loads a lookup table, all pages. A path holding {parent} is read
// once per row of the parent lookup.
func (c *Client) Lookup(ctx context.Context, name string) (*LookupTable, error) {
	l, err := c.lookup(name)
	if err != nil {
		return nil, err
	}
	t := &LookupTable{Name: l.Name, Missing: l.Missing}
	err = c.eachLookupRow(ctx, l, func(parent string, rec map[string]any) {
		id, _ := Value(rec, orDefault(l.ID, "id"))
		label, _ := Value(rec, l.Label)
		e := LookupEntry{ID: IDString(id), Label: IDString(label), Parent: parent}
		if e.Parent == "" && l.ParentPath != "" {
			if pv, ok := Value(rec, l.ParentPath); ok {
				e.Parent = IDString(pv)
			}
		}
		if e.ID != "" {
			t.Add(e)
		}
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// eachLookupRow reads every row of a lookup, all pages, with the lookup's
// own envelope and paging, and calls each with the row and the id of the
// parent value it was read under ("" unless the path holds {parent}: it is
// then read once per row of the parent lookup).
func (c *Client) eachLookupRow(ctx context.Context, l *plan.Lookup, each func(parent string, rec map[string]any)) error {
	route, err := plan.ParseRoute(l.Path)
	if err != nil {
		return configError("lookup", "lookup %q: %v", l.Name, err)
	}
	type read struct{ path, parent string }
	reads := []read{{path: l.Path}}
	if route.Has(plan.PlaceholderParent) {
		if l.Parent == "" {
			return configError("lookup", "lookup %q has {parent} in its path but no parent", l.Name)
		}
		parents, err := c.Lookup(ctx, l.Parent)
		if err != nil {
			return err
		}
		reads = reads[:0]
		for _, p := range parents.Entries() {
			path, err := route.Fill(plan.RouteValues{Parent: p.ID})
			if err != nil {
				return configError("lookup", "lookup %q: %v", l.Name, err)
			}
			reads = append(reads, read{path, p.ID})
		}
	}
	for _, rd := range reads {
		run := &listRun{c: c, op: "lookup " + l.Name, path: rd.path, route: l.Path, method: http.MethodGet,
			env: c.lookupEnvelope(l), paging: l.Paging, filters: emptyFilters(), size: pageSizeOf(orSystem(l.Paging, c.sys.Paging), 0)}
		var failed error
		run.iterate(ctx, nil, func(p Page, err error) bool {
			if err != nil {
				failed = err
				return false
			}
			for _, rec := range p.Records {
				each(rd.parent, rec)
			}
			return true
		})
		if failed != nil {
			return failed
		}
	}
	return nil
}

// CreateLookupValue creates a missing value (missing = "create") and
// returns its entry. The body is the lookup's create_body with ${label} and
// ${parent} replaced (JSON-escaped).
func (c *Client) CreateLookupValue(ctx context.Context, name, label, parent string) (LookupEntry, error) {
	l, err := c.lookup(name)
	if err != nil {
		return LookupEntry{}, err
	}
	op := "create " + l.Name + " value"
	if l.Missing != plan.MissingCreate || l.CreatePath == "" || l.CreateBody == "" {
		return LookupEntry{}, configError(op, "lookup %q does not declare how to create values", l.Name)
	}
	body := strings.NewReplacer("${label}", jsonEscape(label), "${parent}", jsonEscape(parent)).Replace(l.CreateBody)
	if !json.Valid([]byte(body)) {
		return LookupEntry{}, configError(op, "create_body of lookup %q is not JSON once filled", l.Name)
	}
	path, err := fillRoute(l.CreatePath, "", parent, nil, WriteRecord{})
	if err != nil {
		return LookupEntry{}, configError(op, "lookup %q: %v", l.Name, err)
	}
	u, err := c.url(ctx, path, nil)
	if err != nil {
		return LookupEntry{}, err
	}
	env := c.lookupEnvelope(l)
	cl := call{op: op, method: http.MethodPost, route: l.CreatePath, url: u, body: []byte(body),
		contentType: c.sys.ContentType, create: true, env: env}
	parsed, resp, err := c.expectJSON(ctx, cl)
	if err != nil {
		return LookupEntry{}, err
	}
	e := LookupEntry{Label: label, Parent: parent}
	if v, ok := recordAt(parsed, env.Item); ok {
		if id, ok := Value(v, orDefault(l.ID, "id")); ok {
			e.ID = IDString(id)
		}
	}
	if e.ID == "" && env.CreatedID != "" {
		if id, ok := Value(parsed, env.CreatedID); ok {
			e.ID = IDString(id)
		}
	}
	if e.ID == "" {
		return e, &Error{Op: op, Method: cl.method, Route: cl.route, HTTPStatus: resp.status, Kind: KindAmbiguous,
			Message: "created, but the response carries no id"}
	}
	return e, nil
}

// jsonEscape returns s escaped for use inside a JSON string literal.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
