package eap

import (
	"bytes"
	"context"
	"testing"

	layeh "layeh.com/radius"
)

func FuzzParse(f *testing.F) {
	f.Add(Packet{Code: CodeResponse, Identifier: 1, Type: TypeIdentity, Data: []byte("anon")}.Marshal())
	f.Add([]byte{3, 1, 0, 4})
	f.Add([]byte{2, 1, 0, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Marshal(), b) {
			t.Fatalf("%x parsed as %+v does not marshal back", b, p)
		}
	})
}

// FuzzEAPMessage joins arbitrary EAP-Message attributes and splits the
// result again.
func FuzzEAPMessage(f *testing.F) {
	f.Add([]byte("abc"), 2)
	f.Add(bytes.Repeat([]byte{1}, 600), 3)
	f.Fuzz(func(t *testing.T, b []byte, parts int) {
		var attrs layeh.Attributes
		for i, chunk := 0, max(1, len(b)/max(1, parts%20)); len(b) > 0; i++ {
			n := min(chunk, len(b), 253)
			attrs = append(attrs, &layeh.AVP{Type: AttrEAPMessage, Attribute: b[:n]})
			b = b[n:]
		}
		got, err := FromAttributes(attrs)
		if err != nil {
			return
		}
		again, err := FromAttributes(ToAttributes(got))
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("split and joined: %v", err)
		}
	})
}

// FuzzReassembly feeds a sequence of TLS-method payloads (separated by
// 0xFF 0xFE) to the reassembly; it must never panic or exceed its cap.
func FuzzReassembly(f *testing.F) {
	f.Add(bytes.Join([][]byte{marshalTLSFrame(flagLength|flagMore, 4, []byte("ab")), marshalTLSFrame(0, 0, []byte("cd"))}, []byte{0xff, 0xfe}))
	f.Add([]byte{flagLength, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r reassembly
		for _, part := range bytes.Split(b, []byte{0xff, 0xfe}) {
			fr, err := parseTLSFrame(part)
			if err != nil {
				continue
			}
			msg, done, err := r.add(fr)
			if err != nil {
				r = reassembly{}
				continue
			}
			if len(msg) > maxTLSMessage || len(r.buf) > maxTLSMessage || (done && len(r.buf) != 0) {
				t.Fatalf("message %d, buffer %d", len(msg), len(r.buf))
			}
		}
	})
}

func FuzzAVPs(f *testing.F) {
	b := appendAVP(nil, avp{code: avpUserName, mandatory: true, data: []byte("alice")})
	f.Add(appendAVP(b, avp{code: avpUserPassword, mandatory: true, data: []byte("pw")}))
	f.Add(appendAVP(nil, avp{code: 26, vendor: 311, data: []byte{1, 2, 3}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		avps, err := parseAVPs(b)
		if err != nil {
			return
		}
		var out []byte
		for _, a := range avps {
			out = appendAVP(out, a)
		}
		if again, err := parseAVPs(out); err != nil || len(again) != len(avps) {
			t.Fatalf("re-encoded AVPs do not parse: %v", err)
		}
		readInner(b)
	})
}

// FuzzHandle sends arbitrary EAP-Messages to a server, first without State
// and then with the State it handed out: no panic, and junk is an error.
func FuzzHandle(f *testing.F) {
	s := newTestServer(f, Config{})
	f.Add([]byte{2, 1, 0, 5, 1}, []byte{2, 2, 0, 6, 21, 0})
	f.Add([]byte{2, 1, 0, 5, 1}, []byte{2, 2, 0, 11, 21, 0x80, 0, 0, 0, 9, 22})
	f.Add([]byte{2, 1, 0, 5, 1}, []byte{2, 2, 0, 6, 3, 25})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		ctx := context.Background()
		r, err := s.Handle(ctx, first, nil)
		if err != nil || r.State == nil {
			return
		}
		r, err = s.Handle(ctx, second, r.State)
		if err == nil && r.Done != nil {
			s.Finish(r.Done, false)
		}
	})
}

func FuzzMSCHAPResponse(f *testing.F) {
	ok := mschapPacket(opResponse, 7, append([]byte{49}, make([]byte, 49)...))
	f.Add(append(ok, "alice"...))
	f.Add([]byte{26, 2, 7, 0, 4, 49})
	f.Fuzz(func(t *testing.T, b []byte) {
		peer, ntr, _, err := parseMSCHAPResponse(b, 7)
		if err == nil && (len(peer) != 16 || len(ntr) != 24) {
			t.Fatalf("peer challenge %d bytes, NT-Response %d", len(peer), len(ntr))
		}
	})
}
