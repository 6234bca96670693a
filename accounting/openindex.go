package accounting

import (
	"errors"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// openIndex is the open sessions grouped by one of their fields, in memory:
// by Framed-IP for the portal's status page and Captive Portal API, by
// account for Simultaneous-Use on every Access-Request. It is built from
// the store on first use and then kept current by the committer (note),
// which sees every session it writes at commit time, so it is current even
// while journaled records wait for the applier. Only the Store that
// records accounting keeps its indexes current.
type openIndex struct {
	field func(Session) string // the grouping value; "" is not indexed

	mu    sync.RWMutex
	built bool
	by    map[string]map[string]Session // value -> session key -> session
	of    map[string]string             // session key -> value
	// building is set while build waits for the applier; the notes made
	// meanwhile wait in pending, to be laid over what the build reads.
	building bool
	pending  []map[string]Session
	buildMu  sync.Mutex // one build at a time
}

func byFramedIP(ss Session) string { return ss.FramedIP }
func byUsername(ss Session) string { return ss.Username }
func byMACAddr(ss Session) string  { return ss.MAC }

// note records what a commit wrote; before the first lookup there is
// nothing to keep current, since the build reads the store.
func (x *openIndex) note(written map[string]Session) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.building {
		x.pending = append(x.pending, maps.Clone(written))
		return
	}
	if !x.built {
		return
	}
	for k, ss := range written {
		x.set(k, ss)
	}
}

func (x *openIndex) set(key string, ss Session) {
	v := x.field(ss)
	if old, ok := x.of[key]; ok && (old != v || !ss.Open) {
		delete(x.by[old], key)
		if len(x.by[old]) == 0 {
			delete(x.by, old)
		}
		delete(x.of, key)
	}
	if !ss.Open || v == "" {
		return
	}
	m := x.by[v]
	if m == nil {
		m = map[string]Session{}
		x.by[v] = m
	}
	m[key] = ss
	x.of[key] = v
}

// lookup calls fn with the open sessions grouped under v, building the
// index first if need be.
func (s *Store) lookup(x *openIndex, v string, fn func(map[string]Session)) error {
	x.mu.RLock()
	if x.built {
		fn(x.by[v])
		x.mu.RUnlock()
		return nil
	}
	x.mu.RUnlock()
	if err := s.build(x); err != nil {
		return err
	}
	return s.lookup(x, v, fn)
}

// build loads the open sessions through the open-by-NAS index, once the
// applier has written what is journaled. It does not hold the lock while
// it waits: the applier notes what its folds wrote (outage.go), and would
// wait for the lock. What commits note meanwhile is laid over what the
// build reads, so a commit that lands during the build is noted after it.
func (s *Store) build(x *openIndex) error {
	x.buildMu.Lock()
	defer x.buildMu.Unlock()
	x.mu.Lock()
	if x.built {
		x.mu.Unlock()
		return nil
	}
	x.building, x.pending = true, nil
	x.mu.Unlock()
	err := s.readBarrier()
	x.mu.Lock()
	defer x.mu.Unlock()
	defer func() { x.building, x.pending = false, nil }()
	if err != nil {
		return err
	}
	x.by, x.of = map[string]map[string]Session{}, map[string]string{}
	err = s.db.View(func(tx *store.Tx) error {
		return scanOpen(tx, "", func(key string, ss Session) (bool, error) {
			x.set(key, ss)
			return true, nil
		})
	})
	if err != nil {
		return err
	}
	for _, written := range x.pending {
		for k, ss := range written {
			x.set(k, ss)
		}
	}
	x.built = true
	return nil
}

// scanOpen calls fn with each open session, by key, through the
// open-by-NAS index from its key from on ("" for the start), until fn
// returns false.
func scanOpen(tx *store.Tx, from string, fn func(key string, ss Session) (bool, error)) error {
	return tx.ScanFrom(store.Sessions, "n/", from, func(k string, _ func(any) error) (bool, error) {
		nas, id, _ := strings.Cut(strings.TrimPrefix(k, "n/"), "\x00")
		var ss Session
		err := tx.Get(store.Sessions, sessKey(nas, id), &ss)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrDamagedRecord) {
			return true, nil // a damaged record is reported by the store
		}
		if err != nil {
			return false, err
		}
		return fn(sessKey(nas, id), ss)
	})
}

// OpenByIP returns the open sessions whose Framed-IP-Address is ip (as
// the NAS reported it, e.g. "10.1.0.23"), from an index in memory.
//
// Only the Store that records accounting (the one RADIUS uses) keeps the
// index current: ask that one.
func (s *Store) OpenByIP(ip string) ([]Session, error) { return s.openBy(&s.byIP, ip) }

// OpenByMAC returns the open sessions of the device with that MAC
// (lower-case, colon-separated, as accounting stores it), from an index
// in memory; as OpenByIP, ask the Store that records accounting.
func (s *Store) OpenByMAC(mac string) ([]Session, error) { return s.openBy(&s.byMAC, mac) }

// openBy returns the open sessions grouped under v in x.
func (s *Store) openBy(x *openIndex, v string) ([]Session, error) {
	var out []Session
	err := s.lookup(x, v, func(m map[string]Session) {
		for _, ss := range m {
			out = append(out, ss)
		}
	})
	return out, err
}

// openCountMemory counts username's open sessions updated after cutoff
// (all of them when stale is 0) from the index.
func (s *Store) openCountMemory(username string, cutoff time.Time, stale time.Duration) (n int, err error) {
	err = s.lookup(&s.byUser, username, func(m map[string]Session) {
		for _, ss := range m {
			if stale == 0 || ss.Updated.After(cutoff) {
				n++
			}
		}
	})
	return n, err
}
