package sessions

import (
	"errors"
	"strings"
	"sync"

	"github.com/wifihk/wifihk/internal/store"
)

// ipIndex is the open sessions by Framed-IP-Address, in memory, so that
// the portal's status page and Captive Portal API find a visitor's
// session without reading every session. It is built from the store on
// first use and then kept current by the committer (note), which sees
// every session it writes.
type ipIndex struct {
	mu    sync.RWMutex
	built bool
	byIP  map[string]map[string]Session // FramedIP -> session key -> session
	ipOf  map[string]string             // session key -> FramedIP
}

// note records what a commit wrote; before the first OpenByIP there is
// nothing to keep current, since the build reads the store.
func (x *ipIndex) note(written map[string]Session) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		return
	}
	for k, ss := range written {
		x.set(k, ss)
	}
}

func (x *ipIndex) set(key string, ss Session) {
	if old, ok := x.ipOf[key]; ok && (old != ss.FramedIP || !ss.Open) {
		delete(x.byIP[old], key)
		if len(x.byIP[old]) == 0 {
			delete(x.byIP, old)
		}
		delete(x.ipOf, key)
	}
	if !ss.Open || ss.FramedIP == "" {
		return
	}
	m := x.byIP[ss.FramedIP]
	if m == nil {
		m = map[string]Session{}
		x.byIP[ss.FramedIP] = m
	}
	m[key] = ss
	x.ipOf[key] = ss.FramedIP
}

// build loads the open sessions through the open-by-NAS index. It holds
// the lock throughout, so a commit that lands meanwhile is noted after it.
func (s *Store) buildIPIndex() error {
	x := &s.byIP
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.built {
		return nil
	}
	s.readBarrier()
	x.byIP, x.ipOf = map[string]map[string]Session{}, map[string]string{}
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

// OpenByIP returns the open sessions whose Framed-IP-Address is ip (as
// the NAS reported it, e.g. "10.1.0.23"), from an index in memory. The
// first call builds the index from the store.
//
// Only the Store that records accounting (the one RADIUS uses) keeps the
// index current: ask that one.
func (s *Store) OpenByIP(ip string) ([]Session, error) {
	s.byIP.mu.RLock()
	built := s.byIP.built
	var out []Session
	for _, ss := range s.byIP.byIP[ip] {
		out = append(out, ss)
	}
	s.byIP.mu.RUnlock()
	if built {
		return out, nil
	}
	if err := s.buildIPIndex(); err != nil {
		return nil, err
	}
	return s.OpenByIP(ip)
}
