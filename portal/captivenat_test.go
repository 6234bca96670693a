package portal_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/wifihk/wifihk/accounting"
)

// captive asks the RFC 8908 API, with query q.
func captive(t *testing.T, base, q string) map[string]any {
	t.Helper()
	res, err := http.Get(base + "/api" + q)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body
}

// Behind a gateway that NATs, the API sees the gateway's address, not the
// visitor's Framed-IP-Address: the signed UAM context's MAC finds the
// session all the same.
func TestCaptiveAPIBehindNATFindsTheSessionByMAC(t *testing.T) {
	a := startApp(t)
	const mac = "02:aa:bb:cc:dd:61"
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, mac)
	_, page := get(t, newBrowser(t), g.URL+"/")
	tok := formFields(t, page).Get("uam")

	nas, ok := a.Registry.LookupNAS("demo")
	if !ok {
		t.Fatal("no demo NAS")
	}
	// The gateway's address pool is private and NATed: the session's
	// Framed-IP-Address is one the portal never sees.
	if _, err := a.Sessions.Apply(accounting.Update{NAS: nas.ID, AcctID: "nat-1", Status: accounting.Start,
		Username: "demo", MAC: mac, FramedIP: "10.1.0.23"}); err != nil {
		t.Fatal(err)
	}
	base := portalURL(a.HTTPAddr)
	if body := captive(t, base, ""); body["captive"] != true {
		t.Fatalf("without context: %v (the source address has no session)", body)
	}
	if body := captive(t, base, "?uam="+url.QueryEscape(tok)); body["captive"] != false {
		t.Fatalf("with the UAM context: %v, want captive false", body)
	}
	if body := captive(t, base, "?uam="+url.QueryEscape(tok+"x")); body["captive"] != true {
		t.Fatalf("with an altered context: %v, want captive true", body)
	}
}

// CoovaChilli 1.9 hands each device its own API URL by DHCP
// (captiveportalapi_uri …?mac=%{m}&nasid=%{n}); behind its NAT the request
// comes from the gateway's address, which the MAC is honoured from only.
func TestCaptiveAPIPerDeviceURLFromTheGateway(t *testing.T) {
	a := startApp(t)
	const mac = "02:aa:bb:cc:dd:62"
	nas, ok := a.Registry.LookupNAS("demo") // registered for 127.0.0.1
	if !ok {
		t.Fatal("no demo NAS")
	}
	if _, err := a.Sessions.Apply(accounting.Update{NAS: nas.ID, AcctID: "nat-2", Status: accounting.Start,
		Username: "demo", MAC: mac, FramedIP: "10.1.0.24"}); err != nil {
		t.Fatal(err)
	}
	base := portalURL(a.HTTPAddr)
	q := "?mac=" + url.QueryEscape(mac) + "&nasid=demo"
	if body := captive(t, base, q); body["captive"] != false {
		t.Fatalf("from the gateway's address: %v, want captive false", body)
	}
	// The same URL from an address that is not the NAS's tells nothing.
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	res, err := other.Get(base + "/api" + q)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if body["captive"] != true {
		t.Fatalf("from another address: %v, want captive true", body)
	}
}
