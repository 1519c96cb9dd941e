//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package devserver

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// dirLock is an exclusive advisory lock on a file in the data directory:
// two servers on one SQLite file would both claim its history shard.
// The kernel drops it if the process dies.
type dirLock struct{ f *os.File }

func lockFile(path string) (*dirLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is locked: another mapsync dev (or embedded server) uses this data directory", path)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return &dirLock{f: f}, nil
}

func (l *dirLock) release() error {
	// Closing the descriptor releases the lock.
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("releasing lock %s: %w", l.f.Name(), err)
	}
	return nil
}
