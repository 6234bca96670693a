package radius

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/vendors/microsoft"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/vendors/chillispot"
)

const homeSecret = "home-secret-1"

// fakeHome is a scripted home server on 127.0.0.1:0: it checks each
// request's authenticators with its own secret, keeps it, and answers
// with what answer returns (nil: silence), echoing Proxy-State.
type fakeHome struct {
	t      testing.TB
	conn   *net.UDPConn
	silent atomic.Bool // answer nothing, as a dead server
	twice  atomic.Bool // answer everything twice
	mu     sync.Mutex
	got    []*layeh.Packet
	answer func(req *layeh.Packet) (layeh.Code, layeh.Attributes) // under mu
}

// setAnswer sets how Access-Requests are answered.
func (f *fakeHome) setAnswer(fn func(req *layeh.Packet) (layeh.Code, layeh.Attributes)) {
	f.mu.Lock()
	f.answer = fn
	f.mu.Unlock()
}

func newFakeHome(t testing.TB) *fakeHome { return newFakeHomeAt(t, 0) }

func newFakeHomeAt(t testing.TB, port uint16) *fakeHome {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(port)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeHome{t: t, conn: conn, answer: func(*layeh.Packet) (layeh.Code, layeh.Attributes) { return layeh.CodeAccessAccept, nil }}
	t.Cleanup(func() { conn.Close() })
	go f.serve()
	return f
}

func (f *fakeHome) addr() netip.AddrPort { return f.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (f *fakeHome) serve() {
	buf := make([]byte, 4096)
	for {
		n, from, err := f.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		b := append([]byte(nil), buf[:n]...)
		if f.silent.Load() {
			continue
		}
		p, err := parse(b, []byte(homeSecret))
		if err != nil {
			f.t.Errorf("home server: %v", err)
			continue
		}
		if present, err := checkRequestMA(b, []byte(homeSecret)); !present || err != nil {
			f.t.Errorf("home server: %v request Message-Authenticator present %v, %v", p.Code, present, err)
			continue
		}
		if p.Code == layeh.CodeAccountingRequest && !layeh.IsAuthenticRequest(b, []byte(homeSecret)) {
			f.t.Errorf("home server: accounting authenticator does not verify")
			continue
		}
		var code layeh.Code
		var attrs layeh.Attributes
		switch p.Code {
		case layeh.CodeStatusServer:
			code = layeh.CodeAccessAccept
		case layeh.CodeAccountingRequest:
			code = layeh.CodeAccountingResponse
		default:
			f.mu.Lock()
			answer := f.answer
			f.mu.Unlock()
			code, attrs = answer(p)
		}
		f.mu.Lock()
		f.got = append(f.got, p)
		f.mu.Unlock()
		for _, a := range p.Attributes {
			if a.Type == rfc2865.ProxyState_Type {
				attrs = append(attrs, a)
			}
		}
		reply, err := encodeReply(code, p.Identifier, p.Authenticator, []byte(homeSecret), attrs, p.Code != layeh.CodeAccountingRequest)
		if err != nil {
			f.t.Error(err)
			continue
		}
		f.conn.WriteToUDPAddrPort(reply, from)
		if f.twice.Load() {
			f.conn.WriteToUDPAddrPort(reply, from)
		}
	}
}

// requests returns the requests of code received so far.
func (f *fakeHome) requests(code layeh.Code) []*layeh.Packet {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*layeh.Packet
	for _, p := range f.got {
		if p.Code == code {
			out = append(out, p)
		}
	}
	return out
}

// newProxyHarness is a wifihk RADIUS server pair whose handlers are
// wrapped by a Proxy, with realm operator.example routed to homes.
func newProxyHarness(t *testing.T, forwardAcct bool, homes ...*fakeHome) (*harness, *Proxy) {
	addrs := make([]netip.AddrPort, len(homes))
	for i, f := range homes {
		addrs[i] = f.addr()
	}
	// Time-outs long enough that a home server slowed by a loaded
	// machine (CI runs other packages' tests beside these) is not
	// thought dead.
	return newProxyHarnessTo(t, proxySetup{forwardAcct: forwardAcct, timeout: 250 * time.Millisecond * raceSlowdown, retries: 1,
		deadAfter: 2, probe: 50 * time.Millisecond, acctOnAuthPort: true}, addrs...)
}

type proxySetup struct {
	forwardAcct    bool
	timeout, probe time.Duration
	retries        int
	deadAfter      int
	// acctOnAuthPort: the home servers take accounting on their
	// authentication port (fakeHome), not the next one.
	acctOnAuthPort bool
	secret         string // the home servers' secret; default homeSecret
	nostrip        bool   // User-Name leaves with its realm
	readers        int    // the servers' Readers (0: the default)
}

// newProxyHarnessTo routes operator.example to home servers at addrs.
func newProxyHarnessTo(t testing.TB, ps proxySetup, addrs ...netip.AddrPort) (*harness, *Proxy) {
	h := newHarness(t, hotspots.MARequire)
	h.readers = ps.readers
	if _, err := h.reg.AddOrg(hotspots.Org{Code: "operator", NameEN: "Operator"}); err != nil {
		t.Fatal(err)
	}
	in := hotspots.RealmInput{Name: "operator.example", Org: "operator", ForwardAcct: ps.forwardAcct, NoStrip: ps.nostrip}
	for _, a := range addrs {
		if ps.secret == "" {
			ps.secret = homeSecret
		}
		s := hotspots.HomeServerInput{Address: a.String(), Secret: ps.secret, Timeout: ps.timeout, Retries: ps.retries}
		if ps.acctOnAuthPort {
			s.AcctPort = int(a.Port())
		}
		in.Servers = append(in.Servers, s)
	}
	if _, err := h.reg.AddRealm(in); err != nil {
		t.Fatal(err)
	}
	px, err := NewProxy(ProxyConfig{Routes: h.reg, Registerer: h.prom, DeadAfter: ps.deadAfter, ProbeInterval: ps.probe})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Close() })
	auth, err := NewAuthenticator(AuthConfig{Credentials: h.vis, Sessions: h.sess, Plans: h.reg, DefaultPlan: hotspots.DefaultPlan(), Metrics: h.met})
	if err != nil {
		t.Fatal(err)
	}
	_, h.authAddr = h.serve(AuthPort, px.Auth(auth))
	_, h.acctAddr = h.serve(AcctPort, px.Acct(NewAccounting(h.sess, nil)))
	return h, px
}

