// Package devserver runs an embedded Temporal server for development and
// demos: all four Temporal services in this process, persistence in one
// SQLite file, and optionally the Temporal Web UI.
//
// It is the only package of mapsync that imports go.temporal.io/server and
// github.com/temporalio/ui-server. Linking them is expensive (minutes on a
// cold build cache, seconds per test binary), so keep those imports here and
// import this package only from the mapsync command and its own tests.
//
// It is built on the public server API only: temporal.NewServer with a
// config.Config, the SQLite persistence plugin, schema/sqlite for the schema
// and the namespaces, and ui-server/v2/server for the Web UI.
package devserver
