package visitors

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// A full disk can refuse the one commit that counts a free pass (it may
// need a new page) while the allowance can still be read. The click-through
// login is then admitted all the same, decided from what is stored plus
// what is held here, and the count is held in memory until a later commit
// for the same device and day stores it. Held counts go with a restart: a
// device may then get more sessions than its allowance that day, which is
// the price of answering visitors on a full disk. A store that cannot be
// read either (PostgreSQL away) fails the login as before: it is dropped,
// not rejected.
type heldFree struct {
	mu   sync.Mutex
	days map[string]freeDay // by allowance key: sessions and passes not yet stored
}

// get returns what is held for key.
func (h *heldFree) get(key string) freeDay {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.days[key]
	return freeDay{Used: d.Used, Passes: slices.Clone(d.Passes)}
}

// stored drops from key what a commit has just stored (snap, what was
// held when it decided).
func (h *heldFree) stored(key string, snap freeDay) {
	if snap.Used == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.days[key]
	d.Used -= snap.Used
	d.Passes = d.Passes[min(len(snap.Passes), len(d.Passes)):]
	if d.Used <= 0 {
		delete(h.days, key)
		return
	}
	h.days[key] = d
}

// with returns stored with held added.
func (d freeDay) with(held freeDay) freeDay {
	d.Used += held.Used
	d.Passes = append(slices.Clone(d.Passes), held.Passes...)
	return d
}

// errRetried is decide's answer for a pass accepted again inside its
// retry window: admitted, and counted nothing more.
var errRetried = errors.New("visitors: free pass retried")

// decide is the allowance rule at now: a pass used before is refused
// (accepted once more, uncounted, inside passRetryWindow), and so is a
// session over the day's allowance.
func (d freeDay) decide(pass string, perDay int, now time.Time) error {
	if pass != "" {
		if at, used := d.usedAt(pass); used {
			if !at.IsZero() && now.Sub(at) >= 0 && now.Sub(at) <= passRetryWindow {
				return errRetried
			}
			return ErrUsedUp
		}
	}
	if perDay > 0 && d.Used >= perDay {
		return ErrNoFreeLeft
	}
	return nil
}

// usedAt reports whether pass is among d's, and when it was accepted
// (zero when the record did not say).
func (d freeDay) usedAt(pass string) (time.Time, bool) {
	for _, p := range d.Passes {
		nonce, at, timed := strings.Cut(p, "@")
		if nonce != pass {
			continue
		}
		sec, err := strconv.ParseInt(at, 10, 64)
		if !timed || err != nil {
			return time.Time{}, true
		}
		return time.Unix(sec, 0), true
	}
	return time.Time{}, false
}

// add counts one session, and pass accepted at now, into d.
func (d freeDay) add(pass string, now time.Time) freeDay {
	d.Used++
	if pass != "" {
		d.Passes = append(d.Passes, pass+"@"+strconv.FormatInt(now.Unix(), 10))
		if len(d.Passes) > maxPassesKept {
			d.Passes = d.Passes[len(d.Passes)-maxPassesKept:]
		}
	}
	return d
}

// countHeld decides a session whose commit failed with werr from a read,
// and holds its count (see above); it returns werr when the store cannot
// be read either.
func (s *Store) countHeld(key, pass string, perDay int, werr error) error {
	var d freeDay
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.Allowances, key, &d) })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return werr
	}
	s.held.mu.Lock()
	defer s.held.mu.Unlock()
	if s.held.days == nil {
		s.held.days = map[string]freeDay{}
	}
	h, now := s.held.days[key], s.now()
	switch refusal := d.with(h).decide(pass, perDay, now); {
	case errors.Is(refusal, errRetried):
		return nil
	case refusal != nil:
		return refusal
	}
	s.held.days[key] = h.add(pass, now)
	return nil
}
