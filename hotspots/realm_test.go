package hotspots_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

func TestParseRealmName(t *testing.T) {
	for _, c := range []struct {
		in, kind, name, err string
	}{
		{in: "Operator.Example", kind: hotspots.RealmExact, name: "operator.example"},
		{in: "*.example.edu", kind: hotspots.RealmSuffix, name: "*.example.edu"},
		{in: `~^(staff|students)\.example\.org$`, kind: hotspots.RealmRegex, name: `~^(staff|students)\.example\.org$`},
		{in: "DEFAULT", kind: hotspots.RealmDefault, name: "DEFAULT"},
		{in: "", err: "must be a domain name"},
		{in: "a..b", err: `label ""`},
		{in: "-a.b", err: `label "-a"`},
		{in: "a b", err: "label"},
		{in: "user@x", err: "label"},
		{in: "*.", err: "must be a domain name"},
		{in: "~", err: "regular expression after ~"},
		{in: "~(", err: "missing closing )"},
		{in: "~" + strings.Repeat("a", 257), err: "1-256 bytes"},
		{in: strings.Repeat("a.", 127) + "ab", err: "1-253 bytes"},
		{in: strings.Repeat("a", 64), err: "label"},
	} {
		t.Run(c.in, func(t *testing.T) {
			kind, name, err := hotspots.ParseRealmName(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, hotspots.ErrRealmName) {
					t.Fatalf("err %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil || kind != c.kind || name != c.name {
				t.Fatalf("got %q %q %v, want %q %q", kind, name, err, c.kind, c.name)
			}
		})
	}
}

func TestRealmOf(t *testing.T) {
	for in, want := range map[string]string{
		"alice@Operator.Example": "operator.example",
		"alice":                  "",
		"a@b@c.example":          "c.example",
		"@x":                     "x",
	} {
		if got := hotspots.RealmOf(in); got != want {
			t.Errorf("RealmOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func addOrg(t *testing.T, r *hotspots.Registry, code string) {
	t.Helper()
	if _, err := r.AddOrg(hotspots.Org{Code: code, NameEN: code}); err != nil {
		t.Fatal(err)
	}
}

func server(addr string) hotspots.HomeServerInput {
	return hotspots.HomeServerInput{Address: addr, Secret: "home-secret", Timeout: 500 * time.Millisecond, Retries: 1}
}

func TestRouteRealmOrder(t *testing.T) {
	r := newRegistry(t)
	addOrg(t, r, "uni")
	addOrg(t, r, "govwifi")
	for _, in := range []hotspots.RealmInput{
		{Name: "DEFAULT", Org: "govwifi", Servers: []hotspots.HomeServerInput{server("127.0.0.1:1000")}},
		{Name: "*.example.edu", Org: "uni", Servers: []hotspots.HomeServerInput{server("127.0.0.1:1001")}},
		{Name: "*.cs.example.edu", Org: "uni", Servers: []hotspots.HomeServerInput{server("127.0.0.1:1002")}},
		{Name: "staff.cs.example.edu", Org: "uni", Servers: []hotspots.HomeServerInput{server("127.0.0.1:1003")}},
		{Name: `~^lab[0-9]+\.example\.org$`, Org: "uni", Servers: []hotspots.HomeServerInput{server("127.0.0.1:1004")}},
		{Name: "wifi.hk", Org: "govwifi", Local: true},
	} {
		if _, err := r.AddRealm(in); err != nil {
			t.Fatalf("%s: %v", in.Name, err)
		}
	}
	for realm, want := range map[string]string{
		"staff.cs.example.edu": "staff.cs.example.edu",
		"x.cs.example.edu":     "*.cs.example.edu",
		"a.example.edu":        "*.example.edu",
		"example.edu":          "DEFAULT", // a suffix needs a label before it
		"lab12.example.org":    `~^lab[0-9]+\.example\.org$`,
		"wifi.hk":              "wifi.hk",
		"elsewhere.example":    "DEFAULT",
	} {
		rt, ok := r.RouteRealm(realm)
		if !ok || rt.Realm != want {
			t.Errorf("RouteRealm(%q) = %q %v, want %q", realm, rt.Realm, ok, want)
		}
	}
	if rt, _ := r.RouteRealm("wifi.hk"); !rt.Local || len(rt.Servers) != 0 {
		t.Errorf("wifi.hk route %+v, want local", rt)
	}
	rt, _ := r.RouteRealm("a.example.edu")
	if s := rt.Servers[0]; s.Secret != "home-secret" || s.Timeout != 500*time.Millisecond || s.AcctPort != 1002 || s.Transport != "udp" {
		t.Errorf("server %+v", s)
	}
	if _, ok := r.RouteRealm(""); ok {
		t.Error("a User-Name without a realm was routed")
	}
	// Org scoping: uni sees and removes only its own.
	uni, _ := r.ListRealms("uni")
	if len(uni) != 4 {
		t.Errorf("uni has %d realms, want 4", len(uni))
	}
	if err := r.RemoveRealm("uni", "DEFAULT"); !errors.Is(err, hotspots.ErrNotFound) {
		t.Errorf("uni removed govwifi's DEFAULT: %v", err)
	}
	if err := r.RemoveRealm("govwifi", "DEFAULT"); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.RouteRealm("elsewhere.example"); ok {
		t.Error("still routed after DEFAULT was removed")
	}
	// A restart reads the table back.
	r2 := newRegistryOn(t, r.DB())
	if rt, ok := r2.RouteRealm("x.cs.example.edu"); !ok || rt.Servers[0].Secret != "home-secret" {
		t.Errorf("after reopen: %+v %v", rt, ok)
	}
}

func TestAddRealmRejects(t *testing.T) {
	r := newRegistry(t)
	addOrg(t, r, "uni")
	ok := []hotspots.HomeServerInput{server("127.0.0.1:1812")}
	for _, c := range []struct {
		name string
		in   hotspots.RealmInput
		err  string
	}{
		{"no servers", hotspots.RealmInput{Name: "a.example", Org: "uni"}, "at least one home server"},
		{"local with servers", hotspots.RealmInput{Name: "a.example", Org: "uni", Local: true, Servers: ok}, "local realm has no home servers"},
		{"unknown org", hotspots.RealmInput{Name: "a.example", Org: "nobody", Servers: ok}, `no organisation "nobody"`},
		{"bad org", hotspots.RealmInput{Name: "a.example", Org: "", Servers: ok}, "org"},
		{"bad name", hotspots.RealmInput{Name: "a..example", Org: "uni", Servers: ok}, "name"},
		{"bad host name", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{server("radius..example:1812")}}, "is not IP:PORT or HOST:PORT"},
		{"one-label host", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{server("radius:1812")}}, "is not IP:PORT or HOST:PORT"},
		{"host without port", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{server("radius.example")}}, "is not IP:PORT or HOST:PORT"},
		{"host twice", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{server("Radius.Example:1812"), server("radius.example:1812")}}, "listed twice"},
		{"port 0", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{server("127.0.0.1:0")}}, "is not IP:PORT"},
		{"short secret", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{{Address: "127.0.0.1:1", Secret: "x"}}}, "secret"},
		{"unknown transport", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{{Address: "127.0.0.1:1", Secret: "xxxxxx", Transport: "tls"}}}, "transport"},
		{"twice", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{server("127.0.0.1:1"), server("127.0.0.1:1")}}, "listed twice"},
		{"timeout", hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: []hotspots.HomeServerInput{{Address: "127.0.0.1:1", Secret: "xxxxxx", Timeout: time.Hour}}}, "timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.AddRealm(c.in)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("err %v, want one containing %q", err, c.err)
			}
		})
	}
	if _, err := r.AddRealm(hotspots.RealmInput{Name: "A.Example", Org: "uni", Servers: ok}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddRealm(hotspots.RealmInput{Name: "a.example", Org: "uni", Servers: ok}); !errors.Is(err, hotspots.ErrExists) {
		t.Fatalf("second a.example: %v", err)
	}
	all, _ := r.ListRealms("")
	if len(all) != 1 || strings.Contains(all[0].Servers[0].SecretSealed, "home-secret") {
		t.Fatalf("stored %+v", all)
	}
}

