package radius

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/vendors/microsoft"

	"github.com/wifihk/wifihk/radius/eap"
)

// eapNAS is a NAS relaying one device's EAP conversation over real UDP.
type eapNAS struct {
	h      *eapHarness
	c      *client
	noMA   bool
	last   *layeh.Packet // the last reply
	lastRq []byte        // and the request it answers
}

func (h *eapHarness) nas() *eapNAS { return &eapNAS{h: h, c: h.client(h.addr)} }

// exchange implements eap.Exchange.
func (n *eapNAS) exchange(msg, state []byte) ([]byte, []byte, error) {
	t := n.h.t
	p := layeh.New(layeh.CodeAccessRequest, []byte(testSecret))
	rfc2865.UserName_SetString(p, "anonymous@wifi.hk")
	rfc2865.CallingStationID_SetString(p, "02-11-22-33-44-55")
	p.Attributes = append(p.Attributes, eap.ToAttributes(msg)...)
	if state != nil {
		rfc2865.State_Set(p, state)
	}
	req := mustEncodeMA(t, p)
	if n.noMA {
		req = mustEncode(t, p)
	}
	reply := n.c.exchange(req, answerWait)
	if reply == nil {
		return nil, nil, errors.New("no reply")
	}
	rp := checkReply(t, reply, req, true)
	n.last, n.lastRq = rp, req
	m, err := eap.FromAttributes(rp.Attributes)
	return m, rfc2865.State_Get(rp), err
}

func (h *eapHarness) peer(user, pw string, version uint16, cache tls.ClientSessionCache) *eap.Peer {
	pem, err := os.ReadFile(h.pki.CA)
	if err != nil {
		h.t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &eap.Peer{Outer: "anonymous@wifi.hk", User: user, Password: pw,
		TLS: &tls.Config{RootCAs: roots, ServerName: h.pki.ServerName, MinVersion: version, MaxVersion: version, ClientSessionCache: cache}}
}

func TestEAPTTLSPAP(t *testing.T) {
	h := newEAPHarness(t, "", eap.Config{FragmentSize: 300}) // small fragments: several per flight
	h.addUser("alice", "alice-pass-1", false)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			cache := tls.NewLRUClientSessionCache(4)
			nas := h.nas()
			res, err := h.peer("alice", "alice-pass-1", v, cache).Run(nas.exchange)
			if err != nil {
				t.Fatal(err)
			}
			if nas.last.Code != layeh.CodeAccessAccept || res.Resumed || res.Version != v {
				t.Fatalf("got %v resumed %v version %x", nas.last.Code, res.Resumed, res.Version)
			}
			if got := rfc2865.UserName_GetString(nas.last); got != "alice" {
				t.Errorf("Accept's User-Name %q, want the inner identity alice", got)
			}
			recv := microsoft.MSMPPERecvKey_Get(nas.last, mustParse(t, nas.lastRq))
			send := microsoft.MSMPPESendKey_Get(nas.last, mustParse(t, nas.lastRq))
			if !bytes.Equal(recv, res.MSK[:32]) || !bytes.Equal(send, res.MSK[32:64]) {
				t.Fatalf("MPPE keys do not match the peer's MSK")
			}
			if rfc2865.SessionTimeout_Get(nas.last) == 0 {
				t.Error("the plan's Session-Timeout is missing")
			}
			res, err = h.peer("alice", "alice-pass-1", v, cache).Run(h.nas().exchange)
			if err != nil || !res.Resumed {
				t.Fatalf("second run: resumed %v, %v", res.Resumed, err)
			}
			_, err = h.peer("alice", "wrong-pass", v, nil).Run(nas.exchange)
			if !errors.Is(err, eap.ErrRejected) || nas.last.Code != layeh.CodeAccessReject {
				t.Fatalf("wrong password: %v, %v", err, nas.last.Code)
			}
		})
	}
	if s := h.eap.Stats(); s.Conversations+s.Tunnels != 0 {
		t.Errorf("finished conversations still held: %+v", s)
	}
	for _, m := range []struct {
		method, result string
		want           float64
	}{{"ttls-pap", "accept", 2}, {"ttls-resumed", "accept", 2}, {"ttls-pap", "reject", 2}} {
		if got := testutil.ToFloat64(h.met.eap.WithLabelValues(m.method, m.result)); got != m.want {
			t.Errorf("wifihk_radius_eap_total{%s,%s} = %v, want %v", m.method, m.result, got, m.want)
		}
	}
}

func mustParse(t testing.TB, b []byte) *layeh.Packet {
	p, err := layeh.Parse(b, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEAPWithoutMessageAuthenticatorIsDropped(t *testing.T) {
	h := newEAPHarness(t, "off", eap.Config{}) // the NAS's policy does not matter
	h.addUser("alice", "alice-pass-1", false)
	nas := h.nas()
	nas.noMA = true
	_, err := h.peer("alice", "alice-pass-1", 0, nil).Run(func(m, s []byte) ([]byte, []byte, error) {
		// one request only: the reply cannot come
		req := layeh.New(layeh.CodeAccessRequest, []byte(testSecret))
		req.Attributes = eap.ToAttributes(m)
		if nas.c.exchange(mustEncode(t, req), dropWait) != nil {
			t.Fatal("an EAP request without Message-Authenticator was answered")
		}
		return nil, nil, errors.New("dropped")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if got := testutil.ToFloat64(h.met.auth.WithLabelValues(dropEAPNoMA)); got != 1 {
		t.Errorf("auth{%s} = %v, want 1", dropEAPNoMA, got)
	}
}

func TestEAPInnerIdentityCountsForSimultaneousUse(t *testing.T) {
	h := newEAPHarness(t, "", eap.Config{}) // default plan: one session per account
	h.addUser("bob", "bob-password", false)
	ac := h.client(h.acctAddr)
	h.acct(ac, acctPacket(testSecret, "s-1", rfc2866.AcctStatusType_Value_Start, 0)) // bob is online
	nas := h.nas()
	_, err := h.peer("bob", "bob-password", 0, nil).Run(nas.exchange)
	if !errors.Is(err, eap.ErrRejected) {
		t.Fatalf("second session of bob by EAP: %v, want rejected", err)
	}
	if got := testutil.ToFloat64(h.met.auth.WithLabelValues(rejectSimUse)); got != 1 {
		t.Errorf("auth{%s} = %v, want 1", rejectSimUse, got)
	}
}
