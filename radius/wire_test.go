package radius

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	crand "crypto/rand"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

// A Status-Server signed by hand, straight from RFC 2869 §5.14: HMAC-MD5
// over the packet with the Message-Authenticator zeroed.
func TestStatusServerMessageAuthenticator(t *testing.T) {
	secret := []byte("xyzzy5461")
	raw := []byte{12, 0xda, 0, 38}
	raw = append(raw, []byte("0123456789abcdef")...)
	raw = append(raw, 80, 18)
	raw = append(raw, make([]byte, 16)...)
	mac := hmac.New(md5.New, secret)
	mac.Write(raw)
	copy(raw[22:], mac.Sum(nil))
	if present, err := checkRequestMA(raw, secret); !present || err != nil {
		t.Fatalf("hand-signed Status-Server: present %v err %v", present, err)
	}
	if _, err := checkRequestMA(raw, []byte("xyzzy5462")); !errors.Is(err, ErrBadMessageAuthenticator) {
		t.Fatalf("wrong secret: got %v", err)
	}
	raw[5] ^= 1 // the authenticator is covered too
	if _, err := checkRequestMA(raw, secret); !errors.Is(err, ErrBadMessageAuthenticator) {
		t.Fatalf("tampered authenticator: got %v", err)
	}
}

func TestParseRejectsJunkByName(t *testing.T) {
	ok := mustEncodeMA(t, accessRequest(testSecret, "u", "p"))
	badMALen := append([]byte(nil), ok...)
	badMALen[21] = 10 // Message-Authenticator claims 8 bytes of value
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"short", ok[:10], "shorter than the 20-byte header"},
		{"length below 20", append([]byte{1, 1, 0, 5}, ok[4:]...), "outside 20-4096"},
		{"length beyond datagram", append([]byte{1, 1, 0x0f, 0xff}, ok[4:]...), "exceeds the"},
		{"attribute overruns", append(append([]byte{1, 1, 0, 23}, ok[4:20]...), 1, 9, 'a'), "attribute 1 at byte 20 has length 9, past the packet's end"},
		{"attribute length below 2", append(append([]byte{1, 1, 0, 23}, ok[4:20]...), 1, 1, 'a'), "attribute 1 at byte 20 has length 1, less than 2"},
		{"attribute cut after its type", append(append([]byte{1, 1, 0, 24}, ok[4:20]...), 1, 3, 'a', 4), "attribute at byte 23 is cut short"},
		{"bad Message-Authenticator length", badMALen, "Message-Authenticator is 8 bytes, not 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.b, []byte(testSecret))
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrMalformed containing %q", err, tc.want)
			}
		})
	}
	if _, err := parse(ok, []byte(testSecret)); err != nil {
		t.Fatalf("valid packet: %v", err)
	}
}

func TestEncodeReplyPutsMessageAuthenticatorFirst(t *testing.T) {
	req := mustEncodeMA(t, accessRequest(testSecret, "u", "p"))
	var auth [16]byte
	copy(auth[:], req[4:20])
	attrs := layeh.Attributes{{Type: 18, Attribute: layeh.Attribute("hi")}}
	reply, err := encodeReply(layeh.CodeAccessAccept, req[1], auth, []byte(testSecret), attrs, true)
	if err != nil {
		t.Fatal(err)
	}
	checkReply(t, reply, req, true)
	reply[len(reply)-1] ^= 1 // tamper with Reply-Message
	if _, err := checkReplyMA(reply, req[4:20], []byte(testSecret)); err == nil {
		t.Fatal("tampered reply still verifies")
	}
}

func TestCHAPVerify(t *testing.T) {
	// RFC 1994: response = MD5(id ‖ secret ‖ challenge).
	chal := []byte("0123456789abcdef")
	good := append([]byte{7}, md5Sum(append(append([]byte{7}, "hunter22"...), chal...))...)
	if !verifyCHAP(good, chal, "hunter22") {
		t.Fatal("correct CHAP response rejected")
	}
	if verifyCHAP(good, chal, "hunter23") || verifyCHAP(good[:16], chal, "hunter22") || verifyCHAP(good, nil, "hunter22") {
		t.Fatal("wrong CHAP accepted")
	}
}

