package radius

import (
	"net/netip"
	"sync"
	"time"
)

// dupKey identifies a request as RFC 5080 §2.2.2 does: source address and
// port, Identifier and Request Authenticator. A new authenticator is a new
// request.
type dupKey struct {
	src  netip.AddrPort
	id   byte
	auth [16]byte
}

type dupEntry struct {
	reply []byte    // nil while the first copy is being handled
	at    time.Time // when the reply was cached
}

// dupCache remembers replies for window so a retransmission gets the same
// answer without running the handler again. It keeps two generations and
// swaps them every window, so memory is bounded by two windows of traffic
// with no per-entry timers.
type dupCache struct {
	window time.Duration
	mu     sync.Mutex
	cur    map[dupKey]dupEntry // by value: no allocation per request
	prev   map[dupKey]dupEntry
	swap   time.Time
}

func newDupCache(window time.Duration) *dupCache {
	return &dupCache{window: window, cur: map[dupKey]dupEntry{}, prev: map[dupKey]dupEntry{}}
}

// begin looks k up. A cached reply is returned for resending; inFlight is
// true when the first copy is still being handled. Otherwise k is marked in
// flight and the caller must call finish.
func (c *dupCache) begin(k dupKey, now time.Time) (reply []byte, inFlight bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.swap) >= c.window {
		c.rotate()
		c.swap = now
	}
	e, ok := c.cur[k]
	if !ok {
		e, ok = c.prev[k]
	}
	if ok {
		if e.reply == nil {
			return nil, true
		}
		if now.Sub(e.at) < c.window {
			return e.reply, false
		}
	}
	c.cur[k] = dupEntry{}
	return nil, false
}

// rotate makes the current generation the previous one. The old previous
// map is emptied and reused when it was about the same size (no new
// allocation every window), else a new one is made for the current size,
// so that the memory a burst took is given back.
func (c *dupCache) rotate() {
	old := c.prev
	c.prev = c.cur
	if len(old) <= 2*len(c.cur)+1024 {
		clear(old)
		c.cur = old
		return
	}
	c.cur = make(map[dupKey]dupEntry, len(c.prev))
}

// finish caches the reply to k; a nil reply (dropped request) forgets k so
// that a retransmission is handled afresh.
func (c *dupCache) finish(k dupKey, reply []byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if reply == nil {
		delete(c.cur, k)
		delete(c.prev, k)
		return
	}
	c.cur[k] = dupEntry{reply: reply, at: now}
	delete(c.prev, k)
}
