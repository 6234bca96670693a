package eap

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The sample of RFC 2759 §9.2.
func TestMSCHAPv2RFC2759Vector(t *testing.T) {
	h := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	auth, peer := h("5B5D7C7D7B3F2F3E3C2C602132262628"), h("21402324255E262A28295F2B3A337C7E")
	nt := NTHash("clientPass")
	if !bytes.Equal(nt[:], h("44EBBA8D5312B8D611474411F56989AE")) {
		t.Fatalf("NT hash %x", nt)
	}
	if got := challengeHash(peer, auth, "User"); !bytes.Equal(got, h("D02E4386BCE91226")) {
		t.Fatalf("challenge hash %x", got)
	}
	resp := ntResponse(auth, peer, "User", nt)
	if !bytes.Equal(resp, h("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")) {
		t.Fatalf("NT-Response %x", resp)
	}
	if got := authenticatorResponse(nt, resp, peer, auth, "User"); got != "S=407A5589115FD0D6209F510FE9C04566932CDA56" {
		t.Fatalf("authenticator response %s", got)
	}
	if !checkNTResponse(auth, peer, `DOMAIN\User`, nt, resp) {
		t.Fatal("a domain prefix is not part of the challenge hash")
	}
}
