package radsec

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

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
// Identifier) to the NAS over one of its open RadSec connections and
// returns the answer and where that connection comes from;
// radius.ErrNoStream when the NAS has none open. A NAS (one
// certificate) may have several: those from prefer (the address its
// session's requests came from) are tried first, then the others,
// newest first, each in turn until one answers (an ACK or a NAK), the
// time ctx leaves shared among those left. It implements
// radius.CoAStream.
func (s *Server) ExchangeNAS(ctx context.Context, nasID string, prefer netip.Addr, build func(id byte) ([]byte, error)) ([]byte, netip.AddrPort, error) {
	conns := s.connsOf(nasID, prefer)
	if len(conns) == 0 {
		return nil, netip.AddrPort{}, radius.ErrNoStream
	}
	err := radius.ErrNoStream
	for i, n := range conns {
		var b []byte
		b, err = n.exchange(ctx, len(conns)-i, build)
		if err == nil || errors.Is(err, errBuild) || ctx.Err() != nil {
			return b, n.src, err
		}
	}
	return nil, conns[len(conns)-1].src, err
}

// connsOf returns the NAS's open connections in the order to try them:
// those from prefer first, then the others, newest first each.
func (s *Server) connsOf(nasID string, prefer netip.Addr) []*nasConn {
	s.mu.Lock()
	all := slices.Clone(s.nasConns[nasID])
	s.mu.Unlock()
	slices.Reverse(all)
	slices.SortStableFunc(all, func(a, b *nasConn) int {
		return cmp.Compare(btoi(b.src.Addr() == prefer), btoi(a.src.Addr() == prefer))
	})
	return all
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// errBuild wraps a failure to build the request: no other connection
// would do better.
var errBuild = errors.New("radsec: building the request")

// exchange sends build's request on n and waits for its answer, for
// the share of ctx's time that falls to n with left connections left
// to try (n included).
func (n *nasConn) exchange(ctx context.Context, left int, build func(id byte) ([]byte, error)) ([]byte, error) {
	if d, ok := ctx.Deadline(); ok && left > 1 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Until(d)/time.Duration(left))
		defer cancel()
	}
	ch, id, err := n.reserve()
	if err != nil {
		return nil, err
	}
	defer n.release(id, ch)
	wire, err := build(id)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBuild, err)
	}
	if !n.send(wire) {
		return nil, radius.ErrNoStream
	}
	select {
	case b, ok := <-ch:
		if !ok {
			return nil, radius.ErrNoStream
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
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

// attach records n among the NAS's connections for requests we send,
// the newest last.
func (s *Server) attach(nasID string, n *nasConn) {
	s.mu.Lock()
	s.nasConns[nasID] = append(s.nasConns[nasID], n)
	s.mu.Unlock()
}

// detach forgets n.
func (s *Server) detach(nasID string, n *nasConn) {
	s.mu.Lock()
	if rest := slices.DeleteFunc(s.nasConns[nasID], func(c *nasConn) bool { return c == n }); len(rest) > 0 {
		s.nasConns[nasID] = rest
	} else {
		delete(s.nasConns, nasID)
	}
	s.mu.Unlock()
	n.end()
}
