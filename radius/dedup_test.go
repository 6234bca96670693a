package radius

import (
	"net/netip"
	"testing"
	"time"
)

// The reply cache answers a retransmission within its window, whichever
// generation holds it, forgets it after two windows, drops a copy that
// arrives while the first is in flight, and keeps working across
// rotations that reuse a map and rotations that replace one after a burst.
func TestDupCacheGenerations(t *testing.T) {
	const window = time.Second
	c := newDupCache(window)
	t0 := time.Unix(1_000_000, 0)
	key := func(i int) dupKey {
		return dupKey{src: netip.MustParseAddrPort("192.0.2.1:1645"), id: byte(i), auth: [16]byte{byte(i >> 8), byte(i)}}
	}
	handle := func(i int, now time.Time) (reply []byte, inFlight bool) {
		reply, inFlight = c.begin(key(i), now)
		if reply == nil && !inFlight {
			c.finish(key(i), []byte{byte(i)}, now)
		}
		return reply, inFlight
	}
	if _, inFlight := c.begin(key(1), t0); inFlight {
		t.Fatal("a new request is in flight")
	}
	if _, inFlight := c.begin(key(1), t0); !inFlight {
		t.Fatal("a copy of a request being handled was not dropped")
	}
	c.finish(key(1), []byte("one"), t0)
	if reply, _ := c.begin(key(1), t0.Add(window/2)); string(reply) != "one" {
		t.Fatalf("retransmission got %q, want the cached reply", reply)
	}
	// A burst, then quiet windows: every rotation keeps the current
	// generation's entries and forgets what is two windows old.
	for i := 2; i < 5000; i++ {
		handle(i, t0.Add(window/2))
	}
	now := t0.Add(window / 2)
	last := -1
	for w := 1; w <= 4; w++ {
		now = now.Add(window) // the first begin rotates
		if last >= 0 {
			if reply, _ := c.begin(key(last), now); len(reply) != 1 {
				t.Fatalf("window %d: last window's reply was lost", w)
			}
		}
		fresh := 10_000 + w
		handle(fresh, now.Add(window/4))
		if reply, _ := c.begin(key(fresh), now.Add(window/2)); len(reply) != 1 {
			t.Fatalf("window %d: this window's reply was lost", w)
		}
		last = fresh
	}
	if reply, inFlight := c.begin(key(3), now); reply != nil || inFlight {
		t.Fatalf("a reply from four windows ago was kept (%q, in flight %v)", reply, inFlight)
	}
}
