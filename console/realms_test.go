package console_test

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// The realms page shows each organisation its own realms, with the home
// servers in failover order and what the proxy has seen of them.
func TestRealmsPageShowsHealthInScope(t *testing.T) {
	a := startApp(t, appOpts{})
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for _, in := range []hotspots.RealmInput{
		{Name: "a.example", Org: "orga", Servers: []hotspots.HomeServerInput{{Address: silent.LocalAddr().String(), Secret: "home-secret", Timeout: 50 * time.Millisecond}}},
		{Name: "*.b.example", Org: "orgb", Servers: []hotspots.HomeServerInput{{Address: "127.0.0.1:9", Secret: "home-secret"}}},
		{Name: "wifi.hk", Org: "orga", Local: true},
	} {
		if _, err := a.Registry.AddRealm(in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "nas-local", IP: "127.0.0.1", Secret: "nas-secret", RequireMA: hotspots.MAOff}); err != nil {
		t.Fatal(err)
	}
	// One request for a.example: its silent home server times out.
	p := layeh.New(layeh.CodeAccessRequest, []byte("nas-secret"))
	rfc2865.UserName_SetString(p, "alice@a.example")
	rfc2865.UserPassword_SetString(p, "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	layeh.Exchange(ctx, p, a.AuthAddr.String()) // no answer: the home server is silent
	deadline := time.Now().Add(5 * time.Second)
	for len(a.Proxy.Health()) == 0 || a.Proxy.Health()[0].Timeouts == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the proxy saw no time-out")
		}
		time.Sleep(10 * time.Millisecond) // polling the proxy's counters
	}
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/realms")
	row := page[strings.Index(page, `data-realm="a.example"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, silent.LocalAddr().String()) || !strings.Contains(row, `<td class="n">0</td><td class="n">1</td>`) {
		t.Errorf("a.example row: %s", row)
	}
	if !strings.Contains(page, `data-realm="wifi.hk"`) || strings.Contains(page, "b.example") || strings.Contains(page, "home-secret") {
		t.Errorf("operator of orga sees the wrong realms:\n%s", page)
	}
	admin := client(t)
	signIn(t, admin, a.URL, "admin")
	if _, page := get(t, admin, a.URL+"/console/realms?lang=zh-Hant"); !strings.Contains(page, "*.b.example") || !strings.Contains(page, "尚未使用") {
		t.Errorf("admin's realms page misses orgb's realm or its unused server")
	}
}

// A RadSec home server shows its transport, the name its certificate
// must carry and the CA that must sign it; a nostrip realm says so.
func TestRealmsPageShowsRadSec(t *testing.T) {
	a := startApp(t, appOpts{})
	ca := radsectest.NewCA(t, "Operator A CA")
	caPEM, err := os.ReadFile(ca.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Registry.AddRealm(hotspots.RealmInput{Name: "a.example", Org: "orga", NoStrip: true, Servers: []hotspots.HomeServerInput{
		{Address: "192.0.2.5", Transport: hotspots.TransportRadSec, CA: string(caPEM), ServerName: "radius.a.example"},
		{Address: "192.0.2.6", Transport: hotspots.TransportRadSec},
		{Address: "radius.a.example:2084", Transport: hotspots.TransportRadSec},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Registry.AddRealm(hotspots.RealmInput{Name: "*.dyn.a.example", Org: "orga", Discovery: &hotspots.DiscoveryInput{}}); err != nil {
		t.Fatal(err)
	}
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/realms")
	for _, want := range []string{"192.0.2.5:2083 (radsec)", "dynamic: RadSec servers found in the DNS", "radius.a.example:2084 (radsec)", "certificate name: radius.a.example · CA: Operator A CA",
		"certificate name: 192.0.2.6 · CA: the proxy&#39;s CA", "User-Name sent with its realm"} {
		if !strings.Contains(page, want) {
			t.Errorf("realms page lacks %q:\n%s", want, page)
		}
	}
}
