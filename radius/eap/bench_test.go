package eap

import (
	"crypto/tls"
	"testing"
	"time"
)

// BenchmarkTTLSPAP runs whole conversations, server and peer in one
// process, without RADIUS: what one handshake costs both sides.
func BenchmarkTTLSPAP(b *testing.B) {
	for _, tc := range []struct {
		name    string
		version uint16
		resume  bool
	}{{"full-1.2", tls.VersionTLS12, false}, {"full-1.3", tls.VersionTLS13, false}, {"resumed-1.2", tls.VersionTLS12, true}} {
		b.Run(tc.name, func(b *testing.B) {
			s := newTestServer(b, Config{})
			p := testPeer(b, "alice", "pw")
			p.TLS.MinVersion, p.TLS.MaxVersion = tc.version, tc.version
			p.TLS.InsecureSkipVerify = true
			p.TLS.CurvePreferences = []tls.CurveID{tls.X25519}
			if tc.resume {
				p.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(1)
			}
			accept := direct(s, func(*Outcome) bool { return true })
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Run(accept); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTTLSPAPShared is BenchmarkTTLSPAP with the nodes' shared store
// (a bbolt file; PostgreSQL with WIFIHK_TEST_STORE=postgres): a full
// handshake also queues its ticket's record for the background writer,
// a resumed one on its own node reads only memory (and writes nothing:
// its ticket carries the tag it resumed), and one on another node reads
// the store first (its memory emptied before each).
func BenchmarkTTLSPAPShared(b *testing.B) {
	for _, tc := range []struct {
		name  string
		cache func() tls.ClientSessionCache
		other bool
	}{
		{"full-1.2", func() tls.ClientSessionCache { return noResume{} }, false},
		{"resumed-1.2", func() tls.ClientSessionCache { return tls.NewLRUClientSessionCache(1) }, false},
		{"resumed-1.2-other-node", func() tls.ClientSessionCache { return &firstSession{} }, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a, other := twoNodes(b, Config{})
			p := testPeer(b, "alice", "pw")
			p.TLS.MinVersion, p.TLS.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
			p.TLS.InsecureSkipVerify = true
			p.TLS.CurvePreferences = []tls.CurveID{tls.X25519}
			p.TLS.ClientSessionCache = tc.cache()
			all := func(*Outcome) bool { return true }
			if _, err := p.Run(direct(a, all)); err != nil { // the ticket, for the resumed runs
				b.Fatal(err)
			}
			a.Flush()
			node := a
			if tc.other {
				node = other
			}
			b.ReportAllocs()
			for b.Loop() {
				if tc.other {
					node.resume = newResumptions(time.Hour, 100_000)
				}
				if _, err := p.Run(direct(node, all)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			node.Flush()
			if st := node.Stats().Shared; st.Failed+st.Dropped != 0 || tc.name == "full-1.2" && st.Saved < uint64(b.N) || tc.other && st.Loaded < uint64(b.N) {
				b.Fatalf("shared stats %+v after %d runs", st, b.N)
			}
		})
	}
}

// noResume offers no ticket and forgets those it is given: every
// handshake is full, and the server still issues a ticket.
type noResume struct{}

func (noResume) Get(string) (*tls.ClientSessionState, bool) { return nil, false }
func (noResume) Put(string, *tls.ClientSessionState)        {}
