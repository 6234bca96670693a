package radius

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	layeh "layeh.com/radius"
)

// Exchanger sends a request to one home server and returns its answer,
// authenticated with the request's secret: exactly one answer per call,
// or an error. UDP is one transport; RadSec is another.
type Exchanger interface {
	Exchange(ctx context.Context, p *layeh.Packet) (*layeh.Packet, error)
	Close() error
}

// ErrTimeout means a home server did not answer in time.
var ErrTimeout = errors.New("radius: no answer from home server")

// errNoID means every Identifier of every socket is waiting for an answer.
var errNoID = errors.New("radius: home server: every identifier in use")

// UDPClient is an Exchanger over UDP: a few connected sockets, each with
// 256 Identifiers; an answer is matched to its request by Identifier and
// then must verify against that request's authenticator and secret, so a
// late answer to an earlier request that held the same Identifier, or a
// second answer to a retransmission, is dropped and counted.
type UDPClient struct {
	// Timeout per try (default 3s); Retries sends the same packet again
	// after each timeout (default 0).
	Timeout time.Duration
	Retries int
	socks   []*udpSock
	next    atomic.Uint32
	macs    *macPool // HMAC-MD5 states, most often keyed with this server's secret
	// Late counts answers that matched no waiting request.
	Late atomic.Uint64
}

// udpClientSockets is how many sockets a UDPClient uses: 4 x 256
// requests may wait at once.
const udpClientSockets = 4

type udpSock struct {
	c    *UDPClient
	conn *net.UDPConn
	pc   *ipv4.PacketConn
	mu   sync.Mutex
	wait [256]*udpWait
	next byte

	outMu    sync.Mutex
	out      []outgoing // datagrams for the flusher to send
	spare    []outgoing
	flushing bool
	msgs     []ipv4.Message // the flusher's sendmmsg vector
	bufs     [][1][]byte
}

type udpWait struct {
	auth     [16]byte
	secret   []byte
	answer   chan *layeh.Packet // buffered 1: the first authentic answer
	failed   chan error         // buffered 1: its datagram could not be sent
	answered atomic.Bool        // an answer went to answer
}

// outgoing is a datagram queued for sending and who waits on it.
type outgoing struct {
	wire []byte
	w    *udpWait
}

// DialUDP returns a client for the home server at addr.
func DialUDP(addr netip.AddrPort, timeout time.Duration, retries int) (*UDPClient, error) {
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	c := &UDPClient{Timeout: timeout, Retries: retries, macs: newMACPool(md5.New)}
	for range udpClientSockets {
		conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("radius: home server %s: %w", addr, err)
		}
		s := &udpSock{c: c, conn: conn, pc: ipv4.NewPacketConn(conn)}
		c.socks = append(c.socks, s)
		go s.read()
	}
	return c, nil
}

// LateAnswers counts answers that matched no waiting request.
func (c *UDPClient) LateAnswers() uint64 { return c.Late.Load() }

// Close closes the sockets; waiting exchanges time out.
func (c *UDPClient) Close() error {
	for _, s := range c.socks {
		s.conn.Close()
	}
	return nil
}

