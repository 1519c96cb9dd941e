package devserver

import (
	"net"
	"strconv"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite" // importing registers the plugin
	"go.temporal.io/server/common/primitives"
)

const (
	clusterName = "active"
	// storeName is the one datastore used for both the default and the
	// visibility store: one SQLite file, one connection.
	storeName = "sqlite"
)

// sqlConfig is the SQLite datastore for the file at path.
//
// No WAL: in the default rollback-journal mode the whole state is the one
// file whenever no transaction is open, so it can be copied or deleted as a
// unit, and the plugin's single connection (MaxConns 1) has no concurrency
// that WAL would help.
func sqlConfig(path string) *config.SQL {
	return &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		DatabaseName:      path,
		ConnectAddr:       "localhost", // unused by SQLite, required by validation
		ConnectProtocol:   "tcp",
		ConnectAttributes: map[string]string{"mode": "rwc"},
	}
}

// addresses are the gRPC addresses of the four services.
type addresses struct {
	frontend, history, matching, worker string
}

func serviceAddresses(host string, p servicePorts) addresses {
	at := func(port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
	return addresses{frontend: at(p.frontend), history: at(p.history), matching: at(p.matching), worker: at(p.worker)}
}

// staticHosts is the membership of the embedded server: every service runs
// once, in this process, at a known address. Static membership replaces
// ringpop: no gossip ports, no wait to join a ring, and no stale members
// read back from the file after a restart on other ports.
func staticHosts(a addresses) map[primitives.ServiceName]static.Hosts {
	return map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: static.SingleLocalHost(a.frontend),
		primitives.HistoryService:  static.SingleLocalHost(a.history),
		primitives.MatchingService: static.SingleLocalHost(a.matching),
		primitives.WorkerService:   static.SingleLocalHost(a.worker),
	}
}

// serverConfig is the configuration of an embedded server with all four
// services on host and the given ports, persisting to sql.
func serverConfig(host string, p servicePorts, sql *config.SQL) *config.Config {
	a := serviceAddresses(host, p)
	service := func(port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: host}}
	}
	return &config.Config{
		// Global stays empty: no Metrics gives the no-op metrics handler and
		// opens no Prometheus port; PProf port 0 is off; Membership is
		// static (staticHosts).
		Persistence: config.Persistence{
			DefaultStore:     storeName,
			VisibilityStore:  storeName,
			NumHistoryShards: 1, // fixed for the life of the file
			DataStores:       map[string]config.DataStore{storeName: {SQL: sql}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: a.frontend},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": service(p.frontend),
			"history":  service(p.history),
			"matching": service(p.matching),
			"worker":   service(p.worker),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{
			Archival: config.ArchivalNamespaceDefaults{
				History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
				Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
			},
		},
		// The worker service's system workflows reach the frontend through
		// this address.
		PublicClient: config.PublicClient{HostPort: a.frontend},
	}
}
