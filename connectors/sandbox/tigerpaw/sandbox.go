package tigerpaw

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"mapsync/connectors/sandbox/core"
)

// Base is the path prefix of the API (designed; see the package doc).
const Base = "/api/v1"

// FixtureFormat names the fixture documents DumpFixture writes.
const FixtureFormat = "mapsync-sandbox/tigerpaw/1"

// Default credentials: the keys of the sandbox's own account rep. They are
// nobody's secret; printing them is fine.
const (
	DefaultPublicKey  = "tp-sandbox-public-0001"
	DefaultPrivateKey = "tp-sandbox-private-0001"
	DefaultRepName    = "Sandbox API Rep"
)

// Paging limits.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Default rate limit: DefaultRateLimit requests per DefaultRateWindow per
// public key.
const (
	DefaultRateLimit  = 300
	DefaultRateWindow = time.Minute
)

// Collection names (Count, IDForKey, ChangedSince, DeleteEvery).
const (
	Accounts = "accounts"
	Contacts = "contacts"
)

// Options configure a Sandbox. The zero value works.
type Options struct {
	// PublicKey, PrivateKey and RepName are the account rep's; empty
	// fields take the Default* constants.
	PublicKey, PrivateKey, RepName string
	// Clock gives the time of writes and of the rate limit; nil means
	// time.Now. Stored times are UTC, truncated to milliseconds.
	Clock func() time.Time
	// Faults are injected by the sandbox/core fault layer (nil: none);
	// FaultSeed seeds its random choices.
	Faults    *core.Faults
	FaultSeed int64
	// RateLimit is the number of requests one public key may make per
	// RateWindow before 429: 0 means DefaultRateLimit, negative no limit.
	// RateWindow 0 means DefaultRateWindow.
	RateLimit  int
	RateWindow time.Duration
}

// Credentials is what a client needs besides the base URL.
type Credentials struct {
	PublicKey, PrivateKey string
	RepName               string // the rep the keys belong to (not needed to authenticate)
}

// Authorization is the value of the Authorization header.
func (c Credentials) Authorization() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.PublicKey+":"+c.PrivateKey))
}

// Sandbox is an in-memory Tigerpaw. It is safe for concurrent use; writes
// are serialised.
type Sandbox struct {
	opts     Options
	db       *core.DB
	accounts *core.Table
	contacts *core.Table
	keys     *core.Table // generator key → collection and number
	keyMu    sync.Mutex
	keyIndex map[string]keyEntry
	log      *core.Log
	inj      *core.Injector
	limit    *core.RateLimit
	mux      *http.ServeMux
	handler  http.Handler
	writeMu  sync.Mutex
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
	def(&o.PublicKey, DefaultPublicKey)
	def(&o.PrivateKey, DefaultPrivateKey)
	def(&o.RepName, DefaultRepName)
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
		opts:  o,
		db:    core.NewDB(),
		log:   core.NewLog(),
		inj:   core.NewInjector(o.FaultSeed, o.Faults),
		limit: core.NewRateLimit(o.RateLimit, o.RateWindow, o.Clock),
	}
	s.accounts = s.db.Add(Accounts, core.NewTable(core.TableOptions{Clock: o.Clock, Stamp: stamp(accountSchema)}))
	s.contacts = s.db.Add(Contacts, core.NewTable(core.TableOptions{Clock: o.Clock, Stamp: stamp(contactSchema)}))
	s.keys = s.db.Add("_keys", core.NewTable(core.TableOptions{Clock: o.Clock}))
	s.mux = http.NewServeMux()
	s.routes(s.mux)
	s.handler = core.Wrap(s.mux, core.WrapOptions{Base: Base, Log: s.log, Faults: s.inj, ErrorBody: faultBody})
	return s
}

// Handler serves the API; mount it at the root of a server so that paths
// start with Base.
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Credentials returns the credentials the sandbox accepts.
func (s *Sandbox) Credentials() Credentials {
	return Credentials{PublicKey: s.opts.PublicKey, PrivateKey: s.opts.PrivateKey, RepName: s.opts.RepName}
}

// Log returns the request counts so far, per route ("GET
// /accounts/{accountNumber}"), per status and per injected fault.
func (s *Sandbox) Log() core.LogSnapshot { return s.log.Snapshot() }

