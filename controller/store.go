package controller

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
)

// IsStoreURL reports whether s names a PostgreSQL store rather than a
// data dir.
func IsStoreURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// OpenStore opens the store of data dir dir: the PostgreSQL database at
// url when url is set, which the dir then remembers (datadir.StoreURL, mode
// 0600, since the URL may hold a password), so that later commands without
// it use the same store; else the database the dir remembers; else the
// dir's bbolt file. opt is for store.Open (and its Key for PostgreSQL too).
func OpenStore(dir, url string, opt store.Options) (*store.DB, error) {
	d := datadir.Dir(dir)
	if err := d.Create(); err != nil {
		return nil, err
	}
	if url == "" {
		raw, err := os.ReadFile(d.StoreURL())
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("store: %w", err)
		}
		url = strings.TrimSpace(string(raw))
	} else {
		// A dir that ran on its bbolt file moves with store migrate, not
		// by starting afresh on an empty database beside its records.
		_, remembered := os.Stat(d.StoreURL())
		if _, err := os.Stat(d.DB()); err == nil && remembered != nil {
			return nil, fmt.Errorf("store: %s holds a bbolt store (%s): copy it with `wifihk store migrate -from %s -to URL` first",
				dir, d.DB(), dir)
		}
		if err := RememberStore(dir, url); err != nil {
			return nil, err
		}
	}
	if url == "" {
		return store.Open(dir, opt)
	}
	return postgres.Open(url, opt)
}

// RememberStore makes data dir dir use the PostgreSQL store at url from
// now on, or its own bbolt file again when url is "".
func RememberStore(dir, url string) error {
	path := datadir.Dir(dir).StoreURL()
	if url == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(path, []byte(url+"\n"), 0o600); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
