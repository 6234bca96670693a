package radius

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/radius/eap"
)

// homeUsers is another operator's users file: alice of operator.example,
// known with and without her realm, with a reply that names the server,
// the User-Name and the Operator-Name it received.
func homeUsers(name string) string {
	var b strings.Builder
	for _, user := range []string{"alice", "alice@operator.example"} {
		b.WriteString(user + "\tCleartext-Password := \"alice-pw\"\n" +
			"\tReply-Message := \"home " + name + " for %{User-Name} via %{Operator-Name}\"\n")
	}
	return b.String()
}

// radclient → wifihk → FreeRADIUS (another operator's home server) →
// answer relayed to radclient; the session is accounted here with the
// realm named.
func TestProxyToFreeRADIUS(t *testing.T) {
	needRadclient(t)
	fr := startFreeRADIUS(t, homeSecret, homeUsers("fr1"))
	h, px := newProxyHarnessTo(t, proxySetup{timeout: 2 * time.Second * raceSlowdown, retries: 1, deadAfter: 3, probe: time.Second}, fr.auth)
	addr := h.authAddr.String()
	out := radclient(t, addr, "auth", testSecret,
		`User-Name = "alice@operator.example", User-Password = "alice-pw", Calling-Station-Id = "02-11-22-33-44-55", Message-Authenticator = 0x00`, "5")
	// The realm is stripped on the way (as FreeRADIUS would).
	wantIn(t, out, "Received Access-Accept", `Reply-Message = "home fr1 for alice via 1wifi.hk"`)
	out = radclient(t, addr, "auth", testSecret, `User-Name = "alice@operator.example", User-Password = "wrong", Message-Authenticator = 0x00`, "5")
	wantIn(t, out, "Received Access-Reject")
	if px.result("operator.example", "Access-Accept") != 1 || px.result("operator.example", "Access-Reject") != 1 {
		t.Error("proxied answers not counted by realm")
	}
	out = radclient(t, h.acctAddr.String(), "acct", testSecret,
		`User-Name = "alice@operator.example", Acct-Status-Type = Start, Acct-Session-Id = "fr-1", Calling-Station-Id = "02-11-22-33-44-55"`, "5")
	wantIn(t, out, "Received Accounting-Response")
	s, err := h.sess.Get("test-nas/fr-1")
	if err != nil || s.Realm != "operator.example" || !s.Open || s.Username != "alice@operator.example" {
		t.Fatalf("session %+v %v", s, err)
	}
}

// nasLoad is a NAS sending Access-Requests for alice from workers, each
// on its own socket, one request outstanding, no retransmissions; it
// counts every datagram that comes back, so a second answer to one
// request is seen.
type nasLoad struct {
	t        *testing.T
	to       *net.UDPAddr
	mu       sync.Mutex
	answers  []answerAt // in order of arrival
	sent     atomic.Int64
	lost     atomic.Int64
	dups     atomic.Int64
	maxDelay atomic.Int64
}

type answerAt struct {
	at     time.Time
	server string // from Reply-Message: "fr1" or "fr2"
}

func (l *nasLoad) worker(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	conn, err := net.DialUDP("udp", nil, l.to)
	if err != nil {
		l.t.Error(err)
		return
	}
	defer conn.Close()
	answered := map[byte]bool{}
	buf := make([]byte, 4096)
	for id := 0; ; id++ {
		select {
		case <-stop:
			// Anything still arriving is a second answer.
			conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			for {
				n, err := conn.Read(buf)
				if err != nil {
					return
				}
				if n >= 20 && answered[buf[1]] {
					l.dups.Add(1)
				}
			}
		default:
		}
		p := accessRequest(testSecret, "alice@operator.example", "alice-pw")
		p.Identifier = byte(id)
		wire, err := encodeRequest(p)
		if err != nil {
			l.t.Error(err)
			return
		}
		start := time.Now()
		conn.Write(wire)
		l.sent.Add(1)
		conn.SetReadDeadline(start.Add(5 * time.Second))
		for {
			n, err := conn.Read(buf)
			if err != nil {
				l.lost.Add(1)
				break
			}
			if n < 20 || buf[1] != wire[1] || answered[buf[1]] && !layeh.IsAuthenticResponse(buf[:n], wire, []byte(testSecret)) {
				if n >= 20 && answered[buf[1]] {
					l.dups.Add(1)
				}
				continue
			}
			if !layeh.IsAuthenticResponse(buf[:n], wire, []byte(testSecret)) {
				l.t.Errorf("an answer that does not verify")
				continue
			}
			answered[buf[1]] = true
			r, _ := layeh.Parse(buf[:n], []byte(testSecret))
			msg := rfc2865.ReplyMessage_GetString(r)
			if d := time.Since(start); int64(d) > l.maxDelay.Load() {
				l.maxDelay.Store(int64(d))
			}
			l.mu.Lock()
			l.answers = append(l.answers, answerAt{time.Now(), strings.Fields(msg + " x x")[1]})
			l.mu.Unlock()
			break
		}
		if id%256 == 255 {
			clear(answered) // identifiers wrap; earlier answers are long done
		}
	}
}

