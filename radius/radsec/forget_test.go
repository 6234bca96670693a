package radsec

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/radius/discovery"
	"github.com/wifihk/wifihk/radius/discovery/dnstest"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// A server the DNS stops naming for a dynamic realm is forgotten once
// the answer that named it has expired: it leaves the proxy's health,
// its connection is closed and its series leave /metrics, with no
// request needed; the server still named keeps its health.
func TestProxyForgetsServersTheDNSDrops(t *testing.T) {
	fed := radsectest.NewCA(t, "Fed CA")
	cert := fed.ServerForRealms("radsec.operator.test", []string{"operator.test"}, "127.0.0.1")
	r1 := newRig(t, func(sc *ServerConfig) { sc.TLS.Certificates = []tls.Certificate{cert.TLS} })
	r2 := newRig(t, func(sc *ServerConfig) {
		sc.TLS.Certificates = []tls.Certificate{cert.TLS}
		sc.TLS.ClientCAs = r1.ca.Pool // both trust the proxy's certificate, r1's "NAS CA"
	})
	port := func(r *rig) int { _, p, _ := net.SplitHostPort(r.addr); n, _ := strconv.Atoi(p); return n }
	zone := func(rigs ...*rig) []string {
		recs := []string{dnstest.NAPTR("operator.test", 10, 10, "s", "aaa+auth:radius.tls.tcp", "_radiustls._tcp.operator.test")}
		for i, r := range rigs {
			host := "radsec" + strconv.Itoa(port(r)) + ".operator.test"
			recs = append(recs, dnstest.SRV("_radiustls._tcp.operator.test", host, port(r), 10*(i+1), 0), dnstest.Host(host, "127.0.0.1"))
		}
		return recs
	}
	dns := dnstest.Start(t, 1, zone(r1, r2)...)
	res, err := discovery.New(discovery.Config{Resolver: dns.Addr, MinTTL: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	rt := hotspots.Route{Realm: "operator.test", Discovery: &hotspots.RouteServer{Transport: hotspots.TransportRadSec, Secret: Secret,
		CA: readPEM(t, fed.CAFile), Timeout: 2 * time.Second}}
	px, err := radius.NewProxy(radius.ProxyConfig{Routes: routes{"operator.test": rt}, Registerer: reg,
		Dial: (&HomeDialer{Cert: &r1.nasCert.TLS}).Dial, Discover: res, ProbeInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	req := &radius.Request{Packet: layeh.New(layeh.CodeAccessRequest, []byte("nas-secret"))}
	rfc2865.UserName_SetString(req.Packet, "alice@operator.test")
	rfc2865.UserPassword_SetString(req.Packet, "pw")
	if resp, err := px.Auth(&local{}).ServeRADIUS(context.Background(), req); err != nil || resp.Code != layeh.CodeAccessAccept {
		t.Fatalf("proxied to the discovered server: %v %v", resp.Code, err)
	}
	name1, name2 := "radsec/"+r1.addr, "radsec/"+r2.addr
	waitFor(t, func() bool {
		return testutil.ToFloat64(r1.srv.met.conns) == 1 && testutil.ToFloat64(r2.srv.met.conns) == 1
	})
	if h := health(px); h[name1].Answers != 1 || !h[name2].Alive || strings.Join(h[name1].Realms, ",") != "operator.test" {
		t.Fatalf("health before the change: %+v", h)
	}

	dns.Replace(zone(r2)...)
	waitFor(t, func() bool { _, ok := health(px)[name1]; return !ok })
	waitFor(t, func() bool { return testutil.ToFloat64(r1.srv.met.conns) == 0 })
	if n := seriesOf(t, reg, r1.addr); n != 0 {
		t.Errorf("%d series still name %s", n, name1)
	}
	if n := seriesOf(t, reg, r2.addr); n == 0 {
		t.Errorf("the server still named lost its series")
	}
	if h, ok := health(px)[name2]; !ok || !h.Alive || testutil.ToFloat64(r2.srv.met.conns) != 1 {
		t.Errorf("the server still named: %+v (kept %v)", h, ok)
	}
	if resp, err := px.Auth(&local{}).ServeRADIUS(context.Background(), req); err != nil || resp.Code != layeh.CodeAccessAccept {
		t.Fatalf("after the change: %v %v", resp.Code, err)
	}
}

func health(px *radius.Proxy) map[string]radius.ServerHealth {
	out := map[string]radius.ServerHealth{}
	for _, h := range px.Health() {
		out[h.Server] = h
	}
	return out
}

// seriesOf counts the proxy series whose labels mention addr.
func seriesOf(t *testing.T, reg *prometheus.Registry, addr string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), addr) {
					n++
				}
			}
		}
	}
	return n
}
