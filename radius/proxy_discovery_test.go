package radius

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/discovery"
	"github.com/wifihk/wifihk/radius/discovery/dnstest"
)

// A dynamic realm ("*.uni.test") sends each request to the servers the
// DNS names for the visitor's own realm (cs.uni.test), as RadSec servers
// with the realm's CA, timeout and retries, named by their SRV target and
// tied to the realm for the certificate check. A realm the DNS names no
// server for, or a proxy without discovery, answers Access-Reject.
func TestProxyDynamicRealm(t *testing.T) {
	dns := dnstest.Start(t, 300,
		dnstest.NAPTR("cs.uni.test", 10, 10, "s", "aaa+auth:radius.tls.tcp", "_radiustls._tcp.cs.uni.test"),
		dnstest.SRV("_radiustls._tcp.cs.uni.test", "radsec.cs.uni.test", 2084, 0, 0),
		dnstest.Host("radsec.cs.uni.test", "127.0.0.7"),
	)
	res, err := discovery.New(discovery.Config{Resolver: dns.Addr})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &hotspots.RouteServer{Transport: hotspots.TransportRadSec, Secret: "radsec", CA: "the realm's CA", Timeout: 2 * time.Second, Retries: 1}
	routes := staticRoutes{"cs.uni.test": {Realm: "*.uni.test", Discovery: tmpl}, "math.uni.test": {Realm: "*.uni.test", Discovery: tmpl}}
	var mu sync.Mutex
	var dialled []hotspots.RouteServer
	dial := func(s hotspots.RouteServer) (Exchanger, error) {
		mu.Lock()
		dialled = append(dialled, s)
		mu.Unlock()
		return nil, errors.New("not dialled in this test")
	}
	for _, c := range []struct {
		name     string
		discover Discoverer
		user     string
		code     layeh.Code
		result   string
	}{
		{"discovered", res, "alice@cs.uni.test", 0, proxyNoServer},
		{"no NAPTR", res, "alice@math.uni.test", layeh.CodeAccessReject, proxyNoDNS},
		{"no discovery", nil, "alice@cs.uni.test", layeh.CodeAccessReject, proxyNoDNS},
	} {
		t.Run(c.name, func(t *testing.T) {
			px, err := NewProxy(ProxyConfig{Routes: routes, Registerer: prometheus.NewRegistry(), Dial: dial, Discover: c.discover})
			if err != nil {
				t.Fatal(err)
			}
			defer px.Close()
			req := &Request{Packet: accessRequest(testSecret, c.user, "pw")}
			if resp, err := px.Auth(nil).ServeRADIUS(context.Background(), req); err != nil || resp.Code != c.code {
				t.Fatalf("answered %v %v, want %v", resp.Code, err, c.code)
			}
			if px.result("*.uni.test", c.result) != 1 {
				t.Errorf("%s not counted", c.result)
			}
		})
	}
	want := hotspots.RouteServer{Address: netip.MustParseAddrPort("127.0.0.7:2084"), Transport: hotspots.TransportRadSec, Secret: "radsec",
		CA: "the realm's CA", Timeout: 2 * time.Second, Retries: 1, ServerName: "radsec.cs.uni.test", NAIRealm: "cs.uni.test"}
	if len(dialled) != 1 || dialled[0] != want {
		t.Fatalf("dialled %+v\nwant %+v", dialled, want)
	}
}

