package portal

import (
	"errors"
	"strings"
	"testing"
)

func FuzzWISPrParams(f *testing.F) {
	for _, s := range []string{
		"nasid=demo&res=wispr&uamip=10.1.0.1&uamport=3990&challenge=00112233445566778899aabbccddeeff",
		"res=wispr&uamip=10.1.0.1&uamport=3990&challenge=00112233445566778899aabbccddeeff",
		"nasid=a%20b&uamip=0.0.0.0&uamport=0", "%", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := wisprParams(raw)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("error not wrapping ErrBadQuery: %v", err)
			}
			return
		}
		if !u.UAMIP.IsValid() || u.UAMPort == 0 || len(u.Challenge) != 16 || u.NASID == "" {
			t.Fatalf("accepted without uamip, uamport, challenge or nasid: %+v", u)
		}
		if to, err := LogonURL(u, "s", "u", "p", false); err != nil || !strings.HasPrefix(to, "http://") {
			t.Fatalf("LogonURL = %q, %v", to, err)
		}
	})
}

func FuzzParseWISPr(f *testing.F) {
	f.Add(string(WISPrParam{Redirect: &WISPrMessage{MessageType: WISPrRedirect, LoginURL: "http://a/--b"}}.Page()))
	for _, s := range []string{"<WISPAccessGatewayParam>", "<WISPAccessGatewayParam><Proxy><MessageType>x</MessageType></Proxy></WISPAccessGatewayParam>", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		p, err := ParseWISPr([]byte(page))
		if err != nil {
			return
		}
		// What parses writes out and parses back the same.
		q, err := ParseWISPr(p.Page())
		if err != nil {
			t.Fatalf("own page does not parse: %v", err)
		}
		if (p.Redirect == nil) != (q.Redirect == nil) || p.Redirect != nil && *p.Redirect != *q.Redirect {
			t.Fatalf("round trip: %+v != %+v", p.Redirect, q.Redirect)
		}
	})
}
