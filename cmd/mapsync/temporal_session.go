package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors"
	"mapsync/workflows"
)

// temporalOptions are the flags of the commands that talk to Temporal.
type temporalOptions struct {
	hostPort  string // "" = the embedded server (the one running, or one started here)
	namespace string
	dataDir   string
	// unreachableFor: how long the worker started in this process retries
	// a host it cannot reach before the run stops (0 = the default).
	unreachableFor time.Duration
}

func (o *temporalOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&o.hostPort, "temporal", "", "use the Temporal cluster at `HOST:PORT` (default: the embedded server on 127.0.0.1:7233, started in this process if none is running)")
	f.StringVar(&o.namespace, "namespace", devserver.DefaultNamespace, "Temporal namespace")
	f.StringVar(&o.dataDir, "data-dir", devserver.DefaultDataDir, "mapsync's data directory (plans, results, errors; the embedded server's SQLite file)")
}

// temporalSession is a client, plus whatever this process had to start to
// have a server and a worker.
type temporalSession struct {
	client   client.Client
	server   *devserver.Server // started here; nil when one was running
	worker   *workflows.Worker // started here; nil when another process serves the queue
	acts     *workflows.Activities
	hostPort string
}

// sessionNeeds says what a command needs besides a client.
type sessionNeeds struct {
	worker bool // a worker must serve mapsync's queue (start one here if none does)
	ui     bool // start the Web UI with an embedded server started here
	env    func(string) (string, bool)
}

// openTemporal connects to Temporal: the cluster of --temporal, else the
// embedded server on its default port if one is running (`mapsync dev`,
// `mapsync demo`), else an embedded server started in this process.
func openTemporal(ctx context.Context, o temporalOptions, logger *slog.Logger, needs sessionNeeds) (*temporalSession, error) {
	s := &temporalSession{hostPort: o.hostPort}
	if s.hostPort == "" {
		local := net.JoinHostPort(devserver.DefaultHost, strconv.Itoa(devserver.DefaultPort))
		if listening(local) {
			s.hostPort = local
		} else {
			srv, err := devserver.Start(ctx, devserver.Options{
				DataDir: o.dataDir, Namespace: o.namespace, DisableUI: !needs.ui,
				SearchAttributes: mapsyncSearchAttributes(), Logger: logger,
			})
			if err != nil {
				return nil, fmt.Errorf("starting the embedded Temporal server: %w", err)
			}
			s.server, s.hostPort = srv, srv.HostPort()
		}
	}
	var err error
	s.client, err = connect(ctx, devConfig{temporal: o.hostPort, namespace: o.namespace}, s.hostPort, logger)
	if err != nil {
		s.Close()
		return nil, err
	}
	if !needs.worker {
		return s, nil
	}
	if s.server == nil {
		pollers, err := recentPollers(ctx, s.client, o.namespace)
		if err != nil {
			s.Close()
			return nil, err
		}
		if slices.ContainsFunc(pollers, pollerAlive) {
			return s, nil
		}
	}
	s.acts = workflows.NewActivities(workflows.Config{DataDir: o.dataDir, Env: needs.env, Logger: zerolog.Nop(),
		ConnectorOptions: []connectors.Option{connectors.WithUnreachableFor(o.unreachableFor)}})
	s.worker = workflows.NewWorker(s.client, s.acts)
	if err := s.worker.Start(); err != nil {
		s.worker = nil
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops what this process started: worker, client, server.
func (s *temporalSession) Close() error {
	var errs []error
	if s.worker != nil {
		errs = append(errs, s.worker.Stop())
	}
	if s.client != nil {
		s.client.Close()
	}
	if s.server != nil {
		errs = append(errs, s.server.Stop())
	}
	return errors.Join(errs...)
}

// listening reports whether something accepts TCP connections at addr.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// recentPollers returns the identities of the workers that polled
// mapsync's workflow queue in the last minute.
func recentPollers(ctx context.Context, c client.Client, namespace string) ([]string, error) {
	resp, err := c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: workflows.TaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
	})
	if err != nil {
		return nil, fmt.Errorf("describing task queue %s: %w", workflows.TaskQueue, err)
	}
	var out []string
	for _, p := range resp.GetPollers() {
		if p.GetLastAccessTime() != nil && time.Since(p.GetLastAccessTime().AsTime()) < time.Minute {
			out = append(out, p.GetIdentity())
		}
	}
	return out, nil
}

// pollerAlive tells a live poller from one the server still lists after
// its worker stopped: a worker identity is "pid@host@..."; on this host the
// process must still exist (and not be this process, which has started no
// worker yet). Pollers of other hosts are taken as alive.
func pollerAlive(identity string) bool {
	parts := strings.SplitN(identity, "@", 3)
	if len(parts) < 2 {
		return true
	}
	host, err := os.Hostname()
	pid, perr := strconv.Atoi(parts[0])
	if err != nil || perr != nil || parts[1] != host {
		return true
	}
	if pid == os.Getpid() {
		return false
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	// Signal 0 checks existence; ESRCH comes back as ErrProcessDone.
	return !errors.Is(proc.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// sdkLogger adapts slog for the Temporal SDK.
func sdkLogger(l *slog.Logger) sdklog.Logger { return sdklog.NewStructuredLogger(l) }
