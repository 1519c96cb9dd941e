package devserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
)

// Defaults used for zero Options fields.
const (
	DefaultDataDir   = ".mapsync"
	DefaultDBFile    = "temporal.db"
	DefaultHost      = "127.0.0.1"
	DefaultPort      = 7233
	DefaultUIPort    = 8233
	DefaultNamespace = "default"
	// DefaultRetention is how long closed workflows stay visible. SQLite
	// namespaces are created with one day; failed runs should stay
	// inspectable for longer.
	DefaultRetention = 7 * 24 * time.Hour
)

// Options configure Start. The zero value is usable: every zero field takes
// its default.
type Options struct {
	// DataDir holds the SQLite file (DataDir/temporal.db) and its lock file.
	// Created if missing. Default ".mapsync".
	DataDir string
	// Host is the address every listener binds to. Default 127.0.0.1.
	// The embedded server has no authentication: keep it on loopback.
	Host string
	// Port is the frontend gRPC port clients connect to. Default 7233. The
	// internal services take the first free ports above it (seven ports).
	Port int
	// UIPort is the Web UI's HTTP port. Default 8233.
	UIPort int
	// DisableUI starts no Web UI.
	DisableUI bool
	// Namespace is created on every start if missing. Default "default".
	Namespace string
	// ExtraNamespaces are created as well.
	ExtraNamespaces []string
	// Retention is the minimum workflow retention of every namespace above;
	// a namespace with a shorter retention is raised to it on start, a longer
	// one is left alone. Default 7 days.
	Retention time.Duration
	// SearchAttributes are custom search attributes registered on every
	// namespace above (see RegisterSearchAttributes).
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's log records at LogLevel and above.
	// Default: text to stderr.
	Logger *slog.Logger
	// LogLevel is the lowest server log level passed on. Default warn (the
	// server is chatty at info). Once Stop begins only errors pass.
	LogLevel slog.Leveler
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir
	}
	if o.Host == "" {
		o.Host = DefaultHost
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.UIPort == 0 {
		o.UIPort = DefaultUIPort
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.LogLevel == nil {
		o.LogLevel = slog.LevelWarn
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// validate reports every problem with o (after withDefaults).
func (o Options) validate() error {
	var errs []error
	checkPort := func(name string, p int) {
		if p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("%s %d is not a TCP port (1-65535)", name, p))
		}
	}
	// The SQLite plugin builds a "file:PATH?..." URI without escaping PATH.
	if strings.ContainsAny(o.DataDir, "?#%") {
		errs = append(errs, fmt.Errorf("data directory %q contains ?, # or %%, which SQLite would misread", o.DataDir))
	}
	if ip := net.ParseIP(o.Host); ip == nil || ip.IsUnspecified() {
		errs = append(errs, fmt.Errorf("host %q is not a concrete IP address (use 127.0.0.1)", o.Host))
	}
	checkPort("port", o.Port)
	if !o.DisableUI {
		checkPort("UI port", o.UIPort)
		if o.UIPort == o.Port {
			errs = append(errs, fmt.Errorf("UI port and gRPC port are both %d", o.Port))
		}
	}
	if o.Retention < 0 {
		errs = append(errs, fmt.Errorf("retention %s is negative", o.Retention))
	}
	for _, ns := range o.namespaces() {
		if ns == "" {
			errs = append(errs, errors.New("empty namespace name"))
		}
	}
	return errors.Join(errs...)
}

// namespaces returns Namespace and ExtraNamespaces without duplicates.
func (o Options) namespaces() []string {
	seen := map[string]bool{}
	var out []string
	for _, ns := range append([]string{o.Namespace}, o.ExtraNamespaces...) {
		if !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}

// dbPath is the SQLite file's path.
func (o Options) dbPath() string { return filepath.Join(o.DataDir, DefaultDBFile) }
