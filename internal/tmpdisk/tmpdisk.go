// Package tmpdisk mounts a small tmpfs that tests and the fault suite fill
// and empty, to see what the server does when its disk is full and when
// space returns. Mounting needs root (or CAP_SYS_ADMIN).
package tmpdisk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Disk is a mounted tmpfs.
type Disk struct {
	Dir string // the mount point
}

// ballast is the file Fill writes and Free removes.
const ballast = ".ballast"

// Mount mounts a tmpfs of size bytes at dir, which must exist.
func Mount(dir string, size int64) (*Disk, error) {
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		return nil, fmt.Errorf("tmpdisk: mount tmpfs at %s: %w", dir, err)
	}
	return &Disk{Dir: dir}, nil
}

// Fill writes to a ballast file until the disk has no room left.
func (d *Disk) Fill() error {
	f, err := os.OpenFile(filepath.Join(d.Dir, ballast), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("tmpdisk: %w", err)
	}
	defer f.Close()
	for _, chunk := range []int{1 << 20, 64 << 10, 4 << 10, 512, 1} {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					return fmt.Errorf("tmpdisk: fill: %w", err)
				}
				break
			}
		}
	}
	return nil
}

// Free removes the ballast: the space Fill took is back.
func (d *Disk) Free() error {
	if err := os.Remove(filepath.Join(d.Dir, ballast)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("tmpdisk: %w", err)
	}
	return nil
}

// Unmount unmounts the tmpfs; what it held is gone.
func (d *Disk) Unmount() error {
	if err := syscall.Unmount(d.Dir, syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("tmpdisk: unmount %s: %w", d.Dir, err)
	}
	return nil
}

// ForTest mounts a tmpfs of size bytes in a new temporary directory,
// unmounted when the test ends. Where mounting is not permitted the test
// is skipped with the reason, unless WIFIHK_INTEROP=1, when it fails.
func ForTest(t testing.TB, size int64) *Disk {
	t.Helper()
	dir, err := os.MkdirTemp("", "tmpdisk")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Mount(dir, size)
	if err != nil {
		os.Remove(dir)
		if os.Getenv("WIFIHK_INTEROP") == "1" {
			t.Fatalf("%v (WIFIHK_INTEROP=1: a small tmpfs is required; run as root)", err)
		}
		t.Skipf("%v: a full-disk test needs to mount a small tmpfs (root); skipped", err)
	}
	t.Cleanup(func() {
		if err := d.Unmount(); err != nil {
			t.Error(err)
		}
		os.Remove(dir)
	})
	return d
}
