package local

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// psaSandbox is what Systems needs of a PSA sandbox. Each PSA has one
// adapter (psa_<name>.go) that wraps its sandbox package: the store-level
// operations tests and benchmarks use (seeding, faults, logs, counts,
// fixtures, ids by generator key) and the record API of records.go, which
// edits records through the sandbox's HTTP API the way a person would.
type psaSandbox interface {
	// info describes the sandbox for `mapsync sandbox` and help texts.
	info() Sandbox
	seed(d *msp.Dataset) error
	loadFixture(r io.Reader) error
	dumpFixture(w io.Writer) error
	handler() http.Handler
	// serving records where the handler is served (base URL of the
	// server, without the API's path prefix).
	serving(url string)
	// env gives the mapping variables that point the PSA's mapping file
	// at the served sandbox.
	env() map[string]string
	// describe prints how to reach the served sandbox (`mapsync sandbox`);
	// curl is the curl command line prefix to show.
	describe(out io.Writer, curl string)
	setFaults(f *core.Faults)
	resetLog()
	log() core.LogSnapshot
	// id is the id the sandbox gave the record of a generator key.
	id(key string) (string, bool)
	count(collection string) int
	deleteEvery(collection string, n int) int
	// changedSince counts in the store the records of a canonical object
	// updated after since, and for records kept under a parent the
	// distinct parents holding them.
	changedSince(object string, since time.Time) (records, parents int, err error)

	// request sends one request to the API (path below the API base).
	request(ctx context.Context, method, path string, body, out any) error
	listRecords(ctx context.Context, object string) ([]Record, error)
	editRecord(ctx context.Context, object, id string, values map[string]any) error
	createRecord(ctx context.Context, object, org string, values map[string]any) (string, error)
	deleteRecord(ctx context.Context, object, id string) error
	// changeConfiguration sets a new serial number on a configuration.
	changeConfiguration(ctx context.Context, id, serial string) error
}

// psaOptions are what every PSA adapter is built from.
type psaOptions struct {
	Clock func() time.Time
	// Faults and FaultSeed: the sandbox's injected faults (nil: none).
	Faults    *core.Faults
	FaultSeed int64
}

// psaAdapters are the PSA sandboxes Systems can run, by the name of the
// system block of the shipped mapping files each stands in for. The first
// of PSANames is the default.
var psaAdapters = map[string]func(psaOptions) psaSandbox{
	"autotask":     newAutotaskPSA,
	"connectwise":  newConnectWisePSA,
	"kaseya_bms":   newBMSAdapter("kaseya_bms"),
	"pulseway_psa": newBMSAdapter("pulseway_psa"),
	"tigerpaw":     newTigerpawPSA,
}

// PSANames lists the PSA sandboxes Start and Serve can run, the default
// one first.
func PSANames() []string {
	names := make([]string, 0, len(psaAdapters))
	for n := range psaAdapters {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case a == DefaultPSA:
			return -1
		case b == DefaultPSA:
			return 1
		}
		return strings.Compare(a, b)
	})
	return names
}

// DefaultPSA is the PSA sandbox Start runs when Options.PSA is empty.
const DefaultPSA = "connectwise"

// newPSA builds the adapter of a PSA sandbox by name ("" = DefaultPSA).
func newPSA(name string, o psaOptions) (psaSandbox, error) {
	if name == "" {
		name = DefaultPSA
	}
	mk, ok := psaAdapters[name]
	if !ok {
		return nil, fmt.Errorf("sandbox: no PSA sandbox named %q (there are: %s)", name, strings.Join(PSANames(), ", "))
	}
	return mk(o), nil
}

// PSASandboxes describes every PSA sandbox, in PSANames order.
func PSASandboxes() []Sandbox {
	var out []Sandbox
	for _, n := range PSANames() {
		p, _ := newPSA(n, psaOptions{})
		out = append(out, p.info())
	}
	return out
}

// sandboxStore is what every PSA sandbox package's Sandbox offers to its
// adapter: seeding, fixtures, its handler, faults and request log.
type sandboxStore interface {
	Seed(d *msp.Dataset) error
	LoadFixture(r io.Reader) error
	DumpFixture(w io.Writer) error
	Handler() http.Handler
	SetFaults(f *core.Faults)
	ResetLog()
	Log() core.LogSnapshot
}

// served gives an adapter the psaSandbox methods that only pass through
// to its sandbox, and keeps where the sandbox is served (url, without the
// API's path prefix).
type served struct {
	store sandboxStore
	url   string
}

func (s *served) seed(d *msp.Dataset) error     { return s.store.Seed(d) }
func (s *served) loadFixture(r io.Reader) error { return s.store.LoadFixture(r) }
func (s *served) dumpFixture(w io.Writer) error { return s.store.DumpFixture(w) }
func (s *served) handler() http.Handler         { return s.store.Handler() }
func (s *served) serving(url string)            { s.url = url }
func (s *served) setFaults(f *core.Faults)      { s.store.SetFaults(f) }
func (s *served) resetLog()                     { s.store.ResetLog() }
func (s *served) log() core.LogSnapshot         { return s.store.Log() }