// ResetLog sets the request counts back to zero and forgets the rate
// limit's windows.
func (s *Sandbox) ResetLog() {
	s.log.Reset()
	s.limit.Reset()
}

// SetFaults replaces the injected faults (nil: none).
func (s *Sandbox) SetFaults(f *core.Faults) { s.inj.SetFaults(f) }

// Collections returns the collection names Count accepts.
func (s *Sandbox) Collections() []string { return []string{Accounts, Contacts} }

func (s *Sandbox) table(collection string) *core.Table {
	switch collection {
	case Accounts:
		return s.accounts
	case Contacts:
		return s.contacts
	}
	return nil
}

// Count returns the number of records of a collection ("accounts",
// "contacts"), or -1 for an unknown name.
func (s *Sandbox) Count(collection string) int {
	t := s.table(collection)
	if t == nil {
		return -1
	}
	return t.Len()
}

// DeleteEvery deletes every n-th record of a collection (the 1st, the
// (n+1)-th, ... in number order), as a user deleting records in the PSA
// would, and returns how many it deleted (-1 for an unknown collection).
// Deleting an account deletes its contacts too (a user removes those
// first; the API itself refuses with 409).
func (s *Sandbox) DeleteEvery(collection string, n int) int {
	t := s.table(collection)
	if t == nil || n < 1 {
		return -1
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	deleted := 0
	for i, rec := range t.All() {
		if i%n != 0 {
			continue
		}
		if collection == Accounts {
			for _, c := range s.contactsOf(rec.ID) {
				s.contacts.Delete(c.ID)
			}
		}
		if t.Delete(rec.ID) {
			deleted++
		}
	}
	return deleted
}

// IDForKey returns the collection and number of the record seeded from an
// msp generator key ("c0042" → accounts, "c0042-ct-03" → contacts).
func (s *Sandbox) IDForKey(key string) (collection string, id int64, ok bool) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.keyIndex == nil {
		s.keyIndex = map[string]keyEntry{}
		for _, r := range s.keys.All() {
			k, _ := r.Data["key"].(string)
			c, _ := r.Data["collection"].(string)
			n, _ := asInt(r.Data["id"])
			s.keyIndex[k] = keyEntry{c, n}
		}
	}
	e, ok := s.keyIndex[key]
	return e.collection, e.id, ok
}

func (s *Sandbox) forgetKeys() {
	s.keyMu.Lock()
	s.keyIndex = nil
	s.keyMu.Unlock()
}

// DumpFixture writes the complete state (accounts, contacts, next numbers
// and generator keys) as JSON. Dump, load and dump again give the same
// bytes.
func (s *Sandbox) DumpFixture(w io.Writer) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.Dump(w, FixtureFormat); err != nil {
		return fmt.Errorf("tigerpaw sandbox: %w", err)
	}
	return nil
}

// LoadFixture replaces the complete state with a fixture DumpFixture wrote.
func (s *Sandbox) LoadFixture(r io.Reader) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.forgetKeys()
	if err := s.db.Load(r, FixtureFormat); err != nil {
		return fmt.Errorf("tigerpaw sandbox: %w", err)
	}
	return nil
}

// ChangedSince counts the records of a collection modified after since
// (zero: every record), from the store: no request is made or logged. For
// contacts it also counts the distinct accounts holding them.
func (s *Sandbox) ChangedSince(collection string, since time.Time) (records, parents int) {
	t := s.table(collection)
	if t == nil {
		return 0, 0
	}
	seen := map[int64]bool{}
	for _, rec := range t.All() {
		if !rec.Updated.After(since) {
			continue
		}
		records++
		if collection == Contacts {
			if a, ok := asInt(rec.Data["AccountNumber"]); ok && !seen[a] {
				seen[a] = true
				parents++
			}
		}
	}
	return records, parents
}

// contactsOf returns the contacts of an account in number order.
func (s *Sandbox) contactsOf(account int64) []*core.Record {
	var out []*core.Record
	for _, c := range s.contacts.All() {
		if a, _ := asInt(c.Data["AccountNumber"]); a == account {
			out = append(out, c)
		}
	}
	return out
}
