package controller_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/radsec"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// radsecController is a demo controller with RadSec on 127.0.0.1:0 and a
// NAS "radsec-peer" identified by the client certificate CN peerCN of ca.
func radsecController(t *testing.T, ca *radsectest.CA, peerCN string) *controller.App {
	t.Helper()
	srv := ca.Server("wifihk.test", "wifihk.test", "127.0.0.1")
	return controllertest.Start(t, controllertest.Options{
		Demo: true,
		Configure: func(c *config.Config) {
			c.RADIUS.RadSec.Addr = "127.0.0.1:0"
			c.RADIUS.RadSec.Cert, c.RADIUS.RadSec.Key, c.RADIUS.RadSec.ClientCA = srv.CertFile, srv.KeyFile, ca.CAFile
		},
		Prepare: func(a *controller.App) {
			if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "radsec-peer", IP: "192.0.2.10", Secret: "udp-unused",
				Cert: hotspots.CertIdentity{Issuer: ca.Name, Subject: peerCN}}); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// Our RadSec client against the controller: the demo visitor is accepted
// and accounting is recorded under the NAS its certificate names.
func TestRadSecClientToController(t *testing.T) {
	ca := radsectest.NewCA(t, "wifihk test CA")
	peer := ca.Client("peer.test", "peer.test")
	a := radsecController(t, ca, "peer.test")
	c, err := radsec.NewClient(radsec.ClientConfig{Addr: a.RadSecAddr.String(),
		TLS: &tls.Config{Certificates: []tls.Certificate{peer.TLS}, RootCAs: ca.Pool, ServerName: "wifihk.test"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	demoLogon(t, c, a, 0, "radsec-own-1", "radsec-peer")
}

// demoLogon sends the demo visitor's Access-Request through c, retrying
// for up to wait while a peer on the way starts, then an accounting Start
// for acctID, and waits for the session under nas.
func demoLogon(t *testing.T, c *radsec.Client, a *controller.App, wait time.Duration, acctID, nas string) {
	t.Helper()
	p := layeh.New(layeh.CodeAccessRequest, []byte(radsec.Secret))
	rfc2865.UserName_SetString(p, "demo")
	rfc2865.UserPassword_SetString(p, "demo1234")
	resp, err := c.Exchange(context.Background(), p)
	for deadline := time.Now().Add(wait); err != nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the peer is still starting: connection refused
		resp, err = c.Exchange(context.Background(), p)
	}
	if err != nil || resp.Code != layeh.CodeAccessAccept {
		t.Fatalf("Access-Request: %v %v", resp, err)
	}
	acct := layeh.New(layeh.CodeAccountingRequest, []byte(radsec.Secret))
	rfc2865.UserName_SetString(acct, "demo")
	rfc2866.AcctStatusType_Set(acct, rfc2866.AcctStatusType_Value_Start)
	rfc2866.AcctSessionID_SetString(acct, acctID)
	if resp, err := c.Exchange(context.Background(), acct); err != nil || resp.Code != layeh.CodeAccountingResponse {
		t.Fatalf("Accounting-Request: %v %v", resp, err)
	}
	waitSession(t, a, nas+"/"+acctID)
}

func waitSession(t *testing.T, a *controller.App, id string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		open, err := a.Sessions.Newest(true, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range open {
			if s.ID == id {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no open session %s in %v", id, open)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runRadclient sends one request (attrs, radclient's syntax) of kind
// (auth, acct) to addr and returns radclient's output, which says what
// came back; it sends it up to tries times, waiting 2 s each.
func runRadclient(bin, addr, kind, secret, attrs string, tries int) string {
	cmd := exec.Command(bin, "-x", "-r", fmt.Sprint(tries), "-t", "2", addr, kind, secret)
	cmd.Stdin = strings.NewReader(attrs + "\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run() // non-zero on a reject or no reply; the output says which
	return out.String()
}

func needPeer(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("WIFIHK_INTEROP") == "1" {
			t.Fatalf("%s not found and WIFIHK_INTEROP=1: install %s", name, pkg)
		}
		t.Skipf("%s not found: install %s (or set WIFIHK_INTEROP=1 to fail instead of skip)", name, pkg)
	}
	return path
}

// radclient → radsecproxy (UDP) → wifihk (RadSec) → Access-Accept, and
// accounting through the same path.
func TestRadSecInteropRadsecproxy(t *testing.T) {
	proxyBin := needPeer(t, "radsecproxy", "radsecproxy")
	radclientBin := needPeer(t, "radclient", "freeradius-utils")
	ca := radsectest.NewCA(t, "wifihk test CA")
	cert := ca.Client("radsecproxy.test", "radsecproxy.test")
	a := radsecController(t, ca, "radsecproxy.test")
	_, rsPort, _ := net.SplitHostPort(a.RadSecAddr.String())
	udp := startRadsecproxy(t, proxyBin, "udp", fmt.Sprintf(`
tls default {
	CACertificateFile %s
	CertificateFile %s
	CertificateKeyFile %s
}
client 127.0.0.1 {
	type udp
	secret testing-proxy
}
server wifihk {
	type tls
	host 127.0.0.1
	port %s
	secret radsec
	StatusServer on
}
realm * {
	server wifihk
	accountingServer wifihk
}
`, ca.CAFile, cert.CertFile, cert.KeyFile, rsPort)).addr

	// One try in the readiness poll; later requests get three (6 s): a
	// wrong password costs an argon2id check, slow on a busy CI machine.
	radclient := func(kind, attrs string, tries int) string {
		return runRadclient(radclientBin, udp, kind, "testing-proxy", attrs, tries)
	}
	// radsecproxy connects to wifihk on the first request; retry until
	// the path is up (it is a readiness poll, not a sleep).
	var out string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		out = radclient("auth", "User-Name=demo,User-Password=demo1234,Message-Authenticator=0x00", 1)
		if strings.Contains(out, "Received Access-Accept") {
			break
		}
	}
	if !strings.Contains(out, "Received Access-Accept") {
		t.Fatalf("no Access-Accept through radsecproxy:\n%s", out)
	}
	out = radclient("auth", "User-Name=demo,User-Password=wrong-pass,Message-Authenticator=0x00", 3)
	if !strings.Contains(out, "Received Access-Reject") {
		t.Fatalf("wrong password:\n%s", out)
	}
	out = radclient("acct", "User-Name=demo,Acct-Status-Type=Start,Acct-Session-Id=via-radsecproxy-1,NAS-IP-Address=192.0.2.10", 3)
	if !strings.Contains(out, "Received Accounting-Response") {
		t.Fatalf("accounting through radsecproxy:\n%s", out)
	}
	waitSession(t, a, "radsec-peer/via-radsecproxy-1")
}

// Our RadSec client → radsecproxy (RadSec server) → wifihk (UDP): the
// client checks radsecproxy's certificate and name, and radsecproxy ours.
func TestRadSecClientToRadsecproxy(t *testing.T) {
	proxyBin := needPeer(t, "radsecproxy", "radsecproxy")
	ca := radsectest.NewCA(t, "wifihk test CA")
	proxyCert := ca.Server("radsecproxy.test", "radsecproxy.test", "127.0.0.1")
	ours := ca.Client("wifihk-proxy.test", "wifihk-proxy.test")
	a := controllertest.Start(t, controllertest.Options{Demo: true}) // NAS 127.0.0.1, testing123
	_, authPort, _ := net.SplitHostPort(a.AuthAddr.String())
	_, acctPort, _ := net.SplitHostPort(a.AcctAddr.String())
	tlsAddr := startRadsecproxy(t, proxyBin, "tcp", fmt.Sprintf(radsecServerConf, ca.CAFile, proxyCert.CertFile, proxyCert.KeyFile, authPort, acctPort)).addr
	c, err := radsec.NewClient(radsec.ClientConfig{Addr: tlsAddr, Timeout: 2 * time.Second,
		TLS: &tls.Config{Certificates: []tls.Certificate{ours.TLS}, RootCAs: ca.Pool, ServerName: "radsecproxy.test"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	demoLogon(t, c, a, 20*time.Second, "radsec-client-1", "demo-localhost")
}

// radsecproxyRun is a private radsecproxy on a loopback port.
type radsecproxyRun struct {
	t    *testing.T
	bin  string
	dir  string
	tls  bool // listens for RadSec (else UDP)
	addr string
	cmd  *exec.Cmd
	out  bytes.Buffer
}

// startRadsecproxy runs radsecproxy in the foreground with conf plus a
// listener ("udp" or "tcp" for TLS) on a free loopback port, and stops it
// when the test ends.
func startRadsecproxy(t *testing.T, bin, network, conf string) *radsecproxyRun {
	t.Helper()
	var addr, listen string
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr, listen = pc.LocalAddr().String(), "ListenUDP"
		pc.Close() // radsecproxy binds it next
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr, listen = ln.Addr().String(), "ListenTLS"
		ln.Close()
	}
	r := &radsecproxyRun{t: t, bin: bin, dir: t.TempDir(), tls: network != "udp", addr: addr}
	full := fmt.Sprintf("%s %s\nLogDestination file://%s\nLogLevel 3\n", listen, addr, filepath.Join(r.dir, "radsecproxy.log")) + conf
	if err := os.WriteFile(filepath.Join(r.dir, "radsecproxy.conf"), []byte(full), 0o600); err != nil {
		t.Fatal(err)
	}
	r.start()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(r.dir, "radsecproxy.log"))
			t.Logf("radsecproxy %s output:\n%s\nlog:\n%s", r.addr, r.out.String(), log)
		}
	})
	return r
}

// start runs radsecproxy; for TLS it returns once the port takes
// connections.
func (r *radsecproxyRun) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, "-f", "-c", filepath.Join(r.dir, "radsecproxy.conf"), "-i", filepath.Join(r.dir, "pid"))
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	if r.tls {
		for deadline := time.Now().Add(20 * time.Second); ; {
			c, err := net.DialTimeout("tcp", r.addr, time.Second)
			if err == nil {
				c.Close()
				return
			}
			if time.Now().After(deadline) {
				r.t.Fatalf("radsecproxy does not listen on %s: %v\n%s", r.addr, err, r.out.String())
			}
			time.Sleep(20 * time.Millisecond) // polling its port
		}
	}
}

// kill ends radsecproxy at once (SIGKILL), as a crash does.
func (r *radsecproxyRun) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}
