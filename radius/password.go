package radius

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"strings"
	"sync"
	"time"
)

// verifyCHAP checks a CHAP-Password (identifier ‖ 16-byte response)
// against MD5(identifier ‖ secret ‖ challenge) (RFC 1994, RFC 2865 §2.2).
func verifyCHAP(chapPassword, challenge []byte, secret string) bool {
	if len(chapPassword) != 17 || len(challenge) == 0 {
		return false
	}
	h := md5.New()
	h.Write(chapPassword[:1])
	h.Write([]byte(secret))
	h.Write(challenge)
	var sum [16]byte
	return subtle.ConstantTimeCompare(h.Sum(sum[:0]), chapPassword[1:]) == 1
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// papCache remembers passwords that verified against an argon2id hash, so
// a NAS re-authenticating a visitor does not cost 64 MiB and tens of
// milliseconds each time. Entries are keyed by HMAC-SHA256 under a key made
// at start-up and never stored, over (username, password, hash): a password
// change invalidates them, and the map reveals nothing useful in a core
// dump without the key. Only successes are kept.
type papCache struct {
	hmacKey []byte
	macs    *macPool // HMAC-SHA256 states under hmacKey
	ttl     time.Duration
	max     int
	mu      sync.Mutex
	m       map[[32]byte]time.Time
	// busy holds keys being checked now: concurrent requests for the same
	// password wait for that one check instead of each running argon2id.
	busy map[[32]byte]chan struct{}
}

func newPAPCache(ttl time.Duration, max int) *papCache {
	k := make([]byte, 32)
	rand.Read(k)
	return &papCache{hmacKey: k, macs: newMACPool(sha256.New), ttl: ttl, max: max, m: map[[32]byte]time.Time{}, busy: map[[32]byte]chan struct{}{}}
}

func (c *papCache) key(user, pw, hash string) [32]byte {
	km := c.macs.get(c.hmacKey)
	defer c.macs.put(km)
	m := km.h
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(pw))
	m.Write([]byte{0})
	m.Write([]byte(hash))
	var k [32]byte
	m.Sum(k[:0])
	return k
}

// claim reports whether k is verified; if not, either the caller must check
// it (wait is nil; call release after) or another check is running and
// wait closes when it ends.
func (c *papCache) claim(k [32]byte) (hit bool, wait chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.m[k]; ok && time.Now().Before(exp) {
		return true, nil
	}
	if ch, ok := c.busy[k]; ok {
		return false, ch
	}
	c.busy[k] = make(chan struct{})
	return false, nil
}

// release ends the check of k, remembering it when it verified.
func (c *papCache) release(k [32]byte, ok bool) {
	if ok {
		c.add(k)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.busy[k])
	delete(c.busy, k)
}

func (c *papCache) add(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m) // crude but bounded; a flood of distinct good passwords is rare
	}
	c.m[k] = time.Now().Add(c.ttl)
}

// normalMAC returns s as aa:bb:cc:dd:ee:ff, or "" when it is not a MAC.
// NAS send Calling-Station-Id as AA-BB-CC-DD-EE-FF, aabbccddeeff or with
// colons.
func normalMAC(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 12 {
		var b strings.Builder
		for i := 0; i < 12; i += 2 {
			if i > 0 {
				b.WriteByte(':')
			}
			b.WriteString(s[i : i+2])
		}
		s = b.String()
	}
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return ""
	}
	return hw.String()
}

// maskMAC keeps a MAC's vendor half for logs: aa:bb:cc:xx:xx:xx.
func maskMAC(s string) string {
	m := normalMAC(s)
	if m == "" {
		if s == "" {
			return ""
		}
		return "(not a MAC)"
	}
	return m[:8] + ":xx:xx:xx"
}
