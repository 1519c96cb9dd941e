package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"mapsync/connectors/sandbox/connectwise"
	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/itglue"
	"mapsync/connectors/sandbox/msp"
)

func init() { commands = append(commands, newSandboxCmd) }

// sandboxConfig is what `mapsync sandbox` runs with.
type sandboxConfig struct {
	tls        bool
	seed       int64
	companies  int
	fixture    string // ConnectWise fixture to load instead of generated data
	itgFixture string // IT Glue fixture to load instead of generated data
	faults     string
	addr       string
	itgAddr    string
	noITGlue   bool
	certFile   string
	dump       string // write the ConnectWise state here when stopping
	itgDump    string // write the IT Glue state here when stopping
}

func newSandboxCmd() *cobra.Command {
	var cfg sandboxConfig
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run local ConnectWise Manage and IT Glue APIs seeded with realistic data",
		Long: `sandbox runs local servers that speak the real wire protocols of ConnectWise
Manage (REST 3.0 under /v4_6_release/apis/3.0) and IT Glue (JSON:API), seeded
from one generated MSP data set (or loaded from fixtures), until SIGINT
(Ctrl+C) or SIGTERM. Point mapsync, curl or any third-party client at them.

It prints each base URL, the credentials the sandbox accepts and curl
examples. The credentials are the sandbox's own, made up for it: they are
not secrets of yours, which is why they are printed.

The data set is deterministic: the same --seed and --companies give the same
records. Its deliberate edge cases (duplicate configurations, multi-MAC
strings, records of types and statuses that do not sync, companies that
already exist in IT Glue, ...) are listed in connectors/sandbox/msp/edgecases.go.

Faults make the servers misbehave like real ones: --faults "5xx=0.1,429=0.05"
answers 10% of requests with a 5xx and 5% with 429 + Retry-After; scope them
by route with "GET /company/configurations:5xx=0.2;POST *:timeout_after_commit=0.05".
The full syntax is in the documentation of connectors/sandbox/core.Faults.

Everything binds to 127.0.0.1 unless --addr says otherwise.`,
		Example: `  mapsync sandbox
  mapsync sandbox --tls --seed 7 --companies 1000
  mapsync sandbox --faults "429=0.05,latency=20ms"
  mapsync sandbox --dump-fixture cw.json      # run a sync against it, Ctrl+C
  mapsync sandbox --fixture cw.json --no-itglue   # start again from that state`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.companies < 1 {
				return usageErr("--companies must be at least 1")
			}
			faults, err := core.ParseFaults(cfg.faults)
			if err != nil {
				return usageErr("--faults: %v", err)
			}
			if cfg.noITGlue {
				for _, fl := range []string{"itglue-addr", "itglue-fixture", "itglue-dump-fixture"} {
					if cmd.Flags().Changed(fl) {
						return usageErr("--%s cannot be combined with --no-itglue", fl)
					}
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() { <-ctx.Done(); stop() }()
			if err := runSandbox(ctx, cfg, faults, cmd.OutOrStdout()); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&cfg.tls, "tls", false, "serve HTTPS with a generated self-signed certificate (written to --cert-file)")
	f.Int64Var(&cfg.seed, "seed", 1, "seed of the generated data set (and of the fault choices)")
	f.IntVar(&cfg.companies, "companies", 200, "number of companies to generate (about 25 configurations each)")
	f.StringVar(&cfg.fixture, "fixture", "", "load the ConnectWise sandbox from this fixture `FILE` instead of generated data")
	f.StringVar(&cfg.itgFixture, "itglue-fixture", "", "load the IT Glue sandbox from this fixture `FILE` instead of generated data")
	f.StringVar(&cfg.faults, "faults", "", "inject faults, e.g. \"5xx=0.1,429=0.05,latency=20ms\" (see above)")
	f.StringVar(&cfg.addr, "addr", "127.0.0.1:8910", "listen address of the ConnectWise sandbox (port 0 picks a free port)")
	f.StringVar(&cfg.itgAddr, "itglue-addr", "127.0.0.1:8911", "listen address of the IT Glue sandbox (port 0 picks a free port)")
	f.BoolVar(&cfg.noITGlue, "no-itglue", false, "run only the ConnectWise sandbox")
	f.StringVar(&cfg.dump, "dump-fixture", "", "when stopping, write the ConnectWise sandbox's state to `FILE` (a fixture for --fixture)")
	f.StringVar(&cfg.itgDump, "itglue-dump-fixture", "", "when stopping, write the IT Glue sandbox's state to `FILE` (a fixture for --itglue-fixture)")
	f.StringVar(&cfg.certFile, "cert-file", filepath.Join(os.TempDir(), "mapsync-sandbox.pem"), "with --tls, where to write the certificate (for curl --cacert)")
	return cmd
}

// runSandbox starts the sandboxes, prints how to reach them and serves
// until ctx ends.
func runSandbox(ctx context.Context, cfg sandboxConfig, faults *core.Faults, out io.Writer) error {
	var d *msp.Dataset
	if cfg.fixture == "" || (!cfg.noITGlue && cfg.itgFixture == "") {
		d = msp.Generate(msp.Options{Seed: cfg.seed, Companies: cfg.companies})
	}
	cw := connectwise.New(connectwise.Options{Faults: faults, FaultSeed: cfg.seed})
	if err := fill(cw.Seed, cw.LoadFixture, d, cfg.fixture); err != nil {
		return fmt.Errorf("connectwise sandbox: %w", err)
	}
	var itg *itglue.Sandbox
	if !cfg.noITGlue {
		itg = itglue.New(itglue.Options{Faults: faults, FaultSeed: cfg.seed})
		if err := fill(itg.Seed, itg.LoadFixture, d, cfg.itgFixture); err != nil {
			return fmt.Errorf("it glue sandbox: %w", err)
		}
	}

	serve := core.ServeOptions{TLS: cfg.tls}
	if cfg.tls {
		cert, pem, err := core.SelfSignedCert()
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.certFile, pem, 0o644); err != nil {
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
	serve.Addr = cfg.addr
	cwSrv, err := core.Start(cw.Handler(), serve)
	if err != nil {
		return fmt.Errorf("%w (is another sandbox running? pick another port with --addr)", err)
	}
	servers = append(servers, cwSrv)
	var itgSrv *core.Server
	if itg != nil {
		serve.Addr = cfg.itgAddr
		if itgSrv, err = core.Start(itg.Handler(), serve); err != nil {
			return fmt.Errorf("%w (is another sandbox running? pick another port with --itglue-addr)", err)
		}
		servers = append(servers, itgSrv)
	}

	printSandbox(out, cfg, d, cw, cwSrv, itg, itgSrv)
	<-ctx.Done()
	fmt.Fprintln(out, "stopping")
	if err := dumpTo(cfg.dump, cw.DumpFixture); err != nil {
		return fmt.Errorf("connectwise sandbox: %w", err)
	}
	if itg != nil {
		if err := dumpTo(cfg.itgDump, itg.DumpFixture); err != nil {
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

func printSandbox(out io.Writer, cfg sandboxConfig, d *msp.Dataset, cw *connectwise.Sandbox, cwSrv *core.Server, itg *itglue.Sandbox, itgSrv *core.Server) {
	curl := "curl"
	if cfg.tls {
		curl = "curl --cacert " + cfg.certFile
	}
	c := cw.Credentials()
	cwURL := cwSrv.URL + connectwise.Base
	fmt.Fprintf(out, "ConnectWise Manage sandbox: %s\n", cwURL)
	fmt.Fprintf(out, "  company id:   %s\n  public key:   %s\n  private key:  %s\n  clientId:     %s\n", c.CompanyID, c.PublicKey, c.PrivateKey, c.ClientID)
	fmt.Fprintf(out, "  records:      %d companies, %d configurations, %d contacts, %d tickets\n",
		cw.Count("companies"), cw.Count("configurations"), cw.Count("contacts"), cw.Count("tickets"))
	fmt.Fprintf(out, "  try:          %s -G -u '%s:%s' -H 'clientId: %s' '%s/company/companies' -d pageSize=5 --data-urlencode 'conditions=types/name = \"Customer\"'\n",
		curl, c.Username(), c.PrivateKey, c.ClientID, cwURL)
	if itg != nil {
		ic := itg.Credentials()
		fmt.Fprintf(out, "IT Glue sandbox: %s\n", itgSrv.URL)
		fmt.Fprintf(out, "  %s: %s\n", ic.Header, ic.APIKey)
		fmt.Fprintf(out, "  records:      %d organizations, %d configurations\n", itg.Count("organizations"), itg.Count("configurations"))
		fmt.Fprintf(out, "  try:          %s -g -H '%s: %s' '%s/organizations?page[size]=5'\n", curl, ic.Header, ic.APIKey, itgSrv.URL)
	}
	if cfg.tls {
		fmt.Fprintf(out, "Certificate: %s (self-signed for 127.0.0.1 and localhost)\n", cfg.certFile)
	}
	if d != nil {
		fmt.Fprintf(out, "Data: seed %d, %d companies (same seed, same data)\n", cfg.seed, d.Options.Companies)
	}
	if cfg.faults != "" {
		fmt.Fprintf(out, "Faults: %s\n", cfg.faults)
	}
	fmt.Fprintln(out, "Press Ctrl+C to stop.")
}
