package eap

import (
	"crypto/tls"
	"errors"
	"testing"
)

// Two nodes of a cluster share ticket keys (derived from master.key) but
// not conversations or the ticket-to-identity table. A NAS that fails
// over mid-conversation gets ErrUnknownState from the other node (the
// radius layer answers EAP-Failure and the device starts again there); a
// ticket from one node gives a full handshake on the other, then the
// other's own ticket resumes.
func TestTwoNodes(t *testing.T) {
	keys := [][32]byte{{1, 2, 3}}
	a, b := newTestServer(t, Config{TicketKeys: keys}), newTestServer(t, Config{TicketKeys: keys})
	all := func(*Outcome) bool { return true }
	p := testPeer(t, "alice", "pw")
	p.TLS.MaxVersion = tls.VersionTLS13
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
	if res, err := p.Run(direct(b, all)); err != nil || res.Resumed {
		t.Fatalf("starting again on the other node: %+v, %v", res, err)
	}

	p.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	for i, step := range []struct {
		node    *Server
		resumed bool
	}{{a, false}, {b, false}, {b, true}} {
		res, err := p.Run(direct(step.node, all))
		if err != nil || res.Resumed != step.resumed {
			t.Fatalf("run %d: resumed %v, %v; want resumed %v", i, res.Resumed, err, step.resumed)
		}
	}
}
