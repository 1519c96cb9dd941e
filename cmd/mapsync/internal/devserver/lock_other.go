//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package devserver

// dirLock is a no-op where flock is not available: there, do not point two
// servers at one data directory.
type dirLock struct{}

func lockFile(string) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) release() error { return nil }
