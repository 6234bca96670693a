package portal_test

import (
	"bufio"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/portal/gateway"
)

// chilliConf reads a CoovaChilli configuration file: each option with its
// values (flags have none), and the `wifihk nas add` line of its header.
func chilliConf(t *testing.T, path string) (opts map[string][]string, nasAdd []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts = map[string][]string{}
	var cmd string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#   wifihk nas add") || cmd != "" && strings.HasPrefix(line, "#") && strings.HasSuffix(cmd, "\\"):
			cmd = strings.TrimSuffix(cmd, "\\") + strings.TrimPrefix(line, "#")
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			k, v, _ := strings.Cut(line, " ")
			opts[k] = append(opts[k], strings.TrimSpace(v))
		}
	}
	for _, w := range strings.Fields(cmd) {
		nasAdd = append(nasAdd, strings.Trim(w, "'"))
	}
	return opts, nasAdd
}

// onlyValue returns a function that gives an option's one value in the
// options of file, failing the test when it is not given exactly once.
func onlyValue(t *testing.T, file string, opts map[string][]string) func(string) string {
	return func(k string) string {
		t.Helper()
		if len(opts[k]) != 1 {
			t.Fatalf("%s: %s given %d times", file, k, len(opts[k]))
		}
		return opts[k][0]
	}
}

// flagOf is the value after -name in args.
func flagOf(args []string, name string) string {
	for i, a := range args {
		if a == "-"+name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// configs/coova-chilli.conf is what docs/GATEWAYS.md shows: its settings
// agree with the NAS registration in its header and with the portal, and a
// gateway set up with them logs a visitor on through wifihk.
func TestCoovaChilliExampleConfig(t *testing.T) {
	c, nasAdd := chilliConf(t, "../configs/coova-chilli.conf")
	one := onlyValue(t, "configs/coova-chilli.conf", c)
	for k, flag := range map[string]string{"radiusnasid": "nas-id", "radiussecret": "secret", "uamsecret": "uam-secret",
		"radiuslisten": "ip", "coaport": "coa-port"} {
		if got, want := one(k), flagOf(nasAdd, flag); got != want {
			t.Errorf("%s %q, but the nas add line has -%s %q", k, got, flag, want)
		}
	}
	if one("coaport") != "3799" || one("challengetimeout") != "0" {
		t.Errorf("coaport %s, challengetimeout %s; want 3799 and 0", one("coaport"), one("challengetimeout"))
	}
	for _, f := range []string{"macauth", "swapoctets"} {
		if c[f] == nil || one(f) != "" {
			t.Errorf("flag %s missing", f)
		}
	}
	uamserver := one("uamserver")
	u, err := url.Parse(uamserver)
	if err != nil || u.Path != "/portal" || u.Scheme != "https" {
		t.Fatalf("uamserver %q is not https://HOST/portal", uamserver)
	}
	if one("uamallowed") != u.Host {
		t.Errorf("uamallowed %q, want the portal's host %q", one("uamallowed"), u.Host)
	}
	if want := uamserver + "?nasid=" + one("radiusnasid"); one("wisprlogin") != want {
		t.Errorf("wisprlogin %q, want %q", one("wisprlogin"), want)
	}
	if want := uamserver + "/api?mac=%{m}&nasid=%{n}"; one("captiveportalapi_uri") != want {
		t.Errorf("captiveportalapi_uri %q, want %q", one("captiveportalapi_uri"), want)
	}

	// Register the NAS as the header says (on loopback), set up the
	// CoovaChilli stand-in with the file's values, and log on.
	a := startApp(t)
	addRealVenue(t, a.Registry, hotspots.VenueKey(flagOf(nasAdd, "hotspot")))
	in := hotspots.NASInput{Name: flagOf(nasAdd, "name"), IP: "127.0.0.2", Secret: flagOf(nasAdd, "secret"),
		Identifier: flagOf(nasAdd, "nas-id"), UAMSecret: flagOf(nasAdd, "uam-secret"),
		Hotspot: hotspots.VenueKey(flagOf(nasAdd, "hotspot")), CoAPort: 3799}
	if _, err := a.Registry.AddNAS(in); err != nil {
		t.Fatal(err)
	}
	portal := portalURL(a.HTTPAddr) // stands in for the uamserver
	g, err := gateway.Start(gateway.Config{PortalURL: portal, RADIUSAddr: a.AuthAddr.String(), AcctAddr: a.AcctAddr.String(),
		Secret: one("radiussecret"), NASID: one("radiusnasid"), UAMSecret: one("uamsecret"),
		SourceIP: netip.MustParseAddr("127.0.0.2").AsSlice(), WISPrLogin: strings.Replace(one("wisprlogin"), uamserver, portal, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	g.Attach(loopback, "02:aa:bb:cc:dd:81")
	code, page := clickThrough(t, a, g, newBrowser(t))
	if res := nextResult(t, g); !res.Accepted || code != 200 {
		t.Fatalf("logon through the example gateway: %+v %d\n%s", res, code, page)
	}
	s := newSmartClient(t)
	_, info := s.get(g.URL + "/")
	_, rep := s.login(info.Redirect.LoginURL, "demo", "demo1234")
	if rep.Proxy == nil {
		t.Fatalf("WISPr login through the example's wisprlogin: %+v", rep)
	}
	if _, rep = s.get(rep.Proxy.NextURL); rep.AuthenticationPollReply == nil || rep.AuthenticationPollReply.ResponseCode != 50 {
		t.Fatalf("WISPr logon: %+v", rep)
	}
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("WISPr Access-Request: %+v", res)
	}
}