func (px *Proxy) result(realm, result string) float64 {
	return testutil.ToFloat64(px.met.requests.WithLabelValues(realm, result))
}

func TestProxyRelaysPAPWithRewriting(t *testing.T) {
	home := newFakeHome(t)
	key := bytes.Repeat([]byte{0xAB}, 32)
	home.setAnswer(func(req *layeh.Packet) (layeh.Code, layeh.Attributes) {
		// The MPPE key is encrypted for this hop: the home secret and
		// the authenticator of the request the proxy sent.
		p := &layeh.Packet{Secret: []byte(homeSecret), Authenticator: req.Authenticator}
		microsoft.MSMPPERecvKey_Add(p, key)
		rfc2865.ReplyMessage_SetString(p, "welcome from operator")
		return layeh.CodeAccessAccept, p.Attributes
	})
	h, px := newProxyHarness(t, false, home)
	req := accessRequest(testSecret, "alice@Operator.Example", "alice-pw")
	chillispot.ChilliSpotVersion_SetString(req, "1.6") // a local attribute
	rfc2865.ProxyState_Set(req, []byte("downstream"))
	wire := mustEncodeMA(t, req)
	reply := checkReply(t, h.client(h.authAddr).exchange(wire, answerWait), wire, true)
	if reply.Code != layeh.CodeAccessAccept || rfc2865.ReplyMessage_GetString(reply) != "welcome from operator" {
		t.Fatalf("reply %v %q", reply.Code, rfc2865.ReplyMessage_GetString(reply))
	}
	if got, _ := rfc2865.ProxyState_Gets(reply); len(got) != 1 || string(got[0]) != "downstream" {
		t.Errorf("reply Proxy-State %q, want only the NAS's own", got)
	}
	reply.Secret, reply.Authenticator = []byte(testSecret), req.Authenticator
	if got, err := microsoft.MSMPPERecvKey_Lookup(reply, reply); err != nil || !bytes.Equal(got, key) {
		t.Errorf("MS-MPPE-Recv-Key for the NAS: %x %v, want %x", got, err, key)
	}
	sent := home.requests(layeh.CodeAccessRequest)
	if len(sent) != 1 {
		t.Fatalf("home server got %d requests", len(sent))
	}
	out := sent[0]
	if pw := rfc2865.UserPassword_GetString(out); pw != "alice-pw" {
		t.Errorf("User-Password at the home server decrypts to %q", pw)
	}
	if op := out.Get(typeOperatorName); string(op) != "1wifi.hk" {
		t.Errorf("Operator-Name %q", op)
	}
	if out.Get(rfc2865.VendorSpecific_Type) != nil {
		t.Error("a Vendor-Specific attribute left for the home server")
	}
	ps, _ := rfc2865.ProxyState_Gets(out)
	if len(ps) != 2 || string(ps[0]) != "downstream" || string(ps[1]) != "wifihk-proxy 1wifi.hk" {
		t.Errorf("Proxy-State sent %q", ps)
	}
	if rfc2865.UserName_GetString(out) != "alice" || rfc2865.CallingStationID_GetString(out) != "02-11-22-33-44-55" {
		t.Errorf("User-Name %q (want the realm stripped) or Calling-Station-Id changed", rfc2865.UserName_GetString(out))
	}
	if px.result("operator.example", "Access-Accept") != 1 {
		t.Error("wifihk_proxy_requests_total{operator.example,Access-Accept} not counted")
	}
	// A visitor without a realm is still ours.
	local := mustEncodeMA(t, accessRequest(testSecret, "nobody", "x"))
	if r := checkReply(t, h.client(h.authAddr).exchange(local, answerWait), local, true); r.Code != layeh.CodeAccessReject {
		t.Errorf("local unknown user got %v", r.Code)
	}
	if len(home.requests(layeh.CodeAccessRequest)) != 1 {
		t.Error("a local request went to the home server")
	}
}

