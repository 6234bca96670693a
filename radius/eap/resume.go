package eap

import (
	"sync"
	"time"
)

// resumptions maps a ticket's tag to the inner identity that was accepted
// in the session it resumes. Two generations, swapped every ttl (or when
// the newer is full), bound it in time and size with no per-entry timers.
type resumptions struct {
	ttl  time.Duration
	max  int
	mu   sync.Mutex
	cur  map[string]resumed
	prev map[string]resumed
	swap time.Time
}

type resumed struct {
	user string
	at   time.Time
}

func newResumptions(ttl time.Duration, max int) *resumptions {
	return &resumptions{ttl: ttl, max: max, cur: map[string]resumed{}, prev: map[string]resumed{}}
}

func (r *resumptions) add(tag []byte, user string, now time.Time) {
	if r.ttl < 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swap) >= r.ttl || len(r.cur) >= r.max {
		r.prev, r.cur, r.swap = r.cur, make(map[string]resumed), now
	}
	r.cur[string(tag)] = resumed{user: user, at: now}
}

func (r *resumptions) lookup(tag []byte, now time.Time) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.cur[string(tag)]
	if !ok {
		e, ok = r.prev[string(tag)]
	}
	if !ok || now.Sub(e.at) > r.ttl {
		return "", false
	}
	return e.user, true
}
