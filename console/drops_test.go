package console_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/console"
	"github.com/wifihk/wifihk/hotspots"
)

// sendUDP sends each packet from local (an address on loopback) to addr.
func sendUDP(t *testing.T, local net.IP, addr net.Addr, packets ...*layeh.Packet) {
	t.Helper()
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: local}, addr.(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, p := range packets {
		b, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
}

// dropSomePackets adds gw-a, orga's gateway at 127.0.0.1, and sends the
// real RADIUS ports 4 Accounting-Requests signed with another secret and
// 4 Access-Requests without Message-Authenticator from it, and one more
// from 127.0.0.99, where no gateway is.
func dropSomePackets(t *testing.T, a *testApp) hotspots.NAS {
	t.Helper()
	gw, err := a.Registry.AddNAS(hotspots.NASInput{Name: "gw-a", IP: "127.0.0.1", Secret: "the-right-secret", Hotspot: "orga/A001"})
	if err != nil {
		t.Fatal(err)
	}
	var acct, auth []*layeh.Packet
	for i := range 4 {
		p := layeh.New(layeh.CodeAccountingRequest, []byte("a-mistyped-secret"))
		rfc2866.AcctStatusType_Set(p, rfc2866.AcctStatusType_Value_Start)
		rfc2866.AcctSessionID_SetString(p, "s"+string(rune('0'+i)))
		acct = append(acct, p)
		q := layeh.New(layeh.CodeAccessRequest, []byte("the-right-secret")) // no Message-Authenticator
		rfc2865.UserName_SetString(q, "visitor")
		rfc2865.UserPassword_SetString(q, "password")
		auth = append(auth, q)
	}
	loop := net.IPv4(127, 0, 0, 1)
	sendUDP(t, loop, a.AcctAddr, acct...)
	sendUDP(t, loop, a.AuthAddr, auth...)
	sendUDP(t, net.IPv4(127, 0, 0, 99), a.AuthAddr, auth[0])
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := a.Drops.NAS(gw.ID, time.Now())
		_, unknown := a.Drops.Unknown()
		if got.Last5Min() == 8 && unknown == 1 {
			return gw
		}
		if time.Now().After(deadline) {
			t.Fatalf("the RADIUS servers counted %+v and %d unknown, want 8 drops and 1", got, unknown)
		}
		time.Sleep(10 * time.Millisecond) // polling counters, not waiting for readiness
	}
}

// TestRADIUSDropsOnNASAndAlertsPages: a gateway of orga that sends
// accounting signed with another secret and Access-Requests without
// Message-Authenticator to the real RADIUS ports has its drops shown by
// reason, with what to do, on the NAS page, and is an alert; orgb's
// operator sees neither; the address that matches no gateway is shown
// to the network's staff only. Five minutes later the alert has cleared
// and the totals remain.
func TestRADIUSDropsOnNASAndAlertsPages(t *testing.T) {
	a := startApp(t, appOpts{})
	gw := dropSomePackets(t, a)

	admin, opA, opB := client(t), client(t), client(t)
	signIn(t, admin, a.URL, "admin")
	signIn(t, opA, a.URL, "op-a")
	signIn(t, opB, a.URL, "op-b")
	_, adminNAS := get(t, admin, a.URL+"/console/nas")
	for _, want := range []string{
		`data-nas="` + gw.ID + `" data-reason="bad_authenticator"`,
		`data-nas="` + gw.ID + `" data-reason="missing_message_auth"`,
		"The secret on the gateway differs from the one here",
		"The gateway sends no Message-Authenticator: enable it on the gateway, or set the NAS",
		"wifihk nas update -name gw-a -require-message-authenticator auto",
		`<a href="#drops" class="warn">8</a>`,
		`id="drops-node"`,
		`id="unknown-sources"`, `data-source="127.0.0.99"`,
	} {
		if !strings.Contains(adminNAS, want) {
			t.Errorf("the admin's NAS page lacks %s", want)
		}
	}
	if t.Failed() {
		t.Fatalf("NAS page:\n%s", adminNAS)
	}
	_, opANAS := get(t, opA, a.URL+"/console/nas")
	if !strings.Contains(opANAS, `data-reason="bad_authenticator"`) || strings.Contains(opANAS, `id="unknown-sources"`) || strings.Contains(opANAS, "127.0.0.99") {
		t.Errorf("orga's operator should see gw-a's drops and no unknown sources:\n%s", opANAS)
	}
	_, opBNAS := get(t, opB, a.URL+"/console/nas")
	if strings.Contains(opBNAS, gw.ID) || strings.Contains(opBNAS, "data-reason=") || strings.Contains(opBNAS, "127.0.0.99") {
		t.Errorf("orgb's operator sees orga's drops or unknown sources:\n%s", opBNAS)
	}

	for _, tc := range []struct {
		who  string
		c    *http.Client
		sees bool
	}{{"admin", admin, true}, {"op-a", opA, true}, {"op-b", opB, false}} {
		_, alerts := get(t, tc.c, a.URL+"/console/alerts")
		row := `<tr data-nas="` + gw.ID + `"><th scope="row"><a href="/console/nas#drops">gw-a</a></th>`
		if got := strings.Contains(alerts, row) && strings.Contains(alerts, `<td class="n">8</td>`); got != tc.sees {
			t.Errorf("%s: drop alert for gw-a shown %v, want %v:\n%s", tc.who, got, tc.sees, alerts)
		}
	}

	// The same counts seen ten minutes on: the alert has cleared.
	later, err := console.New(console.Config{Registry: a.Registry, Auth: a.Staff, Drops: a.Drops,
		Now: func() time.Time { return time.Now().Add(10 * time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	later.Mount(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	c := client(t)
	signIn(t, c, srv.URL, "admin")
	_, alerts := get(t, c, srv.URL+"/console/alerts")
	if strings.Contains(alerts, `id="drop-alerts"`) || !strings.Contains(alerts, "No gateway had more than 5 packets dropped in the last 5 minutes.") {
		t.Errorf("ten minutes later the drop alert is still up:\n%s", alerts)
	}
	_, nas := get(t, c, srv.URL+"/console/nas")
	if !strings.Contains(nas, `data-reason="bad_authenticator"`) {
		t.Errorf("ten minutes later the totals are gone:\n%s", nas)
	}
}
