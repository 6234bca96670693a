package radius

import (
	"bytes"
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/hotspots"
)

func TestMessageAuthenticatorPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy       string
		firstWithout bool // Access-Request without MA answered before any with MA
		laterWithout bool // … after the NAS has sent one with MA
	}{
		{hotspots.MARequire, false, false},
		{hotspots.MAAuto, true, false},
		{hotspots.MAOff, true, true},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			h := newHarness(t, tc.policy)
			h.addUser("bob", "bob-password", false)
			c := h.client(h.authAddr)
			try := func(withMA, want bool) bool {
				p := accessRequest(testSecret, "bob", "bob-password")
				req := mustEncode(t, p)
				if withMA {
					req = mustEncodeMA(t, p)
				}
				wait := dropWait
				if want {
					wait = answerWait
				}
				reply := c.exchange(req, wait)
				if reply != nil {
					checkReply(t, reply, req, true)
				}
				return reply != nil
			}
			if got := try(false, tc.firstWithout); got != tc.firstWithout {
				t.Errorf("first request without Message-Authenticator answered = %v, want %v", got, tc.firstWithout)
			}
			if !try(true, true) {
				t.Fatal("request with Message-Authenticator not answered")
			}
			if got := try(false, tc.laterWithout); got != tc.laterWithout {
				t.Errorf("later request without Message-Authenticator answered = %v, want %v", got, tc.laterWithout)
			}
		})
	}
}

func TestDropsAreCountedByReason(t *testing.T) {
	h := newHarness(t, "")
	h.addUser("bob", "bob-password", false)
	c := h.client(h.authAddr)

	wrong := mustEncodeMA(t, accessRequest("not-the-secret", "bob", "bob-password"))
	if c.exchange(wrong, dropWait) != nil {
		t.Fatal("Access-Request signed with the wrong secret was answered")
	}
	h.waitDrops(AuthPort, DropBadMA, 1)

	noMA := mustEncode(t, layeh.New(layeh.CodeStatusServer, []byte(testSecret)))
	if c.exchange(noMA, dropWait) != nil {
		t.Fatal("Status-Server without Message-Authenticator was answered")
	}
	h.waitDrops(AuthPort, DropMissingMA, 1)

	if c.exchange([]byte("\x01\x02junk that is not radius"), dropWait) != nil {
		t.Fatal("junk answered")
	}
	h.waitDrops(AuthPort, DropMalformed, 1)

	acct := mustEncode(t, layeh.New(layeh.CodeAccountingRequest, []byte(testSecret)))
	if c.exchange(acct, dropWait) != nil {
		t.Fatal("Accounting-Request answered on the auth port")
	}
	h.waitDrops(AuthPort, DropBadCode, 1)

	ac := h.client(h.acctAddr)
	badAcct := mustEncode(t, acctPacket("not-the-secret", "s-1", 1, 0))
	if ac.exchange(badAcct, dropWait) != nil {
		t.Fatal("Accounting-Request with the wrong secret answered")
	}
	h.waitDrops(AcctPort, DropBadAuth, 1)
}

func TestUnknownSourceIsDropped(t *testing.T) {
	h := newHarness(t, "")
	// The harness NAS is 127.0.0.1; send from 127.0.0.2.
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}, h.authAddr)
	if err != nil {
		t.Skipf("cannot bind 127.0.0.2 here: %v", err)
	}
	defer conn.Close()
	c := &client{t: t, conn: conn}
	req := mustEncodeMA(t, layeh.New(layeh.CodeStatusServer, []byte(testSecret)))
	if c.exchange(req, dropWait) != nil {
		t.Fatal("packet from an unknown source answered")
	}
	h.waitDrops(AuthPort, DropUnknownNAS, 1)
}

func TestStatusServerOnBothPorts(t *testing.T) {
	h := newHarness(t, "")
	for _, tc := range []struct {
		addr *net.UDPAddr
		want layeh.Code
	}{{h.authAddr, layeh.CodeAccessAccept}, {h.acctAddr, layeh.CodeAccountingResponse}} {
		req := mustEncodeMA(t, layeh.New(layeh.CodeStatusServer, []byte(testSecret)))
		p := checkReply(t, h.client(tc.addr).exchange(req, answerWait), req, true)
		if p.Code != tc.want {
			t.Errorf("%v: got %v, want %v", tc.addr, p.Code, tc.want)
		}
	}
}

func TestRetransmissionGetsTheCachedReply(t *testing.T) {
	h := newHarness(t, "")
	h.addUser("bob", "bob-password", false)
	c := h.client(h.authAddr)
	req := mustEncodeMA(t, accessRequest(testSecret, "bob", "bob-password"))
	first := c.exchange(req, answerWait)
	again := c.exchange(req, answerWait)
	if first == nil || !bytes.Equal(first, again) {
		t.Fatal("retransmission did not get the identical reply")
	}
	accepts := testutil.ToFloat64(h.met.auth.WithLabelValues(resultAccept))
	if accepts != 1 {
		t.Fatalf("handler ran %v times, want 1", accepts)
	}
	if d := testutil.ToFloat64(h.met.duplicates.WithLabelValues("auth")); d != 1 {
		t.Fatalf("duplicates = %v, want 1", d)
	}
	// Same ID, new authenticator: a new request, handled again.
	p := accessRequest(testSecret, "bob", "bob-password")
	p.Identifier = req[1]
	fresh := mustEncodeMA(t, p)
	if r := c.exchange(fresh, answerWait); r == nil || bytes.Equal(r, first) {
		t.Fatal("new authenticator was answered from the cache")
	}
	if accepts := testutil.ToFloat64(h.met.auth.WithLabelValues(resultAccept)); accepts != 2 {
		t.Fatalf("handler ran %v times, want 2", accepts)
	}
}
