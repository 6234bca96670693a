package radsec

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

func TestNAIRealms(t *testing.T) {
	ca := radsectest.NewCA(t, "Fed CA")
	c := ca.ServerForRealms("radsec1", []string{"operator.test", "*.uni.test"}, "radsec1.operator.test", "127.0.0.1")
	got, err := NAIRealms(c.TLS.Leaf)
	if err != nil || !slices.Equal(got, []string{"operator.test", "*.uni.test"}) {
		t.Fatalf("%q %v", got, err)
	}
	if !slices.Equal(c.TLS.Leaf.DNSNames, []string{"radsec1.operator.test"}) || len(c.TLS.Leaf.IPAddresses) != 1 {
		t.Fatalf("the other names: %v %v", c.TLS.Leaf.DNSNames, c.TLS.Leaf.IPAddresses)
	}
	if got, err := NAIRealms(ca.Server("plain", "plain.test").TLS.Leaf); err != nil || len(got) != 0 {
		t.Fatalf("a certificate without NAIRealm: %q %v", got, err)
	}
}

func TestMatchNAIRealm(t *testing.T) {
	for _, c := range []struct {
		entry, realm string
		want         bool
	}{
		{"operator.test", "Operator.Test", true},
		{"operator.test", "x.operator.test", false},
		{"*.uni.test", "cs.uni.test", true},
		{"*.uni.test", "uni.test", false},
		{"*.uni.test", "a.cs.uni.test", false},
		{"*.uni.test", ".uni.test", false},
		{"*", "anything", false},
	} {
		if got := MatchNAIRealm(c.entry, c.realm); got != c.want {
			t.Errorf("MatchNAIRealm(%q, %q) = %v", c.entry, c.realm, got)
		}
	}
}

func TestNAIRealmsMalformed(t *testing.T) {
	for name, der := range map[string][]byte{
		"not a sequence": {0x04, 0x00},
		"trailing":       {0x30, 0x00, 0x00},
		"short":          {0x30, 0x05, 0xa0, 0x03},
		"realm not utf8": radsectest.SubjectAltName([]string{"\xff"}, nil, nil).Value,
		"empty realm":    radsectest.SubjectAltName([]string{""}, nil, nil).Value,
	} {
		if _, err := naiRealms(der); !errors.Is(err, ErrSAN) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzNAIRealms: any SubjectAltName is read or refused with ErrSAN,
// never a panic; what is read is UTF-8 of 1-255 bytes.
func FuzzNAIRealms(f *testing.F) {
	f.Add(radsectest.SubjectAltName([]string{"operator.test", "*.uni.test"}, []string{"a.test"}, []net.IP{net.IPv4(127, 0, 0, 1)}).Value)
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{0x30, 0x03, 0xa0, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		realms, err := naiRealms(der)
		if err != nil && !errors.Is(err, ErrSAN) {
			t.Fatalf("unwrapped error %v", err)
		}
		for _, r := range realms {
			if r == "" || len(r) > 255 {
				t.Fatalf("realm %q", r)
			}
		}
	})
}

// A server discovered in the DNS for a realm (RouteServer.NAIRealm set)
// is accepted when its certificate, signed by the CA given, names the
// realm as NAIRealm (RFC 7585 §2.2); refused when it names only its SRV
// target (learnt from unverified DNS), another realm, or when another
// CA signed it.
func TestHomeDialerDiscovered(t *testing.T) {
	fed := radsectest.NewCA(t, "Fed CA")
	for _, c := range []struct {
		name   string
		cert   radsectest.Issued
		target string
		ok     bool
		err    string
	}{
		{"realm as NAIRealm", fed.ServerForRealms("r1", []string{"operator.test"}, "elsewhere.test"), "radsec1.operator.test", true, ""},
		{"wildcard NAIRealm", fed.ServerForRealms("r2", []string{"*.test"}, "elsewhere.test"), "radsec1.operator.test", true, ""},
		{"SRV target only", fed.Server("r3", "radsec1.operator.test"), "radsec1.operator.test", false, "does not name the realm"},
		{"SRV target and another realm", fed.ServerForRealms("r3b", []string{"other.test"}, "radsec1.operator.test"), "radsec1.operator.test", false, "does not name the realm"},
		{"another realm", fed.ServerForRealms("r4", []string{"other.test"}, "elsewhere.test"), "radsec1.operator.test", false, "does not name the realm"},
		{"another CA", radsectest.NewCA(t, "Rogue CA").ServerForRealms("r5", []string{"operator.test"}, "radsec1.operator.test"), "radsec1.operator.test", false, "unknown authority"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := newRig(t, func(sc *ServerConfig) { sc.TLS.Certificates = []tls.Certificate{c.cert.TLS} })
			s := hotspots.RouteServer{Address: netip.MustParseAddrPort(home.addr), Transport: hotspots.TransportRadSec, Secret: Secret,
				Timeout: 2 * time.Second, ServerName: c.target, NAIRealm: "operator.test", CA: readPEM(t, fed.CAFile)}
			ex, err := (&HomeDialer{Cert: &home.nasCert.TLS}).Dial(s)
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Close()
			_, err = ex.Exchange(context.Background(), layeh.New(layeh.CodeStatusServer, []byte(Secret)))
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("err %v, want one containing %q", err, c.err)
			}
		})
	}
}

func readPEM(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