// Exchange encodes p with a Message-Authenticator first (an
// Access-Request or Status-Server keeps p's Authenticator; an
// Accounting-Request gets its computed one), sends it and waits for the
// answer, sending it again Retries times.
func (c *UDPClient) Exchange(ctx context.Context, p *layeh.Packet) (*layeh.Packet, error) {
	// Runs of exchanges share a socket, so that those started together
	// (a batch from the NAS) go out in one sendmmsg.
	s := c.socks[c.next.Add(1)/udpSockRun%uint32(len(c.socks))]
	w := &udpWait{secret: p.Secret, answer: make(chan *layeh.Packet, 1), failed: make(chan error, 1)}
	id, err := s.claim(w)
	if err != nil {
		return nil, err
	}
	defer s.release(id)
	q := *p
	q.Identifier = id
	wire, err := c.macs.encodeRequest(&q) // Message-Authenticator first (BlastRADIUS)
	if err != nil {
		return nil, err
	}
	copy(w.auth[:], wire[4:20])
	t := time.NewTimer(c.Timeout)
	defer t.Stop()
	for try := 0; ; try++ {
		s.send(wire, w)
		select {
		case a := <-w.answer:
			return a, nil
		case err := <-w.failed:
			return nil, fmt.Errorf("radius: home server: %w", err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			if try >= c.Retries {
				return nil, ErrTimeout
			}
			t.Reset(c.Timeout)
		}
	}
}

// udpSockRun is how many exchanges in a row use the same socket.
const udpSockRun = 16

// send queues a datagram for w. The first sender becomes the flusher: it
// yields once, so that the exchanges started beside it queue theirs, and
// sends the queue with sendmmsg until it is empty. A datagram that
// cannot be sent (ECONNREFUSED after the server's port was found closed)
// fails its exchange at once.
func (s *udpSock) send(wire []byte, w *udpWait) {
	s.outMu.Lock()
	s.out = append(s.out, outgoing{wire, w})
	if s.flushing {
		s.outMu.Unlock()
		return
	}
	s.flushing = true
	s.outMu.Unlock()
	runtime.Gosched()
	for {
		s.outMu.Lock()
		batch := s.out
		s.out, s.spare = s.spare[:0], batch
		if len(batch) == 0 {
			s.flushing = false
			s.outMu.Unlock()
			return
		}
		s.outMu.Unlock()
		s.flush(batch)
		clear(batch)
	}
}

// flush sends batch; a datagram the kernel refuses fails its exchange
// and the rest are sent on.
func (s *udpSock) flush(batch []outgoing) {
	s.msgs, s.bufs = s.msgs[:0], s.bufs[:0]
	for _, o := range batch {
		s.bufs = append(s.bufs, [1][]byte{o.wire})
	}
	for i := range s.bufs {
		s.msgs = append(s.msgs, ipv4.Message{Buffers: s.bufs[i][:]})
	}
	for done := 0; done < len(batch); {
		n, err := s.pc.WriteBatch(s.msgs[done:], 0)
		if err != nil || n <= 0 {
			if err == nil {
				err = errors.New("nothing sent")
			}
			select {
			case batch[done].w.failed <- err:
			default:
			}
			n = 1
		}
		done += n
	}
	clear(s.msgs)
	clear(s.bufs)
}

// claim takes a free Identifier for w.
func (s *udpSock) claim(w *udpWait) (byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range 256 {
		id := s.next
		s.next++
		if s.wait[id] == nil {
			s.wait[id] = w
			return id, nil
		}
	}
	return 0, errNoID
}

func (s *udpSock) release(id byte) {
	s.mu.Lock()
	s.wait[id] = nil
	s.mu.Unlock()
}

// udpReadBatch is how many answers one read takes (recvmmsg).
const udpReadBatch = 16

// read delivers authentic answers to their requests until the socket
// closes, taking up to udpReadBatch datagrams per system call.
func (s *udpSock) read() {
	pc := s.pc
	msgs := make([]ipv4.Message, udpReadBatch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, layeh.MaxPacketLength+1)}
	}
	for {
		n, err := pc.ReadBatch(msgs, 0)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// ECONNREFUSED (ICMP port unreachable) while the server is
			// down: the socket works again when it is back.
			continue
		}
		for _, m := range msgs[:n] {
			s.deliver(m.Buffers[0][:m.N])
		}
	}
}

// deliver hands an answer to the request waiting on its Identifier.
func (s *udpSock) deliver(b []byte) {
	if len(b) < headerLen {
		s.c.Late.Add(1)
		return
	}
	s.mu.Lock()
	w := s.wait[b[1]]
	s.mu.Unlock()
	a, ok := s.c.verifyAnswer(b, w)
	if !ok {
		s.c.Late.Add(1)
		return
	}
	if !w.answered.CompareAndSwap(false, true) {
		// A second answer (to a retransmission): the first stands, even
		// when the exchange has already taken it from the channel.
		s.c.Late.Add(1)
		return
	}
	w.answer <- a
}

// verifyAnswer parses b as the answer to w's request: its Response
// Authenticator and any Message-Authenticator must verify.
func (c *UDPClient) verifyAnswer(b []byte, w *udpWait) (*layeh.Packet, bool) {
	if w == nil {
		return nil, false
	}
	a, err := parse(b, w.secret)
	if err != nil {
		return nil, false
	}
	b = b[:binary.BigEndian.Uint16(b[2:4])]
	req := make([]byte, headerLen)
	copy(req[4:20], w.auth[:])
	if !layeh.IsAuthenticResponse(b, req, w.secret) {
		return nil, false
	}
	if _, err := c.macs.checkReplyMA(b, w.auth[:], w.secret); err != nil {
		return nil, false
	}
	return a, true
}
