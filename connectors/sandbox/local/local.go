// Package local starts the sandbox systems of the shipped mappings in this
// process, seeded with one generated MSP data set, and gives the values of
// the mapping variables that point a sync at them (base URLs and
// credentials). `mapsync plan --sandbox`, the demo and the end-to-end tests
// use it, so the engine runs against the sandboxes exactly as it runs
// against the real services: through the connectors, over HTTP.
package local

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/itglue"
	"mapsync/connectors/sandbox/msp"
)

// Options configure Start. The zero value starts the default PSA sandbox
// and the documentation sandbox with the default data set (200 companies).
type Options struct {
	// PSA names the PSA sandbox to start, by the name of the system block
	// of the shipped mapping files it stands in for (see PSANames); ""
	// is DefaultPSA.
	PSA  string
	Data msp.Options // the generated data set
	// Clock gives the sandboxes' write times; nil means time.Now.
	Clock func() time.Time
	// NoBudget lifts IT Glue's request budget (3000 per 5 minutes), for
	// benchmarks of the engine rather than of the budget.
	NoBudget bool
	// Budget and BudgetWindow replace that budget (e.g. 300 per 30 s, to
	// measure a sync under the budget in minutes); 0 keeps the documented
	// one. NoBudget wins.
	Budget       int
	BudgetWindow time.Duration
}

// Systems is a running PSA sandbox and documentation sandbox.
type Systems struct {
	Data *msp.Dataset
	// ITGlue is the documentation sandbox.
	ITGlue *itglue.Sandbox

	psa                  psaSandbox
	psaServer, itgServer *core.Server
	env                  map[string]string
}

// Start generates the data set, seeds both sandboxes and serves them on
// loopback (plain HTTP on free ports).
func Start(opts Options) (*Systems, error) {
	psa, err := newPSA(opts.PSA, psaOptions{Clock: opts.Clock})
	if err != nil {
		return nil, err
	}
	d := msp.Generate(opts.Data)
	s := &Systems{
		Data:   d,
		psa:    psa,
		ITGlue: itglue.New(itglue.Options{Clock: opts.Clock, Budget: budget(opts), BudgetWindow: opts.BudgetWindow}),
	}
	if err := s.psa.seed(d); err != nil {
		return nil, fmt.Errorf("sandbox: seed %s: %w", psa.info().Title, err)
	}
	if err := s.ITGlue.Seed(d); err != nil {
		return nil, fmt.Errorf("sandbox: seed IT Glue: %w", err)
	}
	if s.psaServer, err = core.Start(s.psa.handler(), core.ServeOptions{}); err != nil {
		return nil, fmt.Errorf("sandbox: start %s: %w", psa.info().Title, err)
	}
	s.psa.serving(s.psaServer.URL)
	if s.itgServer, err = core.Start(s.ITGlue.Handler(), core.ServeOptions{}); err != nil {
		s.psaServer.Close()
		return nil, fmt.Errorf("sandbox: start IT Glue: %w", err)
	}
	itg := s.ITGlue.Credentials()
	// The environment variables the `variable` blocks of the PSA's mapping
	// file and mappings/itglue.hcl read.
	s.env = s.psa.env()
	s.env["ITGLUE_BASE_URL"] = s.itgServer.URL
	s.env["ITGLUE_API_KEY"] = itg.APIKey
	return s, nil
}

// PSA describes the PSA sandbox that runs.
func (s *Systems) PSA() Sandbox { return s.psa.info() }

// Env returns the environment variables that point the mappings at the
// sandboxes, by name.
func (s *Systems) Env() map[string]string { return maps.Clone(s.env) }

// EnvNames lists the variables Env sets, sorted.
func (s *Systems) EnvNames() []string { return slices.Sorted(maps.Keys(s.env)) }

// LookupEnv reads a variable from the sandboxes' values first, then from
// the process environment (lookup, e.g. os.LookupEnv; nil = none). Its
// signature fits connectors.NewResolver.
func (s *Systems) LookupEnv(lookup func(string) (string, bool)) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, ok := s.env[name]; ok {
			return v, true
		}
		if lookup != nil {
			return lookup(name)
		}
		return "", false
	}
}

// Close stops both servers.
func (s *Systems) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range []*core.Server{s.psaServer, s.itgServer} {
		if srv == nil {
			continue
		}
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err, srv.Close())
		}
	}
	return errors.Join(errs...)
}

// budget is IT Glue's request budget: none, the one asked for, or the
// documented one (0).
func budget(o Options) int {
	if o.NoBudget {
		return -1
	}
	return max(o.Budget, 0)
}
