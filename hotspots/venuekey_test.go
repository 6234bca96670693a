package hotspots_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

func TestParseVenueKey(t *testing.T) {
	for _, tc := range []struct {
		in, org, id string
		err         string // substring; "" for a valid key
	}{
		{in: "hkgwfs/HAFC017", org: "hkgwfs", id: "HAFC017"},
		{in: "CDHM/ST/TLT", org: "CDHM", id: "ST/TLT"}, // location IDs may hold slashes
		{in: "lib/中央圖書館", org: "lib", id: "中央圖書館"},
		{in: "", err: "want ORG/LOCATIONID"},
		{in: "hkgwfs", err: "want ORG/LOCATIONID"},
		{in: "/HAFC017", err: "want ORG/LOCATIONID"},
		{in: "hkgwfs/", err: "want ORG/LOCATIONID"},
		{in: "hk gw/HAFC017", err: "organisation code"},
		{in: "-x/HAFC017", err: "organisation code"},
		{in: "lib/a//b", err: "empty path segment"},
		{in: "lib/a/", err: "empty path segment"},
		{in: "lib/a/../b", err: "'..' segment"},
		{in: "lib/a?b", err: "holds '?'"},
		{in: "lib/a%2Fb", err: "holds '%'"},
		{in: "lib/" + strings.Repeat("x", 65), err: "at most 64"},
		{in: "lib/\xff", err: "not valid UTF-8"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			k, err := hotspots.ParseVenueKey(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "hotspots: venue key ") {
					t.Fatalf("ParseVenueKey(%q) = %q, %v; want an error with %q", tc.in, k, err, tc.err)
				}
				return
			}
			if err != nil || k.Org() != tc.org || k.LocationID() != tc.id || k.String() != tc.in {
				t.Fatalf("ParseVenueKey(%q) = %q (org %q, id %q), %v", tc.in, k, k.Org(), k.LocationID(), err)
			}
			if k != hotspots.MakeVenueKey(tc.org, tc.id) {
				t.Errorf("MakeVenueKey(%q, %q) = %q", tc.org, tc.id, hotspots.MakeVenueKey(tc.org, tc.id))
			}
		})
	}
	var none hotspots.VenueKey
	if !none.IsZero() || none.Org() != "" || none.LocationID() != "" {
		t.Errorf("zero key: org %q, id %q", none.Org(), none.LocationID())
	}
}

// TestVenueKeyEncodesAsBefore: NAS and AP records hold the key as the
// plain string they held before it had a type, so stored data still reads
// and the API answers the same bytes.
func TestVenueKeyEncodesAsBefore(t *testing.T) {
	b, err := json.Marshal(hotspots.AP{ID: "ap-1", Hotspot: "CDHM/ST/TLT"})
	if err != nil || !strings.Contains(string(b), `"hotspot":"CDHM/ST/TLT"`) {
		t.Fatalf("AP encodes as %s, %v", b, err)
	}
	b, err = json.Marshal(hotspots.NAS{ID: "gw"})
	if err != nil || !strings.Contains(string(b), `"hotspot":""`) {
		t.Fatalf("NAS without a venue encodes as %s, %v", b, err)
	}
	var n hotspots.NAS
	if err := json.Unmarshal([]byte(`{"id":"gw","hotspot":"lib/L1"}`), &n); err != nil || n.Hotspot.Org() != "lib" {
		t.Fatalf("stored NAS reads as %+v, %v", n, err)
	}
}

func FuzzParseVenueKey(f *testing.F) {
	for _, s := range []string{"hkgwfs/HAFC017", "CDHM/ST/TLT", "", "/", "a//b", "x/../y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := hotspots.ParseVenueKey(s)
		if err != nil {
			return
		}
		if k.String() != s || hotspots.MakeVenueKey(k.Org(), k.LocationID()) != k || !hotspots.ValidOrgCode(k.Org()) {
			t.Fatalf("%q parsed as %q (org %q, id %q)", s, k, k.Org(), k.LocationID())
		}
	})
}
