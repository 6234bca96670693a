package hotspots_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/boundary"
)

// namedVenues are real Wi-Fi.HK venues (testdata/named-venues.csv) and
// the districts they are in. The first group are inside a district's
// boundary but nearer another district's centroid; the second stand
// outside every boundary (piers, beaches, reclaimed land).
var namedVenues = map[hotspots.VenueKey]string{
	"PCCW/1739": "Sai Kung", "PCCW/1742": "Sai Kung", "PCCW/1808": "Sai Kung", // Tseung Kwan O
	"PCCW/1886": "Sha Tin", "PCCW/1894": "Sha Tin", "PCCW/2219": "Sha Tin", // Ma On Shan
	"swd/ASSFU": "Southern", "aswatsongroup/ASW-P-007": "Southern", "hkgwfs/HFEH031": "Southern", // Wong Chuk Hang
	"aswatsongroup/ASW-P-047": "Southern", "aswatsongroup/ASW-P-066": "Southern", "aswatsongroup/ASW-P-072": "Southern", // Ap Lei Chau
	"swd/FCPSU(TP/N)4F": "Tai Po", "PCCW/LCSD0925": "Tai Po", "smt/SMT-PPC-TD0224": "Tai Po", // Tai Po Market
	"PCCW/10669": "Tsuen Wan", "PCCW/11926": "Tsuen Wan",

	"hkgwfs/NBCH03M":         "Sai Kung",   // Silverstrand Beach
	"hkgwfs/HTD-013M":        "Islands",    // Pak Kok Pier, Lamma
	"hkgwfs/NKT-014":         "Kwai Tsing", // Tsing Yi Northeast Park
	"starferry/starferry-03": "Wan Chai",   // Wan Chai Pier
	"hkgwfs/HBEA005":         "Southern",   // Stanley Main Beach
	"hkgwfs/NHYD001":         "Islands",    // Hong Kong-Zhuhai-Macao Bridge port
	"hkgwfs/NIMM036":         "Yuen Long",  // Shenzhen Bay port
	"WJCS/WJ432-MT":          "Sha Tin",    // Mei Tin Estate, Tai Wai
}

// Imported venues are in the district that holds them, and the open data
// says so, whatever district the file claims.
func TestDistrictsOfNamedVenues(t *testing.T) {
	data, err := os.ReadFile("testdata/named-venues.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := newRegistry(t)
	if res := mustImport(t, r, data); res.Created != len(namedVenues) {
		t.Fatalf("import: %+v", res)
	}
	for key, want := range namedVenues {
		v, err := r.Venue(key)
		if err != nil || v.District != want {
			t.Errorf("%s %q: district %q %v, want %q", key, v.NameEN, v.District, err, want)
		}
	}
	var out bytes.Buffer
	if err := r.Export(&out, "json", hotspots.VenueFilter{}); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		key := hotspots.MakeVenueKey(row["OrganisationCode"].(string), row["LocationID"].(string))
		d, _ := hotspots.LookupDistrict(namedVenues[key])
		if row["DistrictEN"] != d.EN || row["DistrictTC"] != d.TC {
			t.Errorf("open data %s: %v %v, want %s %s", key, row["DistrictEN"], row["DistrictTC"], d.EN, d.TC)
		}
	}

	// A file's own DistrictEN is checked, but the position decides.
	v, _ := r.Venue("PCCW/1739")
	v.District = "Kwun Tong"
	if v, err = r.UpdateVenue(v); err != nil || v.District != "Sai Kung" {
		t.Errorf("a venue in Tseung Kwan O said to be in Kwun Tong: %q %v", v.District, err)
	}
}

