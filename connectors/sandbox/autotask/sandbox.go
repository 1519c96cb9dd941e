package autotask

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"mapsync/connectors/sandbox/core"
)

// Base is the API path prefix (lower case, as the vendor's examples
// write it; /ATServicesRest/V1.0 and any other casing are accepted).
const Base = "/atservicesrest/v1.0"

// FixtureFormat names the fixture documents DumpFixture writes.
const FixtureFormat = "mapsync-sandbox/autotask/1"

// Default credentials. They belong to the sandbox, not to anyone: printing
// them is fine.
const (
	DefaultUserName        = "sandbox-api@sandbox.example"
	DefaultSecret          = "sandbox-secret"
	DefaultIntegrationCode = "SANDBOXINTEGRATIONCODE00000"
)

// Limits of the real API (see the package doc).
const (
	MaxPageSize       = 500
	DefaultBudget     = 10000
	DefaultThreadsMax = 3
)

// Options configure a Sandbox. The zero value works and has the real
// API's limits.
type Options struct {
	// Credentials accepted; empty fields take the Default* constants.
	UserName, Secret, IntegrationCode string
	// Clock gives the time of writes and of the request budget; nil means
	// time.Now. Times are kept in UTC with millisecond precision.
	Clock func() time.Time
	// Faults are injected by the sandbox/core fault layer (nil: none);
	// FaultSeed seeds its random choices.
	Faults    *core.Faults
	FaultSeed int64
	// Budget is the number of requests the database accepts per rolling
	// BudgetWindow (Autotask: 10,000 per hour, all integrations
	// combined). 0 means 10,000, a negative value no limit; BudgetWindow
	// 0 means one hour.
	Budget       int
	BudgetWindow time.Duration
	// Threads is the number of requests one integration code may have in
	// flight on one entity endpoint (Autotask: 3). 0 means 3, negative
	// no limit.
	Threads int
	// ZoneName is returned by zoneInformation; "" means "Sandbox Zone".
	ZoneName string
}

// Credentials is what a client needs besides the base URL: the three
// headers of every call.
type Credentials struct {
	UserName, Secret, IntegrationCode string
}

// Header sets the authentication headers on h.
func (c Credentials) Header(h http.Header) {
	h.Set("ApiIntegrationCode", c.IntegrationCode)
	h.Set("UserName", c.UserName)
	h.Set("Secret", c.Secret)
}

// Sandbox is an in-memory Autotask PSA REST API. It is safe for
// concurrent use; writes are serialised.
type Sandbox struct {
	opts     Options
	ents     map[string]*entity // by name
	lower    map[string]*entity // by lower-case name
	order    []*entity
	picks    map[string]map[string][]pickValue
	db       *core.DB
	keys     *core.Table
	keyMu    sync.Mutex
	keyIndex map[string]keyEntry
	log      *core.Log
	inj      *core.Injector
	budget   *budget
	threads  *threads
	handler  http.Handler
	writeMu  sync.Mutex
	// hold, when set (tests), runs inside a request after the thread
	// limit admitted it.
	hold func(entity string)
}

type keyEntry struct {
	entity string
	id     int64
}

// New returns an empty sandbox (no records; see Seed and LoadFixture).
func New(o Options) *Sandbox {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.UserName, DefaultUserName)
	def(&o.Secret, DefaultSecret)
	def(&o.IntegrationCode, DefaultIntegrationCode)
	def(&o.ZoneName, "Sandbox Zone")
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Budget == 0 {
		o.Budget = DefaultBudget
	}
	if o.BudgetWindow <= 0 {
		o.BudgetWindow = time.Hour
	}
	if o.Threads == 0 {
		o.Threads = DefaultThreadsMax
	}
	sb := &Sandbox{
		opts:    o,
		ents:    map[string]*entity{},
		lower:   map[string]*entity{},
		picks:   staticPicklists(),
		db:      core.NewDB(),
		log:     core.NewLog(),
		inj:     core.NewInjector(o.FaultSeed, o.Faults),
		budget:  newBudget(o.Budget, o.BudgetWindow, o.Clock),
		threads: newThreads(o.Threads),
	}
	clock := func() time.Time { return o.Clock().UTC().Truncate(time.Millisecond) }
	for _, e := range schema() {
		sb.ents[e.name] = e
		sb.lower[strings.ToLower(e.name)] = e
		sb.order = append(sb.order, e)
		sb.db.Add(e.name, core.NewTable(core.TableOptions{Clock: clock, Stamp: sb.stamp(e), Render: sb.renderFunc(e)}))
	}
	sb.keys = sb.db.Add("_keys", core.NewTable(core.TableOptions{Clock: clock}))
	sb.handler = core.WrapRouter(&router{sb: sb}, core.WrapOptions{Base: Base, Log: sb.log, Faults: sb.inj, ErrorBody: faultBody})
	return sb
}

