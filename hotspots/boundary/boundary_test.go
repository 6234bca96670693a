package boundary

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestHongKong(t *testing.T) {
	m := HongKong()
	if len(m.Areas) != 18 {
		t.Fatalf("%d areas, want 18", len(m.Areas))
	}
	codes := map[string]bool{}
	for _, a := range m.Areas {
		if codes[a.Code] || a.EN == "" || !strings.HasSuffix(a.TC, "區") {
			t.Errorf("area %+v", a.Code)
		}
		codes[a.Code] = true
	}
	if m.Min.Lat < 22.1 || m.Max.Lat > 22.6 || m.Min.Lon < 113.8 || m.Max.Lon > 114.5 {
		t.Errorf("bounding box %v %v", m.Min, m.Max)
	}
}

func TestLocate(t *testing.T) {
	m := HongKong()
	for _, tc := range []struct {
		name     string
		lat, lon float64
		want     string
		inside   bool
	}{
		{"Tseung Kwan O, Po Lam", 22.3226, 114.2578, "Sai Kung", true},
		{"Ma On Shan town centre", 22.4246, 114.2316, "Sha Tin", true},
		{"Wong Chuk Hang", 22.2480, 114.1685, "Southern", true},
		{"Ap Lei Chau", 22.2418, 114.1535, "Southern", true},
		{"Tai Po Market", 22.4508, 114.1644, "Tai Po", true},
		{"IFC", 22.2850, 114.1589, "Central & Western", true},
		{"the airport", 22.3080, 113.9185, "Islands", true},
		{"Victoria Harbour off Wan Chai", 22.2850, 114.1750, "Wan Chai", false},
		{"the sea south of Lamma", 22.1500, 114.1200, "Islands", false},
	} {
		i, inside := m.Locate(tc.lat, tc.lon)
		if m.Areas[i].EN != tc.want || inside != tc.inside {
			t.Errorf("%s (%v,%v): %s inside=%v, want %s inside=%v", tc.name, tc.lat, tc.lon, m.Areas[i].EN, inside, tc.want, tc.inside)
		}
	}
}

// The index answers as a scan of every ring and edge does, over random
// points in and around the territory.
func TestIndexAgreesWithScan(t *testing.T) {
	m := HongKong()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		lat := 22.05 + rng.Float64()*0.6
		lon := 113.75 + rng.Float64()*0.8
		got, in := m.Locate(lat, lon)
		want, win := scan(m, lat, lon)
		if got != want || in != win {
			t.Fatalf("(%v,%v): index %s %v, scan %s %v", lat, lon, m.Areas[got].EN, in, m.Areas[want].EN, win)
		}
	}
}

func scan(m *Map, lat, lon float64) (int, bool) {
	for i, a := range m.Areas {
		odd := false
		for _, p := range a.Polygons {
			for _, r := range p {
				for j := 0; j+1 < len(r); j++ {
					p1, p2 := r[j], r[j+1]
					if (p1.Lat > lat) != (p2.Lat > lat) && lon < p1.Lon+(lat-p1.Lat)*(p2.Lon-p1.Lon)/(p2.Lat-p1.Lat) {
						odd = !odd
					}
				}
			}
		}
		if odd {
			return i, true
		}
	}
	best, bestD := 0, math.Inf(1)
	for i, a := range m.Areas {
		for _, p := range a.Polygons {
			for _, r := range p {
				for j := 0; j+1 < len(r); j++ {
					e := edge{r[j].Lon, r[j].Lat, r[j+1].Lon, r[j+1].Lat, i}
					if d := m.idx.dist2(e, lon, lat); d < bestD {
						best, bestD = i, d
					}
				}
			}
		}
	}
	return best, false
}

func TestParseRejects(t *testing.T) {
	const ring = `[[114,22],[114.1,22],[114.1,22.1],[114,22]]`
	feature := func(props, geom string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}]}`
	}
	props := `{"DC_CODE":"A","DC_ENG":"Central & Western","DC_CHIN":"中西區"}`
	for _, tc := range []struct{ name, in, want string }{
		{"not JSON", `{`, "unexpected end"},
		{"not a collection", `{"type":"Feature"}`, "want FeatureCollection"},
		{"no features", `{"type":"FeatureCollection","features":[]}`, "no features"},
		{"no name", feature(`{"DC_CODE":"A"}`, `{"type":"Polygon","coordinates":[`+ring+`]}`), "DC_ENG"},
		{"no geometry", feature(props, `null`), "no geometry"},
		{"a point", feature(props, `{"type":"Point","coordinates":[114,22]}`), "want Polygon or MultiPolygon"},
		{"open ring", feature(props, `{"type":"Polygon","coordinates":[[[114,22],[114.1,22],[114.1,22.1],[114,22.1]]]}`), "not closed"},
		{"short ring", feature(props, `{"type":"Polygon","coordinates":[[[114,22],[114.1,22],[114,22]]]}`), "at least 4"},
		{"no rings", feature(props, `{"type":"Polygon","coordinates":[]}`), "no rings"},
		{"empty multipolygon", feature(props, `{"type":"MultiPolygon","coordinates":[]}`), "no polygons"},
		{"bad latitude", feature(props, `{"type":"Polygon","coordinates":[[[114,95],[114.1,22],[114.1,22.1],[114,95]]]}`), "not a longitude"},
		{"one number", feature(props, `{"type":"Polygon","coordinates":[[[114],[114.1,22],[114.1,22.1],[114]]]}`), "not a longitude"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "boundary: ") {
				t.Errorf("Parse: %v, want %q", err, tc.want)
			}
		})
	}
	m, err := Parse([]byte(feature(props, `{"type":"Polygon","coordinates":[`+ring+`]}`)))
	if err != nil {
		t.Fatal(err)
	}
	if i, in := m.Locate(22.02, 114.09); i != 0 || !in {
		t.Errorf("inside the one triangle: %d %v", i, in)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(hkDistricts[:2000])
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"DC_CODE":"A","DC_ENG":"x","DC_CHIN":"y"},"geometry":{"type":"Polygon","coordinates":[[[114,22],[114.1,22],[114.1,22.1],[114,22]]]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		i, _ := m.Locate(22.3, 114.1)
		if i < 0 || i >= len(m.Areas) {
			t.Fatalf("Locate gave area %d of %d", i, len(m.Areas))
		}
	})
}

// BenchmarkLocate places one point, inside or offshore.
func BenchmarkLocate(b *testing.B) {
	m := HongKong()
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([]Point, 1024)
	for i := range pts {
		pts[i] = Point{113.85 + rng.Float64()*0.55, 22.15 + rng.Float64()*0.4}
	}
	i := 0
	for b.Loop() {
		p := pts[i%len(pts)]
		m.Locate(p.Lat, p.Lon)
		i++
	}
}
