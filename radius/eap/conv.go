package eap

import (
	"container/list"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/wifihk/wifihk/visitors"
)

// conv is one device's EAP conversation.
type conv struct {
	key      [16]byte // the State attribute
	outer    string   // EAP-Response/Identity
	method   Type     // TypeTTLS, or TypePEAP or TypeTLS after a Nak asking for it
	mu       sync.Mutex
	id       byte // identifier of the last request sent
	elem     *list.Element
	touched  time.Time
	inTunnel bool // which list of the table holds it

	re   reassembly // the peer's fragments
	out  []byte     // flight bytes still to send
	sent bool       // part of the current flight has been sent
	end  *Outcome   // the method ended; sent once out is acknowledged

	pipe *pipe         // nil until the ClientHello
	stop chan struct{} // closed when dropped
	// written by the method goroutine, read after its step arrives:
	resumed    *visitors.Resumption // the accepted session a ticket resumes
	resumedTag []byte               // and the tag that named it
	resumeAs   [][]byte
	certUser   string // EAP-TLS: the account the client certificate maps to
}

func newConv(outer string, id byte) *conv {
	c := &conv{outer: outer, id: id, method: TypeTTLS, stop: make(chan struct{})}
	rand.Read(c.key[:])
	return c
}

// next runs one response of a conversation.
func (s *Server) next(ctx context.Context, c *conv, p Packet) (Reply, error) {
	switch {
	case p.Type == TypeNak && c.pipe == nil && c.method == TypeTTLS && s.alternative(p.Data) != 0:
		c.method = s.alternative(p.Data) // the peer wants PEAP or EAP-TLS: start again with it
		return s.request(c, []byte{flagStart}), nil
	case p.Type == TypeNak:
		return Reply{Done: &Outcome{Outer: c.outer, Err: fmt.Errorf("eap: peer declined EAP type %d (Nak %v)", c.method, p.Data)}}, nil
	case p.Type != c.method:
		return Reply{}, fmt.Errorf("%w: response of type %d in an EAP type %d conversation", ErrMalformed, p.Type, c.method)
	}
	f, err := parseTLSFrame(p.Data)
	if err != nil {
		return Reply{}, err
	}
	if c.sent { // the peer acknowledges a fragment
		if len(f.data) != 0 || f.flags&flagMore != 0 {
			return Reply{}, fmt.Errorf("%w: data while the server is sending fragments", ErrMalformed)
		}
		return s.sendFlight(c), nil
	}
	msg, done, err := c.re.add(f)
	if err != nil {
		return Reply{}, err
	}
	if !done {
		return s.request(c, []byte{0}), nil // acknowledge the fragment
	}
	st, err := s.exchange(ctx, c, msg)
	if err != nil {
		return Reply{}, err
	}
	c.out, c.end = st.flight, st.end
	if c.end != nil && (c.end.Err != nil || len(c.out) == 0) {
		return s.ended(c), nil
	}
	return s.sendFlight(c), nil
}

// alternative is the first method of a Nak's list that this server offers
// besides EAP-TTLS, or 0: PEAP, and EAP-TLS when ClientCert is set.
func (s *Server) alternative(nak []byte) Type {
	for _, t := range nak {
		if Type(t) == TypePEAP || Type(t) == TypeTLS && s.cfg.ClientCert != nil {
			return Type(t)
		}
	}
	return 0
}

// exchange hands a complete TLS message to the conversation's method
// goroutine, starting it on the first, and waits for its answer.
func (s *Server) exchange(ctx context.Context, c *conv, msg []byte) (step, error) {
	if c.pipe == nil {
		if len(msg) == 0 {
			return step{}, fmt.Errorf("%w: empty TLS message where a ClientHello belongs", ErrMalformed)
		}
		c.pipe = newPipe(msg, c.stop)
		s.convs.toTunnel(c, s.cfg.Now())
		go s.runMethod(c, c.pipe)
	} else {
		select {
		case c.pipe.in <- msg:
		case <-c.stop:
			return step{}, ErrUnknownState
		case <-ctx.Done():
			return step{}, ctx.Err()
		}
	}
	select {
	case st := <-c.pipe.out:
		return st, nil
	case <-c.stop:
		return step{}, ErrUnknownState
	case <-ctx.Done():
		return step{}, ctx.Err()
	}
}

