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

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/internal/udpbatch"
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
	rb   *udpbatch.Batch // the reader's
	mu   sync.Mutex
	wait [256]*udpWait
	next byte

	out  flushQueue[*udpWait] // datagrams to send
	wb   *udpbatch.Batch      // the flusher's
	msgs []udpbatch.Message
}

// udpWait is one exchange in flight: it ends once, with the first
// authentic answer, a datagram the kernel refused, or its last timeout.
type udpWait struct {
	auth   [16]byte
	secret []byte
	wire   []byte
	id     byte
	done   AnswerFunc
	sent   atomic.Bool // auth and wire are set: answers may be matched
	ended  atomic.Bool

	mu    sync.Mutex // the timer may fire before Go has stored it
	timer *time.Timer
	tries int // sends after the first
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
		s := &udpSock{c: c, conn: conn}
		c.socks = append(c.socks, s)
		if s.rb, err = udpbatch.New(conn, udpReadBatch); err == nil {
			s.wb, err = udpbatch.New(conn, udpSockRun)
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("radius: home server %s: %w", addr, err)
		}
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
	type result struct {
		a   *layeh.Packet
		err error
	}
	ch := make(chan result, 1)
	c.Go(p, nil, func(a *layeh.Packet, err error, _ *SendHold) { ch <- result{a, err} })
	select {
	case r := <-ch:
		return r.a, r.err
	case <-ctx.Done():
		return nil, ctx.Err() // the exchange ends by itself, at its timeout
	}
}

// AnswerFunc is called once with an exchange's answer or error. after,
// when not nil, is the hold of the batch it came in: work left to it
// with Later runs once the whole batch is handed over, so that what the
// answers lead to (replies to the NAS) leaves together.
type AnswerFunc func(a *layeh.Packet, err error, after *SendHold)

// Go is Exchange without waiting: done is called once, with the answer
// or the error, from the socket's reader (after: its batch) or the
// exchange's timer (after: nil), or from Go itself (after: hold) when p
// cannot be sent at all; it must not block. With a hold, the datagram
// waits for hold.Flush, so that a batch of requests leaves in one
// sendmmsg per socket; without, it is sent now.
func (c *UDPClient) Go(p *layeh.Packet, hold *SendHold, done AnswerFunc) {
	// Runs of exchanges share a socket, so that those started together
	// (a batch from the NAS) go out in one sendmmsg.
	s := c.socks[c.next.Add(1)/udpSockRun%uint32(len(c.socks))]
	w := &udpWait{secret: p.Secret, done: done}
	id, err := s.claim(w)
	if err != nil {
		done(nil, err, hold)
		return
	}
	q := *p
	q.Identifier = id
	w.id = id
	w.wire, err = c.macs.encodeRequest(&q) // Message-Authenticator first (BlastRADIUS)
	if err != nil {
		s.release(id)
		done(nil, err, hold)
		return
	}
	copy(w.auth[:], w.wire[4:20])
	w.mu.Lock()
	w.timer = time.AfterFunc(c.Timeout, func() { s.expire(w) })
	w.mu.Unlock()
	w.sent.Store(true)
	if hold == nil {
		s.send(w)
	} else if s.enqueue(w) {
		hold.socks = append(hold.socks, s)
	}
}

// SendHold gathers what a batch leaves for its end: the sockets whose
// datagrams wait for Flush, and work handed over with Later.
type SendHold struct {
	socks []*udpSock
	later []func()
}

// Later leaves f for Flush to run.
func (h *SendHold) Later(f func()) { h.later = append(h.later, f) }

// Flush sends what waits, one sendmmsg per socket, then runs what was
// left with Later.
func (h *SendHold) Flush() {
	for _, s := range h.socks {
		s.drain()
	}
	h.socks = h.socks[:0]
	for _, f := range h.later {
		f()
	}
	clear(h.later)
	h.later = h.later[:0]
}