// Home servers given by name: each becomes one server per address (at
// most two), RadSec ones checked against the name; a name that does not
// resolve is left out, and a realm left with none is rejected, as is one
// with no resolver.
func TestProxyNamedHomeServers(t *testing.T) {
	dns := dnstest.Start(t, 300,
		dnstest.Host("udp.home.test", "127.0.0.8"), dnstest.Host("udp.home.test", "::1"),
		dnstest.Host("tls.home.test", "127.0.0.9"),
	)
	res, err := discovery.New(discovery.Config{Resolver: dns.Addr})
	if err != nil {
		t.Fatal(err)
	}
	port := func(p uint16) netip.AddrPort { return netip.AddrPortFrom(netip.Addr{}, p) }
	udp := hotspots.RouteServer{Host: "udp.home.test", Address: port(1812), AcctPort: 1813, Transport: hotspots.TransportUDP, Secret: "s3cret", Timeout: time.Second}
	tls := hotspots.RouteServer{Host: "tls.home.test", Address: port(2083), Transport: hotspots.TransportRadSec, Secret: "radsec", Timeout: time.Second}
	missing := hotspots.RouteServer{Host: "missing.home.test", Address: port(1812), Transport: hotspots.TransportUDP, Secret: "s3cret", Timeout: time.Second}
	px, err := NewProxy(ProxyConfig{Routes: staticRoutes{}, Registerer: prometheus.NewRegistry(), Resolve: res})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	got, err := px.homeServers(context.Background(), hotspots.Route{Servers: []hotspots.RouteServer{missing, udp, tls}}, "home.test")
	if err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, s := range got {
		where = append(where, s.Transport+"/"+s.Address.String()+"/"+s.ServerName)
	}
	if want := "udp/[::1]:1812/ udp/127.0.0.8:1812/ radsec/127.0.0.9:2083/tls.home.test"; strings.Join(where, " ") != want {
		t.Fatalf("servers %s\nwant %s", strings.Join(where, " "), want)
	}
	if acct := acctServers(got); acct[0].Address.String() != "[::1]:1813" {
		t.Errorf("accounting to %v", acct[0].Address)
	}
	req := &Request{Packet: accessRequest(testSecret, "alice@home.test", "pw")}
	px2, _ := NewProxy(ProxyConfig{Routes: staticRoutes{"home.test": {Realm: "home.test", Servers: []hotspots.RouteServer{missing}}},
		Registerer: prometheus.NewRegistry(), Resolve: res})
	defer px2.Close()
	if resp, _ := px2.Auth(nil).ServeRADIUS(context.Background(), req); resp.Code != layeh.CodeAccessReject || px2.result("home.test", proxyNoDNS) != 1 {
		t.Errorf("only an unresolvable name: answered %v", resp.Code)
	}
	if _, err := (&Proxy{}).homeServers(context.Background(), hotspots.Route{Servers: []hotspots.RouteServer{udp}}, "home.test"); !errors.Is(err, ErrNoResolver) {
		t.Errorf("without a resolver: %v", err)
	}
}

// HealthFor finds a listed server's health however the proxy names it:
// a server given by name has one entry per address it resolved to, and
// a RadSec server reached with the realm's own client certificate is
// labelled with it (the console and the API once missed both).
func TestHealthForNamedAndClientCertServers(t *testing.T) {
	dns := dnstest.Start(t, 300, dnstest.Host("udp.home.test", "127.0.0.8"), dnstest.Host("udp.home.test", "::1"))
	res, err := discovery.New(discovery.Config{Resolver: dns.Addr})
	if err != nil {
		t.Fatal(err)
	}
	cert := &tls.Certificate{Leaf: &x509.Certificate{Subject: pkix.Name{CommonName: "wifihk for home.test"}}}
	named := hotspots.RouteServer{Host: "udp.home.test", Address: netip.AddrPortFrom(netip.Addr{}, 1812), Transport: hotspots.TransportUDP, Secret: "s3cret"}
	tlsAt := netip.MustParseAddrPort("127.0.0.9:2083")
	radsec := hotspots.RouteServer{Address: tlsAt, Transport: hotspots.TransportRadSec, Secret: "radsec", ClientCert: cert}
	rt := hotspots.Route{Realm: "home.test", Servers: []hotspots.RouteServer{named, radsec}}
	px, err := NewProxy(ProxyConfig{Routes: staticRoutes{"home.test": rt}, Registerer: prometheus.NewRegistry(), Resolve: res,
		Dial: func(s hotspots.RouteServer) (Exchanger, error) {
			return DialUDP(netip.MustParseAddrPort("127.0.0.1:9"), time.Second, 0)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	list, err := px.homeServers(context.Background(), rt, "home.test")
	if err != nil {
		t.Fatal(err)
	}
	px.usePool(rt, "home.test", list)
	if got := len(px.alive(list)); got != 3 {
		t.Fatalf("%d servers in use, want 3", got)
	}
	health := px.Health()
	byName := HealthFor(health, "home.test", hotspots.HomeServer{Host: "udp.home.test", Port: 1812, Transport: hotspots.TransportUDP})
	var addrs []string
	for _, h := range byName {
		addrs = append(addrs, h.Address)
	}
	slices.Sort(addrs)
	if strings.Join(addrs, " ") != "127.0.0.8:1812 [::1]:1812" {
		t.Errorf("named server's health at %v", addrs)
	}
	withCert := HealthFor(health, "home.test", hotspots.HomeServer{Address: tlsAt, Transport: hotspots.TransportRadSec})
	if len(withCert) != 1 || withCert[0].Server != "radsec/127.0.0.9:2083 (client wifihk for home.test)" {
		t.Errorf("RadSec server with the realm's certificate: %+v", withCert)
	}
	if other := HealthFor(health, "other.test", hotspots.HomeServer{Address: tlsAt, Transport: hotspots.TransportRadSec}); len(other) != 0 {
		t.Errorf("another realm's server: %+v", other)
	}
}
