package hotspots_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/input"
)

// TestCSVExportIsInert: a venue name that a spreadsheet would run as a
// formula is exported to CSV as text (a leading single quote, as OWASP
// advises), kept verbatim in JSON, and imports back unchanged.
func TestCSVExportIsInert(t *testing.T) {
	r := newRegistry(t)
	if _, err := r.AddOrg(hotspots.Org{Code: "lib", NameEN: "Libraries"}); err != nil {
		t.Fatal(err)
	}
	names := []string{`=HYPERLINK("http://evil.example","x")`, "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|x", "\tTab", "Plain Library"}
	for i, n := range names {
		if _, err := r.AddVenue(hotspots.Venue{Org: "lib", LocationID: "L" + string(rune('A'+i)), NameEN: n,
			Latitude: 22.28, Longitude: 114.16}); err != nil {
			t.Fatalf("%q: %v", n, err)
		}
	}
	var out bytes.Buffer
	if err := r.Export(&out, "csv", hotspots.VenueFilter{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				if _, numErr := parseNumber(cell); numErr != nil {
					t.Errorf("live formula cell %q in the CSV export", cell)
				}
			}
		}
	}
	if !bytes.Contains(out.Bytes(), []byte(`'=HYPERLINK(`)) || !bytes.Contains(out.Bytes(), []byte("Plain Library")) {
		t.Fatalf("export:\n%s", out.String())
	}
	var js bytes.Buffer
	r.Export(&js, "json", hotspots.VenueFilter{})
	if !strings.Contains(js.String(), `"=HYPERLINK(`) {
		t.Errorf("JSON should keep the name verbatim:\n%s", js.String())
	}
	r2 := newRegistry(t)
	mustImport(t, r2, out.Bytes())
	var again bytes.Buffer
	r2.Export(&again, "json", hotspots.VenueFilter{})
	if again.String() != js.String() {
		t.Errorf("CSV round trip changed the venues:\n%s\nwant\n%s", again.String(), js.String())
	}
}

func parseNumber(s string) (float64, error) {
	var f float64
	_, err := fmt.Sscan(s, &f)
	return f, err
}

// TestVenueLinksAreHTTPOnly: a venue's information link is published, so
// only absolute http and https links are accepted.
func TestVenueLinksAreHTTPOnly(t *testing.T) {
	r := newRegistry(t)
	if _, err := r.AddOrg(hotspots.Org{Code: "lib", NameEN: "Libraries"}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		link string
		ok   bool
	}{
		{"https://www.lcsd.gov.hk/", true},
		{"http://example.org/a?b=c", true},
		{"", true},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"//evil.example/", false},
		{"https:///nohost", false},
		{"vbscript:msgbox", false},
	} {
		_, err := r.AddVenue(hotspots.Venue{Org: "lib", LocationID: "V" + string(rune('A'+i)), NameEN: "V",
			Latitude: 22.28, Longitude: 114.16, MoreInfoLinkEN: tc.link})
		var fe *input.FieldError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%q refused: %v", tc.link, err)
		case !tc.ok && !errors.As(err, &fe):
			t.Errorf("%q: err %v, want a FieldError", tc.link, err)
		case !tc.ok && fe.Field != "more_information_link_en":
			t.Errorf("%q: field %q", tc.link, fe.Field)
		}
	}
}
