package local

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/itglue"
	"mapsync/connectors/sandbox/msp"
)

// Sandbox describes one sandbox system `mapsync sandbox` can serve. Name is
// the name of the system block of the shipped mapping files it stands in
// for; the first sandbox of Sandboxes is the primary one (its flags carry
// no prefix).
type Sandbox struct {
	Name  string // system name in the mapping files
	Title string // human name, e.g. for help text
	// Protocol says what the sandbox speaks, for help text.
	Protocol    string
	DefaultAddr string
}

// Sandboxes lists the sandboxes Serve can run, the primary one (the
// default PSA) first.
func Sandboxes() []Sandbox {
	p, _ := newPSA(DefaultPSA, psaOptions{})
	return []Sandbox{
		p.info(),
		{Name: "itglue", Title: "IT Glue", Protocol: "JSON:API", DefaultAddr: "127.0.0.1:8911"},
	}
}

// ServeConfig is what Serve runs with. The maps are keyed by Sandbox.Name.
type ServeConfig struct {
	// PSA names the PSA sandbox to serve (see PSANames; "" = DefaultPSA).
	// Its flags are the primary sandbox's.
	PSA       string
	TLS       bool
	CertFile  string // with TLS: where to write the certificate
	Seed      int64
	Companies int
	Faults    *core.Faults
	FaultSpec string            // Faults as given, printed
	Addr      map[string]string // listen addresses ("" = the default)
	Fixture   map[string]string // fixture file to load instead of generated data
	Dump      map[string]string // where to write the state when stopping
	Skip      map[string]bool   // sandboxes not to run (never the primary one)
}

// Serve runs the sandboxes, prints how to reach them to out and serves
// until ctx ends; then it writes the fixtures asked for.
func Serve(ctx context.Context, cfg ServeConfig, out io.Writer) error {
	psa, err := newPSA(cfg.PSA, psaOptions{Faults: cfg.Faults, FaultSeed: cfg.Seed})
	if err != nil {
		return err
	}
	// The primary sandbox's flags are keyed by the default PSA's name.
	psaName, itgName := Sandboxes()[0].Name, Sandboxes()[1].Name
	addr := func(name string) string {
		if a := cfg.Addr[name]; a != "" {
			return a
		}
		for _, s := range Sandboxes() {
			if s.Name == name {
				return s.DefaultAddr
			}
		}
		return ""
	}
	noITG := cfg.Skip[itgName]
	var d *msp.Dataset
	if cfg.Fixture[psaName] == "" || (!noITG && cfg.Fixture[itgName] == "") {
		d = msp.Generate(msp.Options{Seed: cfg.Seed, Companies: cfg.Companies})
	}
	title := psa.info().Title
	if err := fill(psa.seed, psa.loadFixture, d, cfg.Fixture[psaName]); err != nil {
		return fmt.Errorf("%s sandbox: %w", title, err)
	}
	var itg *itglue.Sandbox
	if !noITG {
		itg = itglue.New(itglue.Options{Faults: cfg.Faults, FaultSeed: cfg.Seed})
		if err := fill(itg.Seed, itg.LoadFixture, d, cfg.Fixture[itgName]); err != nil {
			return fmt.Errorf("it glue sandbox: %w", err)
		}
	}

	serve := core.ServeOptions{TLS: cfg.TLS}
	if cfg.TLS {
		cert, pem, err := core.SelfSignedCert()
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.CertFile, pem, 0o644); err != nil {
			return fmt.Errorf("write certificate: %w", err)
		}
		serve.Certificate, serve.CertPEM = &cert, pem
	}
	var servers []*core.Server
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range servers {
			if err := s.Shutdown(sctx); err != nil {
				s.Close()
			}
		}
	}()
	serve.Addr = addr(psaName)
	psaSrv, err := core.Start(psa.handler(), serve)
	if err != nil {
		return fmt.Errorf("%w (is another sandbox running? pick another port with --addr)", err)
	}
	psa.serving(psaSrv.URL)
	servers = append(servers, psaSrv)
	var itgSrv *core.Server
	if itg != nil {
		serve.Addr = addr(itgName)
		if itgSrv, err = core.Start(itg.Handler(), serve); err != nil {
			return fmt.Errorf("%w (is another sandbox running? pick another port with --%s-addr)", err, itgName)
		}
		servers = append(servers, itgSrv)
	}

	printServe(out, cfg, d, psa, itg, itgSrv)
	<-ctx.Done()
	fmt.Fprintln(out, "stopping")
	if err := dumpTo(cfg.Dump[psaName], psa.dumpFixture); err != nil {
		return fmt.Errorf("%s sandbox: %w", title, err)
	}
	if itg != nil {
		if err := dumpTo(cfg.Dump[itgName], itg.DumpFixture); err != nil {
			return fmt.Errorf("it glue sandbox: %w", err)
		}
	}
	return nil
}

