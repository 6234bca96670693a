package controller_test

import (
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// radsecServerConf is a radsecproxy as a RadSec server (another
// operator's, say): it takes wifihk's proxy (its certificate's CN
// checked) over TLS and relays to a RADIUS server over UDP. Arguments: CA,
// certificate and key files, the RADIUS server's auth and acct ports.
const radsecServerConf = `
tls default {
	CACertificateFile %s
	CertificateFile %s
	CertificateKeyFile %s
}
client wifihk-proxy {
	type tls
	host 127.0.0.1
	secret radsec
	CertificateNameCheck off
	MatchCertificateAttribute CN:/^wifihk-proxy\.test$/
}
server home-auth {
	type udp
	host 127.0.0.1
	port %s
	secret testing123
}
server home-acct {
	type udp
	host 127.0.0.1
	port %s
	secret testing123
}
realm * {
	server home-auth
	accountingServer home-acct
}
`

// radclient → wifihk (UDP) → wifihk's proxy over RadSec → radsecproxy (a
// RadSec server) → a second wifihk as the operator's home server. Accept
// and Reject are relayed, the realm is stripped on the way, accounting is
// recorded here and forwarded there. Then the first RadSec server is
// killed mid-run: requests go on through the second, none lost or
// answered twice, and Status-Server brings the first back once it
// restarts.
func TestProxyOverRadSecToRadsecproxy(t *testing.T) {
	proxyBin := needPeer(t, "radsecproxy", "radsecproxy")
	radclientBin := needPeer(t, "radclient", "freeradius-utils")
	ca := radsectest.NewCA(t, "federation test CA")
	caPEM, err := os.ReadFile(ca.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	home := controllertest.Start(t, controllertest.Options{Demo: true}) // demo/demo1234; NAS 127.0.0.1 testing123
	_, homeAuth, _ := net.SplitHostPort(home.AuthAddr.String())
	_, homeAcct, _ := net.SplitHostPort(home.AcctAddr.String())
	var rps [2]*radsecproxyRun
	for i := range rps {
		name := fmt.Sprintf("rp%d.test", i+1)
		cert := ca.Server(name, name)
		rps[i] = startRadsecproxy(t, proxyBin, "tcp", fmt.Sprintf(radsecServerConf, ca.CAFile, cert.CertFile, cert.KeyFile, homeAuth, homeAcct))
	}
	ours := ca.Client("wifihk-proxy.test", "wifihk-proxy.test")
	front := controllertest.Start(t, controllertest.Options{Demo: true,
		Configure: func(c *config.Config) {
			c.RADIUS.Proxy.RadSec = config.ProxyRadSec{Cert: ours.CertFile, Key: ours.KeyFile, CA: ca.CAFile}
			c.RADIUS.Proxy.DeadAfter, c.RADIUS.Proxy.ProbeInterval = 2, 200*time.Millisecond
		},
		Prepare: func(a *controller.App) {
			if _, err := a.Registry.AddOrg(hotspots.Org{Code: "operator", NameEN: "Operator"}); err != nil {
				t.Fatal(err)
			}
			// rp1 with the realm's own CA, rp2 with the proxy's default.
			if _, err := a.Registry.AddRealm(hotspots.RealmInput{Name: "operator.example", Org: "operator", ForwardAcct: true,
				Servers: []hotspots.HomeServerInput{
					{Address: rps[0].addr, Transport: hotspots.TransportRadSec, CA: string(caPEM), ServerName: "rp1.test", Timeout: 5 * time.Second},
					{Address: rps[1].addr, Transport: hotspots.TransportRadSec, ServerName: "rp2.test", Timeout: 5 * time.Second},
				}}); err != nil {
				t.Fatal(err)
			}
		},
	})
	auth, acct := front.AuthAddr.String(), front.AcctAddr.String()
	radclient := func(addr, kind, attrs string) string {
		return runRadclient(radclientBin, addr, kind, "testing123", attrs, 4)
	}
	// The home server knows "demo", not "demo@operator.example": an
	// Accept shows the realm was stripped.
	if out := radclient(auth, "auth", "User-Name=demo@operator.example,User-Password=demo1234,Message-Authenticator=0x00"); !strings.Contains(out, "Received Access-Accept") {
		t.Fatalf("no Access-Accept over RadSec:\n%s", out)
	}
	if out := radclient(auth, "auth", "User-Name=demo@operator.example,User-Password=wrong-pass,Message-Authenticator=0x00"); !strings.Contains(out, "Received Access-Reject") {
		t.Fatalf("wrong password:\n%s", out)
	}
	rp1, rp2 := "radsec/"+rps[0].addr, "radsec/"+rps[1].addr
	// radclient resends on its own timeout, so on a loaded machine a
	// request may have timed out before one of the two was answered.
	if h := serverHealth(front, rp1); !h.Alive || h.Answers < 1 {
		t.Fatalf("rp1 health %+v, want alive with its answers", h)
	}

	// Failover: load through the front, rp1 killed, then restarted.
	load := &papLoad{t: t, to: auth}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go load.worker(stop, &wg)
	}
	waitFor(t, "answers through rp1", func() bool { return load.answered.Load() > 20 })
	before := serverHealth(front, rp2).Answers
	killed := time.Now()
	rps[0].kill()
	waitFor(t, "answers through rp2", func() bool { return serverHealth(front, rp2).Answers > before })
	flowing := time.Since(killed)
	waitFor(t, "rp1 marked dead", func() bool { return !serverHealth(front, rp1).Alive })
	restarted := time.Now()
	rps[0].start()
	waitFor(t, "rp1 alive again", func() bool { return serverHealth(front, rp1).Alive })
	back := time.Since(restarted)
	again := serverHealth(front, rp1).Answers
	waitFor(t, "answers through rp1 again", func() bool { return serverHealth(front, rp1).Answers > again })
	close(stop)
	wg.Wait()
	t.Logf("%d requests; rp1 killed: rp2 answering within %v; rp1 restarted: alive again after %v (probe every 200ms); lost %d, answered twice %d",
		load.sent.Load(), flowing.Round(time.Millisecond), back.Round(time.Millisecond), load.lost.Load(), load.dups.Load())
	if load.lost.Load() != 0 || load.dups.Load() != 0 {
		t.Errorf("%d requests lost, %d answered twice", load.lost.Load(), load.dups.Load())
	}

	// Accounting last: the home server counts the open session against
	// demo's Simultaneous-Use.
	if out := radclient(acct, "acct", "User-Name=demo@operator.example,Acct-Status-Type=Start,Acct-Session-Id=fed-1"); !strings.Contains(out, "Received Accounting-Response") {
		t.Fatalf("accounting:\n%s", out)
	}
	waitSession(t, front, "demo-localhost/fed-1")
	waitSession(t, home, "demo-localhost/fed-1") // forwarded over RadSec and on by radsecproxy
	if s, err := front.Sessions.Get("demo-localhost/fed-1"); err != nil || s.Realm != "operator.example" || s.Username != "demo@operator.example" {
		t.Errorf("front session %+v %v, want realm operator.example", s, err)
	}
	if s, err := home.Sessions.Get("demo-localhost/fed-1"); err != nil || s.Username != "demo" {
		t.Errorf("home session %+v %v, want demo (realm stripped)", s, err)
	}
}

func serverHealth(a *controller.App, name string) radius.ServerHealth {
	for _, h := range a.Proxy.Health() {
		if h.Server == name {
			return h
		}
	}
	return radius.ServerHealth{}
}

// papLoad is a NAS sending demo@operator.example's Access-Request from
// workers, each on its own socket with one request outstanding and no
// retransmissions; it counts every datagram back, so a second answer to
// one request is seen.
type papLoad struct {
	t                          *testing.T
	to                         string
	sent, answered, lost, dups atomic.Int64
}

func (l *papLoad) worker(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	conn, err := net.Dial("udp", l.to)
	if err != nil {
		l.t.Error(err)
		return
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	for id := 0; ; id++ {
		select {
		case <-stop:
			conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			for {
				if _, err := conn.Read(buf); err != nil {
					return
				}
				l.dups.Add(1) // nothing is outstanding: a second answer
			}
		default:
		}
		p := layeh.New(layeh.CodeAccessRequest, []byte("testing123"))
		p.Identifier = byte(id)
		rfc2865.UserName_SetString(p, "demo@operator.example")
		rfc2865.UserPassword_SetString(p, "demo1234")
		wire, err := radius.EncodeRequest(p)
		if err != nil {
			l.t.Error(err)
			return
		}
		conn.Write(wire)
		l.sent.Add(1)
		conn.SetReadDeadline(time.Now().Add(6 * time.Second))
		for {
			n, err := conn.Read(buf)
			if err != nil {
				l.lost.Add(1)
				break
			}
			if buf[1] != wire[1] {
				l.dups.Add(1) // an answer to an earlier request
				continue
			}
			if r, err := radius.CheckReply(buf[:n], wire, []byte("testing123")); err != nil {
				l.t.Errorf("an answer that does not verify: %v", err)
			} else if r.Code != layeh.CodeAccessAccept {
				l.t.Errorf("%v, want Access-Accept", r.Code)
			}
			l.answered.Add(1)
			break
		}
	}
}
