package eap

import (
	"net"
	"time"
)

// pipe is the net.Conn that crypto/tls runs over in a conversation's
// goroutine. What the peer sent arrives on in; what TLS writes is kept
// until TLS wants more input, and that is the flight the server sends
// next. Reading with nothing to read hands the flight to the handler and
// waits for the peer's answer.
type pipe struct {
	in   chan []byte   // the peer's TLS messages, from the handler
	out  chan step     // flights and the end, to the handler
	stop chan struct{} // closed when the conversation is dropped
	rbuf []byte
	wbuf []byte
}

// step is what the method goroutine hands back for one peer message.
type step struct {
	flight []byte   // TLS bytes to send to the peer (may be empty)
	end    *Outcome // non-nil when the method has ended
}

func newPipe(first []byte, stop chan struct{}) *pipe {
	return &pipe{in: make(chan []byte), out: make(chan step), stop: stop, rbuf: first}
}

func (p *pipe) Read(b []byte) (int, error) {
	if len(p.rbuf) == 0 {
		if !p.send(step{flight: p.wbuf}) {
			return 0, net.ErrClosed
		}
		p.wbuf = nil
		select {
		case p.rbuf = <-p.in:
		case <-p.stop:
			return 0, net.ErrClosed
		}
	}
	n := copy(b, p.rbuf)
	p.rbuf = p.rbuf[n:]
	return n, nil
}

func (p *pipe) Write(b []byte) (int, error) {
	p.wbuf = append(p.wbuf, b...)
	return len(b), nil
}

// finish hands the method's outcome over with whatever TLS last wrote.
func (p *pipe) finish(o *Outcome) {
	p.send(step{flight: p.wbuf, end: o})
}

func (p *pipe) send(s step) bool {
	select {
	case p.out <- s:
		return true
	case <-p.stop:
		return false
	}
}

func (p *pipe) Close() error                       { return nil }
func (p *pipe) LocalAddr() net.Addr                { return pipeAddr{} }
func (p *pipe) RemoteAddr() net.Addr               { return pipeAddr{} }
func (p *pipe) SetDeadline(t time.Time) error      { return nil }
func (p *pipe) SetReadDeadline(t time.Time) error  { return nil }
func (p *pipe) SetWriteDeadline(t time.Time) error { return nil }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "eap" }
func (pipeAddr) String() string  { return "eap" }

// roundTrip sends what TLS has written and returns the peer's next
// message, even an empty one (an acknowledgement), which Read would not.
func (p *pipe) roundTrip() ([]byte, bool) {
	if !p.send(step{flight: p.wbuf}) {
		return nil, false
	}
	p.wbuf = nil
	select {
	case b := <-p.in:
		return b, true
	case <-p.stop:
		return nil, false
	}
}