func TestNormalMAC(t *testing.T) {
	for in, want := range map[string]string{
		"AA-BB-CC-DD-EE-FF": "aa:bb:cc:dd:ee:ff", "aabbccddeeff": "aa:bb:cc:dd:ee:ff",
		"aa:bb:cc:dd:ee:ff": "aa:bb:cc:dd:ee:ff", "demo": "", "": "", "aabbccddeefg": "",
	} {
		if got := normalMAC(in); got != want {
			t.Errorf("normalMAC(%q) = %q, want %q", in, got, want)
		}
	}
	if got := maskMAC("AA-BB-CC-DD-EE-FF"); got != "aa:bb:cc:xx:xx:xx" {
		t.Errorf("maskMAC = %q", got)
	}
}

// Our Response Authenticator check agrees with layeh's on replies that
// carry the right one, and refuses any bit flipped in the reply, the
// request's authenticator or the secret.
func TestAuthenticResponseAgreesWithLayeh(t *testing.T) {
	for i := range 50 {
		var reqAuth [16]byte
		crand.Read(reqAuth[:])
		attrs := layeh.Attributes{{Type: 18, Attribute: bytes.Repeat([]byte{byte(i)}, i)}}
		b, err := encodeReply(layeh.CodeAccessAccept, byte(i), reqAuth, []byte(testSecret), attrs, i%2 == 0)
		if err != nil {
			t.Fatal(err)
		}
		req := make([]byte, headerLen)
		copy(req[4:], reqAuth[:])
		if !authenticResponse(b, reqAuth[:], []byte(testSecret)) || !layeh.IsAuthenticResponse(b, req, []byte(testSecret)) {
			t.Fatalf("reply %d does not verify", i)
		}
		flipped := bytes.Clone(b)
		flipped[rand.IntN(len(b))] ^= 1 << rand.IntN(8)
		otherAuth := reqAuth
		otherAuth[i%16] ^= 1
		switch {
		case authenticResponse(flipped, reqAuth[:], []byte(testSecret)):
			t.Fatalf("reply %d verifies with a bit flipped", i)
		case authenticResponse(b, otherAuth[:], []byte(testSecret)):
			t.Fatalf("reply %d verifies against another request", i)
		case authenticResponse(b, reqAuth[:], []byte(testSecret+"x")):
			t.Fatalf("reply %d verifies with another secret", i)
		}
	}
}

// parse's attributes are copies, each capped at its own end: the read
// buffer is reused, and an append to one value must not overwrite the next.
func TestParseCopiesAndCapsValues(t *testing.T) {
	b := mustEncodeMA(t, accessRequest(testSecret, "alice", "p"))
	p, err := parse(b, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	user := rfc2865.UserName_Get(p)
	clear(b)
	if string(user) != "alice" {
		t.Fatalf("User-Name %q after the buffer was cleared", user)
	}
	next := slices.Clone(p.Attributes[1].Attribute)
	_ = append(p.Attributes[0].Attribute, "XXXXXXXX"...)
	if !bytes.Equal(p.Attributes[1].Attribute, next) {
		t.Fatalf("appending to the first value changed the second: %q", p.Attributes[1].Attribute)
	}
}

// FuzzParse: parse agrees with layeh.Parse on every datagram both take,
// and takes only those (bar a Message-Authenticator not 16 bytes long,
// which it alone refuses).
func FuzzParse(f *testing.F) {
	f.Add(mustEncodeMA(f, accessRequest(testSecret, "u", "p")))
	f.Add([]byte{1, 1, 0, 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 'a'})
	f.Add([]byte{1, 1, 0, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 80, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		ours, err := parse(b, []byte(testSecret))
		theirs, lerr := layeh.Parse(b, []byte(testSecret))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			if lerr == nil && !slices.ContainsFunc(theirs.Attributes, func(a *layeh.AVP) bool { return a.Type == typeMA && len(a.Attribute) != 16 }) {
				t.Fatalf("we refused what layeh takes: %v", err)
			}
			return
		}
		if lerr != nil {
			t.Fatalf("we took what layeh refuses: %v", lerr)
		}
		if ours.Code != theirs.Code || ours.Identifier != theirs.Identifier || ours.Authenticator != theirs.Authenticator || len(ours.Attributes) != len(theirs.Attributes) {
			t.Fatalf("header or count differs: %+v vs %+v", ours, theirs)
		}
		for i, a := range ours.Attributes {
			if a.Type != theirs.Attributes[i].Type || !bytes.Equal(a.Attribute, theirs.Attributes[i].Attribute) {
				t.Fatalf("attribute %d: %v %q vs %v %q", i, a.Type, a.Attribute, theirs.Attributes[i].Type, theirs.Attributes[i].Attribute)
			}
		}
	})
}
