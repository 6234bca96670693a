package eap

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/visitors"
)

// sharedStores returns n nodes' views of one store: n connections to one
// PostgreSQL database with WIFIHK_TEST_STORE=postgres, else n
// visitors.Store over one bbolt file (bbolt allows one opener).
func sharedStores(t testing.TB, n int) []*visitors.Store {
	t.Helper()
	sealer, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*visitors.Store, n)
	if os.Getenv("WIFIHK_TEST_STORE") == "postgres" {
		url := pgtest.NewDB(t)
		for i := range out {
			out[i] = visitors.New(storetest.OpenNode(t, url), sealer)
		}
		return out
	}
	db := storetest.OpenShared(t)
	for i := range out {
		out[i] = visitors.New(db, sealer)
	}
	return out
}

// twoNodes are two servers of one cluster: the same ticket keys (from
// master.key) and the same store. Each is flushed before the store closes.
func twoNodes(t testing.TB, cfg Config) (a, b *Server) {
	t.Helper()
	st := sharedStores(t, 2)
	cfg.TicketKeys = [][32]byte{{1, 2, 3}}
	ca, cb := cfg, cfg
	ca.Resumptions, cb.Resumptions = st[0], st[1]
	a, b = newTestServer(t, ca), newTestServer(t, cb)
	t.Cleanup(func() { a.Flush(); b.Flush() }) // runs before the stores close
	return a, b
}

// Two nodes of a cluster share ticket keys and the sessions accepted,
// through the store, but not conversations in flight. A NAS that fails
// over mid-conversation gets ErrUnknownState from the other node (the
// radius layer answers EAP-Failure and the device starts again there); a
// ticket from one node resumes on the other once that node has written
// the session (in the background: Flush waits for it).
func TestTwoNodes(t *testing.T) {
	a, b := twoNodes(t, Config{})
	all := func(*Outcome) bool { return true }
	p := testPeer(t, "alice", "pw")
	p.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(4)

	calls := 0
	failover := func(msg, state []byte) ([]byte, []byte, error) {
		calls++
		if calls <= 2 {
			return direct(a, all)(msg, state)
		}
		return direct(b, all)(msg, state)
	}
	if _, err := p.Run(failover); !errors.Is(err, ErrUnknownState) {
		t.Fatalf("conversation moved to another node: %v, want ErrUnknownState", err)
	}

	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			p.TLS.MinVersion, p.TLS.MaxVersion = v, v
			p.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			for i, step := range []struct {
				node    *Server
				resumed bool
			}{{a, false}, {b, true}, {a, true}, {b, true}} {
				res, err := p.Run(direct(step.node, all))
				if err != nil || res.Resumed != step.resumed {
					t.Fatalf("run %d: resumed %v, %v; want resumed %v", i, res.Resumed, err, step.resumed)
				}
				step.node.Flush()
			}
		})
	}
	// b found a's session in the store, once per version; the tickets b
	// issued when resuming carry the same tag, which a knows, and b
	// wrote nothing.
	if sa, sb := a.Stats().Shared, b.Stats().Shared; sb.Loaded != 2 || sa.Saved != 2 || sb.Saved != 0 || sa.Failed+sb.Failed != 0 {
		t.Errorf("shared stats: a %+v, b %+v", sa, sb)
	}
}

// A ticket resumes only a conversation of the method that issued it: an
// EAP-TTLS ticket in a PEAP conversation gives a full handshake, on the
// node that issued it and on the other; a PEAP ticket resumes PEAP on both.
func TestResumptionKeepsTheMethod(t *testing.T) {
	nt := func(context.Context, string) ([16]byte, error) { return NTHash("pw"), nil }
	a, b := twoNodes(t, Config{NTHash: nt})
	all := func(*Outcome) bool { return true }
	ttlsTicket := &firstSession{}
	ttls := testPeer(t, "alice", "pw")
	ttls.TLS.ClientSessionCache = ttlsTicket
	if _, err := ttls.Run(direct(a, all)); err != nil {
		t.Fatal(err)
	}
	a.Flush()
	peap := testPeer(t, "alice", "pw")
	peap.Method = TypePEAP
	for _, node := range []*Server{a, b} {
		peap.TLS.ClientSessionCache = ttlsTicket
		res, err := peap.Run(direct(node, all))
		if err != nil || res.Resumed {
			t.Fatalf("PEAP with a TTLS ticket: resumed %v, %v; want a full handshake", res.Resumed, err)
		}
	}
	peap.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	for i, node := range []*Server{a, b} {
		res, err := peap.Run(direct(node, all))
		if err != nil || res.Resumed != (i == 1) {
			t.Fatalf("PEAP run %d: resumed %v, %v", i, res.Resumed, err)
		}
		node.Flush()
	}
}

