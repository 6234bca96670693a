package discovery

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/radius/discovery/dnstest"
)

// operatorZone is operator.test's records: two NAPTR records for our
// service (the second by preference names b.), one of eduroam's and
// one with a flag S-NAPTR has not (both ignored); a. has two SRV
// targets by priority, b. one reached by an "a" record.
func operatorZone() []string {
	return []string{
		dnstest.NAPTR("operator.test", 10, 20, "a", "aaa+auth:radius.tls.tcp", "radsec3.operator.test"),
		dnstest.NAPTR("operator.test", 10, 10, "s", "aaa+auth:radius.tls.tcp", "_radiustls._tcp.a.operator.test"),
		dnstest.NAPTR("operator.test", 5, 10, "s", "x-eduroam:radius.tls", "_radsec._tcp.operator.test"),
		dnstest.NAPTR("operator.test", 1, 10, "u", "aaa+auth:radius.tls.tcp", "_radiustls._tcp.a.operator.test"),
		dnstest.SRV("_radsec._tcp.operator.test", "eduroam.operator.test", 2083, 0, 0),
		dnstest.SRV("_radiustls._tcp.a.operator.test", "radsec2.operator.test", 2084, 20, 0),
		dnstest.SRV("_radiustls._tcp.a.operator.test", "radsec1.operator.test", 2083, 10, 0),
		dnstest.Host("radsec1.operator.test", "127.0.0.11"),
		dnstest.Host("radsec2.operator.test", "127.0.0.12"),
		dnstest.Host("radsec3.operator.test", "127.0.0.13"),
		dnstest.Host("eduroam.operator.test", "127.0.0.14"),
		// A NAPTR record whose SRV name does not exist.
		dnstest.NAPTR("nowhere.test", 10, 10, "s", "aaa+auth:radius.tls.tcp", "_radiustls._tcp.nowhere.test"),
	}
}

// clock is a settable time for the cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestResolver(t *testing.T, dns *dnstest.Server, tune func(*Config)) (*Resolver, *clock) {
	t.Helper()
	cfg := Config{Resolver: dns.Addr, MinTTL: time.Second, NegativeTTL: 30 * time.Second}
	if tune != nil {
		tune(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now()}
	r.now = c.now
	return r, c
}

func addrs(s []Server) string {
	var b []string
	for _, x := range s {
		b = append(b, x.Target+"="+x.Addr.String())
	}
	return strings.Join(b, " ")
}

// Against dnsmasq: NAPTR by order and preference, SRV by priority, then
// addresses; the answer is cached for its TTL (300 s), then asked again.
func TestDiscoverFromDNS(t *testing.T) {
	dns := dnstest.Start(t, 300, operatorZone()...)
	r, clk := newTestResolver(t, dns, nil)
	got, err := r.Discover(context.Background(), "Operator.Test")
	if err != nil {
		t.Fatal(err)
	}
	want := "radsec1.operator.test=127.0.0.11:2083 radsec2.operator.test=127.0.0.12:2084 radsec3.operator.test=127.0.0.13:2083"
	if addrs(got) != want {
		t.Fatalf("servers\n got %s\nwant %s", addrs(got), want)
	}
	n := r.Queries()
	clk.add(299 * time.Second)
	if got, err := r.Discover(context.Background(), "operator.test"); err != nil || addrs(got) != want || r.Queries() != n {
		t.Fatalf("within the TTL: %s %v, %d queries (was %d)", addrs(got), err, r.Queries(), n)
	}
	clk.add(2 * time.Second)
	if got, err := r.Discover(context.Background(), "operator.test"); err != nil || addrs(got) != want || r.Queries() == n {
		t.Fatalf("after the TTL: %s %v, %d queries (want more than %d)", addrs(got), err, r.Queries(), n)
	}
	dns.Sync()
	if q := dns.Queried("operator.test"); q != 2 {
		t.Errorf("dnsmasq saw %d NAPTR queries for operator.test, want 2", q)
	}
	if dns.Queried("_radsec._tcp.operator.test") != 0 || dns.Queried("eduroam.operator.test") != 0 {
		t.Error("eduroam's NAPTR record was followed")
	}
}

// A TTL below MinTTL is raised to it; one above MaxTTL lowered.
func TestDiscoverTTLBounds(t *testing.T) {
	dns := dnstest.Start(t, 1, operatorZone()...)
	r, clk := newTestResolver(t, dns, func(c *Config) { c.MinTTL = 20 * time.Second })
	if _, err := r.Discover(context.Background(), "operator.test"); err != nil {
		t.Fatal(err)
	}
	n := r.Queries()
	clk.add(19 * time.Second)
	r.Discover(context.Background(), "operator.test")
	if r.Queries() != n {
		t.Fatal("a 1 s TTL was not raised to MinTTL")
	}
	clk.add(2 * time.Second)
	r.Discover(context.Background(), "operator.test")
	if r.Queries() == n {
		t.Fatal("the answer outlived MinTTL")
	}
}

