package eap

import (
	"encoding/binary"
	"fmt"
)

// avp is a Diameter-style AVP as EAP-TTLS carries them (RFC 5281 §10).
type avp struct {
	code      uint32
	vendor    uint32 // 0 when the V flag is clear
	mandatory bool
	data      []byte
}

const (
	avpFlagVendor    = 0x80
	avpFlagMandatory = 0x40
)

// AVP codes read from the tunnel (RADIUS attribute numbers, RFC 5281 §10.2).
const (
	avpUserName     = 1
	avpUserPassword = 2
)

// parseAVPs decodes a sequence of AVPs. Padding to four bytes may be
// missing after the last one.
func parseAVPs(b []byte) ([]avp, error) {
	var out []avp
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, fmt.Errorf("%w: AVP header of %d bytes", ErrMalformed, len(b))
		}
		a := avp{code: binary.BigEndian.Uint32(b[0:4])}
		flags := b[4]
		n := int(b[5])<<16 | int(b[6])<<8 | int(b[7])
		hdr := 8
		if flags&avpFlagVendor != 0 {
			hdr = 12
		}
		if n < hdr || n > len(b) {
			return nil, fmt.Errorf("%w: AVP %d length %d (header %d, %d bytes left)", ErrMalformed, a.code, n, hdr, len(b))
		}
		if hdr == 12 {
			a.vendor = binary.BigEndian.Uint32(b[8:12])
		}
		a.mandatory = flags&avpFlagMandatory != 0
		a.data = b[hdr:n]
		out = append(out, a)
		n = (n + 3) &^ 3
		if n > len(b) {
			n = len(b)
		}
		b = b[n:]
	}
	return out, nil
}

// appendAVP encodes one AVP, padded to four bytes.
func appendAVP(b []byte, a avp) []byte {
	hdr := 8
	var flags byte
	if a.vendor != 0 {
		hdr, flags = 12, avpFlagVendor
	}
	if a.mandatory {
		flags |= avpFlagMandatory
	}
	n := hdr + len(a.data)
	b = binary.BigEndian.AppendUint32(b, a.code)
	b = append(b, flags, byte(n>>16), byte(n>>8), byte(n))
	if a.vendor != 0 {
		b = binary.BigEndian.AppendUint32(b, a.vendor)
	}
	b = append(b, a.data...)
	for range (4 - n%4) % 4 {
		b = append(b, 0)
	}
	return b
}
