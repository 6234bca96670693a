package radsec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestReadPacket(t *testing.T) {
	pkt := func(n int) []byte {
		b := make([]byte, n)
		b[0], b[1] = 1, 9
		binary.BigEndian.PutUint16(b[2:4], uint16(n))
		return b
	}
	stream := append(append(pkt(20), pkt(4096)...), pkt(38)...)
	r := bytes.NewReader(stream)
	buf := make([]byte, maxLen)
	for _, want := range []int{20, 4096, 38} {
		b, err := readPacket(r, buf)
		if err != nil || len(b) != want {
			t.Fatalf("got %d bytes, %v; want %d", len(b), err, want)
		}
	}
	if _, err := readPacket(r, buf); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"short", "\x01\x01\x00\x13" + string(make([]byte, 16)), "length field 19"},
		{"long", "\x01\x01\x10\x01" + string(make([]byte, 16)), "length field 4097"},
		{"cut header", "\x01\x01\x00\x14", "inside a packet header"},
		{"cut body", "\x01\x01\x00\x20" + string(make([]byte, 20)), "inside a 32-byte packet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readPacket(bytes.NewReader([]byte(tc.in)), buf)
			if !errors.Is(err, ErrFrame) || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("err = %v, want ErrFrame with %q", err, tc.want)
			}
		})
	}
}

// FuzzReadPacket reads packets from arbitrary streams: each is framed by
// its own length, and junk ends the stream with an error, never a panic.
func FuzzReadPacket(f *testing.F) {
	f.Add([]byte("\x01\x01\x00\x14" + string(make([]byte, 16))))
	f.Add([]byte("\x01\x01\x00\x05junk"))
	f.Add([]byte("\x04\x02\x00\x16" + string(make([]byte, 18)) + "\x01\x03\x00\x14"))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		buf := make([]byte, maxLen)
		read := 0
		for {
			b, err := readPacket(r, buf)
			if err != nil {
				if err != io.EOF && !errors.Is(err, ErrFrame) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			n := int(binary.BigEndian.Uint16(b[2:4]))
			if len(b) != n || n < headerLen || n > maxLen || !bytes.Equal(b, in[read:read+n]) {
				t.Fatalf("packet of %d bytes with length field %d", len(b), n)
			}
			read += n
		}
	})
}