// dumpTo writes a fixture to path ("" = nothing to do).
func dumpTo(path string, dump func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dump fixture: %w", err)
	}
	if err := dump(f); err != nil {
		f.Close()
		return fmt.Errorf("dump fixture %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("dump fixture %s: %w", path, err)
	}
	return nil
}

// fill seeds a sandbox from d, or loads it from a fixture file.
func fill(seed func(*msp.Dataset) error, load func(io.Reader) error, d *msp.Dataset, fixture string) error {
	if fixture == "" {
		return seed(d)
	}
	f, err := os.Open(fixture)
	if err != nil {
		return fmt.Errorf("fixture: %w", err)
	}
	defer f.Close()
	if err := load(f); err != nil {
		return fmt.Errorf("fixture %s: %w", fixture, err)
	}
	return nil
}

func printServe(out io.Writer, cfg ServeConfig, d *msp.Dataset, psa psaSandbox, itg *itglue.Sandbox, itgSrv *core.Server) {
	curl := "curl"
	if cfg.TLS {
		curl = "curl --cacert " + cfg.CertFile
	}
	psa.describe(out, curl)
	if itg != nil {
		ic := itg.Credentials()
		fmt.Fprintf(out, "IT Glue sandbox: %s\n", itgSrv.URL)
		fmt.Fprintf(out, "  %s: %s\n", ic.Header, ic.APIKey)
		fmt.Fprintf(out, "  records:      %d organizations, %d configurations\n", itg.Count("organizations"), itg.Count("configurations"))
		fmt.Fprintf(out, "  try:          %s -g -H '%s: %s' '%s/organizations?page[size]=5'\n", curl, ic.Header, ic.APIKey, itgSrv.URL)
	}
	if cfg.TLS {
		fmt.Fprintf(out, "Certificate: %s (self-signed for 127.0.0.1 and localhost)\n", cfg.CertFile)
	}
	if d != nil {
		fmt.Fprintf(out, "Data: seed %d, %d companies (same seed, same data)\n", cfg.Seed, d.Options.Companies)
	}
	if cfg.FaultSpec != "" {
		fmt.Fprintf(out, "Faults: %s\n", cfg.FaultSpec)
	}
	fmt.Fprintln(out, "Press Ctrl+C to stop.")
}

// ResetLogs empties the request logs of the sandboxes.
func (s *Systems) ResetLogs() {
	s.psa.resetLog()
	s.ITGlue.ResetLog()
}

// Logs returns the request logs of the sandboxes, the PSA's first.
func (s *Systems) Logs() []core.LogSnapshot {
	return []core.LogSnapshot{s.psa.log(), s.ITGlue.Log()}
}

// SetDocFaults sets the faults of the documentation system's sandbox (nil
// lifts them).
func (s *Systems) SetDocFaults(f *core.Faults) { s.ITGlue.SetFaults(f) }

// SetFaults sets the faults of every sandbox (nil lifts them).
func (s *Systems) SetFaults(f *core.Faults) {
	s.psa.setFaults(f)
	s.ITGlue.SetFaults(f)
}

// DumpPSAFixture writes the PSA sandbox's state as a fixture.
func (s *Systems) DumpPSAFixture(w io.Writer) error { return s.psa.dumpFixture(w) }

// DumpDocFixture writes the documentation sandbox's state as a fixture.
func (s *Systems) DumpDocFixture(w io.Writer) error { return s.ITGlue.DumpFixture(w) }

// PSAID returns the id the PSA sandbox gave the record of a data-set key.
func (s *Systems) PSAID(key string) (string, bool) { return s.psa.id(key) }

// DocID returns the id the documentation sandbox gave the record of a
// data-set key.
func (s *Systems) DocID(key string) (string, bool) {
	_, id, ok := s.ITGlue.IDForKey(key)
	return id, ok
}

// DocCount is how many records of a resource type ("organizations") the
// documentation sandbox holds.
func (s *Systems) DocCount(resource string) int { return s.ITGlue.Count(resource) }

// PSADeleteEvery deletes every n-th record of a PSA collection
// ("companies", "configurations") and returns how many it deleted.
func (s *Systems) PSADeleteEvery(collection string, n int) int {
	return s.psa.deleteEvery(collection, n)
}

// PSACount is how many records of a collection the PSA sandbox holds.
func (s *Systems) PSACount(collection string) int { return s.psa.count(collection) }
