package web

import (
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Limiter is a token bucket per key (an IP, a MAC, a phone number): each key
// may spend Burst at once and gets Rate more per second. It holds at most
// MaxKeys keys; when full it forgets buckets that have refilled, and if all
// are busy it refuses new keys rather than grow without bound.
type Limiter struct {
	rate    float64
	burst   float64
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter allows burst events at once and perSecond more each second per
// key, tracking at most maxKeys keys (default 100,000).
func NewLimiter(perSecond float64, burst, maxKeys int) *Limiter {
	if maxKeys <= 0 {
		maxKeys = 100_000
	}
	return &Limiter{rate: perSecond, burst: float64(burst), maxKeys: maxKeys, now: time.Now,
		buckets: make(map[string]*bucket)}
}

// PerMinute is a rate of n events a minute.
func PerMinute(n int) float64 { return float64(n) / 60 }

// Allow spends one token of key's bucket and reports whether there was one.
func (l *Limiter) Allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys && !l.sweep(now) {
			return false
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops buckets that are full again; it reports whether any went.
func (l *Limiter) sweep(now time.Time) bool {
	n := len(l.buckets)
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	return len(l.buckets) < n
}

// AddrKey is the limiter key for a client address: the IPv4 address, or
// the /64 of an IPv6 address, since one subscriber is given a whole /64
// and could otherwise take a fresh address for every try.
func AddrKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is4() || !a.IsValid() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// ClientKey is AddrKey of the request's peer address.
func ClientKey(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return AddrKey(ap.Addr())
}
