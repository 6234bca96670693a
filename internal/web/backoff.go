package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Backoff is per-account exponential back-off after failed logins, beside
// the per-address Limiter: from its Free-th failure in a row an account's
// next attempt must wait Base, then twice as long after each further failure,
// up to Max; a success, or Forget without a failure, starts it over. The
// cap is what keeps an attacker from locking a real user out: at worst
// the user waits Max between attempts, and only while the attacker keeps
// spending attempts, which the per-address limits bound. During the wait
// every attempt is refused, the right password too, so the back-off
// reveals nothing. It is safe for concurrent use.
type Backoff struct {
	Free   int           // the failure in a row that brings the first wait; default 3
	Base   time.Duration // the first wait; default 1s
	Max    time.Duration // the longest wait; default 30s
	Forget time.Duration // a quiet account starts over after this; default 15m
	Now    func() time.Time

	mu   sync.Mutex
	keys map[string]backoffState
}

type backoffState struct {
	fails int
	last  time.Time // of the last failure
	until time.Time // no attempt before this
}

// maxBackoffKeys bounds the memory a username-spraying attack can take.
const maxBackoffKeys = 100_000

func (b *Backoff) defaults() {
	if b.Free <= 0 {
		b.Free = 3
	}
	if b.Base <= 0 {
		b.Base = time.Second
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Second
	}
	if b.Forget <= 0 {
		b.Forget = 15 * time.Minute
	}
	if b.Now == nil {
		b.Now = time.Now
	}
	if b.keys == nil {
		b.keys = map[string]backoffState{}
	}
}

// Wait returns how long key must wait before its next attempt, 0 if it
// may try now.
func (b *Backoff) Wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.defaults()
	if d := b.keys[key].until.Sub(b.Now()); d > 0 {
		return d
	}
	return 0
}

// Failed notes a failed attempt by key and returns the wait it now has.
func (b *Backoff) Failed(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.defaults()
	now := b.Now()
	st, ok := b.keys[key]
	if ok && now.Sub(st.last) > b.Forget {
		st = backoffState{}
	}
	if !ok && len(b.keys) >= maxBackoffKeys {
		b.sweep(now)
	}
	st.fails++
	st.last = now
	if over := st.fails - b.Free + 1; over > 0 {
		wait := b.Max
		if over <= 30 && b.Base<<(over-1) < b.Max {
			wait = b.Base << (over - 1)
		}
		st.until = now.Add(wait)
	}
	b.keys[key] = st
	return max(st.until.Sub(now), 0)
}

// Succeeded forgets key's failures.
func (b *Backoff) Succeeded(key string) {
	b.mu.Lock()
	delete(b.keys, key)
	b.mu.Unlock()
}

// sweep drops the keys that would start over; if none would, it starts
// every key over rather than grow.
func (b *Backoff) sweep(now time.Time) {
	n := len(b.keys)
	for k, st := range b.keys {
		if now.Sub(st.last) > b.Forget {
			delete(b.keys, k)
		}
	}
	if len(b.keys) == n {
		clear(b.keys)
	}
}

// RetryAfter sets the Retry-After header to d, rounded up to a second.
func RetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
}
