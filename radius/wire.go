package radius

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"hash"
	"sync"

	layeh "layeh.com/radius"
)

const (
	headerLen = 20
	// typeMA is Message-Authenticator (RFC 2869 §5.14).
	typeMA = 80
	maLen  = 18 // type, length, 16-byte HMAC-MD5
)

// parse checks a datagram's framing and decodes it. It never panics: every
// problem is an error naming it.
func parse(b, secret []byte) (*layeh.Packet, error) {
	if len(b) < headerLen {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the 20-byte header", ErrMalformed, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	switch {
	case n < headerLen || n > layeh.MaxPacketLength:
		return nil, fmt.Errorf("%w: length field %d is outside 20-4096", ErrMalformed, n)
	case n > len(b):
		return nil, fmt.Errorf("%w: length field %d exceeds the %d bytes received", ErrMalformed, n, len(b))
	}
	p, err := layeh.Parse(b[:n], secret)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for _, a := range p.Attributes {
		if a.Type == typeMA && len(a.Attribute) != 16 {
			return nil, fmt.Errorf("%w: Message-Authenticator is %d bytes, not 16", ErrMalformed, len(a.Attribute))
		}
	}
	return p, nil
}

// findMA returns the offset of the Message-Authenticator value in a wire
// packet whose attributes have been validated, or -1.
func findMA(b []byte) int {
	n := int(binary.BigEndian.Uint16(b[2:4]))
	off := -1
	for i := headerLen; i+2 <= n; {
		l := int(b[i+1])
		if l < 2 {
			return -1
		}
		if b[i] == typeMA {
			if l != maLen || off >= 0 {
				return maInvalid
			}
			off = i + 2
		}
		i += l
	}
	return off
}

// maInvalid is findMA's answer for a packet with more than one
// Message-Authenticator or one of the wrong length, which RFC 3579 §3.2
// forbids: such a packet is not authentic.
const maInvalid = -2

// zeroAuthCodes are the requests whose Message-Authenticator is computed
// with a zeroed Request Authenticator (RFC 3579 §3.2, RFC 5176 §3.3).
func zeroAuthCode(c layeh.Code) bool {
	switch c {
	case layeh.CodeAccountingRequest, layeh.CodeDisconnectRequest, layeh.CodeCoARequest:
		return true
	}
	return false
}

// macPool reuses keyed HMAC states: making one allocates and hashes the
// key's two pad blocks, twice per request otherwise. A nil *macPool makes
// a new state each time.
type macPool struct {
	p    sync.Pool // *keyedMAC
	hash func() hash.Hash
}

type keyedMAC struct {
	key string
	h   hash.Hash
	// zero and sum are the state's own, so that passing them to h does
	// not allocate on every call.
	zero, sum [16]byte
}

func newMACPool(h func() hash.Hash) *macPool { return &macPool{hash: h} }

// get returns an HMAC state for key, reset.
func (mp *macPool) get(key []byte) *keyedMAC {
	if mp == nil {
		return &keyedMAC{h: hmac.New(md5.New, key)}
	}
	if k, _ := mp.p.Get().(*keyedMAC); k != nil && k.key == string(key) {
		k.h.Reset()
		return k
	}
	return &keyedMAC{key: string(key), h: hmac.New(mp.hash, key)}
}

func (mp *macPool) put(k *keyedMAC) {
	if mp != nil {
		mp.p.Put(k)
	}
}

// messageAuthenticator computes the HMAC-MD5 of packet b with the
// Message-Authenticator at off zeroed and the authenticator field replaced
// by auth (nil keeps what b has).
func (mp *macPool) messageAuthenticator(b []byte, off int, auth []byte, secret []byte) [16]byte {
	n := int(binary.BigEndian.Uint16(b[2:4]))
	k := mp.get(secret)
	defer mp.put(k)
	mac := k.h
	mac.Write(b[:4])
	if auth != nil {
		mac.Write(auth)
	} else {
		mac.Write(b[4:20])
	}
	mac.Write(b[20:off])
	mac.Write(k.zero[:])
	mac.Write(b[off+16 : n])
	mac.Sum(k.sum[:0])
	return k.sum
}

// checkRequestMA verifies a request's Message-Authenticator. present is
// false when it has none.
func checkRequestMA(b, secret []byte) (present bool, err error) {
	return (*macPool)(nil).checkRequestMA(b, secret)
}

func (mp *macPool) checkRequestMA(b, secret []byte) (present bool, err error) {
	off := findMA(b)
	if off == maInvalid {
		return true, ErrBadMessageAuthenticator
	}
	if off < 0 {
		return false, nil
	}
	var auth []byte
	var zero [16]byte
	if zeroAuthCode(layeh.Code(b[0])) {
		auth = zero[:]
	}
	want := mp.messageAuthenticator(b, off, auth, secret)
	if !hmac.Equal(want[:], b[off:off+16]) {
		return true, ErrBadMessageAuthenticator
	}
	return true, nil
}

