package eap

import (
	"encoding/binary"
	"fmt"
)

// The flags of the TLS-based methods (RFC 5216 §3.1, RFC 5281 §9.1): the
// low three bits are the method's version.
const (
	flagLength  byte = 0x80 // a 4-byte TLS Message Length follows
	flagMore    byte = 0x40 // more fragments follow
	flagStart   byte = 0x20 // the server's start
	versionMask      = 0x07
)

// maxTLSMessage caps a reassembled TLS message from a peer: a client
// certificate chain fits easily; a flood of fragments does not grow without
// end.
const maxTLSMessage = 64 << 10

// tlsFrame is one TLS-method EAP payload (the Data after the type byte).
type tlsFrame struct {
	flags byte
	total int // TLS Message Length when flagLength is set
	data  []byte
}

func parseTLSFrame(b []byte) (tlsFrame, error) {
	if len(b) < 1 {
		return tlsFrame{}, fmt.Errorf("%w: TLS method payload without flags", ErrMalformed)
	}
	f := tlsFrame{flags: b[0], data: b[1:]}
	if f.flags&flagLength != 0 {
		if len(b) < 5 {
			return tlsFrame{}, fmt.Errorf("%w: L flag set but no 4-byte length", ErrMalformed)
		}
		n := binary.BigEndian.Uint32(b[1:5])
		if n > maxTLSMessage {
			return tlsFrame{}, fmt.Errorf("%w: TLS message of %d bytes announced (limit %d)", ErrTooLarge, n, maxTLSMessage)
		}
		f.total, f.data = int(n), b[5:]
		if len(f.data) > f.total {
			return tlsFrame{}, fmt.Errorf("%w: fragment of %d bytes exceeds announced length %d", ErrMalformed, len(f.data), f.total)
		}
	}
	return f, nil
}

// marshalTLSFrame encodes a frame; total is written only with flagLength.
func marshalTLSFrame(flags byte, total int, data []byte) []byte {
	n := 1 + len(data)
	if flags&flagLength != 0 {
		n += 4
	}
	b := make([]byte, 0, n)
	b = append(b, flags)
	if flags&flagLength != 0 {
		b = binary.BigEndian.AppendUint32(b, uint32(total))
	}
	return append(b, data...)
}

// reassembly gathers a peer's fragments into one TLS message.
type reassembly struct {
	buf   []byte
	total int // announced length, 0 when none was given
	open  bool
}

// add takes one frame's data; done is true when the message is complete
// (the frame had no M flag).
func (r *reassembly) add(f tlsFrame) (msg []byte, done bool, err error) {
	if !r.open && f.flags&flagLength != 0 {
		r.total = f.total
	}
	if r.open && f.flags&flagLength != 0 && f.total != r.total {
		return nil, false, fmt.Errorf("%w: TLS message length changed from %d to %d between fragments", ErrMalformed, r.total, f.total)
	}
	if len(r.buf)+len(f.data) > maxTLSMessage || (r.total > 0 && len(r.buf)+len(f.data) > r.total) {
		return nil, false, fmt.Errorf("%w: fragments exceed the message length", ErrTooLarge)
	}
	r.buf = append(r.buf, f.data...)
	if f.flags&flagMore != 0 {
		r.open = true
		return nil, false, nil
	}
	msg = r.buf
	if r.total > 0 && len(msg) != r.total {
		return nil, false, fmt.Errorf("%w: got %d bytes of a %d-byte TLS message", ErrMalformed, len(msg), r.total)
	}
	*r = reassembly{}
	return msg, true, nil
}