// The realm is stripped from User-Name by default (as FreeRADIUS does),
// in Access-Requests and forwarded accounting alike, but kept with
// nostrip, in EAP requests (whose EAP identity carries it), and when
// nothing would be left of the name.
func TestProxyStripsRealm(t *testing.T) {
	for _, c := range []struct {
		name, user string
		nostrip    bool
		eap        bool
		want       string
	}{
		{"default", "alice@Operator.Example", false, false, "alice"},
		{"last @", "alice@home@operator.example", false, false, "alice@home"},
		{"nostrip", "alice@Operator.Example", true, false, "alice@Operator.Example"},
		{"eap", "anonymous@operator.example", false, true, "anonymous@operator.example"},
		{"nothing left", "@operator.example", false, false, "@operator.example"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := newFakeHome(t)
			if c.eap {
				home.setAnswer(func(*layeh.Packet) (layeh.Code, layeh.Attributes) {
					return layeh.CodeAccessReject, layeh.Attributes{{Type: typeEAPMessage, Attribute: []byte{4, 1, 0, 4}}}
				})
			}
			h, _ := newProxyHarnessTo(t, proxySetup{timeout: 150 * time.Millisecond * raceSlowdown, deadAfter: 2, probe: time.Second,
				acctOnAuthPort: true, forwardAcct: true, nostrip: c.nostrip}, home.addr())
			req := accessRequest(testSecret, c.user, "pw")
			if c.eap {
				req.Add(typeEAPMessage, []byte{2, 1, 0, 6, 1, 'x'})
			}
			wire := mustEncodeMA(t, req)
			checkReply(t, h.client(h.authAddr).exchange(wire, answerWait), wire, true)
			if got := rfc2865.UserName_GetString(home.requests(layeh.CodeAccessRequest)[0]); got != c.want {
				t.Errorf("home server got User-Name %q, want %q", got, c.want)
			}
			if c.eap {
				return
			}
			acct := mustEncode(t, acctRequest(c.user, "strip-1"))
			checkReply(t, h.client(h.acctAddr).exchange(acct, answerWait), acct, false)
			waitFor(t, "forwarded accounting", func() bool { return len(home.requests(layeh.CodeAccountingRequest)) == 1 })
			if got := rfc2865.UserName_GetString(home.requests(layeh.CodeAccountingRequest)[0]); got != c.want {
				t.Errorf("forwarded accounting has User-Name %q, want %q", got, c.want)
			}
			if s, err := h.sess.Get("test-nas/strip-1"); err != nil || s.Username != c.user {
				t.Errorf("the local session keeps the name as given: %+v %v", s, err)
			}
		})
	}
}

