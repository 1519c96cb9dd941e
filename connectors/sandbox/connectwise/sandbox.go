// Package connectwise is a local ConnectWise Manage REST API (3.0) for
// tests, demos and benchmarks: an in-memory server under
// /v4_6_release/apis/3.0 that speaks the real wire protocol closely enough
// for real third-party clients: Basic auth "company+public:private" plus
// the clientId header, the conditions / childConditions / orderBy / fields
// query language, page + pageSize paging with Link headers (and
// forward-only paging with pageId), POST / PUT / RFC 6902 JSON Patch
// PATCH / DELETE, validation errors and ConnectWise-shaped error bodies.
//
// Seed fills it from an msp.Dataset; faults (429 with Retry-After, 5xx,
// latency, lost responses after a committed write) come from sandbox/core.
package connectwise

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"mapsync/connectors/sandbox/core"
)

// Base is the path prefix of the API.
const Base = "/v4_6_release/apis/3.0"

// FixtureFormat names the fixture documents DumpFixture writes.
const FixtureFormat = "mapsync-sandbox/connectwise/1"

// Default credentials. They belong to the sandbox, not to anyone: printing
// them is fine.
const (
	DefaultCompanyID  = "sandbox"
	DefaultPublicKey  = "sandboxpublickey"
	DefaultPrivateKey = "sandboxprivatekey"
	DefaultClientID   = "6d617073-796e-4300-8000-73616e64626f"
)

// MaxPageSize is ConnectWise's hard page-size limit; larger values are
// clamped to it.
const MaxPageSize = 1000

// Options configure a Sandbox. The zero value works.
type Options struct {
	// Credentials accepted; empty fields take the Default* constants.
	CompanyID, PublicKey, PrivateKey, ClientID string
	// Clock gives the time of writes; nil means time.Now.
	Clock func() time.Time
	// Faults are injected by the sandbox/core fault layer (nil: none);
	// FaultSeed seeds its random choices.
	Faults    *core.Faults
	FaultSeed int64
	// APIMember is the member identifier written to _info.enteredBy and
	// updatedBy by API writes; "" means "sandboxapi".
	APIMember string
}

// Credentials is what a client needs besides the base URL.
type Credentials struct {
	CompanyID, PublicKey, PrivateKey, ClientID string
}

// Username is the Basic-auth user name: "company+publicKey".
func (c Credentials) Username() string { return c.CompanyID + "+" + c.PublicKey }

// Authorization is the value of the Authorization header.
func (c Credentials) Authorization() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Username()+":"+c.PrivateKey))
}

// Sandbox is an in-memory ConnectWise Manage. It is safe for concurrent
// use; writes are serialised.
type Sandbox struct {
	opts   Options
	res    []*resource
	byName map[string]*resource
	db     *core.DB
	keys   *core.Table // generator key → resource and id (see IDForKey)
	// ticketConfigs links configurations to tickets (ticketconfigs.go).
	ticketConfigs *core.Table
	keyMu         sync.Mutex
	keyIndex      map[string]keyEntry // built from keys on first use
	log           *core.Log
	inj           *core.Injector
	handler       http.Handler
	mux           *router
	writeMu       sync.Mutex
	cache         queryCache // results of filtered and sorted queries
}

// New returns an empty sandbox (no records; see Seed and LoadFixture).
func New(o Options) *Sandbox {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.CompanyID, DefaultCompanyID)
	def(&o.PublicKey, DefaultPublicKey)
	def(&o.PrivateKey, DefaultPrivateKey)
	def(&o.ClientID, DefaultClientID)
	def(&o.APIMember, "sandboxapi")
	if o.Clock == nil {
		o.Clock = time.Now
	}
	s := &Sandbox{
		opts:   o,
		res:    schema(),
		byName: map[string]*resource{},
		db:     core.NewDB(),
		log:    core.NewLog(),
		inj:    core.NewInjector(o.FaultSeed, o.Faults),
	}
	for _, r := range s.res {
		r.table = s.db.Add(r.name, core.NewTable(core.TableOptions{Clock: o.Clock, Stamp: s.stamp, Render: s.renderFunc(r)}))
		s.byName[r.name] = r
	}
	s.keys = s.db.Add("_keys", core.NewTable(core.TableOptions{Clock: o.Clock}))
	s.ticketConfigs = s.db.Add(ticketConfigsTable, core.NewTable(core.TableOptions{Clock: o.Clock}))
	s.mux = &router{}
	s.routes(s.mux)
	s.handler = core.WrapRouter(s.mux, core.WrapOptions{Base: Base, Log: s.log, Faults: s.inj, ErrorBody: faultBody})
	return s
}

