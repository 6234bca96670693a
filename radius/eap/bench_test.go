package eap

import (
	"crypto/tls"
	"testing"
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
