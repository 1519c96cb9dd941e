package bms

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"mapsync/connectors/sandbox/core"
)

// Base is the path prefix of every route.
const Base = "/v2"

// FixtureFormat names the fixture documents DumpFixture writes (both
// flavors: the data model is the same).
const FixtureFormat = "mapsync-sandbox/bms/1"

// Flavor selects which product the sandbox presents itself as. The API
// surface is the same for both (an inference, see the package doc); only
// names differ.
type Flavor string

const (
	// FlavorBMS is Kaseya BMS (the default).
	FlavorBMS Flavor = "bms"
	// FlavorPulseway is Pulseway PSA.
	FlavorPulseway Flavor = "pulseway"
)

// Product is the product name of the flavor.
func (f Flavor) Product() string {
	if f == FlavorPulseway {
		return "Pulseway PSA"
	}
	return "Kaseya BMS"
}

// DefaultHost is the production API host of the flavor, for documentation
// and the token issuer claim (the sandbox itself listens on loopback).
func (f Flavor) DefaultHost() string {
	if f == FlavorPulseway {
		return "psa.pulseway.com"
	}
	return "api.bms.kaseya.com"
}

// DefaultTenant is the tenant (company) name the flavor accepts by default.
func (f Flavor) DefaultTenant() string {
	if f == FlavorPulseway {
		return "sandbox-psa"
	}
	return "sandbox-bms"
}

// Default credentials. They belong to the sandbox, not to anyone: printing
// them is fine.
const (
	DefaultUserName     = "api.employee@sandbox.example"
	DefaultPassword     = "sandbox-password"
	DefaultClientID     = "sandbox-client"
	DefaultClientSecret = "sandbox-client-secret"
)

// Paging and rate-limit defaults (designed; see the package doc).
const (
	DefaultPageSize  = 25
	MaxPageSize      = 100
	DefaultRateLimit = 1500
)

// Options configure a Sandbox. The zero value works.
type Options struct {
	// Flavor picks the product (default FlavorBMS).
	Flavor Flavor
	// Credentials accepted; empty fields take the defaults (Tenant: the
	// flavor's DefaultTenant).
	Tenant, UserName, Password, ClientID, ClientSecret string
	// Clock gives the time of writes, token expiry and the rate-limit
	// window; nil means time.Now.
	Clock func() time.Time
	// TokenLifetime is how long an access token is valid (default 1h);
	// RefreshLifetime how long a refresh token is (default 7 days).
	TokenLifetime, RefreshLifetime time.Duration
	// RateLimit is the number of calls per RateWindow per endpoint
	// (method and route); 0 means DefaultRateLimit, negative switches the
	// limit off. RateWindow defaults to one hour.
	RateLimit  int
	RateWindow time.Duration
	// MaxPageSize caps PageSize (default MaxPageSize).
	MaxPageSize int
	// Faults are injected by the sandbox/core fault layer (nil: none);
	// FaultSeed seeds its random choices.
	Faults    *core.Faults
	FaultSeed int64
}

// Credentials is what a client needs besides the base URL.
type Credentials struct {
	Product                                            string
	Tenant, UserName, Password, ClientID, ClientSecret string
}

// Sandbox is an in-memory Kaseya BMS / Pulseway PSA API 2.0. It is safe
// for concurrent use; writes are serialised.
type Sandbox struct {
	opts    Options
	db      *core.DB
	res     map[string]*resource // by collection name
	order   []string             // collection names in declaration order
	keys    *core.Table          // generator key → collection and id
	keyMu   sync.Mutex
	keyIdx  map[string]keyEntry
	log     *core.Log
	inj     *core.Injector
	auth    *authority
	limiter *limiter
	mux     *router
	handler http.Handler
	writeMu sync.Mutex
	// lifetime, when not 0, replaces Options.TokenLifetime for the tokens
	// issued from now on (SetTokenLifetime).
	lifetime atomic.Int64
	locIdx   struct { // locations by account (see locationsOf)
		mu      sync.Mutex
		version uint64
		by      map[int64][]*core.Record
	}
}

type keyEntry struct {
	collection string
	id         int64
}

