package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/local"
)

func init() { commands = append(commands, newSandboxCmd) }

// sandboxFlag names a per-sandbox flag: the primary sandbox's flags carry
// no prefix (--addr), the others' carry the sandbox's name (--NAME-addr).
func sandboxFlag(i int, sb local.Sandbox, flag string) string {
	if i == 0 {
		return flag
	}
	return sb.Name + "-" + flag
}

func newSandboxCmd() *cobra.Command {
	sandboxes := local.Sandboxes()
	var (
		cfg       local.ServeConfig
		addr      = make([]string, len(sandboxes))
		fixture   = make([]string, len(sandboxes))
		dump      = make([]string, len(sandboxes))
		skip      = make([]bool, len(sandboxes))
		titles    []string
		protocols []string
	)
	var psaTitles, psaProtocols []string
	for _, sb := range local.PSASandboxes() {
		psaTitles = append(psaTitles, sb.Title)
		psaProtocols = append(psaProtocols, fmt.Sprintf("  --psa %-14s %s: %s", sb.Name, sb.Title, sb.Protocol))
	}
	for _, sb := range sandboxes[1:] {
		titles = append(titles, sb.Title)
		protocols = append(protocols, fmt.Sprintf("%s (%s)", sb.Title, sb.Protocol))
	}
	var examples strings.Builder
	examples.WriteString("  mapsync sandbox\n  mapsync sandbox --tls --seed 7 --companies 1000\n  mapsync sandbox --faults \"429=0.05,latency=20ms\"\n")
	examples.WriteString("  mapsync sandbox --dump-fixture state.json      # run a sync against it, Ctrl+C\n")
	if len(sandboxes) > 1 {
		fmt.Fprintf(&examples, "  mapsync sandbox --fixture state.json --no-%s   # start again from that state", sandboxes[1].Name)
	} else {
		examples.WriteString("  mapsync sandbox --fixture state.json   # start again from that state")
	}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local PSA API (" + strings.Join(psaTitles, ", ") + ") and " + joinAnd(titles) + " seeded with realistic data",
		Long: `sandbox runs local servers that speak the real wire protocols of one PSA,
chosen with --psa:

` + strings.Join(psaProtocols, "\n") + `

and of ` + joinAnd(protocols) + `, seeded from one generated MSP data set
(or loaded from fixtures), until
SIGINT (Ctrl+C) or SIGTERM. Point mapsync, curl or any third-party client at
them. They stand in for the systems of the shipped mapping files.

It prints each base URL, the credentials the sandbox accepts and curl
examples. The credentials are the sandbox's own, made up for it: they are
not secrets of yours, which is why they are printed.

The data set is deterministic: the same --seed and --companies give the same
records. Its deliberate edge cases (duplicate configurations, multi-MAC
strings, records of types and statuses that do not sync, companies that
already exist in the documentation system, ...) are listed in
connectors/sandbox/msp/edgecases.go.

Faults make the servers misbehave like real ones: --faults "5xx=0.1,429=0.05"
answers 10% of requests with a 5xx and 5% with 429 + Retry-After; scope them
by route with "GET /company/configurations:5xx=0.2;POST *:timeout_after_commit=0.05".
The full syntax is in the documentation of connectors/sandbox/core.Faults.

Everything binds to 127.0.0.1 unless --addr says otherwise.`,
		Example: examples.String(),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(local.PSANames(), cfg.PSA) {
				return usageErr("--psa %q: there is no such PSA sandbox (there are: %s)", cfg.PSA, strings.Join(local.PSANames(), ", "))
			}
			if cfg.Companies < 1 {
				return usageErr("--companies must be at least 1")
			}
			faults, err := core.ParseFaults(cfg.FaultSpec)
			if err != nil {
				return usageErr("--faults: %v", err)
			}
			cfg.Faults = faults
			cfg.Addr, cfg.Fixture, cfg.Dump, cfg.Skip = map[string]string{}, map[string]string{}, map[string]string{}, map[string]bool{}
			for i, sb := range sandboxes {
				cfg.Addr[sb.Name], cfg.Fixture[sb.Name], cfg.Dump[sb.Name] = addr[i], fixture[i], dump[i]
				if !skip[i] {
					continue
				}
				cfg.Skip[sb.Name] = true
				for _, fl := range []string{"addr", "fixture", "dump-fixture"} {
					if name := sandboxFlag(i, sb, fl); cmd.Flags().Changed(name) {
						return usageErr("--%s cannot be combined with --no-%s", name, sb.Name)
					}
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() { <-ctx.Done(); stop() }()
			if err := local.Serve(ctx, cfg, cmd.OutOrStdout()); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.PSA, "psa", local.DefaultPSA, "the PSA sandbox to run: "+strings.Join(local.PSANames(), ", ")+" (the flags without a prefix are its)")
	f.BoolVar(&cfg.TLS, "tls", false, "serve HTTPS with a generated self-signed certificate (written to --cert-file)")
	f.Int64Var(&cfg.Seed, "seed", 1, "seed of the generated data set (and of the fault choices)")
	f.IntVar(&cfg.Companies, "companies", 200, "number of companies to generate (about 25 configurations each)")
	f.StringVar(&cfg.FaultSpec, "faults", "", "inject faults, e.g. \"5xx=0.1,429=0.05,latency=20ms\" (see above)")
	for i, sb := range sandboxes {
		f.StringVar(&fixture[i], sandboxFlag(i, sb, "fixture"), "", "load the "+sb.Title+" sandbox from this fixture `FILE` instead of generated data")
		f.StringVar(&addr[i], sandboxFlag(i, sb, "addr"), sb.DefaultAddr, "listen address of the "+sb.Title+" sandbox (port 0 picks a free port)")
		f.StringVar(&dump[i], sandboxFlag(i, sb, "dump-fixture"), "", "when stopping, write the "+sb.Title+" sandbox's state to `FILE` (a fixture for --"+sandboxFlag(i, sb, "fixture")+")")
		if i > 0 {
			f.BoolVar(&skip[i], "no-"+sb.Name, false, "do not run the "+sb.Title+" sandbox")
		}
	}
	f.StringVar(&cfg.CertFile, "cert-file", filepath.Join(os.TempDir(), "mapsync-sandbox.pem"), "with --tls, where to write the certificate (for curl --cacert)")
	return cmd
}

// joinAnd joins words as prose: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
