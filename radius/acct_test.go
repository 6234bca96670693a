package radius

import (
	"bytes"
	"net"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2869"
)

func acctPacket(secret, sessionID string, status rfc2866.AcctStatusType, octets uint64) *layeh.Packet {
	p := layeh.New(layeh.CodeAccountingRequest, []byte(secret))
	rfc2866.AcctStatusType_Set(p, status)
	if sessionID != "" {
		rfc2866.AcctSessionID_SetString(p, sessionID)
	}
	rfc2865.UserName_SetString(p, "bob")
	rfc2865.CallingStationID_SetString(p, "02-11-22-33-44-55")
	rfc2865.FramedIPAddress_Set(p, net.IPv4(10, 1, 2, 3))
	rfc2866.AcctInputOctets_Set(p, rfc2866.AcctInputOctets(uint32(octets)))
	rfc2869.AcctInputGigawords_Set(p, rfc2869.AcctInputGigawords(octets>>32))
	rfc2866.AcctOutputOctets_Set(p, rfc2866.AcctOutputOctets(uint32(octets/2)))
	rfc2866.AcctSessionTime_Set(p, rfc2866.AcctSessionTime(octets/1000))
	return p
}

func (h *harness) acct(c *client, p *layeh.Packet) []byte {
	h.t.Helper()
	req := mustEncode(h.t, p)
	reply := c.exchange(req, answerWait)
	if rp := checkReply(h.t, reply, req, false); rp.Code != layeh.CodeAccountingResponse {
		h.t.Fatalf("got %v, want Accounting-Response", rp.Code)
	}
	return req
}

func TestAccountingSequenceAndTotals(t *testing.T) {
	h := newHarness(t, "")
	c := h.client(h.acctAddr)
	h.acct(c, acctPacket(testSecret, "sess-1", rfc2866.AcctStatusType_Value_Start, 0))
	h.acct(c, acctPacket(testSecret, "sess-1", rfc2866.AcctStatusType_Value_InterimUpdate, 3_000_000))
	total := uint64(5<<32 + 7)
	stop := acctPacket(testSecret, "sess-1", rfc2866.AcctStatusType_Value_Stop, total)
	rfc2866.AcctTerminateCause_Set(stop, rfc2866.AcctTerminateCause_Value_IdleTimeout)
	h.acct(c, stop)

	s, err := h.sess.Get("test-nas/sess-1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Open || s.InputOctets != total || s.OutputOctets != uint64(uint32(total/2)) ||
		s.TerminateCause != "Idle-Timeout" || s.Updates != 3 || s.MAC != "02:11:22:33:44:55" || s.NASAddr != "127.0.0.1" {
		t.Fatalf("session = %+v", s)
	}
}

func TestAccountingRetransmissionIsNotCountedTwice(t *testing.T) {
	h := newHarness(t, "")
	c := h.client(h.acctAddr)
	req := h.acct(c, acctPacket(testSecret, "sess-2", rfc2866.AcctStatusType_Value_Start, 0))
	first := c.exchange(req, answerWait) // the same datagram again: from the reply cache
	if first == nil {
		t.Fatal("retransmission not answered")
	}
	// The NAS retries with a higher Acct-Delay-Time: a new packet (new ID and
	// authenticator) with the same report. It is answered but not applied.
	p := acctPacket(testSecret, "sess-2", rfc2866.AcctStatusType_Value_Start, 0)
	rfc2866.AcctDelayTime_Set(p, 3)
	retry := mustEncode(t, p)
	if bytes.Equal(retry[4:20], req[4:20]) {
		t.Fatal("test needs a new authenticator")
	}
	h.acct(c, p)
	s, err := h.sess.Get("test-nas/sess-2")
	if err != nil {
		t.Fatal(err)
	}
	if s.Updates != 1 {
		t.Fatalf("Updates = %d, want 1 (retransmissions applied twice)", s.Updates)
	}
}

func TestAccountingOnClosesTheNASSessions(t *testing.T) {
	h := newHarness(t, "")
	c := h.client(h.acctAddr)
	for _, id := range []string{"a", "b", "c"} {
		h.acct(c, acctPacket(testSecret, id, rfc2866.AcctStatusType_Value_Start, 0))
	}
	if n, _ := h.sess.OpenCount("bob", 0); n != 3 {
		t.Fatalf("open before Accounting-On = %d, want 3", n)
	}
	h.acct(c, acctPacket(testSecret, "", rfc2866.AcctStatusType_Value_AccountingOn, 0))
	if n, _ := h.sess.OpenCount("bob", 0); n != 0 {
		t.Fatalf("open after Accounting-On = %d, want 0", n)
	}
	all, err := h.sess.List(false, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Open || s.TerminateCause != "NAS-Reboot" {
			t.Errorf("%s: open %v cause %q, want closed by NAS-Reboot", s.ID, s.Open, s.TerminateCause)
		}
	}
}

func TestSimultaneousUseCountsOpenSessions(t *testing.T) {
	h := newHarness(t, "") // default plan: one session per account
	h.addUser("bob", "bob-password", false)
	ac, c := h.client(h.acctAddr), h.client(h.authAddr)
	login := func() layeh.Code {
		req := mustEncodeMA(t, accessRequest(testSecret, "bob", "bob-password"))
		return checkReply(t, c.exchange(req, answerWait), req, true).Code
	}
	if got := login(); got != layeh.CodeAccessAccept {
		t.Fatalf("first login: %v", got)
	}
	h.acct(ac, acctPacket(testSecret, "s-1", rfc2866.AcctStatusType_Value_Start, 0))
	if got := login(); got != layeh.CodeAccessReject {
		t.Fatalf("second login with one session open: %v, want Access-Reject", got)
	}
	h.acct(ac, acctPacket(testSecret, "s-1", rfc2866.AcctStatusType_Value_Stop, 10))
	if got := login(); got != layeh.CodeAccessAccept {
		t.Fatalf("login after Stop: %v", got)
	}
}
