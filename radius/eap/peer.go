package eap

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
)

// Peer is an EAP-TTLS/PAP, PEAPv0/EAP-MSCHAPv2 or EAP-TLS client (the
// supplicant's side), for tests and load tools: it drives one
// conversation through an Exchange.
type Peer struct {
	// Method is TypeTTLS (inner PAP; the default), TypePEAP (inner
	// EAP-MSCHAPv2) or TypeTLS, which it asks for with a Nak to a TTLS
	// start.
	Method         Type
	Outer          string // outer identity, e.g. anonymous@wifi.hk
	User, Password string // inner credentials
	// TLS has RootCAs and ServerName; a ClientSessionCache to resume;
	// Certificates for EAP-TLS.
	TLS          *tls.Config
	FragmentSize int // default 1000
}

// Exchange sends one EAP response with the State last received (nil at
// first) and returns the EAP packet of the answer and its State.
type Exchange func(eap, state []byte) (reply, newState []byte, err error)

// ErrRejected means the server answered EAP-Failure.
var ErrRejected = errors.New("eap: server sent EAP-Failure")

// Result is a conversation's end as the peer saw it.
type Result struct {
	MSK     []byte
	Resumed bool
	Version uint16
	Rounds  int // RADIUS round trips
}

// peerConv is the peer's side of one conversation.
type peerConv struct {
	p       *Peer
	method  Type
	pipe    *pipe
	stop    chan struct{}
	out     []byte // flight bytes still to send
	sending bool   // a fragment is out and awaits the server's ack
	re      reassembly
	res     Result // set by the TLS goroutine before its first flight after the handshake
}

// Run authenticates: it returns the MSK on EAP-Success and ErrRejected on
// EAP-Failure.
func (p *Peer) Run(ex Exchange) (Result, error) {
	c := &peerConv{p: p, method: p.Method, stop: make(chan struct{})}
	if c.method == 0 {
		c.method = TypeTTLS
	}
	defer close(c.stop)
	var state []byte
	send := func(id byte, typ Type, data []byte) (Packet, error) {
		c.res.Rounds++
		b, ns, err := ex(Packet{Code: CodeResponse, Identifier: id, Type: typ, Data: data}.Marshal(), state)
		if err != nil {
			return Packet{}, err
		}
		state = ns
		return Parse(b)
	}
	req, err := send(0, TypeIdentity, []byte(p.Outer))
	for err == nil {
		switch {
		case req.Code == CodeSuccess && c.res.MSK != nil:
			return c.res, nil
		case req.Code == CodeSuccess:
			return c.res, errors.New("eap: EAP-Success before the TLS handshake ended")
		case req.Code == CodeFailure:
			return c.res, ErrRejected
		case req.Type == TypeTTLS && c.method != TypeTTLS && c.pipe == nil:
			req, err = send(req.Identifier, TypeNak, []byte{byte(c.method)})
			continue
		case req.Type != c.method:
			return c.res, fmt.Errorf("eap: server sent request type %d, not %d", req.Type, c.method)
		}
		var data []byte
		if data, err = c.respond(req); err == nil {
			req, err = send(req.Identifier, c.method, data)
		}
	}
	return c.res, err
}

// respond answers one EAP-Request/TTLS with the payload of the response.
func (c *peerConv) respond(req Packet) ([]byte, error) {
	f, err := parseTLSFrame(req.Data)
	if err != nil {
		return nil, err
	}
	switch {
	case f.flags&flagStart != 0 && c.pipe == nil:
		c.pipe = newPipe(nil, c.stop)
		go c.runTLS()
		return c.flight(<-c.pipe.out)
	case c.sending:
		return c.fragment(), nil
	}
	msg, done, err := c.re.add(f)
	if err != nil || !done {
		return []byte{0}, err // acknowledge the fragment
	}
	if c.pipe == nil {
		return nil, fmt.Errorf("%w: TLS data before the start", ErrMalformed)
	}
	if len(msg) == 0 {
		return c.fragment(), nil
	}
	c.pipe.in <- msg
	return c.flight(<-c.pipe.out)
}

func (c *peerConv) flight(st step) ([]byte, error) {
	if st.end != nil {
		return nil, st.end.Err
	}
	c.out = st.flight
	return c.fragment(), nil
}