// checkReplyMA verifies a reply's Message-Authenticator against the
// request authenticator it answers.
func checkReplyMA(b, reqAuth, secret []byte) (present bool, err error) {
	return (*macPool)(nil).checkReplyMA(b, reqAuth, secret)
}

func (mp *macPool) checkReplyMA(b, reqAuth, secret []byte) (present bool, err error) {
	off := findMA(b)
	if off == maInvalid {
		return true, ErrBadMessageAuthenticator
	}
	if off < 0 {
		return false, nil
	}
	want := mp.messageAuthenticator(b, off, reqAuth, secret)
	if !hmac.Equal(want[:], b[off:off+16]) {
		return true, ErrBadMessageAuthenticator
	}
	return true, nil
}

// encodeReply encodes a reply to a request with authenticator reqAuth.
// With withMA it puts Message-Authenticator first (BlastRADIUS) and signs
// it before computing the Response Authenticator.
func encodeReply(code layeh.Code, id byte, reqAuth [16]byte, secret []byte, attrs layeh.Attributes, withMA bool) ([]byte, error) {
	return (*macPool)(nil).encodeReply(code, id, reqAuth, secret, attrs, withMA)
}

func (mp *macPool) encodeReply(code layeh.Code, id byte, reqAuth [16]byte, secret []byte, attrs layeh.Attributes, withMA bool) ([]byte, error) {
	p := &layeh.Packet{Code: code, Identifier: id, Authenticator: reqAuth, Secret: secret}
	if withMA {
		p.Attributes = make(layeh.Attributes, 0, len(attrs)+1)
		p.Attributes = append(p.Attributes, maPlaceholder)
		p.Attributes = append(p.Attributes, attrs...)
	} else {
		p.Attributes = attrs
	}
	b, err := p.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("radius: encode reply: %w", err)
	}
	if withMA {
		off := headerLen + 2
		sum := mp.messageAuthenticator(b, off, nil, secret)
		copy(b[off:], sum[:])
	}
	sum := packetAuth(b, nil, secret)
	copy(b[4:20], sum[:])
	return b, nil
}

// encodeRequest encodes a request (Status-Server, Access-Request,
// Disconnect/CoA-Request) with a Message-Authenticator, for clients and
// tests.
func encodeRequest(p *layeh.Packet) ([]byte, error) {
	return (*macPool)(nil).encodeRequest(p)
}

func (mp *macPool) encodeRequest(p *layeh.Packet) ([]byte, error) {
	q := *p
	q.Attributes = append(layeh.Attributes{maPlaceholder}, p.Attributes...)
	if zeroAuthCode(q.Code) {
		q.Authenticator = [16]byte{}
	}
	b, err := q.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("radius: encode request: %w", err)
	}
	off := headerLen + 2
	sum := mp.messageAuthenticator(b, off, nil, q.Secret)
	copy(b[off:], sum[:])
	if zeroAuthCode(q.Code) {
		sum := packetAuth(b, nil, q.Secret)
		copy(b[4:20], sum[:])
	}
	return b, nil
}

// maPlaceholder is the zero Message-Authenticator an encoder puts first
// and signs over; shared, since encoding only reads it.
var maPlaceholder = &layeh.AVP{Type: typeMA, Attribute: make([]byte, 16)}

// md5States reuses MD5 states for packet authenticators.
var md5States = sync.Pool{New: func() any { return &md5State{h: md5.New()} }}

type md5State struct {
	h   hash.Hash
	sum [16]byte // the state's own, so that Sum does not allocate
}

// packetAuth is the MD5 authenticator of packet b (RFC 2865 §3, RFC 2866
// §3): over b with auth in its authenticator field (nil: b's own), then
// the secret. b is at least a header long.
func packetAuth(b, auth, secret []byte) [16]byte {
	st := md5States.Get().(*md5State)
	defer md5States.Put(st)
	h := st.h
	h.Reset()
	h.Write(b[:4])
	if auth == nil {
		h.Write(b[4:headerLen])
	} else {
		h.Write(auth)
	}
	h.Write(b[headerLen:])
	h.Write(secret)
	h.Sum(st.sum[:0])
	return st.sum
}

// authenticResponse reports whether reply b (at least a header long)
// carries the Response Authenticator of a request whose authenticator
// was reqAuth.
func authenticResponse(b, reqAuth, secret []byte) bool {
	sum := packetAuth(b, reqAuth, secret)
	return hmac.Equal(sum[:], b[4:headerLen])
}