// end ends w's exchange with a or err, once: later calls do nothing.
func (s *udpSock) end(w *udpWait, a *layeh.Packet, err error, after *SendHold) bool {
	if !w.ended.CompareAndSwap(false, true) {
		return false
	}
	w.mu.Lock()
	w.timer.Stop()
	w.mu.Unlock()
	s.release(w.id)
	w.done(a, err, after)
	return true
}

// expire sends w again or, after its last try, ends it with ErrTimeout.
func (s *udpSock) expire(w *udpWait) {
	if w.ended.Load() {
		return
	}
	w.mu.Lock()
	retry := w.tries < s.c.Retries
	if retry {
		w.tries++
		w.timer.Reset(s.c.Timeout)
	}
	w.mu.Unlock()
	if retry {
		s.send(w)
		return
	}
	s.end(w, nil, ErrTimeout, nil)
}

// udpSockRun is how many exchanges in a row use the same socket.
const udpSockRun = 16

// send queues w's datagram. The first sender becomes the flusher: it
// yields once, so that the exchanges started beside it queue theirs, and
// sends the queue with sendmmsg until it is empty.
func (s *udpSock) send(w *udpWait) {
	if s.enqueue(w) {
		runtime.Gosched()
		s.drain()
	}
}

// enqueue queues w's datagram and reports whether the caller is now the
// flusher, who must drain the queue.
func (s *udpSock) enqueue(w *udpWait) bool { return s.out.push(w) }

// drain sends the queue until it is empty.
func (s *udpSock) drain() { s.out.drain(s.flush) }

// flush sends batch; a datagram the kernel refuses (ECONNREFUSED after
// the server's port was found closed) ends its exchange at once, and the
// rest are sent on.
func (s *udpSock) flush(batch []*udpWait) {
	s.msgs = s.msgs[:0]
	for _, w := range batch {
		s.msgs = append(s.msgs, udpbatch.Message{Buf: w.wire})
	}
	for done := 0; done < len(batch); {
		n, err := s.wb.Write(s.msgs[done:])
		done += n
		if err != nil {
			s.end(batch[done], nil, fmt.Errorf("radius: home server: %w", err), nil)
			done++
		}
	}
	clear(s.msgs)
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
	msgs := make([]udpbatch.Message, udpReadBatch)
	for i := range msgs {
		msgs[i].Buf = make([]byte, layeh.MaxPacketLength+1)
	}
	var after SendHold
	for {
		n, err := s.rb.Read(msgs)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// ECONNREFUSED (ICMP port unreachable) while the server is
			// down: the socket works again when it is back.
			continue
		}
		for _, m := range msgs[:n] {
			s.deliver(m.Buf[:m.N], &after)
		}
		after.Flush()
	}
}

// deliver hands an answer to the request waiting on its Identifier.
func (s *udpSock) deliver(b []byte, after *SendHold) {
	if len(b) < headerLen {
		s.c.Late.Add(1)
		return
	}
	s.mu.Lock()
	w := s.wait[b[1]]
	s.mu.Unlock()
	a, ok := s.c.verifyAnswer(b, w)
	if !ok || !s.end(w, a, nil, after) {
		// Not authentic, or a second answer (to a retransmission): the
		// first stands.
		s.c.Late.Add(1)
	}
}

// verifyAnswer parses b as the answer to w's request: its Response
// Authenticator and any Message-Authenticator must verify.
func (c *UDPClient) verifyAnswer(b []byte, w *udpWait) (*layeh.Packet, bool) {
	if w == nil || !w.sent.Load() {
		return nil, false
	}
	a, err := parse(b, w.secret)
	if err != nil {
		return nil, false
	}
	b = b[:binary.BigEndian.Uint16(b[2:4])]
	if !authenticResponse(b, w.auth[:], w.secret) {
		return nil, false
	}
	if _, err := c.macs.checkReplyMA(b, w.auth[:], w.secret); err != nil {
		return nil, false
	}
	return a, true
}
