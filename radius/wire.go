package radius

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"hash"
	"slices"
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
	attrs, err := parseAttributes(b[headerLen:n])
	if err != nil {
		return nil, err
	}
	p := &layeh.Packet{Code: layeh.Code(b[0]), Identifier: b[1], Secret: secret, Attributes: attrs}
	copy(p.Authenticator[:], b[4:20])
	return p, nil
}

// parseAttributes decodes the attributes that follow the header, in
// three allocations however many there are: one copy of b (the caller's
// buffer is reused) that every value is a slice of, capped so that an
// append to one does not run into the next, and the AVPs.
func parseAttributes(b []byte) (layeh.Attributes, error) {
	count := 0
	for i := 0; i < len(b); count++ {
		if len(b)-i < 2 {
			return nil, fmt.Errorf("%w: attribute at byte %d is cut short after its type", ErrMalformed, headerLen+i)
		}
		l := int(b[i+1])
		switch {
		case l < 2:
			return nil, fmt.Errorf("%w: attribute %d at byte %d has length %d, less than 2", ErrMalformed, b[i], headerLen+i, l)
		case l > len(b)-i:
			return nil, fmt.Errorf("%w: attribute %d at byte %d has length %d, past the packet's end", ErrMalformed, b[i], headerLen+i, l)
		case b[i] == typeMA && l != maLen:
			return nil, fmt.Errorf("%w: Message-Authenticator is %d bytes, not 16", ErrMalformed, l-2)
		}
		i += l
	}
	if count == 0 {
		return nil, nil
	}
	body := slices.Clone(b)
	avps := make([]layeh.AVP, count)
	attrs := make(layeh.Attributes, count)
	for k, i := 0, 0; k < count; k++ {
		l := int(body[i+1])
		avps[k] = layeh.AVP{Type: layeh.Type(body[i])}
		if l > 2 {
			avps[k].Attribute = body[i+2 : i+l : i+l]
		}
		attrs[k] = &avps[k]
		i += l
	}
	return attrs, nil
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

// zeroAuth is the zeroed authenticator some MACs are computed over; only
// read.
var zeroAuth [16]byte

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
	if zeroAuthCode(layeh.Code(b[0])) {
		auth = zeroAuth[:]
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
	b, err := marshal(code, id, reqAuth, withMA, attrs)
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
	auth := p.Authenticator
	if zeroAuthCode(p.Code) {
		auth = [16]byte{}
	}
	b, err := marshal(p.Code, p.Identifier, auth, true, p.Attributes)
	if err != nil {
		return nil, fmt.Errorf("radius: encode request: %w", err)
	}
	off := headerLen + 2
	sum := mp.messageAuthenticator(b, off, nil, p.Secret)
	copy(b[off:], sum[:])
	if zeroAuthCode(p.Code) {
		sum := packetAuth(b, nil, p.Secret)
		copy(b[4:20], sum[:])
	}
	return b, nil
}

// marshal encodes a packet in one allocation, with a zero
// Message-Authenticator first when withMA (for the caller to sign).
// Attributes of a type outside 0-255 are left out, as layeh does.
func marshal(code layeh.Code, id byte, auth [16]byte, withMA bool, attrs layeh.Attributes) ([]byte, error) {
	n, err := layeh.AttributesEncodedLen(attrs)
	if err != nil {
		return nil, err
	}
	size := headerLen + n
	if withMA {
		size += maLen
	}
	if size > layeh.MaxPacketLength {
		return nil, fmt.Errorf("packet of %d bytes is over the 4096 allowed", size)
	}
	b := make([]byte, size)
	b[0], b[1] = byte(code), id
	binary.BigEndian.PutUint16(b[2:4], uint16(size))
	copy(b[4:20], auth[:])
	i := headerLen
	if withMA {
		b[i], b[i+1] = typeMA, maLen
		i += maLen
	}
	for _, a := range attrs {
		if a.Type < 0 || a.Type > 255 {
			continue
		}
		b[i], b[i+1] = byte(a.Type), byte(2+len(a.Attribute))
		i += 2 + copy(b[i+2:], a.Attribute)
	}
	return b, nil
}

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
