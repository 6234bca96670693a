//go:build !linux

package journal

import "os"

// fdatasync flushes f to the disk (a full fsync where fdatasync is not
// available).
func fdatasync(f *os.File) error { return f.Sync() }
