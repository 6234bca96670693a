package radius

import (
	"testing"

	"layeh.com/radius/rfc2866"
)

// TestUndefinedAcctStatusTypeIsDropped: an Acct-Status-Type no RFC defines
// is dropped, not acknowledged (issue 12); defined ones wifihk does not
// record (Failed, tunnel accounting) are acknowledged.
func TestUndefinedAcctStatusTypeIsDropped(t *testing.T) {
	h := newHarness(t, "")
	c := h.client(h.acctAddr)
	for i, st := range []rfc2866.AcctStatusType{99, 4, 0} {
		req := mustEncode(t, acctPacket(testSecret, "sess-x", st, 0))
		if reply := c.exchange(req, dropWait); reply != nil {
			t.Errorf("Acct-Status-Type %d acknowledged", st)
		}
		h.waitDrops(AcctPort, DropHandlerError, float64(i+1))
	}
	h.acct(c, acctPacket(testSecret, "sess-x", rfc2866.AcctStatusType_Value_Failed, 0))
	h.acct(c, acctPacket(testSecret, "sess-x", rfc2866.AcctStatusType_Value_Start, 0))
}

// TestSecondMessageAuthenticatorIsDropped: RFC 3579 §3.2 allows one
// Message-Authenticator; a request with a valid one followed by a second,
// or with one of the wrong length, is not authentic.
func TestSecondMessageAuthenticatorIsDropped(t *testing.T) {
	h := newHarness(t, "")
	h.addUser("bob", "bob-password", false)
	c := h.client(h.authAddr)
	p := accessRequest(testSecret, "bob", "bob-password")
	p.Add(typeMA, make([]byte, 16)) // signed over by the first, valid one
	if reply := c.exchange(mustEncodeMA(t, p), dropWait); reply != nil {
		t.Error("a second Message-Authenticator: answered")
	}
	h.waitDrops(AuthPort, DropBadMA, 1)
	p = accessRequest(testSecret, "bob", "bob-password")
	p.Add(typeMA, make([]byte, 8))
	if present, err := checkRequestMA(mustEncodeMA(t, p), []byte(testSecret)); err == nil {
		t.Errorf("a Message-Authenticator of 8 bytes beside a valid one: present %v, no error", present)
	}
	req := mustEncodeMA(t, accessRequest(testSecret, "bob", "bob-password"))
	checkReply(t, c.exchange(req, answerWait), req, true)
}
