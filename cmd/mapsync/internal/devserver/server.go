package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/temporal"
)

// Server is a running embedded Temporal server.
type Server struct {
	temporal  temporal.Server
	ui        *webUI // nil when the UI is off
	logger    *serverLogger
	lock      *dirLock
	hostPort  string
	namespace string
	dbPath    string

	stopOnce sync.Once
	stopErr  error
}

// Start starts an embedded Temporal server as configured by opts and
// returns once the frontend serves requests, every namespace exists with at
// least the configured retention and search attributes, and the Web UI
// (unless disabled) answers. ctx bounds the start only; the server runs
// until Stop.
//
// The state lives in DataDir/temporal.db; a new file gets the schema, an
// existing one is reused as it is, so workflow histories survive restarts.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("embedded Temporal options: %w", err)
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", opts.DataDir, err)
	}
	opts.DataDir = dataDir
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	lock, err := lockFile(filepath.Join(dataDir, "temporal.lock"))
	if err != nil {
		return nil, err
	}
	s, err := start(ctx, opts, lock)
	if err != nil {
		_ = lock.release()
		return nil, err
	}
	return s, nil
}

// start does Start's work once the data directory is locked.
func start(ctx context.Context, opts Options, lock *dirLock) (*Server, error) {
	var avoid []int
	if !opts.DisableUI {
		// Checked before anything starts: ui-server exits the process when
		// its port is taken.
		if err := checkPortFree(opts.Host, opts.UIPort); err != nil {
			return nil, fmt.Errorf("web UI port %d: %w", opts.UIPort, err)
		}
		avoid = append(avoid, opts.UIPort)
	}
	ports, err := choosePorts(opts.Host, opts.Port, avoid...)
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal ports: %w", err)
	}

	sql := sqlConfig(opts.dbPath())
	if err := prepareDB(sql, opts.dbPath(), opts.namespaces(), opts.Retention, opts.SearchAttributes); err != nil {
		return nil, err
	}

	logger := newServerLogger(opts.Logger, opts.LogLevel)
	cfg := serverConfig(opts.Host, ports, sql)
	srv, err := temporal.NewServer(
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithConfig(cfg),
		temporal.WithStaticHosts(staticHosts(serviceAddresses(opts.Host, ports))),
		temporal.WithLogger(logger),
	)
	if err != nil {
		return nil, fmt.Errorf("creating the embedded Temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		logger.silence()
		_ = srv.Stop()
		return nil, fmt.Errorf("starting the embedded Temporal server: %w", err)
	}
	s := &Server{
		temporal:  srv,
		logger:    logger,
		lock:      lock,
		hostPort:  cfg.PublicClient.HostPort,
		namespace: opts.Namespace,
		dbPath:    opts.dbPath(),
	}
	if err := s.configureNamespaces(ctx, opts); err != nil {
		_ = s.stopServices()
		return nil, err
	}
	if !opts.DisableUI {
		s.ui, err = startUI(ctx, opts.Host, opts.UIPort, s.hostPort, opts.Namespace)
		if err != nil {
			_ = s.stopServices()
			return nil, err
		}
	}
	return s, nil
}

// configureNamespaces raises retention and registers search attributes on
// every namespace through the running frontend.
func (s *Server) configureNamespaces(ctx context.Context, opts Options) error {
	c, err := client.DialContext(ctx, client.Options{
		HostPort: s.hostPort,
		Logger:   sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		return fmt.Errorf("connecting to the embedded Temporal server at %s: %w", s.hostPort, err)
	}
	defer c.Close()
	for _, ns := range opts.namespaces() {
		if err := ensureRetention(ctx, c, ns, opts.Retention); err != nil {
			return err
		}
		if err := RegisterSearchAttributes(ctx, c, ns, opts.SearchAttributes); err != nil {
			return err
		}
	}
	return nil
}

// HostPort is the frontend's gRPC address, for client.Options.HostPort.
func (s *Server) HostPort() string { return s.hostPort }

// UIURL is the Web UI's address, or "" when the UI is off.
func (s *Server) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return s.ui.url
}

// Namespace is the main namespace (Options.Namespace).
func (s *Server) Namespace() string { return s.namespace }

// DBPath is the SQLite file holding the server's state.
func (s *Server) DBPath() string { return s.dbPath }

// Stop stops the Web UI, then the server, and releases the data directory.
// Stop workers and close clients first. Only errors are logged from here
// on. Calling Stop again returns the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.ui != nil {
			s.ui.stop()
		}
		s.stopErr = errors.Join(s.stopServices(), s.lock.release())
	})
	return s.stopErr
}

// stopServices stops the Temporal services, logging only errors.
func (s *Server) stopServices() error {
	s.logger.silence()
	if err := s.temporal.Stop(); err != nil {
		return fmt.Errorf("stopping the embedded Temporal server: %w", err)
	}
	return nil
}