// Every real venue inside a district's boundary is in that district, and
// no district falls below a target of 50 venues for want of its own.
func TestDistrictsOfRealVenues(t *testing.T) {
	r := newRegistry(t)
	mustImport(t, r, realCSV(t))
	all, _, err := r.ListVenues(hotspots.VenueFilter{}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := boundary.HongKong()
	outside, perPlace := 0, map[string]map[string]int{}
	for _, v := range all {
		i, inside := m.Locate(v.Latitude, v.Longitude)
		if !inside {
			outside++
		} else if v.District != m.Areas[i].EN {
			t.Errorf("%s at (%v,%v) is in %s, stored %s", v.Key(), v.Latitude, v.Longitude, m.Areas[i].EN, v.District)
		}
		for _, place := range []string{"Tseung Kwan O", "Ma On Shan", "Wong Chuk Hang", "Ap Lei Chau"} {
			if strings.Contains(strings.ToLower(v.AddressEN), strings.ToLower(place)) {
				if perPlace[place] == nil {
					perPlace[place] = map[string]int{}
				}
				perPlace[place][v.District]++
			}
		}
	}
	if outside != 59 {
		t.Errorf("%d venues outside every boundary, want the 59 the data's README counts", outside)
	}
	for place, want := range map[string]string{"Tseung Kwan O": "Sai Kung", "Ma On Shan": "Sha Tin",
		"Wong Chuk Hang": "Southern", "Ap Lei Chau": "Southern"} {
		if got := perPlace[place]; len(got) != 1 || got[want] == 0 {
			t.Errorf("venues in %s are in %v, want all in %s", place, got, want)
		}
	}
	cov, err := r.Coverage(context.Background(), "", 50, hotspots.CoverageSources{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cov.BelowTarget {
		if d == "Southern" || d == "Sai Kung" {
			t.Errorf("%s below a target of 50: %v", d, cov.Districts)
		}
	}
}

// Venues stored before districts came from the boundaries are corrected
// when the registry opens, once.
func TestRedistrictOnOpen(t *testing.T) {
	db := openStore(t)
	r := newRegistryOn(t, db)
	if _, err := r.AddOrg(hotspots.Org{Code: "PCCW"}); err != nil {
		t.Fatal(err)
	}
	v, err := r.AddVenue(hotspots.Venue{Org: "PCCW", LocationID: "1739", NameEN: "Circle K", Latitude: 22.3207308167, Longitude: 114.261444211})
	if err != nil || v.District != "Sai Kung" {
		t.Fatalf("%+v %v", v, err)
	}
	v.District, v.Area = "Kwun Tong", hotspots.AreaKowloon // as the nearest centroid had it
	putVenueRaw(t, db, v)

	r = newRegistryOn(t, db)
	if v, err := r.Venue("PCCW/1739"); err != nil || v.District != "Sai Kung" || v.Area != hotspots.AreaNT {
		t.Fatalf("after reopening: %q %q %v", v.District, v.Area, err)
	}
	log, _ := r.AuditLog("", 0, 0)
	if len(log) != 1 || log[0].Action != "venue.redistrict" || !strings.HasPrefix(log[0].Detail, "1 venues") {
		t.Fatalf("audit: %+v", log)
	}
	r = newRegistryOn(t, db)
	if log, _ := r.AuditLog("", 0, 0); len(log) != 1 {
		t.Errorf("a third open changed something: %+v", log)
	}
}

// BenchmarkDistrictAt places the 5,430 real venues.
func BenchmarkDistrictAt(b *testing.B) {
	r := newRegistry(b)
	mustImport(b, r, realCSV(b))
	all, _, _ := r.ListVenues(hotspots.VenueFilter{}, 0, 0)
	for b.Loop() {
		for i := range all {
			hotspots.DistrictAt(all[i].Latitude, all[i].Longitude)
		}
	}
}

// BenchmarkOpenWithRealVenues opens a registry holding the 5,430 real
// venues, all in their districts: the check New does at every start.
func BenchmarkOpenWithRealVenues(b *testing.B) {
	db := openStore(b)
	mustImport(b, newRegistryOn(b, db), realCSV(b))
	for b.Loop() {
		newRegistryOn(b, db)
	}
}
