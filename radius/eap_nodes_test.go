package radius

import (
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/radius/eap"
)

// eapCluster is two nodes (A is the harness's own listener) with the same
// ticket keys over one store.
type eapCluster struct {
	*eapHarness
	b     *eap.Server
	bAddr *net.UDPAddr
}

func newEAPCluster(t *testing.T) *eapCluster {
	cfg := eap.Config{TicketKeys: [][32]byte{{7}}}
	h := newEAPHarness(t, "", cfg)
	c := &eapCluster{eapHarness: h}
	c.b, c.bAddr = h.eapNode(cfg)
	return c
}

func (c *eapCluster) nasOf(addr *net.UDPAddr) *eapNAS {
	return &eapNAS{h: c.eapHarness, c: c.client(addr)}
}

// ticketFromA authenticates user in full on node A and returns the
// device's session cache, its ticket written to the store.
func (c *eapCluster) ticketFromA(t *testing.T, user, pw string, v uint16) tls.ClientSessionCache {
	t.Helper()
	cache := tls.NewLRUClientSessionCache(4)
	res, err := c.peer(user, pw, v, cache).Run(c.nasOf(c.addr).exchange)
	if err != nil || res.Resumed {
		t.Fatalf("full handshake on A: resumed %v, %v", res.Resumed, err)
	}
	c.eap.Flush()
	return cache
}

// A device that authenticated on node A resumes its TLS session on node B
// over RADIUS, with the same admission as on A: B answers with the inner
// identity. An account disabled, deleted and made again, or whose time
// ran out since does not resume on B.
func TestEAPResumesOnAnotherNode(t *testing.T) {
	c := newEAPCluster(t)
	c.addUser("alice", "alice-pass-1", false)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			cache := c.ticketFromA(t, "alice", "alice-pass-1", v)
			nas := c.nasOf(c.bAddr)
			res, err := c.peer("alice", "no password is sent when resuming", v, cache).Run(nas.exchange)
			if err != nil || !res.Resumed {
				t.Fatalf("on B: resumed %v, %v; want resumed", res.Resumed, err)
			}
			if nas.last.Code != layeh.CodeAccessAccept || rfc2865.UserName_GetString(nas.last) != "alice" {
				t.Fatalf("on B: %v for %q, want an Accept for alice", nas.last.Code, rfc2865.UserName_GetString(nas.last))
			}
		})
	}
	if st := c.b.Stats().Shared; st.Loaded != 2 {
		t.Errorf("B loaded %d sessions from the store, want 2", st.Loaded)
	}

	refused := []struct {
		name   string
		change func(t *testing.T)
		undo   func(t *testing.T)
	}{
		{"disabled", func(t *testing.T) { c.setDisabled(t, "alice", true) }, func(t *testing.T) { c.setDisabled(t, "alice", false) }},
		{"deleted and made again", func(t *testing.T) {
			if err := c.vis.DeleteAccount("alice"); err != nil {
				t.Fatal(err)
			}
			c.addUser("alice", "alice-pass-1", false)
		}, func(*testing.T) {}},
		{"expired", func(t *testing.T) { c.expire(t, "alice") }, func(t *testing.T) {
			if err := c.vis.DeleteAccount("alice"); err != nil {
				t.Fatal(err)
			}
			c.addUser("alice", "alice-pass-1", false)
		}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			cache := c.ticketFromA(t, "alice", "alice-pass-1", tls.VersionTLS13)
			tc.change(t)
			defer tc.undo(t)
			c.refusedOnB(t, "alice", cache)
		})
	}
}

// refusedOnB runs a device with cache on node B and wants a reject for an
// unusable credential, after a resumed handshake.
func (c *eapCluster) refusedOnB(t *testing.T, user string, cache tls.ClientSessionCache) {
	t.Helper()
	before := testutil.ToFloat64(c.met.eap.WithLabelValues("ttls-resumed", "reject"))
	nas := c.nasOf(c.bAddr)
	_, err := c.peer(user, "unused", tls.VersionTLS13, cache).Run(nas.exchange)
	if !errors.Is(err, eap.ErrRejected) || nas.last.Code != layeh.CodeAccessReject {
		t.Fatalf("on B: %v, %v; want a reject", err, nas.last.Code)
	}
	if got := testutil.ToFloat64(c.met.eap.WithLabelValues("ttls-resumed", "reject")); got != before+1 {
		t.Errorf("ttls-resumed rejects %v, want %v: the session was not resumed", got, before+1)
	}
}