// A NAPTR record that leads nowhere (its SRV name does not exist) and a
// realm without NAPTR records fail with ErrNoServer naming the step; the
// failure is cached for NegativeTTL.
func TestDiscoverNowhereCachedNegatively(t *testing.T) {
	dns := dnstest.Start(t, 300, operatorZone()...)
	r, clk := newTestResolver(t, dns, nil)
	for _, tc := range []struct{ realm, want string }{
		{"nowhere.test", "SRV _radiustls._tcp.nowhere.test: no such name"},
		{"unknown.test", "NAPTR unknown.test: no such name"},
		{"radsec1.operator.test", `has no NAPTR record for "aaa+auth:radius.tls.tcp"`},
	} {
		_, err := r.Discover(context.Background(), tc.realm)
		if !errors.Is(err, ErrNoServer) || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v, want ErrNoServer with %q", tc.realm, err, tc.want)
		}
	}
	n := r.Queries()
	clk.add(29 * time.Second)
	if _, err := r.Discover(context.Background(), "nowhere.test"); !errors.Is(err, ErrNoServer) || r.Queries() != n {
		t.Fatalf("within the negative TTL: %v, %d queries (was %d)", err, r.Queries(), n)
	}
	clk.add(2 * time.Second)
	r.Discover(context.Background(), "nowhere.test")
	if r.Queries() == n {
		t.Fatal("the failure outlived NegativeTTL")
	}
}

// Concurrent callers for one realm share one lookup.
func TestDiscoverOneLookupForConcurrentCallers(t *testing.T) {
	dns := dnstest.Start(t, 300, operatorZone()...)
	r, _ := newTestResolver(t, dns, nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Discover(context.Background(), "operator.test"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	dns.Sync()
	if q := dns.Queried("operator.test"); q != 1 {
		t.Fatalf("%d NAPTR queries for 20 concurrent callers, want 1", q)
	}
}

// The cache holds at most MaxRealms realms.
func TestDiscoverCacheBounded(t *testing.T) {
	dns := dnstest.Start(t, 300, operatorZone()...)
	r, _ := newTestResolver(t, dns, func(c *Config) { c.MaxRealms = 3 })
	for _, realm := range []string{"a.test", "b.test", "c.test", "d.test", "operator.test"} {
		r.Discover(context.Background(), realm)
	}
	r.mu.Lock()
	n := len(r.cache)
	_, ok := r.cache["realm operator.test"]
	r.mu.Unlock()
	if n > 3 || !ok {
		t.Fatalf("cache holds %d realms (newest kept: %v), want at most 3", n, ok)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, c := range []Config{{Resolver: "127.0.0.1"}, {Resolver: "127.0.0.1:53", Service: "aaa+auth"},
		{Resolver: "127.0.0.1:53", MinTTL: time.Hour, MaxTTL: time.Minute}} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestDiscoverRefusesNonDomain(t *testing.T) {
	r, err := New(Config{Resolver: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, realm := range []string{"", "a..b", strings.Repeat("a", 300)} {
		if _, err := r.Discover(context.Background(), realm); !errors.Is(err, ErrNoServer) {
			t.Errorf("%q: %v", realm, err)
		}
	}
	if r.Queries() != 0 {
		t.Error("a name that is not a domain was sent to the DNS")
	}
}

// A home server's name: its addresses, cached for their TTL; a name
// that does not exist fails, cached negatively.
func TestAddrs(t *testing.T) {
	dns := dnstest.Start(t, 300, append(operatorZone(), dnstest.Host("radsec1.operator.test", "::1"))...)
	r, clk := newTestResolver(t, dns, nil)
	got, err := r.Addrs(context.Background(), "RADSEC1.operator.test.")
	if err != nil || len(got) != 2 || got[0].String() != "::1" || got[1].String() != "127.0.0.11" {
		t.Fatalf("%v %v", got, err)
	}
	n := r.Queries()
	clk.add(299 * time.Second)
	if _, err := r.Addrs(context.Background(), "radsec1.operator.test"); err != nil || r.Queries() != n {
		t.Fatalf("within the TTL: %v, %d queries (was %d)", err, r.Queries(), n)
	}
	if _, err := r.Addrs(context.Background(), "missing.operator.test"); err == nil || !strings.Contains(err.Error(), "no such name") {
		t.Fatalf("missing name: %v", err)
	}
	n = r.Queries()
	if _, err := r.Addrs(context.Background(), "missing.operator.test"); err == nil || r.Queries() != n {
		t.Fatal("a missing name was asked again within the negative TTL")
	}
}
