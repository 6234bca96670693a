package eap

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	layeh "layeh.com/radius"
)

// testPKI is one demo CA and server certificate for the package's tests.
var testPKI = sync.OnceValues(func() (DemoPKI, error) {
	dir, err := os.MkdirTemp("", "eap-test-pki")
	if err != nil {
		return DemoPKI{}, err
	}
	return WriteDemoPKI(dir, "radius.wifi.hk")
})

func newTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	pki, err := testPKI()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Certificate, err = tls.LoadX509KeyPair(pki.Cert, pki.Key); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testPeer(t testing.TB, user, pw string) *Peer {
	pki, _ := testPKI()
	pem, err := os.ReadFile(pki.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &Peer{Outer: "anonymous@wifi.hk", User: user, Password: pw, TLS: &tls.Config{RootCAs: roots, ServerName: pki.ServerName}}
}

// direct is an Exchange straight into s, accepting every inner identity.
func direct(s *Server, accept func(*Outcome) bool) Exchange {
	return func(msg, state []byte) ([]byte, []byte, error) {
		r, err := s.Handle(context.Background(), msg, state)
		if err != nil {
			return nil, nil, err
		}
		if r.Done != nil {
			return s.Finish(r.Done, r.Done.Err == nil && accept(r.Done)), nil, nil
		}
		return r.EAP, r.State, nil
	}
}

func TestPacketRoundTrip(t *testing.T) {
	for _, p := range []Packet{
		{Code: CodeRequest, Identifier: 7, Type: TypeTTLS, Data: []byte{flagStart}},
		{Code: CodeResponse, Identifier: 1, Type: TypeIdentity, Data: []byte("anonymous@wifi.hk")},
		{Code: CodeSuccess, Identifier: 9},
	} {
		got, err := Parse(p.Marshal())
		if err != nil || got.Code != p.Code || got.Identifier != p.Identifier || got.Type != p.Type || !bytes.Equal(got.Data, p.Data) {
			t.Errorf("%+v: got %+v, %v", p, got, err)
		}
	}
}

func TestParseRejectsJunk(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"short", []byte{2, 1, 0}, "shorter than"},
		{"length mismatch", []byte{2, 1, 0, 9, 1}, "length field 9"},
		{"no type", []byte{2, 1, 0, 4}, "without a type"},
		{"success with data", []byte{3, 1, 0, 5, 0}, "success or failure with 1"},
		{"bad code", []byte{9, 1, 0, 4}, "code 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.b)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEAPMessageSplitAndJoin(t *testing.T) {
	b := bytes.Repeat([]byte("x"), 1000)
	attrs := ToAttributes(b)
	if len(attrs) != 4 || len(attrs[0].Attribute) != 253 || len(attrs[3].Attribute) != 1000-3*253 {
		t.Fatalf("split into %d attributes", len(attrs))
	}
	mixed := append(layeh.Attributes{{Type: 1, Attribute: []byte("u")}}, attrs...)
	got, err := FromAttributes(mixed)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("joined %d bytes, %v", len(got), err)
	}
	if got, err := FromAttributes(layeh.Attributes{{Type: 1}}); got != nil || err != nil {
		t.Fatalf("no EAP-Message: %v %v", got, err)
	}
	big := ToAttributes(bytes.Repeat([]byte("y"), maxEAPPacket+1))
	if _, err := FromAttributes(big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
}

func TestReassembly(t *testing.T) {
	var r reassembly
	steps := []struct {
		frame []byte
		done  bool
	}{
		{marshalTLSFrame(flagLength|flagMore, 6, []byte("abc")), false},
		{marshalTLSFrame(flagMore, 0, []byte("de")), false},
		{marshalTLSFrame(0, 0, []byte("f")), true},
	}
	for i, s := range steps {
		f, err := parseTLSFrame(s.frame)
		if err != nil {
			t.Fatal(err)
		}
		msg, done, err := r.add(f)
		if err != nil || done != s.done {
			t.Fatalf("step %d: done %v, %v", i, done, err)
		}
		if done && string(msg) != "abcdef" {
			t.Fatalf("got %q", msg)
		}
	}
	for _, tc := range []struct {
		name   string
		frames [][]byte
		want   error
	}{
		{"announced too large", [][]byte{marshalTLSFrame(flagLength, maxTLSMessage+1, nil)}, ErrTooLarge},
		{"more than announced", [][]byte{marshalTLSFrame(flagLength|flagMore, 3, []byte("ab")), marshalTLSFrame(0, 0, []byte("cd"))}, ErrTooLarge},
		{"less than announced", [][]byte{marshalTLSFrame(flagLength|flagMore, 9, []byte("ab")), marshalTLSFrame(0, 0, []byte("c"))}, ErrMalformed},
		{"L without length", [][]byte{{flagLength, 0}}, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r reassembly
			var err error
			for _, b := range tc.frames {
				var f tlsFrame
				if f, err = parseTLSFrame(b); err == nil {
					_, _, err = r.add(f)
				}
				if err != nil {
					break
				}
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadInner(t *testing.T) {
	b := appendAVP(nil, avp{code: avpUserName, mandatory: true, data: []byte("alice")})
	b = appendAVP(b, avp{code: 5, vendor: 9, data: []byte("ignored, not mandatory")})
	b = appendAVP(b, avp{code: avpUserPassword, mandatory: true, data: []byte("pw\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")})
	in, err := readInner(b)
	if err != nil || in.user != "alice" || in.password != "pw" {
		t.Fatalf("got %+v %v", in, err)
	}
	mand := appendAVP(b, avp{code: 12, vendor: 311, mandatory: true, data: []byte("x")})
	if _, err := readInner(mand); err == nil || !strings.Contains(err.Error(), "mandatory AVP 12") {
		t.Fatalf("unknown mandatory AVP: %v", err)
	}
	short := appendAVP(b[:16], avp{code: avpMSCHAP2Response, vendor: 311, mandatory: true, data: []byte("x")})
	if _, err := readInner(short); err == nil || !strings.Contains(err.Error(), "MS-CHAP2-Response of 1 bytes") {
		t.Fatalf("short MSCHAPv2 response: %v", err)
	}
	if _, err := readInner([]byte{0, 0, 0, 1, 0x40, 0, 0, 99}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("AVP longer than the data: %v", err)
	}
}

func TestConversation(t *testing.T) {
	s := newTestServer(t, Config{FragmentSize: 200})
	var seen *Outcome
	res, err := testPeer(t, "alice", "pw").Run(direct(s, func(o *Outcome) bool { seen = o; return true }))
	if err != nil {
		t.Fatal(err)
	}
	if seen.User != "alice" || seen.Password != "pw" || seen.Outer != "anonymous@wifi.hk" || !bytes.Equal(seen.MSK, res.MSK) {
		t.Fatalf("outcome %+v", seen)
	}
	if res.Rounds < 8 {
		t.Errorf("%d rounds with 200-byte fragments: fragmentation did not happen", res.Rounds)
	}
	if _, err := testPeer(t, "alice", "pw").Run(direct(s, func(*Outcome) bool { return false })); !errors.Is(err, ErrRejected) {
		t.Fatalf("refused: %v", err)
	}
}

func TestConversationRules(t *testing.T) {
	s := newTestServer(t, Config{})
	ctx := context.Background()
	ident := Packet{Code: CodeResponse, Identifier: 4, Type: TypeIdentity, Data: []byte("anon")}.Marshal()
	r, err := s.Handle(ctx, ident, nil)
	if err != nil || r.State == nil {
		t.Fatal(r, err)
	}
	req, _ := Parse(r.EAP)
	if req.Identifier != 5 || req.Type != TypeTTLS || req.Data[0] != flagStart {
		t.Fatalf("start %+v", req)
	}
	stale := Packet{Code: CodeResponse, Identifier: 4, Type: TypeTTLS, Data: []byte{0}}.Marshal()
	if _, err := s.Handle(ctx, stale, r.State); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("old identifier: %v", err)
	}
	if _, err := s.Handle(ctx, stale, []byte("0123456789abcdef")); !errors.Is(err, ErrUnknownState) {
		t.Fatalf("unknown state: %v", err)
	}
	if _, err := s.Handle(ctx, Packet{Code: CodeResponse, Identifier: 1, Type: TypeTTLS, Data: []byte{0}}.Marshal(), nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("no identity first: %v", err)
	}
	nak := Packet{Code: CodeResponse, Identifier: 5, Type: TypeNak, Data: []byte{byte(TypePEAP)}}.Marshal()
	r, err = s.Handle(ctx, nak, r.State)
	if req, _ := Parse(r.EAP); err != nil || req.Type != TypePEAP || req.Data[0] != flagStart {
		t.Fatalf("a Nak for PEAP should start PEAP: %+v %v", r, err)
	}
	nak = Packet{Code: CodeResponse, Identifier: 6, Type: TypeNak, Data: []byte{byte(TypeTLS)}}.Marshal()
	r, err = s.Handle(ctx, nak, r.State)
	if err != nil || r.Done == nil || r.Done.Err == nil {
		t.Fatalf("a Nak for a method we lack should fail: %+v %v", r, err)
	}
	if r, err := s.Handle(ctx, []byte{}, nil); err != nil || r.State != nil {
		t.Fatalf("EAP-Start: %+v %v", r, err)
	}
}

func TestConversationsAreBoundedAndExpire(t *testing.T) {
	now := time.Unix(1e9, 0)
	s := newTestServer(t, Config{MaxConversations: 10, MaxTunnels: 2, Timeout: time.Minute, Now: func() time.Time { return now }})
	ctx := context.Background()
	var first []byte
	for i := range 25 {
		r, err := s.Handle(ctx, Packet{Code: CodeResponse, Identifier: 1, Type: TypeIdentity}.Marshal(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = r.State
		}
	}
	if st := s.Stats(); st.Conversations != 10 {
		t.Fatalf("%+v, want 10 held", st)
	}
	if _, err := s.Handle(ctx, Packet{Code: CodeResponse, Identifier: 2, Type: TypeTTLS, Data: []byte{0}}.Marshal(), first); !errors.Is(err, ErrUnknownState) {
		t.Fatalf("oldest should be evicted: %v", err)
	}
	now = now.Add(2 * time.Minute)
	s.Handle(ctx, Packet{Code: CodeResponse, Identifier: 1, Type: TypeIdentity}.Marshal(), nil)
	if st := s.Stats(); st.Conversations != 1 {
		t.Fatalf("%+v after the timeout, want only the new one", st)
	}
}

func TestPEAPConversation(t *testing.T) {
	s := newTestServer(t, Config{NTHash: func(_ context.Context, user string) ([16]byte, error) {
		if user != "carol" {
			return [16]byte{}, errors.New("unknown")
		}
		return NTHash("carol-pw"), nil
	}})
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			p := testPeer(t, "carol", "carol-pw")
			p.Method = TypePEAP
			p.TLS.MinVersion, p.TLS.MaxVersion = v, v
			p.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(1)
			var seen *Outcome
			res, err := p.Run(direct(s, func(o *Outcome) bool { seen = o; return true }))
			if err != nil {
				t.Fatal(err)
			}
			if seen.Method != "peap-mschapv2" || seen.User != "carol" || !seen.Checked || !bytes.Equal(seen.MSK, res.MSK) {
				t.Fatalf("outcome %+v", seen)
			}
			res, err = p.Run(direct(s, func(o *Outcome) bool { seen = o; return true }))
			if err != nil || !res.Resumed || seen.Method != "peap-resumed" || seen.User != "carol" {
				t.Fatalf("resumed: %+v %v, outcome %+v", res, err, seen)
			}
			p = testPeer(t, "carol", "wrong")
			p.Method = TypePEAP
			if _, err := p.Run(direct(s, func(o *Outcome) bool { seen = o; return true })); !errors.Is(err, ErrRejected) {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
}

func TestStripInnerHeader(t *testing.T) {
	whole := Packet{Code: CodeResponse, Identifier: 3, Type: TypeIdentity, Data: []byte("carol")}.Marshal()
	if got := stripInnerHeader(whole, CodeResponse); string(got) != "\x01carol" {
		t.Errorf("whole identity: %q", got)
	}
	if got := stripInnerHeader([]byte("\x01carol"), CodeResponse); string(got) != "\x01carol" {
		t.Errorf("header-less identity changed: %q", got)
	}
	tlv := Packet{Code: CodeResponse, Identifier: 3, Type: typeTLV, Data: []byte{0x80, 3, 0, 2, 0, 1}}.Marshal()
	if got := stripInnerHeader(tlv, CodeResponse); len(got) != len(tlv) {
		t.Errorf("an EAP-TLV must stay whole")
	}
}