// firstSession is a client session cache that keeps the first ticket it
// is given and offers it every time.
type firstSession struct{ s *tls.ClientSessionState }

func (c *firstSession) Get(string) (*tls.ClientSessionState, bool) { return c.s, c.s != nil }

func (c *firstSession) Put(_ string, s *tls.ClientSessionState) {
	if c.s == nil {
		c.s = s
	}
}

// gatedStore is a shared store whose writes wait until the gate opens,
// or fail when fail is set.
type gatedStore struct {
	gate chan struct{}
	fail error
	*visitors.Store
}

func (g *gatedStore) SaveResumptions(rs []visitors.Resumption) error {
	<-g.gate
	if g.fail != nil {
		return g.fail
	}
	return g.Store.SaveResumptions(rs)
}

// An EAP-Success never waits for the shared store: with its writes held
// back, conversations still end and resume on their own node; what does
// not fit the queue is counted and stays on this node; a failed write is
// counted and leaves local resumption working.
func TestSharingNeverBlocksTheHandshake(t *testing.T) {
	g := &gatedStore{gate: make(chan struct{}), Store: sharedStores(t, 1)[0]}
	s := newTestServer(t, Config{Resumptions: g, MaxResumable: 2})
	all := func(*Outcome) bool { return true }
	p := testPeer(t, "alice", "pw")
	p.TLS.MaxVersion = tls.VersionTLS12 // one ticket per handshake
	p.TLS.ClientSessionCache = noResume{}
	// Each full handshake's ticket is a record: the held writer has at
	// most two (a batch is at most a full queue) and the queue two, so at
	// least two of six are dropped, however the writer is scheduled.
	for i := range 6 {
		if res, err := p.Run(direct(s, all)); err != nil || res.Resumed {
			t.Fatalf("full handshake %d with the store held: resumed %v, %v", i, res.Resumed, err)
		}
	}
	p.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	for i := range 2 {
		if res, err := p.Run(direct(s, all)); err != nil || res.Resumed != (i == 1) {
			t.Fatalf("run %d with the store held: resumed %v, %v", i, res.Resumed, err)
		}
	}
	g.fail = errors.New("disk full")
	close(g.gate)
	s.Flush()
	if st := s.Stats().Shared; st.Dropped < 2 || st.Dropped+st.Failed != 7 || st.Saved != 0 {
		t.Errorf("shared stats %+v, want 2 or more of 7 dropped, the rest failed", st)
	}
	if res, err := p.Run(direct(s, all)); err != nil || !res.Resumed {
		t.Fatalf("after failed writes: resumed %v, %v; want resumed from this node's memory", res.Resumed, err)
	}
}

// A session resumes for ResumeFor after its inner authentication, on any
// node, however often it is resumed in between (each resumption's ticket
// carries the same tag); then the device authenticates in full again.
func TestResumptionEndsResumeForAfterTheInnerAuthentication(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a, b := twoNodes(t, Config{Now: clock, ResumeFor: time.Hour})
	all := func(*Outcome) bool { return true }
	p := testPeer(t, "alice", "pw")
	p.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	for i, step := range []struct {
		node    *Server
		after   time.Duration
		resumed bool
	}{{a, 0, false}, {b, 20 * time.Minute, true}, {a, 20 * time.Minute, true}, {b, 15 * time.Minute, true}, {a, 10 * time.Minute, false}, {b, time.Minute, true}} {
		mu.Lock()
		now = now.Add(step.after)
		mu.Unlock()
		res, err := p.Run(direct(step.node, all))
		if err != nil || res.Resumed != step.resumed {
			t.Fatalf("run %d: resumed %v, %v; want resumed %v", i, res.Resumed, err, step.resumed)
		}
		step.node.Flush()
	}
}
