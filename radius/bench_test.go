package radius

import (
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2866"
)

// BenchmarkAuthPAP measures PAP Access-Requests with Message-Authenticator
// over real sockets, 8 clients per GOMAXPROCS, one user (cached argon2id).
func BenchmarkAuthPAP(b *testing.B) {
	h := newHarness(b, "")
	h.addUser("bench", "bench-password", false)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := h.client(h.authAddr)
		for pb.Next() {
			req := mustEncodeMA(b, accessRequest(testSecret, "bench", "bench-password"))
			if r := c.exchange(req, answerWait); r == nil || layeh.Code(r[0]) != layeh.CodeAccessAccept {
				b.Fatal("no Access-Accept")
			}
		}
	})
}

// BenchmarkAcctInterim measures durable Interim-Updates (fsync per group).
func BenchmarkAcctInterim(b *testing.B) {
	h := newHarness(b, "")
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := h.client(h.acctAddr)
		id := c.conn.LocalAddr().String() // one session per client
		for v := uint64(1); pb.Next(); v++ {
			req := mustEncode(b, acctPacket(testSecret, id, rfc2866.AcctStatusType_Value_InterimUpdate, v))
			if r := c.exchange(req, answerWait); r == nil {
				b.Fatal("no Accounting-Response")
			}
		}
	})
}

// BenchmarkAuthPath is the server's work for one PAP Access-Request without
// the socket: verify, dedup-free answer, encode.
func BenchmarkAuthPath(b *testing.B) {
	h := newHarness(b, "")
	h.addUser("bench", "bench-password", false)
	nas, secret, _ := h.reg.NASForAddr(h.authAddr.AddrPort().Addr())
	reqs := make([][]byte, 256)
	for i := range reqs {
		reqs[i] = mustEncodeMA(b, accessRequest(testSecret, "bench", "bench-password"))
	}
	warm, _ := h.authSrv.verify(reqs[0], []byte(secret), nas, h.authAddr.AddrPort())
	h.authSrv.answer(warm) // the one argon2id check
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, reason := h.authSrv.verify(reqs[i%len(reqs)], []byte(secret), nas, h.authAddr.AddrPort())
		if reason != "" {
			b.Fatal(reason)
		}
		if r, err := h.authSrv.answer(req); err != nil || layeh.Code(r[0]) != layeh.CodeAccessAccept {
			b.Fatal("no accept", err)
		}
	}
}