func (sb *Sandbox) table(name string) *core.Table { return sb.db.Table(name) }

// now is the write time: the clock in UTC, truncated to milliseconds.
func (sb *Sandbox) now() time.Time { return sb.opts.Clock().UTC().Truncate(time.Millisecond) }

// Handler serves the API; mount it at the root of a server so that paths
// start with Base.
func (sb *Sandbox) Handler() http.Handler { return sb.handler }

// Credentials returns the credentials the sandbox accepts.
func (sb *Sandbox) Credentials() Credentials {
	return Credentials{UserName: sb.opts.UserName, Secret: sb.opts.Secret, IntegrationCode: sb.opts.IntegrationCode}
}

// Log returns the request counts so far, per route ("POST
// /ConfigurationItems/query"), per status and per injected fault.
func (sb *Sandbox) Log() core.LogSnapshot { return sb.log.Snapshot() }

// ResetLog sets the request counts back to zero.
func (sb *Sandbox) ResetLog() { sb.log.Reset() }

// SetFaults replaces the injected faults (nil: none).
func (sb *Sandbox) SetFaults(f *core.Faults) { sb.inj.SetFaults(f) }

// ResetBudget forgets every request counted against the hourly threshold.
func (sb *Sandbox) ResetBudget() { sb.budget.reset() }

// Collections returns the entity names Count accepts.
func (sb *Sandbox) Collections() []string {
	out := make([]string, 0, len(sb.order))
	for _, e := range sb.order {
		out = append(out, e.name)
	}
	return out
}

// entity returns the entity with this name, in any casing.
func (sb *Sandbox) entity(name string) *entity { return sb.lower[strings.ToLower(name)] }

// Count returns the number of records of an entity ("ConfigurationItems",
// any casing), or -1 for an unknown name.
func (sb *Sandbox) Count(collection string) int {
	e := sb.entity(collection)
	if e == nil {
		return -1
	}
	return sb.table(e.name).Len()
}

// IDForKey returns the entity and id of the record seeded from an msp
// generator key ("c0042" → Companies, "c0042-cfg-007" →
// ConfigurationItems, "c0042-site-1" → CompanyLocations).
func (sb *Sandbox) IDForKey(key string) (collection string, id int64, ok bool) {
	sb.keyMu.Lock()
	defer sb.keyMu.Unlock()
	if sb.keyIndex == nil {
		sb.keyIndex = map[string]keyEntry{}
		for _, r := range sb.keys.All() {
			k, _ := r.Data["key"].(string)
			c, _ := r.Data["entity"].(string)
			n, _ := asInt(r.Data["rid"])
			sb.keyIndex[k] = keyEntry{c, n}
		}
	}
	e, ok := sb.keyIndex[key]
	return e.entity, e.id, ok
}

func (sb *Sandbox) forgetKeys() {
	sb.keyMu.Lock()
	sb.keyIndex = nil
	sb.keyMu.Unlock()
}

// ChangedSince counts the records of an entity updated after since (zero:
// every record), from the store: no request is made or logged. For a child
// entity (CompanyLocations, Contacts, TicketNotes) it also counts the
// distinct parents holding those records.
func (sb *Sandbox) ChangedSince(collection string, since time.Time) (records, parents int) {
	e := sb.entity(collection)
	if e == nil {
		return 0, 0
	}
	seen := map[int64]bool{}
	for _, r := range sb.table(e.name).All() {
		if !r.Updated.After(since) {
			continue
		}
		records++
		if e.parentField == "" {
			continue
		}
		if p, ok := asInt(r.Data[e.parentField]); ok && !seen[p] {
			seen[p] = true
			parents++
		}
	}
	return records, parents
}

// DumpFixture writes the complete state (every entity, the next ids and
// the generator keys) as JSON. Dump, load and dump again give the same
// bytes.
func (sb *Sandbox) DumpFixture(w io.Writer) error {
	sb.writeMu.Lock()
	defer sb.writeMu.Unlock()
	if err := sb.db.Dump(w, FixtureFormat); err != nil {
		return fmt.Errorf("autotask sandbox: %w", err)
	}
	return nil
}

// LoadFixture replaces the complete state with a fixture DumpFixture wrote.
func (sb *Sandbox) LoadFixture(r io.Reader) error {
	sb.writeMu.Lock()
	defer sb.writeMu.Unlock()
	defer sb.forgetKeys()
	if err := sb.db.Load(r, FixtureFormat); err != nil {
		return fmt.Errorf("autotask sandbox: %w", err)
	}
	return nil
}
