package controller_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/radius/discovery/dnstest"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
	"github.com/wifihk/wifihk/staff"
)

// lockedBuffer is a log sink safe for the controller's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// radclient → wifihk (UDP) → a RadSec home server found in the DNS (RFC
// 7585; dnsmasq holds operator.test's NAPTR, SRV and A records) → a
// second wifihk → Access-Accept relayed. The home server's certificate
// names the realm as NAIRealm (RFC 7585 §2.2), and its host name for the
// realm that lists it by that name. A realm with listed servers asks the DNS
// nothing; a dynamic realm whose NAPTR record leads nowhere is rejected,
// logged once, and not asked again while its failure is cached. Home
// servers listed by name (UDP, and RadSec checked against that name)
// are looked up in the DNS and answer too.
func TestDynamicRealmDiscoveredInDNS(t *testing.T) {
	radclientBin := needPeer(t, "radclient", "freeradius-utils")
	dnstest.Need(t)
	ca := radsectest.NewCA(t, "federation test CA")
	caPEM, err := os.ReadFile(ca.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	homeCert := ca.ServerForRealms("radsec1.operator.test", []string{"operator.test"}, "radsec1.operator.test")
	home := controllertest.Start(t, controllertest.Options{Demo: true, // demo/demo1234; NAS 127.0.0.1 testing123
		Configure: func(c *config.Config) {
			c.RADIUS.RadSec.Addr = "127.0.0.1:0"
			c.RADIUS.RadSec.Cert, c.RADIUS.RadSec.Key, c.RADIUS.RadSec.ClientCA = homeCert.CertFile, homeCert.KeyFile, ca.CAFile
		},
		Prepare: func(a *controller.App) {
			if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "front-proxy", IP: "192.0.2.10", Secret: "udp-unused",
				Cert: hotspots.CertIdentity{Issuer: ca.Name, Subject: "wifihk-proxy.test"}}); err != nil {
				t.Fatal(err)
			}
		},
	})
	_, port, _ := net.SplitHostPort(home.RadSecAddr.String())
	dns := dnstest.Start(t, 300,
		dnstest.NAPTR("operator.test", 10, 10, "s", "aaa+auth:radius.tls.tcp", "_radiustls._tcp.operator.test"),
		dnstest.SRV("_radiustls._tcp.operator.test", "radsec1.operator.test", mustAtoi(t, port), 10, 0),
		dnstest.Host("radsec1.operator.test", "127.0.0.1"),
		dnstest.NAPTR("nowhere.test", 10, 10, "s", "aaa+auth:radius.tls.tcp", "_radiustls._tcp.nowhere.test"),
		dnstest.Host("udp.operator.test", "127.0.0.1"),
	)
	_, homeAuthPort, _ := net.SplitHostPort(home.AuthAddr.String())
	ours := ca.Client("wifihk-proxy.test", "wifihk-proxy.test")
	logs := &lockedBuffer{}
	front := controllertest.Start(t, controllertest.Options{Demo: true, Log: slog.New(slog.NewTextHandler(logs, nil)),
		Configure: func(c *config.Config) {
			c.RADIUS.Proxy.RadSec = config.ProxyRadSec{Cert: ours.CertFile, Key: ours.KeyFile}
			c.RADIUS.Proxy.DNS.Resolver, c.RADIUS.Proxy.DNS.NegativeTTL = dns.Addr, time.Hour
		},
		Prepare: func(a *controller.App) {
			if _, err := a.Registry.AddOrg(hotspots.Org{Code: "operator", NameEN: "Operator"}); err != nil {
				t.Fatal(err)
			}
			for _, in := range []hotspots.RealmInput{
				{Name: "operator.test", Org: "operator", Discovery: &hotspots.DiscoveryInput{CA: string(caPEM), Timeout: 5 * time.Second}},
				{Name: "nowhere.test", Org: "operator", Discovery: &hotspots.DiscoveryInput{CA: string(caPEM)}},
				{Name: "static.test", Org: "operator", Servers: []hotspots.HomeServerInput{{Address: home.AuthAddr.String(), Secret: "testing123", Timeout: 5 * time.Second}}},
				{Name: "named.test", Org: "operator", Servers: []hotspots.HomeServerInput{{Address: "udp.operator.test:" + homeAuthPort, Secret: "testing123", Timeout: 5 * time.Second}}},
				{Name: "named-radsec.test", Org: "operator", Servers: []hotspots.HomeServerInput{{Address: "radsec1.operator.test:" + port,
					Transport: hotspots.TransportRadSec, CA: string(caPEM), Timeout: 5 * time.Second}}},
			} {
				if _, err := a.Registry.AddRealm(in); err != nil {
					t.Fatal(err)
				}
			}
		},
	})
	auth := front.AuthAddr.String()
	// On a loaded machine (the race detector, password hashing) an answer
	// may take longer than radclient's four tries: ask again, as a NAS
	// would; the front's reply cache answers the retransmission.
	radclient := func(user, pass string) string {
		var out string
		for range 3 {
			out = runRadclient(radclientBin, auth, "auth", "testing123", "User-Name="+user+",User-Password="+pass+",Message-Authenticator=0x00", 4)
			if strings.Contains(out, "Received Access-") {
				break
			}
		}
		return out
	}
	// The home server knows "demo": an Accept shows the realm stripped.
	for range 2 {
		if out := radclient("demo@operator.test", "demo1234"); !strings.Contains(out, "Received Access-Accept") {
			t.Fatalf("no Access-Accept from the discovered home server:\n%s\nfront's log:\n%s", out, logs)
		}
	}
	if out := radclient("demo@operator.test", "wrong-pass"); !strings.Contains(out, "Received Access-Reject") {
		t.Fatalf("wrong password:\n%s", out)
	}
	if h := serverHealth(front, "radsec/"+home.RadSecAddr.String()); !h.Alive || h.Answers < 3 {
		t.Errorf("discovered server's health %+v", h)
	}
	// The API shows it under the dynamic realm, with its health.
	_, token, err := front.Staff.AddStaff(staff.StaffInput{Username: "ops", Role: staff.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+front.HTTPAddr.String()+"/api/v1/realms/operator.test", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var view struct {
		Discovery struct {
			Servers []radius.ServerHealth `json:"servers"`
		} `json:"discovery"`
	}
	err = json.NewDecoder(res.Body).Decode(&view)
	res.Body.Close()
	if found := view.Discovery.Servers; err != nil || len(found) != 1 || found[0].Server != "radsec/"+home.RadSecAddr.String() || found[0].Answers < 3 {
		t.Errorf("the API's discovered servers: %+v %v", found, err)
	}
	if out := radclient("demo@static.test", "demo1234"); !strings.Contains(out, "Received Access-Accept") {
		t.Fatalf("static realm:\n%s", out)
	}
	for _, user := range []string{"demo@named.test", "demo@named-radsec.test"} {
		if out := radclient(user, "demo1234"); !strings.Contains(out, "Received Access-Accept") {
			t.Fatalf("%s, home server given by name:\n%s\nfront's log:\n%s", user, out, logs)
		}
	}
	for range 2 {
		if out := radclient("demo@nowhere.test", "demo1234"); !strings.Contains(out, "Received Access-Reject") {
			t.Fatalf("a realm the DNS leads nowhere: want Access-Reject\n%s", out)
		}
	}
	dns.Sync()
	for name, want := range map[string]int{
		"operator.test":                 1, // then cached for its TTL
		"_radiustls._tcp.operator.test": 1,
		"static.test":                   0, // not dynamic: no DNS
		"nowhere.test":                  1, // then cached negatively
		"_radiustls._tcp.nowhere.test":  1,
		"udp.operator.test":             2, // A and AAAA, once
	} {
		if got := dns.Queried(name); got != want {
			t.Errorf("dnsmasq saw %d queries for %s, want %d", got, name, want)
		}
	}
	log := logs.String()
	if n := strings.Count(log, "no RadSec server found for the realm"); n != 1 ||
		!strings.Contains(log, "realm=nowhere.test") || !strings.Contains(log, "SRV _radiustls._tcp.nowhere.test: no such name") {
		t.Errorf("want one clear log line for nowhere.test, got %d in:\n%s", n, log)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
