package journal

import (
	"os"
	"syscall"
)

// fdatasync flushes f's data, and its size when it grew, to the disk.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
