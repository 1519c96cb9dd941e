package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
)

// HostTaskQueue is the worker-specific queue of a worker on this host with
// this data directory. It is stable across restarts, so a worker that comes
// back on the same data directory finds the activities of its runs waiting
// (their DuckDB files are still there); another host or directory gets
// another queue.
func HostTaskQueue(dataDir string) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	sum := sha256.Sum256([]byte(dataDir))
	return TaskQueue + "@" + host + "-" + hex.EncodeToString(sum[:4])
}
