package hotspots

import (
	"strings"
	"testing"
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
