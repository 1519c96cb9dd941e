package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
)

// The benchmark runs the sandboxes and the Temporal server each in a
// process of its own (this binary, re-executed with a hidden subcommand),
// so the bench process's peak RSS is the worker's (and its client's).
// A child prints one line, "ready <address>", and serves until its
// standard input closes (the bench ended or died) or it gets SIGTERM.

// newBenchChildCmds are the hidden subcommands the benchmark starts.
func newBenchChildCmds() []*cobra.Command {
	var so benchSandboxOptions
	sb := &cobra.Command{
		Use: "sandboxes", Hidden: true, Args: cobra.NoArgs,
		Short: "(used by bench sync) serve the seeded sandboxes and an admin endpoint until stdin closes",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveBenchSandboxes(cmd.Context(), so, cmd.OutOrStdout())
		},
	}
	f := sb.Flags()
	f.IntVar(&so.orgs, "orgs", 5000, "companies")
	f.IntVar(&so.configs, "configs", 50000, "configurations")
	f.StringVar(&so.budget, "budget", "", "documentation sandbox budget: off, N/DURATION, or empty for the documented one")

	var dir string
	srv := &cobra.Command{
		Use: "temporal", Hidden: true, Args: cobra.NoArgs,
		Short: "(used by bench sync) serve the embedded Temporal server until stdin closes",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveBenchTemporal(cmd.Context(), dir, cmd.OutOrStdout())
		},
	}
	srv.Flags().StringVar(&dir, "dir", "", "data directory")
	return []*cobra.Command{sb, srv}
}

type benchSandboxOptions struct {
	orgs, configs int
	budget        string
}

// parseBudget reads "off", "" (the documented budget) or N/DURATION
// ("300/30s").
func parseBudget(s string) (n int, window time.Duration, off bool, err error) {
	switch s {
	case "":
		return 0, 0, false, nil
	case "off":
		return 0, 0, true, nil
	}
	a, b, ok := strings.Cut(s, "/")
	if ok {
		n, err = strconv.Atoi(a)
	}
	if ok && err == nil {
		window, err = time.ParseDuration(b)
	}
	if !ok || err != nil || n <= 0 || window <= 0 {
		return 0, 0, false, fmt.Errorf("budget %q: want N/DURATION, e.g. 300/30s", s)
	}
	return n, window, false, nil
}

// untilStdinCloses returns a context canceled when stdin reaches EOF or
// the process gets SIGINT/SIGTERM.
func untilStdinCloses(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	return ctx, stop
}

func serveBenchSandboxes(ctx context.Context, o benchSandboxOptions, out io.Writer) error {
	n, window, off, err := parseBudget(o.budget)
	if err != nil {
		return usageErr("--budget: %v", err)
	}
	if o.orgs <= 0 || o.configs < o.orgs {
		return usageErr("--orgs must be positive and --configs at least --orgs")
	}
	sb, err := local.Start(local.Options{NoBudget: off, Budget: n, BudgetWindow: window, Data: msp.Options{
		Companies: o.orgs, ConfigsPerCo: o.configs / o.orgs, ContactsPerCo: 1, SitesPerCo: 1, TicketsPerCo: -1}})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer sb.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	hs := &http.Server{Handler: sb.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(l) }()
	defer hs.Close()
	ctx, stop := untilStdinCloses(ctx)
	defer stop()
	fmt.Fprintf(out, "ready http://%s\n", l.Addr())
	<-ctx.Done()
	return nil
}

func serveBenchTemporal(ctx context.Context, dir string, out io.Writer) error {
	port, err := freeTCPPort()
	if err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: dir, Port: port, DisableUI: true,
		SearchAttributes: mapsyncSearchAttributes(), Logger: logger})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer srv.Stop()
	ctx, stop := untilStdinCloses(ctx)
	defer stop()
	fmt.Fprintf(out, "ready %s %s\n", srv.HostPort(), srv.Namespace())
	<-ctx.Done()
	return nil
}

// child is a running child process of the benchmark.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error
}

// startChild runs this binary with args and waits for its "ready" line;
// it returns the line's fields after "ready".
func startChild(ctx context.Context, args ...string) (*child, []string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", strings.Join(args, " "), err)
	}
	c := &child{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if strings.HasPrefix(s.Text(), "ready ") {
				lines <- s.Text()
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		c.done <- cmd.Wait()
	}()
	select {
	case line := <-lines:
		return c, strings.Fields(line)[1:], nil
	case err := <-c.done:
		return nil, nil, fmt.Errorf("%s exited before it was ready: %v", strings.Join(args, " "), err)
	case <-ctx.Done():
		c.stop()
		return nil, nil, ctx.Err()
	}
}

// peakRSS is the child's peak resident set size so far.
func (c *child) peakRSS() string { return vmHWM(strconv.Itoa(c.cmd.Process.Pid)) }

// stop closes the child's stdin and waits for it to exit (SIGKILL after
// 30 s).
func (c *child) stop() {
	c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// benchProcs are the benchmark's child processes: the sandboxes and the
// Temporal server.
type benchProcs struct {
	sandboxes, temporal *child
	sb                  *local.Remote
	hostPort, namespace string
}

func startBenchProcs(ctx context.Context, o benchOptions, dir string) (*benchProcs, error) {
	budget := o.budget
	if o.rateLimits == "off" {
		budget = "off"
	}
	p := &benchProcs{}
	sbc, f, err := startChild(ctx, "bench", "sandboxes", "--orgs", strconv.Itoa(o.orgs), "--configs", strconv.Itoa(o.configs), "--budget", budget)
	if err != nil {
		return nil, err
	}
	p.sandboxes = sbc
	if p.sb, err = local.DialRemote(ctx, f[0]); err != nil {
		p.stop()
		return nil, err
	}
	tc, f, err := startChild(ctx, "bench", "temporal", "--dir", dir)
	if err != nil {
		p.stop()
		return nil, err
	}
	if len(f) != 2 {
		tc.stop()
		p.stop()
		return nil, errors.New("bench temporal: unexpected ready line")
	}
	p.temporal, p.hostPort, p.namespace = tc, f[0], f[1]
	return p, nil
}

func (p *benchProcs) stop() {
	for _, c := range []*child{p.temporal, p.sandboxes} {
		if c != nil {
			c.stop()
		}
	}
}
