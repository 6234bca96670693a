package eap

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// halfOpen starts a conversation, sends the ClientHello, and goes away
// once the server's first flight starts to arrive.
func halfOpen(t testing.TB, s *Server, p *Peer) {
	n, flight := 0, false
	abandon := errors.New("abandoned")
	_, err := p.Run(func(msg, state []byte) ([]byte, []byte, error) {
		if n++; flight {
			return nil, nil, abandon
		}
		r, err := s.Handle(context.Background(), msg, state)
		flight = n > 1 && len(r.EAP) > 6 // more than an acknowledgement
		return r.EAP, r.State, err
	})
	if !errors.Is(err, abandon) {
		t.Fatalf("half-open conversation: %v", err)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// TestFloodOfHalfOpenConversations floods the server with 100,000
// conversations that stop after the Identity and with ClientHellos that
// are never followed up, past both caps, then checks that memory held is
// bounded, the abandoned TLS goroutines are gone, and a valid login still
// completes.
func TestFloodOfHalfOpenConversations(t *testing.T) {
	const flood, tunnels, maxTunnels = 100_000, 600, 300
	s := newTestServer(t, Config{MaxTunnels: maxTunnels})
	ctx := context.Background()
	ident := Packet{Code: CodeResponse, Identifier: 1, Type: TypeIdentity, Data: []byte("anonymous@wifi.hk")}.Marshal()
	goroutines, base := runtime.NumGoroutine(), heapInUse()
	start := time.Now()
	for range flood {
		if _, err := s.Handle(ctx, ident, nil); err != nil {
			t.Fatal(err)
		}
	}
	identTime := time.Since(start)
	afterIdent := heapInUse()
	p := testPeer(t, "alice", "pw")
	start = time.Now()
	for range tunnels {
		halfOpen(t, s, p)
	}
	helloTime := time.Since(start)
	afterHello := heapInUse()
	st := s.Stats()
	if st.Conversations > 100_000 || st.Tunnels != maxTunnels {
		t.Fatalf("held %+v, want at most 100,000 and %d", st, maxTunnels)
	}
	perConv := float64(afterIdent-base) / float64(flood)
	perTunnel := float64(int64(afterHello)-int64(afterIdent)) / float64(maxTunnels)
	t.Logf("%d Identity-only conversations: %.0f B each, %.1f MiB held, %.1f µs each; %d half-open TLS (cap %d): %.0f KiB each, %.2f ms each",
		flood, perConv, float64(afterIdent-base)/(1<<20), float64(identTime.Microseconds())/flood,
		tunnels, maxTunnels, perTunnel/1024, float64(helloTime.Milliseconds())/tunnels)
	if perConv > 1024 {
		t.Errorf("%.0f bytes per Identity-only conversation, want under 1 KiB", perConv)
	}
	if perTunnel > 128<<10 {
		t.Errorf("%.0f KiB per half-open TLS conversation, want under 128", perTunnel/1024)
	}
	if g := runtime.NumGoroutine() - goroutines; g > maxTunnels+10 {
		t.Errorf("%d goroutines more than before, want at most the %d tunnels held", g, maxTunnels)
	}
	if _, err := testPeer(t, "alice", "pw").Run(direct(s, func(*Outcome) bool { return true })); err != nil {
		t.Fatalf("a valid login during the flood: %v", err)
	}
}
