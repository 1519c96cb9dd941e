package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

// clusterOptions describe a multi-tenant cluster on this machine: the
// embedded Temporal server in this process, worker processes (`mapsync
// worker`, children of this process) and tenants, each a sync of its own
// (the mapping set with the sync renamed) against its own pair of
// sandboxes (in this process), whose URLs and credentials the workers
// read from a secrets directory.
type clusterOptions struct {
	exe     string   // the mapsync binary the workers run
	exeEnv  []string // added to the workers' environment
	workers int
	tenants int
	plan    *plan.Plan // the mapping set; its one sync is renamed per tenant
	data    msp.Options
	faults  string // sandbox faults (core.ParseFaults), e.g. latency on writes
	// unthrottled lifts the plan's client-side rate limits and the
	// documentation sandbox's request budget (unthrottled, bench sync's
	// --rate-limits off).
	unthrottled bool
	metrics     bool // each worker serves /metrics on a free loopback port
	logger      *slog.Logger
}

// cluster is a running clusterOptions.
type cluster struct {
	root       string
	dataDir    string // shared by every worker
	secretsDir string
	srv        *devserver.Server
	client     client.Client
	namespace  string
	tenants    []*tenant
	workers    []*workerProc
}

// tenant is one sync of the cluster.
type tenant struct {
	sync string
	hash string
	sb   *local.Systems
}

// workerProc is one `mapsync worker` child process.
type workerProc struct {
	name string
	cmd  *exec.Cmd
	// metricsURL is where the worker serves /metrics ("" when off), read
	// from its output by waitReady.
	metricsURL string
	out        *lockedBuffer // stdout and stderr
	done       chan struct{} // closed when the process has exited
	err        error         // its exit, once done
}

const clusterNamespace = "mapsync"

// startCluster starts the server, the tenants' sandboxes and the workers,
// and returns once every worker runs. Close undoes it all.
func startCluster(ctx context.Context, o clusterOptions) (_ *cluster, err error) {
	root, err := os.MkdirTemp("", "mapsync-cluster-")
	if err != nil {
		return nil, err
	}
	cl := &cluster{root: root, dataDir: filepath.Join(root, "data"), secretsDir: filepath.Join(root, "secrets"), namespace: clusterNamespace}
	defer func() {
		if err != nil {
			cl.Close()
		}
	}()
	port, err := freeTCPPort()
	if err != nil {
		return nil, err
	}
	if cl.srv, err = devserver.Start(ctx, devserver.Options{DataDir: filepath.Join(root, "temporal"), Port: port, DisableUI: true,
		Namespace: clusterNamespace, SearchAttributes: mapsyncSearchAttributes(), Logger: o.logger}); err != nil {
		return nil, fmt.Errorf("starting the Temporal server: %w", err)
	}
	if cl.client, err = client.DialContext(ctx, client.Options{HostPort: cl.srv.HostPort(), Namespace: clusterNamespace, Logger: sdkLogger(o.logger)}); err != nil {
		return nil, err
	}
	var faults *core.Faults
	if o.faults != "" {
		if faults, err = core.ParseFaults(o.faults); err != nil {
			return nil, err
		}
	}
	base := o.plan
	if o.unthrottled {
		if base, err = unthrottled(base); err != nil {
			return nil, err
		}
	}
	store := workflows.NewPlanStore(workflows.PlanDir(cl.dataDir))
	for i := range o.tenants {
		t := &tenant{sync: fmt.Sprintf("tenant-%02d", i+1)}
		p, err := renameSync(base, t.sync)
		if err != nil {
			return nil, err
		}
		if t.hash, err = store.Save(p); err != nil {
			return nil, err
		}
		if t.sb, err = local.Start(local.Options{Data: o.data, NoBudget: o.unthrottled}); err != nil {
			return nil, err
		}
		cl.tenants = append(cl.tenants, t)
		if faults != nil {
			t.sb.SetFaults(faults)
		}
		if err := writeSecrets(filepath.Join(cl.secretsDir, t.sync), t.sb.Env()); err != nil {
			return nil, err
		}
	}
	for i := range o.workers {
		w, err := cl.startWorkerProc(o, fmt.Sprintf("w%d", i+1))
		if err != nil {
			return nil, err
		}
		cl.workers = append(cl.workers, w)
	}
	for _, w := range cl.workers {
		if err := w.waitReady(ctx); err != nil {
			return nil, err
		}
	}
	return cl, nil
}

// renameSync returns a copy of p whose one sync is the sync of the default
// PSA sandbox, named name.
func renameSync(p *plan.Plan, name string) (*plan.Plan, error) {
	keep, err := syncOfPSA(p, local.DefaultPSA)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var c plan.Plan
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	c.Syncs = slices.DeleteFunc(c.Syncs, func(s plan.Sync) bool { return s.Name != keep })
	c.Syncs[0].Name, c.Hash = name, ""
	return &c, nil
}