// sendFlight sends the next fragment of c.out; with nothing left it ends
// the method if it has ended, or sends an empty request for more.
func (s *Server) sendFlight(c *conv) Reply {
	if len(c.out) == 0 && c.end != nil {
		return s.ended(c)
	}
	n := min(len(c.out), s.cfg.FragmentSize)
	var flags byte
	if !c.sent && n < len(c.out) {
		flags = flagLength
	}
	if n < len(c.out) {
		flags |= flagMore
	}
	frame := marshalTLSFrame(flags, len(c.out), c.out[:n])
	c.out = c.out[n:]
	c.sent = len(c.out) > 0 || c.end != nil
	return s.request(c, frame)
}

func (s *Server) ended(c *conv) Reply {
	o := c.end
	o.resumeAs, o.method = c.resumeAs, c.method
	return Reply{Done: o}
}

// request makes the next EAP-Request/TTLS carrying frame.
func (s *Server) request(c *conv, frame []byte) Reply {
	c.id++
	req := Packet{Code: CodeRequest, Identifier: c.id, Type: c.method, Data: frame}
	return Reply{EAP: req.Marshal(), State: c.key[:]}
}

// table holds the conversations: those before TLS and those in TLS in two
// lists, each ordered by last activity and capped, so that a flood of
// either kind drops the oldest of its own kind.
type table struct {
	mu      sync.Mutex
	m       map[[16]byte]*conv
	pre, in list.List
	maxPre  int
	maxIn   int
	ttl     time.Duration
}

func newTable(maxPre, maxIn int, ttl time.Duration) *table {
	return &table{m: map[[16]byte]*conv{}, maxPre: maxPre, maxIn: maxIn, ttl: ttl}
}

func (t *table) add(c *conv, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expire(now)
	for t.pre.Len() >= t.maxPre {
		t.drop(t.pre.Front().Value.(*conv))
	}
	c.touched = now
	c.elem = t.pre.PushBack(c)
	t.m[c.key] = c
}

// toTunnel moves c to the list of conversations in TLS.
func (t *table) toTunnel(c *conv, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[c.key] != c || c.inTunnel {
		return
	}
	for t.in.Len() >= t.maxIn {
		t.drop(t.in.Front().Value.(*conv))
	}
	t.pre.Remove(c.elem)
	c.elem, c.inTunnel, c.touched = t.in.PushBack(c), true, now
}

func (t *table) get(state []byte, now time.Time) *conv {
	if len(state) != 16 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expire(now)
	c := t.m[[16]byte(state)]
	if c == nil {
		return nil
	}
	c.touched = now
	t.list(c).MoveToBack(c.elem)
	return c
}

func (t *table) remove(c *conv) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[c.key] == c {
		t.drop(c)
	}
}

func (t *table) counts() (pre, in int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pre.Len(), t.in.Len()
}

func (t *table) list(c *conv) *list.List {
	if c.inTunnel {
		return &t.in
	}
	return &t.pre
}

// expire drops conversations idle longer than ttl from the front of each
// list (the least recently active).
func (t *table) expire(now time.Time) {
	for _, l := range []*list.List{&t.pre, &t.in} {
		for e := l.Front(); e != nil && now.Sub(e.Value.(*conv).touched) > t.ttl; e = l.Front() {
			t.drop(e.Value.(*conv))
		}
	}
}

func (t *table) drop(c *conv) {
	t.list(c).Remove(c.elem)
	delete(t.m, c.key)
	close(c.stop) // ends its goroutine, if any
}
