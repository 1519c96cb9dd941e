package itglue

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"mapsync/connectors/sandbox/core"
)

// DefaultAPIKey is the key the sandbox accepts when Options.APIKey is empty.
const DefaultAPIKey = "ITG.sandbox-0000000000000000"

// APIKeyHeader is the header IT Glue reads the API key from.
const APIKeyHeader = "x-api-key"

// Options configure a Sandbox. The zero value is a working sandbox with
// IT Glue's documented limits.
type Options struct {
	// APIKey is the only key accepted; "" means DefaultAPIKey.
	APIKey string
	// Clock gives the time of writes and of the request budget; nil means
	// time.Now. Times are stored in UTC with millisecond precision.
	Clock func() time.Time
	// Faults are injected by the sandbox/core fault layer (nil: none);
	// FaultSeed seeds its random choices.
	Faults    *core.Faults
	FaultSeed int64
	// Budget is the number of requests one API key may make per
	// BudgetWindow before getting 429 (IT Glue: 3000 per 5 minutes).
	// 0 means 3000, a negative value no limit. BudgetWindow 0 means 5m.
	Budget       int
	BudgetWindow time.Duration
	// EnforcePSARestrictions makes records linked to IT Glue's own PSA
	// integration (see LinkPSA) read-only the way IT Glue makes them:
	// organizations accept only alert, description and quick-notes,
	// configurations only archived, asset-tag, notes, purchased-at,
	// restricted, serial-number, warranty-expires-at and the mitp-* dates,
	// contacts and locations nothing. Off by default: the engine is the
	// sync.
	EnforcePSARestrictions bool
	// AcceptPlainJSON also accepts Content-Type application/json on
	// writes (default: only application/vnd.api+json, else 415).
	AcceptPlainJSON bool
	// IgnoreUnknownAttributes drops attributes the resource does not have
	// (default: 422 pointing at the attribute).
	IgnoreUnknownAttributes bool
	// MaxDateFilterRange rejects filter[created_at] / filter[updated_at]
	// ranges longer than this (IT Glue: "may be disallowed" beyond a
	// week); 0 means unlimited.
	MaxDateFilterRange time.Duration
	// ResourceURLBase prefixes configurations' resource-url; "" means
	// "https://sandbox.itglue.com".
	ResourceURLBase string
}

// Sandbox is an in-memory IT Glue speaking the JSON:API wire protocol of
// api.itglue.com. It is safe for concurrent use.
type Sandbox struct {
	opts    Options
	sc      *schema
	st      *store
	log     *core.Log
	inj     *core.Injector
	budget  *budget
	handler http.Handler
}

// Credentials is what a client needs besides the base URL.
type Credentials struct {
	Header string // "x-api-key"
	APIKey string
}

// New returns an empty sandbox (no records; see Seed and LoadFixture).
func New(o Options) *Sandbox {
	if o.APIKey == "" {
		o.APIKey = DefaultAPIKey
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Budget == 0 {
		o.Budget = 3000
	}
	if o.BudgetWindow <= 0 {
		o.BudgetWindow = 5 * time.Minute
	}
	if o.ResourceURLBase == "" {
		o.ResourceURLBase = "https://sandbox.itglue.com"
	}
	sc, err := newSchema(o.ResourceURLBase)
	if err != nil {
		panic(fmt.Sprintf("itglue sandbox: %v", err)) // a programming error in the resource declarations
	}
	s := &Sandbox{
		opts:   o,
		sc:     sc,
		st:     newStore(sc),
		log:    core.NewLog(),
		inj:    core.NewInjector(o.FaultSeed, o.Faults),
		budget: newBudget(o.Budget, o.BudgetWindow, o.Clock),
	}
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = core.Wrap(mux, core.WrapOptions{Log: s.log, Faults: s.inj, ErrorBody: errorBody})
	return s
}

// Handler serves the API at the root of the URL space, like
// https://api.itglue.com: /organizations, /configurations, ...
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Credentials returns the API key the sandbox accepts.
func (s *Sandbox) Credentials() Credentials {
	return Credentials{Header: APIKeyHeader, APIKey: s.opts.APIKey}
}

// Log returns the request counts so far, per route ("GET
// /configurations/{id}"), per status and per injected fault.
func (s *Sandbox) Log() core.LogSnapshot { return s.log.Snapshot() }

// ResetLog sets the request counts back to zero.
func (s *Sandbox) ResetLog() { s.log.Reset() }

// SetFaults replaces the injected faults (nil: none).
func (s *Sandbox) SetFaults(f *core.Faults) { s.inj.SetFaults(f) }

// ResetBudget forgets every request counted against the budget.
func (s *Sandbox) ResetBudget() { s.budget.reset() }

// now is the write time: the clock in UTC, truncated to milliseconds.
func (s *Sandbox) now() time.Time { return s.opts.Clock().UTC().Truncate(time.Millisecond) }

// Count returns the number of records of a resource type ("configurations").
func (s *Sandbox) Count(typ string) int {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	if t := s.st.table(typ); t != nil {
		return len(t.recs)
	}
	return 0
}

// IDForKey returns the resource type and id of the record seeded from an
// msp generator key ("c0042", "c0042-cfg-007").
func (s *Sandbox) IDForKey(key string) (typ, id string, ok bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	k, ok := s.st.keys[key]
	if !ok {
		return "", "", false
	}
	return k.typ, idString(k.id), true
}

// LinkPSA marks a record as synced by IT Glue's own PSA integration: it
// then renders psa-integration, is found by filter[psa_id] +
// filter[psa_integration_type], and (with EnforcePSARestrictions) becomes
// read-only as in IT Glue. integrationType is one of manage, autotask,
// tigerpaw, kaseya-bms, pulseway-psa, vorex; "" removes the link.
func (s *Sandbox) LinkPSA(typ, id, integrationType, psaID string) error {
	res := s.sc.get(typ)
	if res == nil || !res.psaLinked {
		return fmt.Errorf("itglue sandbox: link %s %s: %s records cannot be PSA-synced", typ, id, typ)
	}
	if integrationType != "" && !psaTypes[integrationType] {
		return fmt.Errorf("itglue sandbox: link %s %s: unknown integration type %q", typ, id, integrationType)
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("itglue sandbox: link %s %q: %w", typ, id, err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	r := s.st.get(typ, n)
	if r == nil {
		return fmt.Errorf("itglue sandbox: link %s %s: no such record", typ, id)
	}
	if integrationType == "" {
		psaID = ""
	}
	r.psaType, r.psaID = integrationType, psaID
	r.cache.Store(nil)
	s.st.touched(s.st.table(typ))
	return nil
}

// ChangedSince counts the records of a resource type updated after since
// (zero: every record), from the store: no request is made or logged.
func (s *Sandbox) ChangedSince(typ string, since time.Time) int {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	t := s.st.table(typ)
	if t == nil {
		return 0
	}
	n := 0
	for _, r := range t.recs {
		if r.updated.After(since) {
			n++
		}
	}
	return n
}