func TestProxyCHAPCarriesChallenge(t *testing.T) {
	home := newFakeHome(t)
	h, _ := newProxyHarness(t, false, home)
	req := layeh.New(layeh.CodeAccessRequest, []byte(testSecret))
	rfc2865.UserName_SetString(req, "bob@operator.example")
	rfc2865.CHAPPassword_Set(req, append([]byte{1}, bytes.Repeat([]byte{2}, 16)...))
	wire := mustEncodeMA(t, req)
	checkReply(t, h.client(h.authAddr).exchange(wire, answerWait), wire, true)
	out := home.requests(layeh.CodeAccessRequest)[0]
	if got := rfc2865.CHAPChallenge_Get(out); !bytes.Equal(got, req.Authenticator[:]) {
		t.Errorf("CHAP-Challenge %x, want the NAS's authenticator %x", got, req.Authenticator)
	}
}

func TestProxyEAPPassesIntact(t *testing.T) {
	home := newFakeHome(t)
	eapResp := []byte{2, 7, 0, 6, 1, 'x'}
	eapChal := []byte{1, 8, 0, 6, 21, 0x20}
	home.setAnswer(func(req *layeh.Packet) (layeh.Code, layeh.Attributes) {
		if !bytes.Equal(req.Get(typeEAPMessage), eapResp) || string(rfc2865.State_Get(req)) != "state-1" {
			t.Errorf("home server got EAP %x State %q", req.Get(typeEAPMessage), rfc2865.State_Get(req))
		}
		return layeh.CodeAccessChallenge, layeh.Attributes{{Type: typeEAPMessage, Attribute: eapChal}, {Type: rfc2865.State_Type, Attribute: []byte("state-2")}}
	})
	h, _ := newProxyHarness(t, false, home)
	req := accessRequest(testSecret, "anonymous@operator.example", "")
	req.Add(typeEAPMessage, eapResp)
	rfc2865.State_Set(req, []byte("state-1"))
	wire := mustEncodeMA(t, req)
	reply := checkReply(t, h.client(h.authAddr).exchange(wire, answerWait), wire, true)
	if reply.Code != layeh.CodeAccessChallenge || !bytes.Equal(reply.Get(typeEAPMessage), eapChal) || string(rfc2865.State_Get(reply)) != "state-2" {
		t.Fatalf("reply %v EAP %x State %q", reply.Code, reply.Get(typeEAPMessage), rfc2865.State_Get(reply))
	}
}

func TestProxyRefusesLoop(t *testing.T) {
	home := newFakeHome(t)
	h, px := newProxyHarness(t, false, home)
	req := accessRequest(testSecret, "alice@operator.example", "pw")
	rfc2865.ProxyState_Set(req, []byte("wifihk-proxy 1wifi.hk"))
	wire := mustEncodeMA(t, req)
	if r := h.client(h.authAddr).exchange(wire, dropWait); r != nil {
		t.Fatal("a looping request was answered")
	}
	if px.result("operator.example", proxyLoop) != 1 || len(home.requests(layeh.CodeAccessRequest)) != 0 {
		t.Error("loop not refused and counted")
	}
}

