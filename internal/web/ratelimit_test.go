package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(1, 3, 2)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !l.Allow("a") {
			t.Fatalf("event %d within burst refused", i)
		}
	}
	if l.Allow("a") {
		t.Fatal("4th event in the same instant allowed")
	}
	if !l.Allow("b") {
		t.Fatal("other key refused")
	}
	if l.Allow("c") {
		t.Fatal("third key allowed although table is full of busy buckets")
	}
	now = now.Add(1500 * time.Millisecond)
	if !l.Allow("a") {
		t.Fatal("refill after 1.5 s refused")
	}
	now = now.Add(10 * time.Second)
	if !l.Allow("c") {
		t.Fatal("new key refused after old buckets refilled")
	}
}

// TestIPv6ClientsAreLimitedPerSlash64: every address of one /64 shares a
// bucket, so a client cannot take a fresh address for each try; IPv4
// clients (also when mapped into IPv6) keep one bucket per address.
func TestIPv6ClientsAreLimitedPerSlash64(t *testing.T) {
	l := NewLimiter(0, 3, 0)
	for i := 0; i < 3; i++ {
		r := &http.Request{RemoteAddr: fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1)}
		if !l.Allow(ClientKey(r)) {
			t.Fatalf("try %d refused", i)
		}
	}
	if l.Allow(ClientKey(&http.Request{RemoteAddr: "[2001:db8:1:2:ffff::9]:443"})) {
		t.Fatal("a fourth address in the same /64 was allowed")
	}
	if !l.Allow(ClientKey(&http.Request{RemoteAddr: "[2001:db8:1:3::1]:443"})) {
		t.Fatal("another /64 was refused")
	}
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:1000", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:1000", "192.0.2.7"},
		{"[2001:db8::1]:1", "2001:db8::/64"},
		{"junk", "junk"},
	} {
		if got := ClientKey(&http.Request{RemoteAddr: tc.remote}); got != tc.want {
			t.Errorf("ClientKey(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}
