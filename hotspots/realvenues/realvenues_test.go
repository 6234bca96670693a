package realvenues

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"strconv"
	"testing"
)

// TestCSVIsTheExport holds the embedded file to the copy the README names
// and to its stated counts.
func TestCSVIsTheExport(t *testing.T) {
	data := CSV()
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != "15dc258472ac3950b63ed99cb11c06c6a4e7b1fc5b6b4ca737fd906fd6f0165e" {
		t.Fatalf("wifi-hk-locations.csv has SHA-256 %s, not the export the README names", got)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != Venues {
		t.Errorf("%d rows, want %d", len(rows)-1, Venues)
	}
	hotspots := 0
	for _, r := range rows[1:] {
		n, err := strconv.Atoi(r[8])
		if err != nil {
			t.Fatalf("NumberOfHotspots %q: %v", r[8], err)
		}
		hotspots += n
	}
	if hotspots != Hotspots {
		t.Errorf("%d hotspots, want %d", hotspots, Hotspots)
	}
	data[0] = 'x'
	if CSV()[0] == 'x' {
		t.Error("CSV returns the embedded bytes themselves")
	}
}