// writeSecrets writes one file per variable, readable by this user only.
func writeSecrets(dir string, env map[string]string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, v := range env {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600); err != nil {
			return err
		}
	}
	return nil
}

func (cl *cluster) startWorkerProc(o clusterOptions, name string) (*workerProc, error) {
	w := &workerProc{name: name, out: &lockedBuffer{}, done: make(chan struct{})}
	w.cmd = exec.Command(o.exe, "worker", "--temporal", cl.srv.HostPort(), "--namespace", cl.namespace,
		"--data-dir", cl.dataDir, "--secrets-dir", cl.secretsDir, "--name", name, "--connect-timeout", "20s")
	if o.metrics {
		w.cmd.Args = append(w.cmd.Args, "--metrics", "127.0.0.1:0")
	}
	w.cmd.Env = append(os.Environ(), o.exeEnv...)
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	w.cmd.SysProcAttr = childProcAttr()
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting worker %s: %w", name, err)
	}
	go func() {
		w.err = w.cmd.Wait()
		close(w.done)
	}()
	return w, nil
}

// waitReady waits until the worker says it runs.
func (w *workerProc) waitReady(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if out := w.out.Bytes(); bytes.Contains(out, []byte("Running;")) {
			if m := metricsLine.FindSubmatch(out); m != nil {
				w.metricsURL = string(m[1])
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("worker %s did not start: %w\n%s", w.name, ctx.Err(), w.out.Bytes())
		case <-w.done:
			return fmt.Errorf("worker %s exited: %v\n%s", w.name, w.err, w.out.Bytes())
		case <-tick.C:
		}
	}
}

var metricsLine = regexp.MustCompile(`(?m)^Metrics: +(http://\S+)$`)

// pid is the worker's process id.
func (w *workerProc) pid() int { return w.cmd.Process.Pid }

// stop sends SIGTERM and waits for a graceful exit (SIGKILL after wait).
func (w *workerProc) stop(wait time.Duration) error {
	select {
	case <-w.done:
		return nil
	default:
	}
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
		return w.err
	case <-time.After(wait):
		_ = w.cmd.Process.Kill()
		<-w.done
		return fmt.Errorf("worker %s did not stop within %s", w.name, wait)
	}
}

// kill ends the worker at once (SIGKILL) and waits for it.
func (w *workerProc) kill() {
	_ = w.cmd.Process.Kill()
	<-w.done
}

// workerByPID returns the worker whose process id is pid.
func (cl *cluster) workerByPID(pid int) *workerProc {
	for _, w := range cl.workers {
		if w.pid() == pid {
			return w
		}
	}
	return nil
}

// start starts a run of every tenant's sync.
func (cl *cluster) start(ctx context.Context, mode string, tuning workflows.Tuning) ([]client.WorkflowRun, error) {
	runs := make([]client.WorkflowRun, len(cl.tenants))
	for i, t := range cl.tenants {
		run, err := startRun(ctx, cl.client, workflows.SyncInput{Sync: t.sync, PlanHash: t.hash, Mode: mode, Tuning: tuning})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.sync, err)
		}
		runs[i] = run
	}
	return runs, nil
}

// wait waits for every run; errs[i] is run i's failure.
func wait(ctx context.Context, runs []client.WorkflowRun) (res []workflows.SyncResult, errs []error) {
	res, errs = make([]workflows.SyncResult, len(runs)), make([]error, len(runs))
	var wg sync.WaitGroup
	for i, run := range runs {
		wg.Go(func() { errs[i] = run.Get(ctx, &res[i]) })
	}
	wg.Wait()
	return res, errs
}

// Close stops the workers (gracefully), the client, the server and the
// sandboxes, and removes the cluster's files.
func (cl *cluster) Close() error {
	var errs []error
	for _, w := range cl.workers {
		errs = append(errs, w.stop(45*time.Second))
	}
	if cl.client != nil {
		cl.client.Close()
	}
	if cl.srv != nil {
		errs = append(errs, cl.srv.Stop())
	}
	for _, t := range cl.tenants {
		errs = append(errs, t.sb.Close())
	}
	errs = append(errs, os.RemoveAll(cl.root))
	return errors.Join(errs...)
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers and readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// lines returns the last n lines of the buffer.
func (b *lockedBuffer) lines(n int) []string {
	var all []string
	sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
	for sc.Scan() {
		all = append(all, sc.Text())
	}
	return all[max(0, len(all)-n):]
}

var _ io.Writer = (*lockedBuffer)(nil)

// identityPID is the process id of a Temporal worker identity
// ("pid@host@...").
func identityPID(identity string) (int, bool) {
	for i := range len(identity) {
		if identity[i] == '@' {
			pid, err := strconv.Atoi(identity[:i])
			return pid, err == nil
		}
	}
	return 0, false
}