// A home server that answers twice: the NAS gets one answer, the second
// is dropped and counted as late.
func TestProxyOneAnswerPerRequest(t *testing.T) {
	home := newFakeHome(t)
	home.twice.Store(true)
	h, px := newProxyHarness(t, false, home)
	c := h.client(h.authAddr)
	for i := range 5 {
		req := accessRequest(testSecret, "alice@operator.example", "pw")
		wire := mustEncodeMA(t, req)
		checkReply(t, c.exchange(wire, answerWait), wire, true)
		_ = i
	}
	c.conn.SetReadDeadline(time.Now().Add(dropWait))
	if n, err := c.conn.Read(make([]byte, 4096)); err == nil {
		t.Fatalf("a second answer (%d bytes) reached the NAS", n)
	}
	deadline := time.Now().Add(answerWait)
	for px.Health()[0].Late < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("late answers %d, want 5", px.Health()[0].Late)
		}
		time.Sleep(5 * time.Millisecond) // polling a counter
	}
}

// proxiedAccept sends alice@operator.example's Access-Request through c
// and wants the home server's Access-Accept relayed.
func proxiedAccept(t *testing.T, c *client) {
	t.Helper()
	wire := mustEncodeMA(t, accessRequest(testSecret, "alice@operator.example", "pw"))
	if r := checkReply(t, c.exchange(wire, answerWait), wire, true); r.Code != layeh.CodeAccessAccept {
		t.Fatalf("got %v", r.Code)
	}
}

// The first home server stops answering: requests fail over to the
// second; after DeadAfter failures the first is dead and skipped; when it
// answers Status-Server again it is alive and used first.
func TestProxyFailoverAndRecovery(t *testing.T) {
	first, second := newFakeHome(t), newFakeHome(t)
	h, px := newProxyHarness(t, false, first, second)
	c := h.client(h.authAddr)
	send := func() { t.Helper(); proxiedAccept(t, c) }
	send()
	first.silent.Store(true)
	for range 3 {
		send()
	}
	if n := len(second.requests(layeh.CodeAccessRequest)); n != 3 {
		t.Errorf("second server got %d requests, want 3", n)
	}
	if hl := healthOf(px, first.addr()); hl.Alive || hl.Timeouts == 0 {
		t.Fatalf("first server %+v, want dead after timeouts", hl)
	}
	first.silent.Store(false)
	waitFor(t, "the first server alive again", func() bool { return healthOf(px, first.addr()).Alive })
	if len(first.requests(layeh.CodeStatusServer)) == 0 {
		t.Error("no Status-Server reached the first server")
	}
	before := len(first.requests(layeh.CodeAccessRequest))
	send()
	if len(first.requests(layeh.CodeAccessRequest)) != before+1 {
		t.Error("requests did not return to the first server")
	}
}

func TestProxyNoServerLeft(t *testing.T) {
	home := newFakeHome(t)
	home.silent.Store(true)
	h, px := newProxyHarness(t, false, home)
	c := h.client(h.authAddr)
	send := func() {
		if _, err := c.conn.Write(mustEncodeMA(t, accessRequest(testSecret, "alice@operator.example", "pw"))); err != nil {
			t.Fatal(err)
		}
	}
	send()
	waitFor(t, "the home server dead", func() bool { hl := px.Health(); return len(hl) == 1 && !hl[0].Alive })
	send()
	waitFor(t, "no_server counted", func() bool { return px.result("operator.example", proxyNoServer) == 1 })
	c.conn.SetReadDeadline(time.Now().Add(dropWait))
	if _, err := c.conn.Read(make([]byte, 4096)); err == nil {
		t.Error("answered without a home server")
	}
}

func healthOf(px *Proxy, a netip.AddrPort) ServerHealth {
	for _, hl := range px.Health() {
		if hl.Server == "udp/"+a.String() {
			return hl
		}
	}
	return ServerHealth{}
}

// waitFor polls cond (a counter or state another goroutine sets) until
// it holds or answerWait passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(answerWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling, not waiting for readiness
	}
}