// firstFrom returns when the first answer from server came after t0.
func (l *nasLoad) firstFrom(server string, t0 time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range l.answers {
		if a.server == server && a.at.After(t0) {
			return a.at, true
		}
	}
	return time.Time{}, false
}

// The first of two FreeRADIUS home servers is killed mid-run: requests
// continue on the second; Status-Server brings the first back once it is
// started again. No request is lost or answered twice.
func TestProxyFailoverFreeRADIUS(t *testing.T) {
	fr1 := startFreeRADIUS(t, homeSecret, homeUsers("fr1"))
	fr2 := startFreeRADIUS(t, homeSecret, homeUsers("fr2"))
	const timeout = 300 * time.Millisecond * raceSlowdown
	h, px := newProxyHarnessTo(t, proxySetup{timeout: timeout, retries: 0, deadAfter: 2, probe: 200 * time.Millisecond * raceSlowdown}, fr1.auth, fr2.auth)
	load := &nasLoad{t: t, to: h.authAddr}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go load.worker(stop, &wg)
	}
	waitFor(t, "answers from fr1", func() bool { _, ok := load.firstFrom("fr1", time.Time{}); return ok })
	time.Sleep(300 * time.Millisecond) // a steady flow through fr1 before the kill
	killed := time.Now()
	fr1.kill()
	waitFor(t, "answers from fr2", func() bool { _, ok := load.firstFrom("fr2", killed); return ok })
	flowing, _ := load.firstFrom("fr2", killed)
	waitFor(t, "fr1 marked dead", func() bool { return !healthOf(px, fr1.auth).Alive })
	dead := time.Now()
	time.Sleep(300 * time.Millisecond) // a steady flow through fr2
	restarted := time.Now()
	fr1.start() // returns once fr1 answers Status-Server
	ready := time.Now()
	waitFor(t, "fr1 alive again", func() bool { return healthOf(px, fr1.auth).Alive })
	alive := time.Now()
	waitFor(t, "answers from fr1 again", func() bool { _, ok := load.firstFrom("fr1", alive); return ok })
	back, _ := load.firstFrom("fr1", restarted)
	close(stop)
	wg.Wait()
	t.Logf("%d requests; fr1 killed: first answer from fr2 after %v, fr1 marked dead by %v; fr1 restarted: answering after %v (its start-up), back in use after %v (probe every 200ms); slowest answer %v; lost %d, answered twice %d",
		load.sent.Load(), flowing.Sub(killed).Round(time.Millisecond), dead.Sub(killed).Round(time.Millisecond),
		ready.Sub(restarted).Round(time.Millisecond), back.Sub(restarted).Round(time.Millisecond), time.Duration(load.maxDelay.Load()).Round(time.Millisecond), load.lost.Load(), load.dups.Load())
	if load.dups.Load() != 0 {
		t.Errorf("%d requests answered twice", load.dups.Load())
	}
	if load.lost.Load() != 0 {
		t.Errorf("%d requests not answered", load.lost.Load())
	}
	if d := flowing.Sub(killed); d > 2*timeout+500*time.Millisecond {
		t.Errorf("requests flowed to fr2 %v after fr1 died, want within about two timeouts", d)
	}
}

// eapol_test → wifihk (proxy) → wifihk (another operator's home server,
// EAP-TTLS): the conversation passes intact through the proxy (State,
// EAP-Message, Message-Authenticator) and the MPPE keys, encrypted for
// the proxy's request, are encrypted again for eapol_test's.
func TestProxyEAPTTLSThrough(t *testing.T) {
	needEapolTest(t)
	home := newEAPHarness(t, "", eap.Config{})
	home.addUser("alice", "alice-pass-1", false)
	front, px := newProxyHarnessTo(t, proxySetup{timeout: 5 * time.Second * raceSlowdown, deadAfter: 3, probe: time.Second, secret: testSecret},
		home.addr.AddrPort())
	for _, tc := range []struct{ name, phase1 string }{
		{"TLS1.2", "tls_disable_tlsv1_3=1"},
		{"TLS1.3", "tls_disable_tlsv1_3=0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			network := strings.Replace(ttlsNetwork(home.pki.CA, "alice", "alice-pass-1", tc.phase1), "anonymous@wifi.hk", "anonymous@operator.example", 1)
			out, ok := (&eapHarness{harness: front, addr: front.authAddr}).eapolTest(t, network)
			if !ok || !strings.Contains(out, "MPPE keys OK") {
				t.Fatalf("want SUCCESS and MPPE keys OK through the proxy:\n%s", tail(out, 60))
			}
		})
	}
	if px.result("operator.example", "Access-Challenge") == 0 || px.result("operator.example", "Access-Accept") != 2 {
		t.Errorf("challenges %v accepts %v", px.result("operator.example", "Access-Challenge"), px.result("operator.example", "Access-Accept"))
	}
}
