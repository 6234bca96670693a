package hotspots

import (
	"crypto/tls"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// FuzzParseServerAddr: any text is an address with a port, a host name
// (lowercase, with a dot, no IP) with a port, or refused; never a panic.
func FuzzParseServerAddr(f *testing.F) {
	for _, s := range []string{"192.0.2.1:1812", "radius.example:1812", "radius.example", "[::1]:2083", "::1", "a..b:1", "x:0", "fe80::1%eth0"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, withDefault bool) {
		var def uint16
		if withDefault {
			def = RadSecPort
		}
		ap, host, ok := parseServerAddr(s, def)
		if !ok {
			return
		}
		switch {
		case ap.Port() == 0:
			t.Fatalf("%q: no port", s)
		case host == "" && !ap.Addr().IsValid():
			t.Fatalf("%q: neither address nor host", s)
		case host != "" && (ap.Addr().IsValid() || host != strings.ToLower(host) || !strings.Contains(host, ".")):
			t.Fatalf("%q: host %q with %v", s, host, ap)
		}
	})
}

// FuzzCheckClientCert: any certificate and key text is refused with a
// field named, or accepted as a chain that goes with the key; never a
// panic.
func FuzzCheckClientCert(f *testing.F) {
	for _, s := range []string{"", "junk", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"} {
		f.Add(s, s)
	}
	c := radsectest.NewCA(f, "Fuzz CA").Client("fuzz")
	cert, _ := os.ReadFile(c.CertFile)
	key, _ := os.ReadFile(c.KeyFile)
	f.Add(string(cert), string(key))
	f.Fuzz(func(t *testing.T, cert, key string) {
		chain, e := checkClientCert(cert, key, time.Now())
		if e != nil {
			if e.field != "client_cert" && e.field != "client_key" {
				t.Fatalf("refused on field %q", e.field)
			}
			return
		}
		if _, err := tls.X509KeyPair([]byte(chain), []byte(key)); err != nil {
			t.Fatalf("accepted a chain that does not go with its key: %v", err)
		}
	})
}
