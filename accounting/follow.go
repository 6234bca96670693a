package accounting

import (
	"errors"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Sessions written through other nodes sharing the store reach this one
// through the store's change feed (store.DB.Subscribe), and follow keeps
// what this Store holds in memory current with them:
//
//   - the committer's memory of open sessions forgets every session
//     another node wrote, so that the next packet for it here merges into
//     the stored record, not an older copy;
//   - the open-session indexes (Simultaneous-Use, by Framed-IP) read again
//     the sessions another node opened or closed: their index keys
//     (u/…, n/…) are in the change. A session whose record alone changed
//     (an Interim) is only marked as updated now, without a read, so that
//     the staleness rule of OpenCount still counts it.
//
// Worst case for Simultaneous-Use across nodes: a session counts on
// every node once its Accounting-Start is in the database and announced,
// that is the NAS's delay from Access-Accept to Start, plus this node's
// journal apply delay (applyDelay, 50 ms, plus one commit), plus the
// feed's delay (milliseconds). Access-Requests for the same account
// answered by other nodes within that window are accepted as if the
// session were not there yet; on one node the same window exists from
// Accept to Start.
func (s *Store) follow() {
	s.db.Subscribe(store.Sessions, func(c store.Change) {
		if c.Local {
			return // the committer noted its own writes
		}
		s.remoteWrote(c)
	})
}

// remoteWrote applies another node's change to the memory.
func (s *Store) remoteWrote(c store.Change) {
	if c.All {
		s.forgetRemote(nil, true)
		s.eachIndex((*openIndex).reset)
		return
	}
	var written []string
	reread := map[string]bool{}
	for _, k := range c.Keys {
		switch {
		case strings.HasPrefix(k, "s/"):
			written = append(written, k)
		case strings.HasPrefix(k, "n/"):
			reread["s/"+strings.TrimPrefix(k, "n/")] = true
		case strings.HasPrefix(k, "u/"):
			_, rest, _ := strings.Cut(strings.TrimPrefix(k, "u/"), "\x00")
			reread["s/"+rest] = true
		}
	}
	s.forgetRemote(written, false)
	if !s.byIP.isBuilt() && !s.byUser.isBuilt() && !s.byMAC.isBuilt() {
		return // built from the store on first use
	}
	now := s.now().UTC()
	for _, k := range written {
		if !reread[k] {
			s.eachIndex(func(x *openIndex) { x.touch(k, now) })
		}
	}
	if len(reread) == 0 {
		return
	}
	read := make(map[string]Session, len(reread))
	err := s.db.View(func(tx *store.Tx) error {
		for k := range reread {
			var ss Session // a session gone is not open
			if err := tx.Get(store.Sessions, k, &ss); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			read[k] = ss
		}
		return nil
	})
	if err != nil { // build again from the store on next use
		s.eachIndex((*openIndex).reset)
		return
	}
	s.eachIndex(func(x *openIndex) { x.note(read) })
}

// eachIndex calls fn with each open-session index.
func (s *Store) eachIndex(fn func(*openIndex)) {
	for _, x := range []*openIndex{&s.byIP, &s.byUser, &s.byMAC} {
		fn(x)
	}
}

// forgetRemote queues keys (or everything) for the committer to forget;
// only the committer touches its memory.
func (s *Store) forgetRemote(keys []string, all bool) {
	s.remoteMu.Lock()
	defer s.remoteMu.Unlock()
	if all {
		s.remoteAll = true
	}
	for _, k := range keys {
		s.remote[k] = struct{}{}
	}
}

// dropRemote makes the committer forget what other nodes wrote; it runs
// before each commit reads.
func (s *Store) dropRemote() {
	s.remoteMu.Lock()
	defer s.remoteMu.Unlock()
	if s.remoteAll {
		clear(s.open)
		s.remoteAll = false
	}
	for k := range s.remote {
		delete(s.open, k)
	}
	clear(s.remote)
}

func (x *openIndex) isBuilt() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.built
}

// reset makes the next lookup build the index from the store again.
func (x *openIndex) reset() {
	x.mu.Lock()
	x.built = false
	x.mu.Unlock()
}

// touch marks an indexed session as updated at, if that is later.
func (x *openIndex) touch(key string, at time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	v, ok := x.of[key]
	if !ok {
		return
	}
	if ss, ok := x.by[v][key]; ok && at.After(ss.Updated) {
		ss.Updated = at
		x.by[v][key] = ss
	}
}
