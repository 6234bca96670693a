package console

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// FuzzParseHistoryFilter: any query either fails with a known field or
// gives a filter whose dates are ordered and whose search is short text.
func FuzzParseHistoryFilter(f *testing.F) {
	for _, s := range []string{"", "q=alice&state=open", "from=2026-12-01&to=2026-12-31", "from=2026-12-03&to=2026-12-01",
		"state=x", "q=%00", "to=2026-02-30", "from=0001-01-01", "q=" + strings.Repeat("長", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		h, err := parseHistoryFilter(q)
		if err != nil {
			fe, ok := err.(*formError)
			if !ok || messages["en"][fe.Key] == "" {
				t.Fatalf("%q: error %v has no message", raw, err)
			}
			return
		}
		if len(h.Q) > 100 || strings.IndexFunc(h.Q, unicode.IsControl) >= 0 {
			t.Fatalf("%q: search %q let through", raw, h.Q)
		}
		if !h.from.IsZero() && !h.to.IsZero() && !h.to.After(h.from) {
			t.Fatalf("%q: range %v-%v let through", raw, h.from, h.to)
		}
		if h.State != "" && h.State != "open" && h.State != "closed" {
			t.Fatalf("%q: state %q", raw, h.State)
		}
		// The export link carries the same filter.
		again, err := url.ParseQuery(h.Query())
		if err != nil {
			t.Fatal(err)
		}
		if h2, err := parseHistoryFilter(again); err != nil || h2.Query() != h.Query() {
			t.Fatalf("%q: query %q does not round-trip: %v", raw, h.Query(), err)
		}
	})
}

// FuzzParseNASForm: the add form either names a field with a message or
// gives AddNAS a port in range, a venue key and a fresh long secret.
func FuzzParseNASForm(f *testing.F) {
	f.Add("lib-1", "192.0.2.1", "orga/A001", "3799")
	f.Add("x", "::1/64", "", "")
	f.Add("x", "junk", "/", "-1")
	f.Add("x", "1.2.3.4", "a/b\x00", "99999")
	f.Fuzz(func(t *testing.T, name, ip, venue, port string) {
		in, err := parseNASForm(nasForm{Name: name, IP: ip, Venue: venue, CoAPort: port})
		if err != nil {
			fe, ok := err.(*formError)
			if !ok || messages["en"][fe.Key] == "" || messages["zh-Hant"][fe.Key] == "" {
				t.Fatalf("error %v has no message", err)
			}
			return
		}
		if in.CoAPort < 0 || in.CoAPort > 65535 || (port != "" && in.CoAPort == 0) {
			t.Fatalf("port %q gave %d", port, in.CoAPort)
		}
		if venue != "" && (in.Hotspot.Org() == "" || strings.IndexFunc(venue, unicode.IsControl) >= 0) {
			t.Fatalf("venue %q let through", venue)
		}
		if len(in.Secret) < 32 {
			t.Fatalf("secret %q too short", in.Secret)
		}
	})
}
