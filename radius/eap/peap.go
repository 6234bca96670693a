package eap

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// PEAPv0 with EAP-MSCHAPv2 (draft-kamath-pppext-peapv0,
// draft-kamath-pppext-eap-mschapv2): inside the tunnel the server sends
// inner EAP requests without their 4-byte header (the peer supplies it),
// except the EAP-TLV Result, which goes whole.

// Inner EAP types and codes of PEAPv0.
const (
	typeMSCHAPv2 Type = 26
	typeTLV      Type = 33

	opChallenge = 1
	opResponse  = 2
	opSuccess   = 3
)

// peap runs PEAPv0's phase 2 after the handshake: EAP-MSCHAPv2 (unless
// the session was resumed), then the EAP-TLV Result.
func (s *Server) peap(tc *tls.Conn, p *pipe, o *Outcome) {
	if len(p.wbuf) > 0 {
		// A full TLS 1.2 handshake ends with the server's Finished: send it
		// alone and let the peer acknowledge it before phase 2 starts.
		ack, ok := p.roundTrip()
		if !ok {
			o.Err = errDropped
			return
		}
		p.rbuf = ack
	}
	if o.Resumed {
		o.Method = "peap-resumed"
	} else {
		o.Method = "peap-mschapv2"
		if o.User, o.Err = s.peapMSCHAPv2(tc); o.Err != nil {
			return
		}
		o.Checked = true
	}
	o.Err = tlvResult(tc)
}

// errDropped is the error when the conversation is dropped mid-way.
var errDropped = errors.New("eap: conversation dropped")

// peapMSCHAPv2 runs the inner Identity and EAP-MSCHAPv2 exchanges and
// returns the inner identity once its response has been verified.
func (s *Server) peapMSCHAPv2(tc *tls.Conn) (string, error) {
	resp, err := innerExchange(tc, []byte{byte(TypeIdentity)})
	if err != nil {
		return "", err
	}
	resp = stripInnerHeader(resp, CodeResponse)
	if len(resp) < 2 || Type(resp[0]) != TypeIdentity {
		return "", fmt.Errorf("%w: inner response is not an Identity", ErrMalformed)
	}
	user := string(resp[1:])
	if s.cfg.NTHash == nil {
		return "", errors.New("eap: MSCHAPv2 is not enabled")
	}
	var chal [16]byte
	rand.Read(chal[:])
	mid := chal[0]
	resp, err = innerExchange(tc, mschapPacket(opChallenge, mid, append(append([]byte{16}, chal[:]...), "wifihk"...)))
	if err != nil {
		return "", err
	}
	resp = stripInnerHeader(resp, CodeResponse)
	peer, ntr, name, err := parseMSCHAPResponse(resp, mid)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nt, err := s.cfg.NTHash(ctx, user)
	if err != nil {
		return "", err
	}
	if !checkNTResponse(chal[:], peer, name, nt, ntr) {
		return "", ErrBadPassword
	}
	ok := authenticatorResponse(nt, ntr, peer, chal[:], name) + " M=OK"
	resp, err = innerExchange(tc, mschapPacket(opSuccess, mid, []byte(ok)))
	if err != nil {
		return "", err
	}
	resp = stripInnerHeader(resp, CodeResponse)
	if len(resp) < 2 || Type(resp[0]) != typeMSCHAPv2 || resp[1] != opSuccess {
		return "", fmt.Errorf("%w: inner EAP-MSCHAPv2 success not acknowledged", ErrMalformed)
	}
	return user, nil
}

// parseMSCHAPResponse reads a header-less EAP-MSCHAPv2 Response: type,
// op, id, MS-Length (2), Value-Size 49, peer challenge (16), reserved (8),
// NT-Response (24), flags, name.
func parseMSCHAPResponse(b []byte, id byte) (peer, ntr []byte, name string, err error) {
	if len(b) < 55 || Type(b[0]) != typeMSCHAPv2 || b[1] != opResponse || b[2] != id || b[5] != 49 {
		return nil, nil, "", fmt.Errorf("%w: inner EAP-MSCHAPv2 response", ErrMalformed)
	}
	if n := int(binary.BigEndian.Uint16(b[3:5])); n != len(b)-1 {
		return nil, nil, "", fmt.Errorf("%w: EAP-MSCHAPv2 MS-Length %d for %d bytes", ErrMalformed, n, len(b)-1)
	}
	return b[6:22], b[30:54], string(b[55:]), nil
}

// stripInnerHeader removes the 4-byte EAP header from an inner PEAPv0
// message that came whole (some implementations send one so) unless it
// is an EAP-TLV, which always comes whole.
func stripInnerHeader(b []byte, code Code) []byte {
	if len(b) >= 5 && Code(b[0]) == code && Type(b[4]) != typeTLV && int(binary.BigEndian.Uint16(b[2:4])) == len(b) {
		return b[4:]
	}
	return b
}

// mschapPacket is a header-less inner EAP-MSCHAPv2 request.
func mschapPacket(op, id byte, value []byte) []byte {
	b := []byte{byte(typeMSCHAPv2), op, id, 0, 0}
	binary.BigEndian.PutUint16(b[3:5], uint16(4+len(value)))
	return append(b, value...)
}

// tlvResult sends the EAP-TLV Result Success (a whole EAP packet) and
// checks that the peer answers Success too.
func tlvResult(tc *tls.Conn) error {
	req := Packet{Code: CodeRequest, Identifier: 0, Type: typeTLV, Data: []byte{0x80, 0x03, 0, 2, 0, 1}}.Marshal()
	resp, err := innerExchange(tc, req)
	if err != nil {
		return err
	}
	p, err := Parse(resp)
	if err != nil || p.Code != CodeResponse || p.Type != typeTLV || !bytes.Equal(p.Data, []byte{0x80, 0x03, 0, 2, 0, 1}) {
		return fmt.Errorf("%w: the peer did not answer the EAP-TLV Result with success", ErrMalformed)
	}
	return nil
}

// innerExchange writes one inner message and reads the peer's answer.
func innerExchange(tc *tls.Conn, msg []byte) ([]byte, error) {
	if _, err := tc.Write(msg); err != nil {
		return nil, err
	}
	buf := make([]byte, 4096)
	n, err := tc.Read(buf)
	if err != nil {
		return nil, fmt.Errorf("eap: reading the inner response: %w", err)
	}
	return buf[:n], nil
}