func acctRequest(user, id string) *layeh.Packet {
	p := layeh.New(layeh.CodeAccountingRequest, []byte(testSecret))
	rfc2865.UserName_SetString(p, user)
	rfc2866.AcctStatusType_Set(p, rfc2866.AcctStatusType_Value_Start)
	rfc2866.AcctSessionID_SetString(p, id)
	return p
}

func TestProxyAccountingLocalAndForwarded(t *testing.T) {
	for _, forward := range []bool{false, true} {
		home := newFakeHome(t)
		h, px := newProxyHarness(t, forward, home)
		wire := mustEncode(t, acctRequest("alice@operator.example", "s1"))
		if r := checkReply(t, h.client(h.acctAddr).exchange(wire, answerWait), wire, false); r.Code != layeh.CodeAccountingResponse {
			t.Fatalf("got %v", r.Code)
		}
		s, err := h.sess.Get("test-nas/s1")
		if err != nil || s.Realm != "operator.example" {
			t.Fatalf("session %+v %v, want realm operator.example", s, err)
		}
		if !forward {
			if n := len(home.requests(layeh.CodeAccountingRequest)); n != 0 {
				t.Errorf("accounting forwarded %d times without forward_accounting", n)
			}
			continue
		}
		deadline := time.Now().Add(answerWait)
		for testutil.ToFloat64(px.met.forwards.WithLabelValues("operator.example", "answered")) != 1 {
			if time.Now().After(deadline) {
				t.Fatal("accounting not forwarded")
			}
			time.Sleep(5 * time.Millisecond) // polling a counter
		}
		got := home.requests(layeh.CodeAccountingRequest)
		if len(got) != 1 || rfc2866.AcctSessionID_GetString(got[0]) != "s1" || string(got[0].Get(typeOperatorName)) != "1wifi.hk" {
			t.Errorf("forwarded %d", len(got))
		}
	}
}

// Late answers are checked against the request they claim to answer: one
// with the wrong authenticator is never delivered.
func TestUDPClientDropsForgedAnswer(t *testing.T) {
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		buf := make([]byte, 4096)
		n, from, err := srv.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		p, _ := parse(buf[:n], []byte(homeSecret))
		forged, _ := encodeReply(layeh.CodeAccessAccept, p.Identifier, p.Authenticator, []byte("wrong-secret"), nil, true)
		srv.WriteToUDPAddrPort(forged, from)
		good, _ := encodeReply(layeh.CodeAccessReject, p.Identifier, p.Authenticator, []byte(homeSecret), nil, true)
		srv.WriteToUDPAddrPort(good, from)
	}()
	c, err := DialUDP(srv.LocalAddr().(*net.UDPAddr).AddrPort(), answerWait, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := layeh.New(layeh.CodeAccessRequest, []byte(homeSecret))
	a, err := c.Exchange(context.Background(), p)
	if err != nil || a.Code != layeh.CodeAccessReject {
		t.Fatalf("got %v %v, want the authentic Access-Reject", a, err)
	}
	if c.Late.Load() != 1 {
		t.Errorf("late %d, want 1 (the forged answer)", c.Late.Load())
	}
}