func (c *eapCluster) setDisabled(t *testing.T, user string, disabled bool) {
	t.Helper()
	if _, err := c.vis.SetAccountDisabled(user, disabled); err != nil {
		t.Fatal(err)
	}
}

// expire ends user's account a minute ago, keeping it the same account
// (its creation time).
func (c *eapCluster) expire(t *testing.T, user string) {
	t.Helper()
	cred, err := c.vis.Get(user)
	if err == nil {
		err = c.vis.DeleteAccount(user)
	}
	if err != nil {
		t.Fatal(err)
	}
	cred.ExpiresAt = time.Now().Add(-time.Minute)
	if err := c.vis.Insert(cred); err != nil {
		t.Fatal(err)
	}
}

// failoverRelay is a NAS's view of a cluster behind one address: it relays
// RADIUS between a client and node A until A sends an Access-Accept, then
// to node B. Before it passes that Accept on, it waits for A to have
// written the session to the store (a device that roams takes longer
// than that).
type failoverRelay struct {
	conn   *net.UDPConn // the client's side
	up     *net.UDPConn // the nodes' side
	a, b   *net.UDPAddr
	flushA func()
	mu     sync.Mutex
	client *net.UDPAddr
	onB    bool
}

func newFailoverRelay(t *testing.T, a, b *net.UDPAddr, flushA func()) *net.UDPAddr {
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	r := &failoverRelay{conn: listen(), up: listen(), a: a, b: b, flushA: flushA}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.toNodes() }()
	go func() { defer wg.Done(); r.toClient() }()
	t.Cleanup(func() { r.conn.Close(); r.up.Close(); wg.Wait() })
	return r.conn.LocalAddr().(*net.UDPAddr)
}

func (r *failoverRelay) toNodes() {
	buf := make([]byte, 4096)
	for {
		n, from, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		r.mu.Lock()
		r.client = from
		to := r.a
		if r.onB {
			to = r.b
		}
		r.mu.Unlock()
		r.up.WriteToUDP(buf[:n], to)
	}
}

func (r *failoverRelay) toClient() {
	buf := make([]byte, 4096)
	for {
		n, from, err := r.up.ReadFromUDP(buf)
		if err != nil {
			return
		}
		r.mu.Lock()
		if from.Port == r.a.Port && n > 0 && buf[0] == byte(layeh.CodeAccessAccept) && !r.onB {
			r.flushA()
			r.onB = true
		}
		to := r.client
		r.mu.Unlock()
		r.conn.WriteToUDP(buf[:n], to)
	}
}

// eapol_test authenticates through the relay on node A, then resumes
// twice (-r 2) on node B: the ticket A issued resumes on B.
func TestInteropEapolResumesOnAnotherNode(t *testing.T) {
	needEapolTest(t)
	c := newEAPCluster(t)
	c.addUser("alice", "alice-pass-1", false)
	for _, tc := range []struct{ name, phase1 string }{
		{"TLS1.2", "tls_disable_tlsv1_3=1 tls_disable_session_ticket=0"},
		{"TLS1.3", "tls_disable_tlsv1_3=0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loadedBefore := c.b.Stats().Shared.Loaded
			relay := newFailoverRelay(t, c.addr, c.bAddr, c.eap.Flush)
			h := &eapHarness{harness: c.harness, addr: relay}
			out, ok := h.eapolTest(t, ttlsNetwork(c.pki.CA, "alice", "alice-pass-1", tc.phase1), "-r", "2")
			if !ok || !strings.Contains(out, "MPPE keys OK: 3  mismatch: 0") {
				t.Fatalf("want three successes with MPPE keys OK:\n%s", tail(out, 80))
			}
			if got := resumedRuns(out); !slices.Equal(got, []bool{false, true, true}) {
				t.Fatalf("resumed %v, want a full handshake on A, then resumed on B:\n%s", got, tail(out, 80))
			}
			if c.b.Stats().Shared.Loaded == loadedBefore {
				t.Error("B did not read A's session from the store")
			}
		})
	}
}