// New returns an empty sandbox (no records; see Seed and LoadFixture).
func New(o Options) *Sandbox {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	if o.Flavor == "" {
		o.Flavor = FlavorBMS
	}
	def(&o.Tenant, o.Flavor.DefaultTenant())
	def(&o.UserName, DefaultUserName)
	def(&o.Password, DefaultPassword)
	def(&o.ClientID, DefaultClientID)
	def(&o.ClientSecret, DefaultClientSecret)
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Hour
	}
	if o.RefreshLifetime <= 0 {
		o.RefreshLifetime = 7 * 24 * time.Hour
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateWindow <= 0 {
		o.RateWindow = time.Hour
	}
	if o.MaxPageSize <= 0 {
		o.MaxPageSize = MaxPageSize
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s := &Sandbox{
		opts:    o,
		db:      core.NewDB(),
		res:     map[string]*resource{},
		log:     core.NewLog(),
		inj:     core.NewInjector(o.FaultSeed, o.Faults),
		auth:    newAuthority(key),
		limiter: newLimiter(),
	}
	for _, r := range s.schema() {
		r.table = s.db.Add(r.name, core.NewTable(core.TableOptions{Clock: o.Clock}))
		s.res[r.name] = r
		s.order = append(s.order, r.name)
	}
	s.keys = s.db.Add("_keys", core.NewTable(core.TableOptions{Clock: o.Clock}))
	s.mux = &router{}
	s.routes()
	s.handler = core.WrapRouter(s.mux, core.WrapOptions{Base: Base, Log: s.log, Faults: s.inj, ErrorBody: faultBody})
	return s
}

// SetTokenLifetime changes how long the access tokens issued from now on
// are valid (d <= 0: back to Options.TokenLifetime), for tests whose tokens
// must expire in the middle of a run. Tokens already issued keep theirs.
func (s *Sandbox) SetTokenLifetime(d time.Duration) { s.lifetime.Store(int64(max(d, 0))) }

// tokenLifetime is the lifetime of a token issued now.
func (s *Sandbox) tokenLifetime() time.Duration {
	if d := time.Duration(s.lifetime.Load()); d > 0 {
		return d
	}
	return s.opts.TokenLifetime
}

// Flavor returns the product the sandbox presents itself as.
func (s *Sandbox) Flavor() Flavor { return s.opts.Flavor }

// Handler serves the API; mount it at the root of a server so that paths
// start with Base.
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Credentials returns the credentials the sandbox accepts.
func (s *Sandbox) Credentials() Credentials {
	o := s.opts
	return Credentials{Product: o.Flavor.Product(), Tenant: o.Tenant, UserName: o.UserName, Password: o.Password, ClientID: o.ClientID, ClientSecret: o.ClientSecret}
}

// Log returns the request counts so far, per route ("GET
// /crm/accounts/summary"), per status and per injected fault.
func (s *Sandbox) Log() core.LogSnapshot { return s.log.Snapshot() }

// ResetLog sets the request counts back to zero (the rate-limit windows
// are kept; see ResetRateLimit).
func (s *Sandbox) ResetLog() { s.log.Reset() }

// ResetRateLimit forgets every endpoint's call count.
func (s *Sandbox) ResetRateLimit() { s.limiter.reset() }

// SetFaults replaces the injected faults (nil: none).
func (s *Sandbox) SetFaults(f *core.Faults) { s.inj.SetFaults(f) }

// Collections returns the collection names Count accepts.
func (s *Sandbox) Collections() []string { return append([]string(nil), s.order...) }

// Count returns the number of records of a collection ("accounts",
// "locations", "contacts", "hardwareassets", "tickets", "ticketnotes",
// or a lookup such as "statuses"), or -1 for an unknown name.
func (s *Sandbox) Count(collection string) int {
	r := s.res[collection]
	if r == nil {
		return -1
	}
	return r.table.Len()
}

// DeleteEvery deletes every n-th record of a collection (the 1st, the
// (n+1)-th, ... in id order), as a user deleting records in the product
// would, and returns how many it deleted (-1 for an unknown collection or
// n < 1). Deleting tickets deletes their notes.
func (s *Sandbox) DeleteEvery(collection string, n int) int {
	r := s.res[collection]
	if r == nil || n < 1 {
		return -1
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	deleted := 0
	for i, rec := range r.table.All() {
		if i%n == 0 && s.remove(r, rec.ID) {
			deleted++
		}
	}
	return deleted
}

// remove deletes one record (a ticket with its notes); writeMu is held.
func (s *Sandbox) remove(r *resource, id int64) bool {
	if !r.table.Delete(id) {
		return false
	}
	if r.name == "tickets" {
		notes := s.res["ticketnotes"].table
		for _, n := range notes.All() {
			if intOf(n.Data, "TicketId") == id {
				notes.Delete(n.ID)
			}
		}
	}
	return true
}

// IDForKey returns the collection and id of the record seeded from an msp
// generator key ("c0042" → accounts, "c0042-cfg-007" → hardwareassets).
func (s *Sandbox) IDForKey(key string) (collection string, id int64, ok bool) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.keyIdx == nil {
		s.keyIdx = map[string]keyEntry{}
		for _, r := range s.keys.All() {
			k, _ := r.Data["key"].(string)
			c, _ := r.Data["collection"].(string)
			n, _ := toInt(r.Data["rid"])
			s.keyIdx[k] = keyEntry{c, n}
		}
	}
	e, ok := s.keyIdx[key]
	return e.collection, e.id, ok
}

func (s *Sandbox) forgetKeys() {
	s.keyMu.Lock()
	s.keyIdx = nil
	s.keyMu.Unlock()
}

// ChangedSince counts the records of a collection modified after since
// (zero: every record), from the store: no request is made or logged. For
// locations it also counts the distinct accounts holding them, for notes
// the distinct tickets.
func (s *Sandbox) ChangedSince(collection string, since time.Time) (records, parents int) {
	r := s.res[collection]
	if r == nil {
		return 0, 0
	}
	seen := map[int64]bool{}
	for _, rec := range r.table.All() {
		if !rec.Updated.After(since) {
			continue
		}
		records++
		if r.parentField == "" {
			continue
		}
		if p, ok := toInt(rec.Data[r.parentField]); ok && !seen[p] {
			seen[p] = true
			parents++
		}
	}
	return records, parents
}

// DumpFixture writes the complete state (every collection, the next ids
// and the generator keys) as JSON. Dump, load and dump again give the same
// bytes. Tokens are not part of it.
func (s *Sandbox) DumpFixture(w io.Writer) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.Dump(w, FixtureFormat); err != nil {
		return fmt.Errorf("bms sandbox: %w", err)
	}
	return nil
}

// LoadFixture replaces the complete state with a fixture DumpFixture wrote.
func (s *Sandbox) LoadFixture(r io.Reader) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.forgetKeys()
	if err := s.db.Load(r, FixtureFormat); err != nil {
		return fmt.Errorf("bms sandbox: %w", err)
	}
	return nil
}

// now is the write time: the clock in UTC.
func (s *Sandbox) now() time.Time { return s.opts.Clock().UTC() }
