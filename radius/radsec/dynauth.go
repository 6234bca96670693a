package radsec

import (
	"context"
	"errors"
	"net/netip"
	"sync"

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/radius"
)

// nasConn is a NAS's open RadSec connection as a path for the requests
// we send it: Disconnect- and CoA-Requests (RFC 6614 §2.5 lets either
// end of a connection send requests), answered on the same connection.
type nasConn struct {
	src     netip.AddrPort
	mu      sync.Mutex
	out     chan<- []byte // the connection's writer; nil once it ended
	waiting map[byte]chan []byte
}

// isDynAuthAnswer reports a Disconnect or CoA ACK or NAK: an answer to a
// request we sent, not a request.
func isDynAuthAnswer(code byte) bool {
	switch layeh.Code(code) {
	case layeh.CodeDisconnectACK, layeh.CodeDisconnectNAK, layeh.CodeCoAACK, layeh.CodeCoANAK:
		return true
	}
	return false
}

// deliver hands an answer to the request waiting for its Identifier;
// one nobody waits for is dropped.
func (n *nasConn) deliver(b []byte) {
	n.mu.Lock()
	ch := n.waiting[b[1]]
	delete(n.waiting, b[1])
	n.mu.Unlock()
	if ch != nil {
		ch <- append([]byte(nil), b...)
	}
}

// end marks the connection gone: requests waiting fail at once.
func (n *nasConn) end() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.out = nil
	for id, ch := range n.waiting {
		close(ch)
		delete(n.waiting, id)
	}
}

// errBusy means 256 requests already wait on the connection.
var errBusy = errors.New("radsec: 256 requests already wait for the NAS's answers")

// ExchangeNAS sends the request that build makes (given its
// Identifier) to the NAS over its open RadSec connection and returns
// the answer and where the connection comes from; radius.ErrNoStream
// when the NAS has none open. It implements radius.CoAStream.
func (s *Server) ExchangeNAS(ctx context.Context, nasID string, build func(id byte) ([]byte, error)) ([]byte, netip.AddrPort, error) {
	s.mu.Lock()
	n := s.nasConns[nasID]
	s.mu.Unlock()
	if n == nil {
		return nil, netip.AddrPort{}, radius.ErrNoStream
	}
	ch, id, err := n.reserve()
	if err != nil {
		return nil, n.src, err
	}
	defer n.release(id, ch)
	wire, err := build(id)
	if err != nil {
		return nil, n.src, err
	}
	if !n.send(wire) {
		return nil, n.src, radius.ErrNoStream
	}
	select {
	case b, ok := <-ch:
		if !ok {
			return nil, n.src, radius.ErrNoStream
		}
		return b, n.src, nil
	case <-ctx.Done():
		return nil, n.src, ctx.Err()
	}
}

// reserve takes a free Identifier for a request and its answer's channel.
func (n *nasConn) reserve() (chan []byte, byte, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.out == nil {
		return nil, 0, radius.ErrNoStream
	}
	for i := range 256 {
		if _, busy := n.waiting[byte(i)]; !busy {
			ch := make(chan []byte, 1)
			n.waiting[byte(i)] = ch
			return ch, byte(i), nil
		}
	}
	return nil, 0, errBusy
}

func (n *nasConn) release(id byte, ch chan []byte) {
	n.mu.Lock()
	if n.waiting[id] == ch {
		delete(n.waiting, id)
	}
	n.mu.Unlock()
}

// send queues wire on the connection's writer; false once it ended.
func (n *nasConn) send(wire []byte) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.out == nil {
		return false
	}
	n.out <- wire
	return true
}

// attach records c as the NAS's connection for requests we send; the
// newest connection of a NAS is the one used.
func (s *Server) attach(nasID string, n *nasConn) {
	s.mu.Lock()
	s.nasConns[nasID] = n
	s.mu.Unlock()
}

// detach forgets n, unless a newer connection of the NAS replaced it.
func (s *Server) detach(nasID string, n *nasConn) {
	s.mu.Lock()
	if s.nasConns[nasID] == n {
		delete(s.nasConns, nasID)
	}
	s.mu.Unlock()
	n.end()
}
