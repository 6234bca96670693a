package sessions

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// userIndex is the open sessions by account, in memory, for
// Simultaneous-Use: OpenCount runs on every Access-Request, and reading
// the index and each session from bbolt was a tenth of the auth path. It
// is built from the store on first use and then kept current by the
// committer, which sees every session it writes, at commit time: so it is
// current even while the journal's records wait for the applier. Only a
// Store with a journal (the one RADIUS records through) uses it.
type userIndex struct {
	mu     sync.RWMutex
	built  bool
	byUser map[string]map[string]time.Time // username -> session key -> last update
	userOf map[string]string               // session key -> username
}

// note records what a commit wrote.
func (x *userIndex) note(written map[string]Session) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		return
	}
	for k, ss := range written {
		x.set(k, ss)
	}
}

func (x *userIndex) set(key string, ss Session) {
	if old, ok := x.userOf[key]; ok && (old != ss.Username || !ss.Open) {
		delete(x.byUser[old], key)
		if len(x.byUser[old]) == 0 {
			delete(x.byUser, old)
		}
		delete(x.userOf, key)
	}
	if !ss.Open {
		return
	}
	m := x.byUser[ss.Username]
	if m == nil {
		m = map[string]time.Time{}
		x.byUser[ss.Username] = m
	}
	m[key] = ss.Updated
	x.userOf[key] = ss.Username
}

// buildUserIndex loads the open sessions through the open-by-NAS index,
// holding the lock so that a commit landing meanwhile is noted after it.
func (s *Store) buildUserIndex() error {
	x := &s.byUser
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.built {
		return nil
	}
	s.readBarrier()
	x.byUser, x.userOf = map[string]map[string]time.Time{}, map[string]string{}
	err := s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Sessions, "n/", func(k string, _ func(any) error) (bool, error) {
			nas, id, _ := strings.Cut(strings.TrimPrefix(k, "n/"), "\x00")
			var ss Session
			err := tx.Get(store.Sessions, sessKey(nas, id), &ss)
			if errors.Is(err, store.ErrNotFound) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			x.set(sessKey(nas, id), ss)
			return true, nil
		})
	})
	if err != nil {
		return err
	}
	x.built = true
	return nil
}

// openCountMemory counts from the index; ok is false before it is built.
func (s *Store) openCountMemory(username string, cutoff time.Time, stale time.Duration) (n int, ok bool) {
	s.byUser.mu.RLock()
	defer s.byUser.mu.RUnlock()
	if !s.byUser.built {
		return 0, false
	}
	for _, updated := range s.byUser.byUser[username] {
		if stale == 0 || updated.After(cutoff) {
			n++
		}
	}
	return n, true
}
