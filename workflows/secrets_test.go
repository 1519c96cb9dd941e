package workflows

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSecretsDirEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets") // "../NAME" stays in the test's directory
	write := func(sync, name, value string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, sync), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sync, name), []byte(value), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("tenant-a", "API_KEY", "key-a\n")
	write("tenant-b", "API_KEY", "key-b\r\n")
	write("tenant-b", "URL", "https://b.example\n\n")
	write("..", "API_KEY", "outside")
	env := func(name string) (string, bool) {
		if name == "CLIENT_ID" || name == "API_KEY" {
			return "from-env-" + name, true
		}
		return "", false
	}
	lookup := SecretsDirEnv(dir, env)
	for _, tc := range []struct {
		sync, name, want string
		ok               bool
	}{
		{"tenant-a", "API_KEY", "key-a", true},
		{"tenant-b", "API_KEY", "key-b", true},
		{"tenant-b", "URL", "https://b.example\n", true}, // only one trailing newline goes
		{"tenant-a", "URL", "", false},                   // neither a file nor the environment
		{"tenant-a", "CLIENT_ID", "from-env-CLIENT_ID", true},
		{"tenant-c", "API_KEY", "from-env-API_KEY", true}, // no directory: the environment
		{"..", "API_KEY", "from-env-API_KEY", true},       // never outside dir
		{"tenant-a", "../tenant-b/API_KEY", "", false},
	} {
		got, ok := lookup(tc.sync)(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s %s = %q, %v; want %q, %v", tc.sync, tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
