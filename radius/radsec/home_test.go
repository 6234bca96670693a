package radsec

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
)

// routes is a fixed realm table.
type routes map[string]hotspots.Route

func (r routes) RouteRealm(realm string) (hotspots.Route, bool) { rt, ok := r[realm]; return rt, ok }

// local stands for the handlers behind the proxy: requests it gets were
// not proxied.
type local struct{ calls int }

func (l *local) ServeRADIUS(context.Context, *radius.Request) (radius.Response, error) {
	l.calls++
	return radius.Response{Code: layeh.CodeAccountingResponse}, nil
}

func (l *local) ServeRADIUSBatch(ctx context.Context, rs []*radius.Request) ([]radius.Response, []error) {
	out, errs := make([]radius.Response, len(rs)), make([]error, len(rs))
	for i, r := range rs {
		out[i], errs[i] = l.ServeRADIUS(ctx, r)
	}
	return out, errs
}

// closedAddr is a loopback TCP address nothing listens on.
func closedAddr(t *testing.T) netip.AddrPort {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return netip.MustParseAddrPort(ln.Addr().String())
}

// The proxy sends a realm's requests to a RadSec home server through
// HomeDialer: the first server refuses connections, so the request fails
// over to the second at once; the realm is stripped; accounting is
// forwarded over the same connection.
func TestProxyToRadSecHomeServer(t *testing.T) {
	r := newRig(t, nil)
	caPEM, err := os.ReadFile(r.ca.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	down := closedAddr(t)
	up := netip.MustParseAddrPort(r.addr)
	rt := hotspots.Route{Realm: "operator.example", ForwardAcct: true, Servers: []hotspots.RouteServer{
		{Address: down, Transport: hotspots.TransportRadSec, Secret: Secret, Timeout: time.Second, CA: string(caPEM)},
		{Address: up, Transport: hotspots.TransportRadSec, Secret: Secret, Timeout: time.Second, ServerName: "radsec.example.net"}, // the dialer's CAs
	}}
	d := &HomeDialer{Cert: &r.nasCert.TLS, CAs: r.ca.Pool}
	px, err := radius.NewProxy(radius.ProxyConfig{Routes: routes{"operator.example": rt}, Registerer: prometheus.NewRegistry(),
		Dial: d.Dial, DeadAfter: 1, ProbeInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	next := &local{}
	req := &radius.Request{Packet: layeh.New(layeh.CodeAccessRequest, []byte("nas-secret"))}
	rfc2865.UserName_SetString(req.Packet, "alice@operator.example")
	rfc2865.UserPassword_SetString(req.Packet, "pw")
	resp, err := px.Auth(next).ServeRADIUS(context.Background(), req)
	if err != nil || resp.Code != layeh.CodeAccessAccept {
		t.Fatalf("proxied over RadSec: %v %v", resp.Code, err)
	}
	if got := string(resp.Attributes.Get(rfc2865.ReplyMessage_Type)); got != "alice" {
		t.Errorf("the home server got User-Name %q, want alice (realm stripped)", got)
	}
	health := map[string]radius.ServerHealth{}
	for _, h := range px.Health() {
		health[h.Server] = h
	}
	if h := health["radsec/"+down.String()]; h.Alive || h.Timeouts != 1 {
		t.Errorf("refusing server %+v, want dead after one failure", h)
	}
	if h := health["radsec/"+up.String()]; !h.Alive || h.Answers != 1 {
		t.Errorf("answering server %+v", h)
	}

	acct := &radius.Request{Packet: layeh.New(layeh.CodeAccountingRequest, []byte("nas-secret"))}
	rfc2865.UserName_SetString(acct.Packet, "alice@operator.example")
	rfc2866.AcctStatusType_Set(acct.Packet, rfc2866.AcctStatusType_Value_Start)
	if resp, err := px.Acct(next).ServeRADIUS(context.Background(), acct); err != nil || resp.Code != layeh.CodeAccountingResponse || next.calls != 1 {
		t.Fatalf("accounting answered here: %v %v (local calls %d)", resp.Code, err, next.calls)
	}
	for deadline := time.Now().Add(5 * time.Second); r.handler.calls.Load() < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("accounting not forwarded to the RadSec home server")
		}
	}
	if n := testutil.ToFloat64(r.srv.met.accepted); n != 1 {
		t.Errorf("%v RadSec connections, want one for authentication and accounting", n)
	}
}

// A RadSec home server without our certificate or a CA to check it by is
// unusable, and says why.
func TestHomeDialerRefuses(t *testing.T) {
	r := newRig(t, nil)
	s := hotspots.RouteServer{Address: netip.MustParseAddrPort(r.addr), Transport: hotspots.TransportRadSec, Secret: Secret, Timeout: time.Second}
	if _, err := (&HomeDialer{CAs: r.ca.Pool}).Dial(s); !errors.Is(err, ErrNoClientCert) {
		t.Errorf("without a certificate: %v", err)
	}
	if _, err := (&HomeDialer{Cert: &r.nasCert.TLS}).Dial(s); err == nil || !strings.Contains(err.Error(), "no CA") {
		t.Errorf("without a CA: %v", err)
	}
	s.CA = "junk"
	if _, err := (&HomeDialer{Cert: &r.nasCert.TLS}).Dial(s); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("with a junk CA: %v", err)
	}
	// The server's certificate names radsec.example.net and 127.0.0.1:
	// another name fails the exchange.
	s.CA, s.ServerName = "", "other.example.net"
	ex, err := (&HomeDialer{Cert: &r.nasCert.TLS, CAs: r.ca.Pool}).Dial(s)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	if _, err := ex.Exchange(context.Background(), layeh.New(layeh.CodeStatusServer, []byte(Secret))); err == nil {
		t.Error("a server with another name was accepted")
	}
	// Its IP address, the default name, is in its certificate.
	s.ServerName = ""
	ex2, err := (&HomeDialer{Cert: &r.nasCert.TLS, CAs: r.ca.Pool}).Dial(s)
	if err != nil {
		t.Fatal(err)
	}
	defer ex2.Close()
	if _, err := ex2.Exchange(context.Background(), layeh.New(layeh.CodeStatusServer, []byte(Secret))); err != nil {
		t.Errorf("by its IP address: %v", err)
	}
}