// FuzzParseRealmName: any input is accepted with a canonical name that
// parses to itself, or refused with ErrRealmName; nothing panics.
func FuzzParseRealmName(f *testing.F) {
	for _, s := range []string{"operator.example", "*.example.edu", `~^a+$`, "DEFAULT", "", "~(", "a..b", "ÄÖ.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, name, err := hotspots.ParseRealmName(s)
		if err != nil {
			if !errors.Is(err, hotspots.ErrRealmName) {
				t.Fatalf("%q: error %v is not ErrRealmName", s, err)
			}
			return
		}
		k2, n2, err := hotspots.ParseRealmName(name)
		if err != nil || k2 != kind || n2 != name {
			t.Fatalf("%q: canonical %q parses to %q %q %v", s, name, k2, n2, err)
		}
	})
}

// A RadSec home server: port 2083 by default, the fixed secret, accounting
// on the same connection, its CA and server name kept for the proxy.
func TestAddRealmRadSec(t *testing.T) {
	r := newRegistry(t)
	addOrg(t, r, "uni")
	ca := radsectest.NewCA(t, "Uni CA")
	caPEM := readFile(t, ca.CAFile)
	leafPEM := readFile(t, ca.Server("radius.uni.example", "radius.uni.example").CertFile)
	radsec := func(addr string) hotspots.HomeServerInput {
		return hotspots.HomeServerInput{Address: addr, Transport: hotspots.TransportRadSec, CA: caPEM, ServerName: "Radius.Uni.Example"}
	}
	with := func(f func(*hotspots.HomeServerInput)) []hotspots.HomeServerInput {
		s := radsec("192.0.2.1")
		f(&s)
		return []hotspots.HomeServerInput{s}
	}
	for _, c := range []struct {
		name    string
		servers []hotspots.HomeServerInput
		err     string
	}{
		{"other secret", with(func(s *hotspots.HomeServerInput) { s.Secret = "home-secret" }), `"radsec"`},
		{"acct port", with(func(s *hotspots.HomeServerInput) { s.AcctPort = 1813 }), "acct_port"},
		{"junk CA", with(func(s *hotspots.HomeServerInput) { s.CA = "not pem" }), "servers[0].ca"},
		{"leaf as CA", with(func(s *hotspots.HomeServerInput) { s.CA = leafPEM }), "is not a CA"},
		{"bad name", with(func(s *hotspots.HomeServerInput) { s.ServerName = "a..b" }), "servers[0].server_name"},
		{"bad host name", with(func(s *hotspots.HomeServerInput) { s.Address = "radius_uni.example" }), "is not IP, HOST, IP:PORT or HOST:PORT"},
		{"CA for UDP", []hotspots.HomeServerInput{{Address: "192.0.2.1:1812", Secret: "home-secret", CA: caPEM}}, "for radsec"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.AddRealm(hotspots.RealmInput{Name: "uni.example", Org: "uni", Servers: c.servers})
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("err %v, want one containing %q", err, c.err)
			}
		})
	}
	rl, err := r.AddRealm(hotspots.RealmInput{Name: "uni.example", Org: "uni", NoStrip: true,
		Servers: []hotspots.HomeServerInput{radsec("192.0.2.1"), {Address: "192.0.2.2:2084", Transport: hotspots.TransportRadSec, Secret: "radsec"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := rl.Servers[0]; s.Address.String() != "192.0.2.1:2083" || s.AcctPort != 2083 || s.ServerName != "radius.uni.example" || s.CA != caPEM {
		t.Errorf("stored %+v", s)
	}
	if got := rl.Servers[0].CASubjects(); len(got) != 1 || got[0] != "Uni CA" {
		t.Errorf("CA subjects %q", got)
	}
	rt, ok := r.RouteRealm("uni.example")
	if !ok || !rt.NoStrip || len(rt.Servers) != 2 {
		t.Fatalf("route %+v %v", rt, ok)
	}
	for _, s := range rt.Servers {
		if s.Transport != hotspots.TransportRadSec || s.Secret != "radsec" {
			t.Errorf("route server %+v", s)
		}
	}
	if s := rt.Servers[1]; s.Address.String() != "192.0.2.2:2084" || s.CA != "" || s.ServerName != "" {
		t.Errorf("second server %+v", s)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzCheckCAPEM: a home server's CA field is outside input; anything is
// accepted as CA certificates or refused with an error, never a panic.
func FuzzCheckCAPEM(f *testing.F) {
	ca := radsectest.NewCA(f, "Fuzz CA")
	b, err := os.ReadFile(ca.CAFile)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(b), "", "junk", string(b) + "trailing", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := hotspots.CheckCAPEM(s); err == nil {
			if subjects := (hotspots.HomeServer{CA: s}).CASubjects(); len(subjects) == 0 {
				t.Fatalf("%q accepted with no certificate", s)
			}
		}
	})
}

// A dynamic realm lists no servers: its route carries what each server
// found in the DNS gets (RadSec, its CA, timeout and retries).
func TestAddRealmDynamic(t *testing.T) {
	r := newRegistry(t)
	addOrg(t, r, "uni")
	ca := radsectest.NewCA(t, "Uni CA")
	caPEM := readFile(t, ca.CAFile)
	for _, c := range []struct {
		name string
		in   hotspots.RealmInput
		err  string
	}{
		{"local", hotspots.RealmInput{Local: true, Discovery: &hotspots.DiscoveryInput{}}, "discovers nothing"},
		{"servers too", hotspots.RealmInput{Servers: []hotspots.HomeServerInput{server("127.0.0.1:1812")}, Discovery: &hotspots.DiscoveryInput{}}, "list none"},
		{"junk CA", hotspots.RealmInput{Discovery: &hotspots.DiscoveryInput{CA: "junk"}}, "discovery.ca"},
		{"timeout", hotspots.RealmInput{Discovery: &hotspots.DiscoveryInput{Timeout: time.Hour}}, "discovery.timeout"},
		{"retries", hotspots.RealmInput{Discovery: &hotspots.DiscoveryInput{Retries: 11}}, "discovery.retries"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.in.Name, c.in.Org = "*.uni.example", "uni"
			if _, err := r.AddRealm(c.in); err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("err %v, want one containing %q", err, c.err)
			}
		})
	}
	rl, err := r.AddRealm(hotspots.RealmInput{Name: "*.uni.example", Org: "uni", Discovery: &hotspots.DiscoveryInput{CA: caPEM, Retries: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if d := rl.Discovery; d == nil || d.CA != caPEM || d.TimeoutMS != 3000 || d.Retries != 2 || len(rl.Servers) != 0 {
		t.Fatalf("stored %+v", rl)
	}
	rt, ok := r.RouteRealm("cs.uni.example")
	if !ok || rt.Discovery == nil || len(rt.Servers) != 0 {
		t.Fatalf("route %+v %v", rt, ok)
	}
	if d := rt.Discovery; d.Transport != hotspots.TransportRadSec || d.Secret != "radsec" || d.CA != caPEM || d.Timeout != 3*time.Second || d.Retries != 2 {
		t.Fatalf("template %+v", d)
	}
	if rt, _ := r.RouteRealm("other.example"); rt.Discovery != nil {
		t.Fatal("a realm that does not match got discovery")
	}
}

// Home servers given by name: kept by name and port (lowercase), their
// route carrying the name for the proxy to look up.
func TestAddRealmHostNames(t *testing.T) {
	r := newRegistry(t)
	addOrg(t, r, "uni")
	rl, err := r.AddRealm(hotspots.RealmInput{Name: "uni.example", Org: "uni", Servers: []hotspots.HomeServerInput{
		server("Radius1.Uni.Example:1812"),
		{Address: "radius2.uni.example", Transport: hotspots.TransportRadSec},
		{Address: "radius3.uni.example:2084", Transport: hotspots.TransportRadSec, ServerName: "other.uni.example"},
		server("192.0.2.1:1812"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, s := range rl.Servers {
		where = append(where, s.Where())
	}
	if got := strings.Join(where, " "); got != "radius1.uni.example:1812 radius2.uni.example:2083 radius3.uni.example:2084 192.0.2.1:1812" {
		t.Fatalf("stored %s", got)
	}
	if s := rl.Servers[0]; s.Host != "radius1.uni.example" || s.Port != 1812 || s.AcctPort != 1813 || s.Address.IsValid() {
		t.Fatalf("first %+v", s)
	}
	all, _ := r.ListRealms("")
	if got := all[0].Servers[1]; got.Host != "radius2.uni.example" || got.Port != 2083 {
		t.Fatalf("read back %+v", got)
	}
	rt, _ := r.RouteRealm("uni.example")
	if s := rt.Servers[0]; s.Host != "radius1.uni.example" || s.Address.Port() != 1812 || s.Address.Addr().IsValid() || s.AcctPort != 1813 {
		t.Fatalf("route server %+v", s)
	}
	if s := rt.Servers[3]; s.Host != "" || s.Address.String() != "192.0.2.1:1812" {
		t.Fatalf("route server by address %+v", s)
	}
}
