package eap

import (
	"encoding/binary"
	"fmt"
)

// Code is an EAP packet's code (RFC 3748 §4).
type Code byte

// The EAP codes.
const (
	CodeRequest  Code = 1
	CodeResponse Code = 2
	CodeSuccess  Code = 3
	CodeFailure  Code = 4
)

// Type is an EAP method type (RFC 3748 §5, IANA).
type Type byte

// The types this server speaks or reads.
const (
	TypeIdentity Type = 1
	TypeNak      Type = 3
	TypeTLS      Type = 13
	TypeTTLS     Type = 21
	TypePEAP     Type = 25
)

// Packet is a decoded EAP packet. Type and Data are empty for Success and
// Failure.
type Packet struct {
	Code       Code
	Identifier byte
	Type       Type
	Data       []byte // after the type byte; aliases the parsed buffer
}

// Parse decodes one EAP packet, which must fill b exactly.
func Parse(b []byte) (Packet, error) {
	if len(b) < 4 {
		return Packet{}, fmt.Errorf("%w: packet of %d bytes is shorter than the 4-byte header", ErrMalformed, len(b))
	}
	p := Packet{Code: Code(b[0]), Identifier: b[1]}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n != len(b) {
		return Packet{}, fmt.Errorf("%w: length field %d, but %d bytes", ErrMalformed, n, len(b))
	}
	switch p.Code {
	case CodeRequest, CodeResponse:
		if n < 5 {
			return Packet{}, fmt.Errorf("%w: request or response without a type", ErrMalformed)
		}
		p.Type, p.Data = Type(b[4]), b[5:n]
	case CodeSuccess, CodeFailure:
		if n != 4 {
			return Packet{}, fmt.Errorf("%w: success or failure with %d bytes of data", ErrMalformed, n-4)
		}
	default:
		return Packet{}, fmt.Errorf("%w: code %d", ErrMalformed, p.Code)
	}
	return p, nil
}

// Marshal encodes p.
func (p Packet) Marshal() []byte {
	n := 4
	if p.Code == CodeRequest || p.Code == CodeResponse {
		n += 1 + len(p.Data)
	}
	b := make([]byte, n)
	b[0], b[1] = byte(p.Code), p.Identifier
	binary.BigEndian.PutUint16(b[2:4], uint16(n))
	if n > 4 {
		b[4] = byte(p.Type)
		copy(b[5:], p.Data)
	}
	return b
}
