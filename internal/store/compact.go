package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/wifihk/wifihk/internal/atomicfile"
)

// CompactFile rewrites the bbolt file at path with only its live pages and
// returns its size before and after. bbolt never gives freed pages back to
// the file system, so after a large purge this is how the file shrinks.
// The file must not be in use: CompactFile takes bbolt's lock, and fails
// with ErrLocked while a server has it. The copy is written beside the
// file, synced and checked, then renamed over it; on any error the
// original is left as it was.
func CompactFile(path string, opt Options) (before, after int64, err error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	before = fi.Size()
	if err := checkFile(path); err != nil { // boltpages.go
		return before, 0, err
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return before, 0, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return before, 0, fmt.Errorf("store: compact: %w", err)
	}
	defer src.Close() // after the rename: the lock is held throughout
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".compact")
	os.Remove(tmp)
	defer os.Remove(tmp)
	if err := compactInto(src, tmp); err != nil {
		return before, 0, fmt.Errorf("store: compact: %w", err)
	}
	if fi, err = os.Stat(tmp); err == nil {
		after = fi.Size()
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = atomicfile.SyncDir(filepath.Dir(path))
	}
	if err != nil {
		return before, 0, fmt.Errorf("store: compact: %w", err)
	}
	return before, after, nil
}

// compactInto copies src's live data into a new file at path, synced and
// checked.
func compactInto(src *bolt.DB, path string) error {
	dst, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return err
	}
	err = bolt.Compact(dst, src, 64<<20)
	if err == nil {
		err = dst.Sync()
	}
	if err == nil {
		err = dst.View(func(t *bolt.Tx) error {
			for err := range t.Check() {
				return err
			}
			return nil
		})
	}
	return errors.Join(err, dst.Close())
}
