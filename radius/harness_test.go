package radius

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets/secretstest"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/visitors"
)

const testSecret = "s3cret-for-tests"

var testCUIKey = []byte("chargeable-user-identity key for tests")

// harness is a real RADIUS server pair on 127.0.0.1:0 over a real store.
type harness struct {
	t        testing.TB
	db       *store.DB
	reg      *hotspots.Registry
	vis      *visitors.Store
	sess     *accounting.Store
	met      *Metrics
	prom     *prometheus.Registry
	authAddr *net.UDPAddr
	acctAddr *net.UDPAddr
	authSrv  *Server
	acctSrv  *Server
	counts   *Drops // shared by both servers, as in the controller
	readers  int    // the servers' Readers (0: the default)
}

func newHarness(t testing.TB, requireMA string) *harness {
	t.Helper()
	sealer := secretstest.New(t)
	h := &harness{t: t, db: storetest.Open(t), prom: prometheus.NewRegistry(), counts: NewDrops()}
	var err error
	if h.reg, err = hotspots.New(h.db, sealer); err != nil {
		t.Fatal(err)
	}
	if _, err := h.reg.AddNAS(hotspots.NASInput{Name: "test-nas", IP: "127.0.0.1", Secret: testSecret, RequireMA: requireMA}); err != nil {
		t.Fatal(err)
	}
	h.vis = visitors.New(h.db, sealer)
	h.sess = accounting.New(h.db)
	t.Cleanup(h.sess.Close)
	h.met = NewMetrics(h.prom)
	plan := hotspots.DefaultPlan()
	plan.DataCapMB = 5 * 1024 // 5 GiB: needs Gigawords
	auth, err := NewAuthenticator(AuthConfig{Credentials: visitors.NewCachedReader(h.vis), Sessions: h.sess, Plans: h.reg,
		DefaultPlan: plan, Metrics: h.met, CUIKey: testCUIKey})
	if err != nil {
		t.Fatal(err)
	}
	h.authSrv, h.authAddr = h.serve(AuthPort, auth)
	h.acctSrv, h.acctAddr = h.serve(AcctPort, NewAccounting(h.sess, nil))
	return h
}

func (h *harness) serve(port Port, handler Handler) (*Server, *net.UDPAddr) {
	srv, err := NewServer(ServerConfig{Port: port, NAS: h.reg, Handler: handler, Metrics: h.met, Drops: h.counts, Readers: h.readers})
	if err != nil {
		h.t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		h.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(conn) }()
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			h.t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, conn.LocalAddr().(*net.UDPAddr)
}

func (h *harness) addUser(name, pw string, chap bool) {
	h.t.Helper()
	if _, err := h.vis.AddAccount(visitors.AccountInput{Username: name, Password: pw, CHAP: chap}); err != nil {
		h.t.Fatal(err)
	}
}

// client is one NAS socket.
type client struct {
	t    testing.TB
	conn *net.UDPConn
}

func (h *harness) client(to *net.UDPAddr) *client {
	conn, err := net.DialUDP("udp", nil, to)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { conn.Close() })
	return &client{t: h.t, conn: conn}
}

// exchange sends wire and returns the reply, or nil when none comes within
// wait (used to show a packet was dropped).
func (c *client) exchange(wire []byte, wait time.Duration) []byte {
	c.t.Helper()
	if _, err := c.conn.Write(wire); err != nil {
		c.t.Fatal(err)
	}
	c.conn.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 4096)
	for {
		n, err := c.conn.Read(buf)
		if err != nil {
			return nil
		}
		if n >= 20 && buf[1] == wire[1] {
			return append([]byte(nil), buf[:n]...)
		}
	}
}

const (
	answerWait = 5 * time.Second * raceSlowdown // an answer is expected
	dropWait   = 300 * time.Millisecond         // a drop is expected; counters confirm it
)

func accessRequest(secret, user, pw string) *layeh.Packet {
	p := layeh.New(layeh.CodeAccessRequest, []byte(secret))
	rfc2865.UserName_SetString(p, user)
	if pw != "" {
		rfc2865.UserPassword_SetString(p, pw)
	}
	rfc2865.CallingStationID_SetString(p, "02-11-22-33-44-55")
	return p
}

func mustEncodeMA(t testing.TB, p *layeh.Packet) []byte {
	t.Helper()
	b, err := encodeRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustEncode(t testing.TB, p *layeh.Packet) []byte {
	t.Helper()
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkReply verifies a reply's authenticator and, for replies to
// Access-Request and Status-Server, that Message-Authenticator comes first
// and verifies; it returns the parsed reply.
func checkReply(t testing.TB, reply, req []byte, wantMA bool) *layeh.Packet {
	t.Helper()
	if reply == nil {
		t.Fatal("no reply")
	}
	if !layeh.IsAuthenticResponse(reply, req, []byte(testSecret)) {
		t.Fatal("reply authenticator does not verify")
	}
	if wantMA {
		if reply[20] != typeMA {
			t.Fatalf("first attribute is %d, want Message-Authenticator (80)", reply[20])
		}
		if present, err := checkReplyMA(reply, req[4:20], []byte(testSecret)); !present || err != nil {
			t.Fatalf("reply Message-Authenticator: present %v, %v", present, err)
		}
	}
	p, err := layeh.Parse(reply, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (h *harness) drops(port Port, reason string) float64 {
	return testutil.ToFloat64(h.met.drops.WithLabelValues(string(port), reason))
}

// waitDrops waits until the drop counter reaches want.
func (h *harness) waitDrops(port Port, reason string, want float64) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.drops(port, reason) < want {
		if time.Now().After(deadline) {
			h.t.Fatalf("drops{%s,%s} = %v, want %v", port, reason, h.drops(port, reason), want)
		}
		time.Sleep(5 * time.Millisecond) // polling a counter, not waiting for readiness
	}
}