// fragment is the next piece of c.out as a TTLS payload.
func (c *peerConv) fragment() []byte {
	n := min(len(c.out), orDefault(c.p.FragmentSize, 1000))
	var flags byte
	if n < len(c.out) {
		flags = flagMore
		if !c.sending {
			flags |= flagLength
		}
	}
	b := marshalTLSFrame(flags, len(c.out), c.out[:n])
	c.out = c.out[n:]
	c.sending = len(c.out) > 0
	return b
}

// runTLS is the peer's TLS goroutine: handshake, keys, then the inner
// method.
func (c *peerConv) runTLS() {
	tc := tls.Client(c.pipe, c.p.TLS)
	if err := tc.Handshake(); err != nil {
		c.pipe.finish(&Outcome{Err: fmt.Errorf("eap: peer TLS handshake: %w", err)})
		return
	}
	cs := tc.ConnectionState()
	msk, err := tunnelKeys(cs, c.method)
	if err != nil {
		c.pipe.finish(&Outcome{Err: err})
		return
	}
	c.res.MSK, c.res.Resumed, c.res.Version = msk, cs.DidResume, cs.Version
	switch c.method {
	case TypePEAP:
		err = c.peapInner(tc)
	case TypeTLS:
		// Acknowledge the server's last flight (over TLS 1.3 it ends with
		// the commitment byte) until EAP-Success ends the conversation.
		buf := make([]byte, 512)
		for err == nil {
			_, err = tc.Read(buf)
		}
		err = nil
	default:
		err = c.ttlsInner(tc)
	}
	if err != nil {
		c.pipe.finish(&Outcome{Err: err})
	}
}

// ttlsInner sends the PAP AVPs and waits for the end.
func (c *peerConv) ttlsInner(tc *tls.Conn) error {
	pw := []byte(c.p.Password)
	pw = append(pw, bytes.Repeat([]byte{0}, (16-len(pw)%16)%16)...)
	b := appendAVP(nil, avp{code: avpUserName, mandatory: true, data: []byte(c.p.User)})
	b = appendAVP(b, avp{code: avpUserPassword, mandatory: true, data: pw})
	if _, err := tc.Write(b); err != nil {
		return err
	}
	buf := make([]byte, 512)
	tc.Read(buf) // hands the AVPs over; returns when the conversation ends
	return nil
}

// peapInner answers the server's inner requests: Identity, EAP-MSCHAPv2
// challenge and success, EAP-TLV Result.
func (c *peerConv) peapInner(tc *tls.Conn) error {
	buf := make([]byte, 4096)
	for {
		n, err := tc.Read(buf)
		if err != nil {
			return nil // the conversation ended
		}
		resp, err := c.peapAnswer(buf[:n])
		if err != nil {
			return err
		}
		if _, err := tc.Write(resp); err != nil {
			return err
		}
	}
}

func (c *peerConv) peapAnswer(req []byte) ([]byte, error) {
	req = stripInnerHeader(req, CodeRequest) // FreeRADIUS sends the inner Identity whole
	switch {
	case len(req) >= 5 && req[0] == byte(CodeRequest) && Type(req[4]) == typeTLV:
		p, err := Parse(req)
		if err != nil {
			return nil, err
		}
		return Packet{Code: CodeResponse, Identifier: p.Identifier, Type: typeTLV, Data: p.Data}.Marshal(), nil
	case len(req) == 1 && Type(req[0]) == TypeIdentity:
		return append([]byte{byte(TypeIdentity)}, c.p.User...), nil
	case len(req) >= 22 && Type(req[0]) == typeMSCHAPv2 && req[1] == opChallenge && req[5] == 16:
		auth := req[6:22]
		var value [49]byte
		rand.Read(value[:16])
		copy(value[24:48], ntResponse(auth, value[:16], c.p.User, NTHash(c.p.Password)))
		return mschapPacket(opResponse, req[2], append(append([]byte{49}, value[:]...), c.p.User...)), nil
	case len(req) >= 2 && Type(req[0]) == typeMSCHAPv2 && req[1] == opSuccess:
		return []byte{byte(typeMSCHAPv2), opSuccess}, nil
	}
	return nil, fmt.Errorf("%w: unexpected inner PEAP request %x", ErrMalformed, req[:min(len(req), 8)])
}