// Handler serves the API; mount it at the root of a server so that paths
// start with Base.
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Credentials returns the credentials the sandbox accepts.
func (s *Sandbox) Credentials() Credentials {
	return Credentials{CompanyID: s.opts.CompanyID, PublicKey: s.opts.PublicKey, PrivateKey: s.opts.PrivateKey, ClientID: s.opts.ClientID}
}

// Log returns the request counts so far, per route ("GET
// /company/configurations/{id}"), per status and per injected fault.
func (s *Sandbox) Log() core.LogSnapshot { return s.log.Snapshot() }

// ResetLog sets the request counts back to zero.
func (s *Sandbox) ResetLog() { s.log.Reset() }

// SetFaults replaces the injected faults (nil: none).
func (s *Sandbox) SetFaults(f *core.Faults) { s.inj.SetFaults(f) }

// Count returns the number of records of a collection ("configurations",
// "companies", "sites", "contacts", "tickets", "ticketNotes", ...), or -1
// for an unknown name.
func (s *Sandbox) Count(collection string) int {
	r := s.byName[collection]
	if r == nil {
		return -1
	}
	return r.table.Len()
}

// DeleteEvery deletes every n-th record of a collection (the 1st, the
// (n+1)-th, ... in id order), as a user deleting records in the PSA would,
// and returns how many it deleted (-1 for an unknown collection).
func (s *Sandbox) DeleteEvery(collection string, n int) int {
	r := s.byName[collection]
	if r == nil || n < 1 {
		return -1
	}
	deleted := 0
	for i, rec := range r.table.All() {
		if i%n == 0 && r.table.Delete(rec.ID) {
			deleted++
		}
	}
	return deleted
}

// Collections returns the collection names Count accepts.
func (s *Sandbox) Collections() []string {
	out := make([]string, 0, len(s.res))
	for _, r := range s.res {
		out = append(out, r.name)
	}
	return out
}

// IDForKey returns the collection and id of the record seeded from an msp
// generator key ("c0042" → companies, "c0042-cfg-007" → configurations).
func (s *Sandbox) IDForKey(key string) (collection string, id int64, ok bool) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.keyIndex == nil {
		s.keyIndex = map[string]keyEntry{}
		for _, r := range s.keys.All() {
			k, _ := r.Data["key"].(string)
			c, _ := r.Data["collection"].(string)
			n, _ := asNumber(r.Data["rid"])
			s.keyIndex[k] = keyEntry{c, int64(n)}
		}
	}
	e, ok := s.keyIndex[key]
	return e.collection, e.id, ok
}

type keyEntry struct {
	collection string
	id         int64
}

// forgetKeys drops the key index after the keys table changed.
func (s *Sandbox) forgetKeys() {
	s.keyMu.Lock()
	s.keyIndex = nil
	s.keyMu.Unlock()
}

// DumpFixture writes the complete state (every collection, the next ids
// and the generator keys) as JSON. Dump, load and dump again give the same
// bytes.
func (s *Sandbox) DumpFixture(w io.Writer) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.Dump(w, FixtureFormat); err != nil {
		return fmt.Errorf("connectwise sandbox: %w", err)
	}
	return nil
}

// LoadFixture replaces the complete state with a fixture DumpFixture wrote.
func (s *Sandbox) LoadFixture(r io.Reader) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.forgetKeys()
	if err := s.db.Load(r, FixtureFormat); err != nil {
		return fmt.Errorf("connectwise sandbox: %w", err)
	}
	return nil
}

// now is the write time: the clock in UTC.
func (s *Sandbox) now() time.Time { return s.opts.Clock().UTC() }

// ChangedSince counts the records of a collection updated after since
// (zero: every record), from the store: no request is made or logged. For
// a nested collection (sites) it also counts the distinct parents holding
// those records.
func (s *Sandbox) ChangedSince(collection string, since time.Time) (records, parents int) {
	r := s.byName[collection]
	if r == nil {
		return 0, 0
	}
	seen := map[any]bool{}
	for _, rec := range r.table.All() {
		if !rec.Updated.After(since) {
			continue
		}
		records++
		if r.parentField == "" {
			continue
		}
		parent := rec.Data[r.parentField]
		if ref, ok := parent.(map[string]any); ok {
			parent = ref["id"]
		}
		if parent != nil && !seen[parent] {
			seen[parent] = true
			parents++
		}
	}
	return records, parents
}
