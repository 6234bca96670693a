package eap

import (
	"fmt"

	layeh "layeh.com/radius"
)

// AttrEAPMessage is the RADIUS EAP-Message attribute (RFC 3579 §3.1).
const AttrEAPMessage = 79

// maxEAPPacket is the largest EAP packet accepted from a NAS: one RADIUS
// packet (4096 bytes) cannot carry more.
const maxEAPPacket = 4096

// FromAttributes joins the EAP-Message attributes of a RADIUS packet, in
// order, into the EAP packet they carry. It is nil, with no error, when
// there is none, and an empty non-nil slice for an EAP-Start (RFC 3579
// §2.1: one EAP-Message with no data).
func FromAttributes(attrs layeh.Attributes) ([]byte, error) {
	var b []byte
	for _, a := range attrs {
		if a.Type != AttrEAPMessage {
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(a.Attribute))
		}
		if len(b)+len(a.Attribute) > maxEAPPacket {
			return nil, fmt.Errorf("%w: EAP-Message over %d bytes", ErrTooLarge, maxEAPPacket)
		}
		b = append(b, a.Attribute...)
	}
	return b, nil
}

// ToAttributes splits an EAP packet into EAP-Message attributes of at most
// 253 bytes each.
func ToAttributes(b []byte) layeh.Attributes {
	attrs := make(layeh.Attributes, 0, (len(b)+252)/253)
	for len(b) > 0 {
		n := min(len(b), 253)
		attrs = append(attrs, &layeh.AVP{Type: AttrEAPMessage, Attribute: layeh.Attribute(b[:n:n])})
		b = b[n:]
	}
	return attrs
}
