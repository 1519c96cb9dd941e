package connectsecure

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"mapsync/connectors/sandbox/core"
)

// Base is the path prefix of the API (designed).
const Base = "/api/v1"

// TokenPath is the token route under Base.
const TokenPath = "/oauth/token"

// FixtureFormat names the fixture documents DumpFixture writes.
const FixtureFormat = "mapsync-sandbox/connectsecure/1"

// Default client credentials of the sandbox; nobody's secret.
const (
	DefaultClientID     = "cs-sandbox-client-0001"
	DefaultClientSecret = "cs-sandbox-secret-0001"
)

// Defaults of the options.
const (
	DefaultTokenLifetime = time.Hour
	DefaultPageSize      = 50
	MaxPageSize          = 500
	DefaultRateLimit     = 600
	DefaultRateWindow    = time.Minute
)

// Collection names (Count, IDForKey, ChangedSince).
const (
	Companies = "companies"
	Assets    = "assets"
	Events    = "events"
)

// Event categories.
const (
	CatSystemChanges = "System Changes"
	CatProblems      = "Problems"
	CatSolutions     = "Solutions"
	CatAzureADAudit  = "Azure AD Audit"
	CatAzureADError  = "Azure AD Error"
	CatADAudit       = "AD Audit"
)

// Categories lists the event categories in a fixed order.
var Categories = []string{CatSystemChanges, CatProblems, CatSolutions, CatAzureADAudit, CatAzureADError, CatADAudit}

// Statuses of events and assets.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
	StatusActive   = "active"
	StatusInactive = "inactive"
)

// Options configure a Sandbox. The zero value works.
type Options struct {
	ClientID, ClientSecret string // empty: the Default* constants
	// TokenLifetime is how long an issued token is accepted (0: an hour).
	TokenLifetime time.Duration
	// Clock gives the time of writes, tokens and the rate limit (nil:
	// time.Now); stored times are UTC truncated to milliseconds.
	Clock func() time.Time
	// Faults are injected by the core fault layer; FaultSeed seeds it.
	Faults    *core.Faults
	FaultSeed int64
	// RateLimit requests per RateWindow (0: defaults; negative: no limit).
	RateLimit  int
	RateWindow time.Duration
}

// Credentials is what a client needs besides the base URL.
type Credentials struct {
	ClientID, ClientSecret string
	TokenURL               string // path of the token route, relative to the server root
}

// Sandbox is an in-memory scanner API, safe for concurrent use.
type Sandbox struct {
	opts      Options
	db        *core.DB
	companies *core.Table
	assets    *core.Table
	events    *core.Table
	keys      *core.Table
	log       *core.Log
	inj       *core.Injector
	limit     *core.RateLimit
	mux       *http.ServeMux
	handler   http.Handler
	writeMu   sync.Mutex
	tokMu     sync.Mutex
	tokens    map[string]time.Time // token → expiry
}

// New returns an empty sandbox (see Seed and LoadFixture).
func New(o Options) *Sandbox {
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateWindow <= 0 {
		o.RateWindow = DefaultRateWindow
	}
	clock := o.Clock
	o.Clock = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	s := &Sandbox{
		opts:   o,
		db:     core.NewDB(),
		log:    core.NewLog(),
		inj:    core.NewInjector(o.FaultSeed, o.Faults),
		limit:  core.NewRateLimit(o.RateLimit, o.RateWindow, o.Clock),
		tokens: map[string]time.Time{},
	}
	st := core.TableOptions{Clock: o.Clock, Stamp: stamp}
	s.companies = s.db.Add(Companies, core.NewTable(st))
	s.assets = s.db.Add(Assets, core.NewTable(st))
	s.events = s.db.Add(Events, core.NewTable(st))
	s.keys = s.db.Add("_keys", core.NewTable(core.TableOptions{Clock: o.Clock}))
	s.mux = http.NewServeMux()
	s.routes(s.mux)
	s.handler = core.Wrap(s.mux, core.WrapOptions{Base: Base, Log: s.log, Faults: s.inj, ErrorBody: faultBody})
	return s
}

// stamp writes the system fields of every stored record.
func stamp(r *core.Record) {
	r.Data["id"] = r.ID
	r.Data["created"] = fmtTime(r.Created)
	r.Data["updated"] = fmtTime(r.Updated)
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Handler serves the API; paths start with Base.
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Credentials returns the client credentials the sandbox accepts.
func (s *Sandbox) Credentials() Credentials {
	return Credentials{ClientID: s.opts.ClientID, ClientSecret: s.opts.ClientSecret, TokenURL: Base + TokenPath}
}

// Log returns the request counts so far.
func (s *Sandbox) Log() core.LogSnapshot { return s.log.Snapshot() }

// ResetLog zeroes the request counts and forgets the rate-limit windows.
func (s *Sandbox) ResetLog() {
	s.log.Reset()
	s.limit.Reset()
}

// SetFaults replaces the injected faults (nil: none).
func (s *Sandbox) SetFaults(f *core.Faults) { s.inj.SetFaults(f) }

// Collections returns the names Count accepts.
func (s *Sandbox) Collections() []string { return []string{Companies, Assets, Events} }

func (s *Sandbox) table(c string) *core.Table {
	switch c {
	case Companies:
		return s.companies
	case Assets:
		return s.assets
	case Events:
		return s.events
	}
	return nil
}

// Count returns the number of records of a collection, -1 if unknown.
func (s *Sandbox) Count(collection string) int {
	t := s.table(collection)
	if t == nil {
		return -1
	}
	return t.Len()
}

// ChangedSince counts the records of a collection updated after since
// (zero: all), from the store; no request is made.
func (s *Sandbox) ChangedSince(collection string, since time.Time) int {
	t := s.table(collection)
	if t == nil {
		return 0
	}
	n := 0
	for _, r := range t.All() {
		if r.Updated.After(since) {
			n++
		}
	}
	return n
}

// IDForKey returns the collection and id of the record seeded from an msp
// generator key (a company key or a configuration key).
func (s *Sandbox) IDForKey(key string) (collection string, id int64, ok bool) {
	for _, r := range s.keys.All() {
		if r.Data["key"] == key {
			c, _ := r.Data["collection"].(string)
			n, _ := asInt(r.Data["id"])
			return c, n, true
		}
	}
	return "", 0, false
}

// Get returns a copy of a record's data.
func (s *Sandbox) Get(collection string, id int64) (map[string]any, bool) {
	t := s.table(collection)
	if t == nil {
		return nil, false
	}
	r, ok := t.Get(id)
	if !ok {
		return nil, false
	}
	return core.DeepCopy(r.Data), true
}

// DumpFixture writes the complete state as JSON (tokens are not part of
// it). Dump, load and dump again give the same bytes.
func (s *Sandbox) DumpFixture(w io.Writer) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.Dump(w, FixtureFormat); err != nil {
		return fmt.Errorf("connectsecure sandbox: %w", err)
	}
	return nil
}

// LoadFixture replaces the complete state with a fixture DumpFixture wrote.
func (s *Sandbox) LoadFixture(r io.Reader) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.Load(r, FixtureFormat); err != nil {
		return fmt.Errorf("connectsecure sandbox: %w", err)
	}
	return nil
}
