//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package controls

import (
	"fmt"
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on path, waiting for it; the
// kernel drops it if the process dies.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
