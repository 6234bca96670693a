package hotspots_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

func TestImportRealCSV(t *testing.T) {
	data := realCSV(t)
	r := newRegistry(t)
	res := mustImport(t, r, data)
	if res.Imported != 5430 || res.Created != 5430 || len(res.Rejected) != 0 {
		t.Fatalf("first import: %+v (first rejects %v)", res, first(res.Rejected, 5))
	}
	all, total, err := r.ListVenues(hotspots.VenueFilter{}, 0, 0)
	if err != nil || total != 5430 {
		t.Fatalf("venues: %d %v", total, err)
	}
	hotspotsSum, districts := 0, map[string]int{}
	for _, v := range all {
		hotspotsSum += v.Hotspots
		districts[v.District]++
	}
	if hotspotsSum != 43433 {
		t.Errorf("hotspots: got %d, want 43433", hotspotsSum)
	}
	if len(districts) != 18 {
		t.Errorf("venues fall in %d districts, want all 18: %v", len(districts), districts)
	}
	// A venue with a quoted comma and a multi-line address came through.
	v, err := r.Venue("hkied/0001")
	if err != nil || v.AddressEN != "Ground Floor, Block B, The Education University of Hong Kong (Tai Po Campus), 10 Lo Ping Road" || v.District != "Tai Po" {
		t.Errorf("hkied/0001: %+v %v", v, err)
	}
	if _, err := r.Venue("chk/CDHM/ST/TLT"); err != nil {
		t.Errorf("a location ID with slashes: %v", err)
	}

	var before bytes.Buffer
	if err := r.Export(&before, "json", hotspots.VenueFilter{}); err != nil {
		t.Fatal(err)
	}
	version := r.DataVersion()
	again := mustImport(t, r, data)
	if again.Unchanged != 5430 || again.Created+again.Updated+again.OrgsCreated != 0 {
		t.Fatalf("second import changed something: %+v", again)
	}
	var after bytes.Buffer
	r.Export(&after, "json", hotspots.VenueFilter{})
	if !bytes.Equal(before.Bytes(), after.Bytes()) || r.DataVersion() != version {
		t.Fatal("second import changed the data")
	}
}

func TestExportRoundTrips(t *testing.T) {
	data := realCSV(t)
	r := newRegistry(t)
	mustImport(t, r, data)
	for _, format := range hotspots.ExportFormats {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			if err := r.Export(&out, format, hotspots.VenueFilter{}); err != nil {
				t.Fatal(err)
			}
			r2 := newRegistry(t)
			res := mustImport(t, r2, out.Bytes())
			if res.Created != 5430 || len(res.Rejected) != 0 {
				t.Fatalf("re-import of %s: %+v %v", format, res, first(res.Rejected, 3))
			}
			var out2 bytes.Buffer
			r2.Export(&out2, format, hotspots.VenueFilter{})
			if !bytes.Equal(out.Bytes(), out2.Bytes()) {
				t.Fatalf("%s export of the re-import differs", format)
			}
			// And into the first registry: nothing changes.
			if res := mustImport(t, r, out.Bytes()); res.Unchanged != 5430 {
				t.Fatalf("%s export re-imported over the original: %+v", format, res)
			}
		})
	}
}

func TestImportRejectsRowsWithLineAndReason(t *testing.T) {
	csv := "\ufeffLocationID,OrganisationCode,LocationNameEN,VenueTypeEN,AddressEN,Latitude,Longitude,SSID,NumberOfHotspots\n" +
		"A1,org1,Good,Library,\"1, Road\",22.3,114.17,Wi-Fi.HK,3\n" + // line 2
		"A2,org1,Bad lat,Library,x,north,114.17,Wi-Fi.HK,3\n" + // line 3
		"A3,org1,Outside,Library,\"two\nlines\",1.0,114.17,Wi-Fi.HK,3\n" + // line 4-5
		"A4,org1,Short\n" + // line 6
		"A1,org1,Dup,Library,x,22.3,114.17,Wi-Fi.HK,3\n" + // line 7
		",org1,NoID,Library,x,22.3,114.17,Wi-Fi.HK,3\n" + // line 8
		"A5,org1,Count,Library,x,22.3,114.17,Wi-Fi.HK,many\n" + // line 9
		"A6,org 1,Org,Library,x,22.3,114.17,Wi-Fi.HK,1\n" + // line 10
		"A7,org1,Fine,Park,x,22.28,114.15,Wi-Fi.HK,1\n" // line 11
	r := newRegistry(t)
	res := mustImport(t, r, []byte(csv))
	want := map[int]string{3: "Latitude", 4: "Latitude", 6: "fields", 7: "duplicate of line 2",
		8: "LocationID", 9: "NumberOfHotspots", 10: "OrganisationCode"}
	if res.Imported != 2 || len(res.Rejected) != len(want) {
		t.Fatalf("got %+v", res)
	}
	for _, rej := range res.Rejected {
		if !strings.Contains(rej.Reason, want[rej.Line]) {
			t.Errorf("line %d: reason %q, want it to mention %q", rej.Line, rej.Reason, want[rej.Line])
		}
	}
	v, err := r.Venue("org1/A7")
	if err != nil || v.District != "Central & Western" || v.Area != hotspots.AreaHKIsland {
		t.Errorf("district from coordinates: %+v %v", v, err)
	}
}

