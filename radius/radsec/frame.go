package radsec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const (
	headerLen = 20
	maxLen    = 4096 // RFC 2865 §3
	// Secret is the shared secret used inside TLS (RFC 6614 §2.3).
	Secret = "radsec"
)

// ErrFrame means the stream does not carry a valid RADIUS packet where one
// should start; the connection cannot be resynchronised and is closed.
var ErrFrame = errors.New("radsec: bad framing")

// readPacket reads one RADIUS packet into buf (at least maxLen bytes) and
// returns it. The header's length field frames it. A stream that ends
// between packets gives io.EOF; anywhere else, an error naming the fault.
func readPacket(r io.Reader, buf []byte) ([]byte, error) {
	if _, err := io.ReadFull(r, buf[:headerLen]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: stream ended inside a packet header", ErrFrame)
		}
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(buf[2:4]))
	if n < headerLen || n > maxLen {
		return nil, fmt.Errorf("%w: length field %d is outside 20-4096", ErrFrame, n)
	}
	if _, err := io.ReadFull(r, buf[headerLen:n]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: stream ended inside a %d-byte packet", ErrFrame, n)
		}
		return nil, err
	}
	return buf[:n], nil
}
