//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package controls

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// lock creates path exclusively, waiting up to a minute for another
// holder to remove it.
func lock(path string) (func(), error) {
	deadline := time.Now().Add(time.Minute)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) || time.Now().After(deadline) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