func TestImportJSONOfficialFields(t *testing.T) {
	doc := `{"data": [
 {"OrganisationCode":"lcsd","LocationID":"L1","LocationNameEN":"Central Library","LocationNameTC":"中央圖書館",
  "DistrictEN":"Wan Chai","Latitude":"22.2797","Longitude":114.1894,"NumberOfHotspots":12,
  "SupportHotline":"2921 0208","SupportEmail":"enquiries@lcsd.gov.hk"},
 7,
 {"OrganisationCode":"lcsd","LocationID":"L2","LocationNameEN":"Nested","Latitude":22.3,"Longitude":114.2,"Remarks":{"x":1}},
 {"OrganisationCode":"lcsd","LocationID":"L3","LocationNameEN":"Bad district","DistrictEN":"Atlantis","Latitude":22.3,"Longitude":114.2}
]}`
	r := newRegistry(t)
	res := mustImport(t, r, []byte(doc))
	if res.Format != "json" || res.Imported != 1 || len(res.Rejected) != 3 {
		t.Fatalf("got %+v", res)
	}
	lines := []int{res.Rejected[0].Line, res.Rejected[1].Line, res.Rejected[2].Line}
	if lines[0] != 5 || lines[1] != 6 || lines[2] != 7 || !strings.Contains(res.Rejected[2].Reason, "DistrictEN") {
		t.Errorf("rejects: %+v", res.Rejected)
	}
	v, _ := r.Venue("lcsd/L1")
	o, _ := r.Org("lcsd")
	if v.District != "Wan Chai" || v.Hotspots != 12 || v.NameTC != "中央圖書館" || o.SupportEmail != "enquiries@lcsd.gov.hk" {
		t.Errorf("venue %+v org %+v", v, o)
	}
	var geo bytes.Buffer
	r.Export(&geo, "geojson", hotspots.VenueFilter{})
	var fc struct {
		Type     string
		Features []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(geo.Bytes(), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) != 1 {
		t.Fatalf("geojson: %v %s", err, geo.String())
	}
	if c := fc.Features[0].Geometry.Coordinates; c[0] != 114.1894 || c[1] != 22.2797 || fc.Features[0].Properties["DistrictTC"] != "灣仔區" {
		t.Errorf("feature: %+v", fc.Features[0])
	}
}

func TestImportRefusesNonOpenData(t *testing.T) {
	r := newRegistry(t)
	for _, doc := range []string{"name,age\nbob,3\n", `{"a":1}`, `[1,2`, ``} {
		if _, err := r.Import(context.Background(), []byte(doc), hotspots.ImportOptions{}); err == nil {
			t.Errorf("%q: imported without error", doc)
		}
	}
}

func FuzzImport(f *testing.F) {
	f.Add([]byte("LocationID,OrganisationCode,LocationNameEN,Latitude,Longitude\nA,o,N,22.3,114.1\n"))
	f.Add([]byte("\ufeffLocationID,OrganisationCode,Latitude,Longitude\n\"A,\"\"x\",o,22.3,114.1\nB,o\"\n"))
	f.Add([]byte(`[{"OrganisationCode":"o","LocationID":"a","LocationNameEN":"n","Latitude":22.3,"Longitude":114.1}]`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"LocationID":"x"}}]}`))
	f.Add([]byte(`{"x":{"y":[`))
	r := newRegistry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := r.Import(context.Background(), data, hotspots.ImportOptions{})
		if err == nil && res.Imported+len(res.Rejected) != res.Rows {
			t.Fatalf("rows %d != imported %d + rejected %d", res.Rows, res.Imported, len(res.Rejected))
		}
	})
}

func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}
