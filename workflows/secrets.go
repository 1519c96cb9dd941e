package workflows

import (
	"os"
	"path/filepath"
	"strings"
)

// SecretsDirEnv returns a per-sync lookup (Config.SyncEnv) for a worker
// that serves many tenants: the variable whose environment name is NAME,
// for sync S, is the content of the file dir/S/NAME (one trailing newline
// removed), and, when that file does not exist, env(NAME) (the worker's
// own environment: what every tenant shares, e.g. a ConnectWise client
// id). A sync or variable name that is not a plain file name (empty, ".",
// "..", or holding a path separator) is never looked up in dir.
func SecretsDirEnv(dir string, env func(string) (string, bool)) func(sync string) func(string) (string, bool) {
	if env == nil {
		env = os.LookupEnv
	}
	return func(sync string) func(string) (string, bool) {
		return func(name string) (string, bool) {
			if plainName(sync) && plainName(name) {
				b, err := os.ReadFile(filepath.Join(dir, sync, name))
				if err == nil {
					s := strings.TrimSuffix(string(b), "\n")
					return strings.TrimSuffix(s, "\r"), true
				}
			}
			return env(name)
		}
	}
}

func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`+"\x00")
}
