package radius

import (
	"bytes"
	"strings"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc4372"

	"github.com/wifihk/wifihk/hotspots"
)

// A NAS that asks for Chargeable-User-Identity (a NUL byte) gets a
// pseudonym that is stable for the account and hides its name; one that
// does not ask gets none.
func TestChargeableUserIdentity(t *testing.T) {
	h := newHarness(t, "")
	h.addUser("alice", "correct horse", false)
	h.addUser("bob", "battery staple", false)
	c := h.client(h.authAddr)
	cuiOf := func(user, pw string, ask bool) []byte {
		p := accessRequest(testSecret, user, pw)
		if ask {
			rfc4372.ChargeableUserIdentity_Add(p, []byte{0})
		}
		req := mustEncodeMA(t, p)
		reply := checkReply(t, c.exchange(req, answerWait), req, true)
		if reply.Code != layeh.CodeAccessAccept {
			t.Fatalf("%s: %v", user, reply.Code)
		}
		return rfc4372.ChargeableUserIdentity_Get(reply)
	}
	a1, a2, b := cuiOf("alice", "correct horse", true), cuiOf("alice", "correct horse", true), cuiOf("bob", "battery staple", true)
	if len(a1) == 0 || !bytes.Equal(a1, a2) || bytes.Equal(a1, b) || strings.Contains(string(a1), "alice") {
		t.Fatalf("CUIs alice %q, %q, bob %q: want stable, distinct, opaque", a1, a2, b)
	}
	if got := cuiOf("alice", "correct horse", false); got != nil {
		t.Fatalf("CUI %q without the NAS asking", got)
	}
}

// Pseudonyms are per operator: the same account has unrelated CUIs at
// venues of two organisations, and the key decides them.
func TestCUIIsPerOrganisation(t *testing.T) {
	at := func(venue hotspots.VenueKey, nas string) *Request {
		return &Request{NAS: hotspots.NAS{ID: nas, Hotspot: venue}}
	}
	school, shop := cuiOperator(at("school/lib-1", "n1")), cuiOperator(at("shop/mall-2", "n2"))
	if school == shop || cuiOperator(at("school/hall-3", "n3")) != school {
		t.Fatalf("operators: %q, %q", school, shop)
	}
	if cuiOperator(at("", "n1")) == cuiOperator(at("", "n2")) {
		t.Fatal("two NASes without a venue share an operator")
	}
	k := []byte("k")
	if bytes.Equal(cuiFor(k, school, "alice"), cuiFor(k, shop, "alice")) || bytes.Equal(cuiFor(k, school, "alice"), cuiFor([]byte("k2"), school, "alice")) {
		t.Fatal("CUI does not depend on the operator and the key")
	}
	if n := len(cuiFor(k, school, "alice")); n > 253 {
		t.Fatalf("CUI of %d bytes", n)
	}
}
