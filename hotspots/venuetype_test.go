package hotspots_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/realvenues"
)

// TestEveryRealVenueTypeIsTranslated: each venue type of the real export
// has a name in both Chinese scripts; other types stay as given, and a
// venue's own Chinese type wins.
func TestEveryRealVenueTypeIsTranslated(t *testing.T) {
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(realvenues.CSV(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "VenueTypeEN" {
			col = i
		}
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		en := r[col]
		if seen[en] {
			continue
		}
		seen[en] = true
		tc, sc := hotspots.TypeName(en, "zh-Hant"), hotspots.TypeName(en, "zh-Hans")
		if tc == en || sc == en || tc == "" || sc == "" || hotspots.TypeName(en, "en") != en {
			t.Errorf("%q: zh-Hant %q, zh-Hans %q", en, tc, sc)
		}
	}
	if len(seen) != 19 {
		t.Errorf("%d venue types in the export, want the 19 standard ones", len(seen))
	}
	if got := hotspots.TypeName("Boat", "zh-Hant"); got != "Boat" {
		t.Errorf("an unknown type: %q", got)
	}
	v := hotspots.Venue{TypeEN: "Telephone Booths", TypeTC: "公眾電話亭"}
	if v.TypeIn("zh-Hant") != "公眾電話亭" || v.TypeIn("zh-Hans") != "电话亭" || v.TypeIn("en") != "Telephone Booths" {
		t.Errorf("TypeIn: %q %q %q", v.TypeIn("zh-Hant"), v.TypeIn("zh-Hans"), v.TypeIn("en"))
	}
}