// A home server that is down refuses with ICMP port unreachable, which a
// connected socket reports as a read error; the client must go on
// reading, so that the server is answered once it is back.
func TestUDPClientSurvivesRefusal(t *testing.T) {
	addr := freePorts(t)
	c, err := DialUDP(addr, 50*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	status := func() error {
		p := layeh.New(layeh.CodeStatusServer, []byte(homeSecret))
		_, err := c.Exchange(context.Background(), p)
		return err
	}
	for range 2 * udpClientSockets { // every socket meets the refusal
		if err := status(); err == nil {
			t.Fatal("answered with no server")
		}
	}
	newFakeHomeAt(t, addr.Port())
	for range udpClientSockets {
		// A loaded machine may miss the 50 ms time-out now and then; a
		// socket that stopped reading never answers.
		var err error
		for try := 0; try < 40; try++ {
			if err = status(); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("server back, but %v", err)
		}
	}
}

// FuzzProxyAnswer feeds a home server's answer, authentic for its
// request but with arbitrary attributes (salted keys, Tunnel-Password,
// vendor attributes of any shape), through verification and relaying to
// the NAS: never a panic, and whatever is relayed encodes.
func FuzzProxyAnswer(f *testing.F) {
	key := bytes.Repeat([]byte{1}, 32)
	p := &layeh.Packet{Secret: []byte(homeSecret)}
	microsoft.MSMPPERecvKey_Add(p, key)
	p.Add(typeTunnelPassword, append([]byte{1}, make([]byte, 18)...))
	p.Add(typeEAPMessage, []byte{3, 1, 0, 4})
	p.Code = layeh.CodeAccessAccept
	seed, _ := p.MarshalBinary()
	f.Add(seed[headerLen:])
	f.Add([]byte{26, 8, 0, 0, 1, 55, 16, 2})
	f.Add([]byte{80, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	c := &UDPClient{macs: newMACPool(md5.New)}
	nas := &Request{Packet: layeh.New(layeh.CodeAccessRequest, []byte(testSecret))}
	out := layeh.New(layeh.CodeAccessRequest, []byte(homeSecret))
	f.Fuzz(func(t *testing.T, attrs []byte) {
		if len(attrs) > layeh.MaxPacketLength-headerLen {
			return
		}
		b := make([]byte, headerLen, headerLen+len(attrs))
		b[0], b[1] = byte(layeh.CodeAccessAccept), 7
		binary.BigEndian.PutUint16(b[2:4], uint16(headerLen+len(attrs)))
		copy(b[4:20], out.Authenticator[:])
		b = append(b, attrs...)
		sum := md5.Sum(append(b, homeSecret...))
		copy(b[4:20], sum[:])
		w := &udpWait{auth: out.Authenticator, secret: []byte(homeSecret)}
		w.sent.Store(true)
		a, ok := c.verifyAnswer(b, w)
		if !ok {
			return
		}
		resp, err := relay(a, out, nas)
		if err != nil {
			return
		}
		if _, err := encodeReply(resp.Code, 1, nas.Authenticator, nas.Secret, resp.Attributes, true); err != nil {
			t.Fatalf("relayed answer does not encode: %v", err)
		}
	})
}

// staticRoutes is a fixed realm table.
type staticRoutes map[string]hotspots.Route

func (r staticRoutes) RouteRealm(realm string) (hotspots.Route, bool) {
	rt, ok := r[realm]
	return rt, ok
}

// A home server whose transport cannot be made (a RadSec server without
// a client certificate, say) is skipped: the request counts as
// no_server, and the reason is logged once, not once a request.
func TestProxyUnusableServerLoggedOnce(t *testing.T) {
	var logs bytes.Buffer
	rt := hotspots.Route{Realm: "operator.example", Servers: []hotspots.RouteServer{
		{Address: netip.MustParseAddrPort("192.0.2.1:2083"), Transport: hotspots.TransportRadSec, Secret: "radsec", Timeout: time.Second}}}
	px, err := NewProxy(ProxyConfig{Routes: staticRoutes{"operator.example": rt}, Registerer: prometheus.NewRegistry(),
		Log: slog.New(slog.NewTextHandler(&logs, nil))}) // the default Dial knows only UDP
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	for range 3 {
		req := &Request{Packet: accessRequest(testSecret, "alice@operator.example", "pw")}
		if resp, err := px.Auth(nil).ServeRADIUS(context.Background(), req); err != nil || resp.Code != 0 {
			t.Fatalf("answered %v %v", resp.Code, err)
		}
	}
	if n := px.result("operator.example", proxyNoServer); n != 3 {
		t.Errorf("no_server %v, want 3", n)
	}
	if n := strings.Count(logs.String(), "home server unusable"); n != 1 || !strings.Contains(logs.String(), "radsec/192.0.2.1:2083") {
		t.Errorf("logged %d times:\n%s", n, logs.String())
	}
}

// UDPClient.Go: datagrams held for a batch leave only at Flush; a request
// whose first datagram is lost is sent again at its timeout; done is
// called once, with the first authentic answer, and the answer to the
// retransmission is counted late.
func TestUDPClientGoHoldsRetriesAndEndsOnce(t *testing.T) {
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	timeout := 100 * time.Millisecond * raceSlowdown
	c, err := DialUDP(srv.LocalAddr().(*net.UDPAddr).AddrPort(), timeout, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type result struct {
		a   *layeh.Packet
		err error
	}
	results := make(chan result, 4)
	var hold SendHold
	for range 2 {
		c.Go(layeh.New(layeh.CodeAccessRequest, []byte(homeSecret)), &hold, func(a *layeh.Packet, err error, _ *SendHold) { results <- result{a, err} })
	}
	buf := make([]byte, 4096)
	srv.SetReadDeadline(time.Now().Add(timeout / 2))
	if _, _, err := srv.ReadFromUDPAddrPort(buf); err == nil {
		t.Fatal("a held datagram was sent before Flush")
	}
	hold.Flush()
	// Both arrive; the first is left unanswered, so that it is sent again.
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	seen := map[byte]int{}
	for answered := 0; answered < 2; {
		n, from, err := srv.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("after %d answers: %v", answered, err)
		}
		p, err := parse(buf[:n], []byte(homeSecret))
		if err != nil {
			t.Fatal(err)
		}
		if seen[p.Identifier]++; len(seen) == 1 && seen[p.Identifier] == 1 {
			continue // the first request's first datagram is "lost"
		}
		reply, _ := encodeReply(layeh.CodeAccessAccept, p.Identifier, p.Authenticator, []byte(homeSecret), nil, true)
		for range 2 { // a duplicate answer
			srv.WriteToUDPAddrPort(reply, from)
		}
		answered++
	}
	for range 2 {
		if r := <-results; r.err != nil || r.a.Code != layeh.CodeAccessAccept {
			t.Fatalf("got %v %v, want Access-Accept", r.a, r.err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); c.Late.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond) // polling a counter
	}
	if late := c.Late.Load(); late != 2 {
		t.Errorf("late answers %d, want 2 (the duplicates)", late)
	}
	select {
	case r := <-results:
		t.Errorf("done called again: %v %v", r.a, r.err)
	case <-time.After(2 * timeout):
	}
	if sends := slices.Sorted(maps.Values(seen)); !slices.Equal(sends, []int{1, 2}) {
		t.Errorf("datagrams per request %v, want the unanswered one sent twice, the other once", seen)
	}
}

// Requests waiting for a home server hold none of the server's readers:
// with two readers, both busy with requests to a home server that
// answers nothing, a local visitor is still answered at once.
func TestSilentHomeServerHoldsNoReader(t *testing.T) {
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var got atomic.Int32
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := silent.Read(buf); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	h, px := newProxyHarnessTo(t, proxySetup{timeout: 5 * time.Second, deadAfter: 100, probe: time.Minute, readers: 2},
		silent.LocalAddr().(*net.UDPAddr).AddrPort())
	h.addUser("bob", "bob-pass-1", true)
	c := h.client(h.authAddr)
	for i := range 4 { // one datagram per read, if the readers are quick
		p := accessRequest(testSecret, "alice@operator.example", "pw")
		p.Identifier = byte(i)
		if _, err := c.conn.Write(mustEncodeMA(t, p)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(t, "4 requests at the silent home server", func() bool { return got.Load() == 4 })
	local := chapRequest("bob", "bob-pass-1", []byte("0123456789abcdef"))
	local.Identifier = 200
	start := time.Now()
	reply := c.exchange(mustEncodeMA(t, local), 2*time.Second)
	if reply == nil || layeh.Code(reply[0]) != layeh.CodeAccessAccept {
		t.Fatalf("local visitor: reply %v after %v while 4 requests waited for a silent home server", reply, time.Since(start))
	}
	if n := px.result("operator.example", proxyNoAnswer); n != 0 {
		t.Fatalf("%v requests already timed out", n)
	}
}
