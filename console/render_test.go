package console

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/i18n"
	"github.com/wifihk/wifihk/internal/input"
)

func TestProjectionKeepsDistancesAndFitsHongKong(t *testing.T) {
	if hkMap.w != 1000 || hkMap.h != 726 {
		t.Fatalf("map is %vx%v", hkMap.w, hkMap.h)
	}
	for _, d := range hotspots.Districts() {
		x, y := hkMap.xy(d.Lat, d.Lon)
		if x < 0 || x > hkMap.w || y < 0 || y > hkMap.h {
			t.Errorf("%s at (%v, %v) is off the map", d.EN, x, y)
		}
	}
	// One kilometre east and one north of Central are the same length on
	// the map (equal scale in both directions, within 0.5%).
	lat, lon := 22.2819, 114.1582
	x0, y0 := hkMap.xy(lat, lon)
	dLat := 1000 / hotspots.Haversine(lat, lon, lat+0.01, lon) * 0.01
	dLon := 1000 / hotspots.Haversine(lat, lon, lat, lon+0.01) * 0.01
	xn, yn := hkMap.xy(lat+dLat, lon)
	xe, ye := hkMap.xy(lat, lon+dLon)
	north, east := math.Hypot(xn-x0, yn-y0), math.Hypot(xe-x0, ye-y0)
	if math.Abs(north/east-1) > 0.005 {
		t.Errorf("1 km north is %.3f units, 1 km east %.3f", north, east)
	}
	if yn >= y0 || xe <= x0 {
		t.Error("north is not up or east is not right")
	}
}

var circleRE = regexp.MustCompile(`<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)" data-venue="([^"]*)"><title>([^<]*)</title></circle>`)

func TestRenderMapOnePointPerVenueEscaped(t *testing.T) {
	pts := []mapPoint{
		{Key: `o/a"><script>`, Lat: 22.3, Lon: 114.1, District: "Kwai Tsing", Status: stOffline},
		{Key: "o/b", Lat: 22.28, Lon: 114.17, District: "Wan Chai", Status: stOnline},
		{Key: "o/c&d", Lat: 22.27, Lon: 114.18, District: "Wan Chai"},
	}
	labels := []mapLabel{{EN: "Wan Chai", Text: "灣仔區", Lat: 22.2687, Lon: 114.1826}}
	svg := string(renderMap(mapSpec{Points: pts, Labels: labels, View: hkMap.whole(), Base: "/console", Title: "Map <1>", Desc: "desc",
		Hotspots: "%d hotspots"}))
	if strings.Contains(svg, "<script>") || strings.Contains(svg, "Map <1>") {
		t.Fatal("unescaped text in the SVG")
	}
	m := circleRE.FindAllStringSubmatch(svg, -1)
	if len(m) != 3 {
		t.Fatalf("%d points for 3 venues", len(m))
	}
	// Drawn no-agent, online, offline: offline last, on top.
	if m[0][4] != "o/c&amp;d" || m[1][4] != "o/b" || m[2][4] != "o/a&#34;&gt;&lt;script&gt;" {
		t.Errorf("order or escaping: %q %q %q", m[0][4], m[1][4], m[2][4])
	}
	if !strings.Contains(svg, `<a href="/console/coverage?district=Wan+Chai"><g`) || !strings.Contains(svg, ">灣仔區</text>") {
		t.Errorf("district label link missing: %s", svg)
	}
}

func TestScaleBar(t *testing.T) {
	// A kilometre north on the map is unitsPerKm long.
	_, y0 := hkMap.xy(22.3, 114.1)
	dLat := 1000 / hotspots.Haversine(22.3, 114.1, 22.31, 114.1) * 0.01
	_, y1 := hkMap.xy(22.3+dLat, 114.1)
	km := y0 - y1
	if math.Abs(hkMap.unitsPerKm()/km-1) > 0.002 {
		t.Fatalf("units per km %v, measured %v", hkMap.unitsPerKm(), km)
	}
	var b bytes.Buffer
	f := func(v float64) { fmt.Fprintf(&b, "%.1f", v) }
	writeScale(&b, hkMap.whole(), f)
	// The longest round length within an eighth of the width: 5 km is
	// 76 units of 1000, 10 km would be 152.
	if !strings.Contains(b.String(), `d="M30.0 682.4V689.7H106.0V682.4"`) || !strings.Contains(b.String(), ">5 km</text>") {
		t.Errorf("whole-map scale: %s", b.String())
	}
}

func TestZoomFramesTheDistrict(t *testing.T) {
	pts := []mapPoint{{Key: "a", Lat: 22.38, Lon: 114.19, District: "Sha Tin"}, {Key: "b", Lat: 22.42, Lon: 114.23, District: "Sha Tin"},
		{Key: "c", Lat: 22.28, Lon: 114.15, District: "Central & Western"}}
	vb := hkMap.around(pts, "Sha Tin", 22.3867, 114.1998)
	for _, p := range pts[:2] {
		x, y := hkMap.xy(p.Lat, p.Lon)
		if x < vb.X || x > vb.X+vb.W || y < vb.Y || y > vb.Y+vb.H {
			t.Errorf("%s outside the close-up %+v", p.Key, vb)
		}
	}
	if vb.Zoom < 2 || math.Abs(vb.W/vb.H-hkMap.w/hkMap.h) > 1e-9 {
		t.Errorf("close-up %+v", vb)
	}
	empty := hkMap.around(nil, "Islands", 22.2515, 113.9648)
	cx, cy := hkMap.xy(22.2515, 113.9648)
	if math.Abs(empty.X+empty.W/2-cx) > 1e-6 || math.Abs(empty.Y+empty.H/2-cy) > 1e-6 || empty.W < 60 {
		t.Errorf("a district with no venues is not framed on its centroid: %+v", empty)
	}
}

func TestChart(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{{0, 1}, {0.3, 0.5}, {7, 10}, {12, 20}, {50, 50}, {51, 100}, {2.1e6, 5e6}} {
		if got := niceCeil(tc.in); got != tc.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	svg := string(renderChart(series{Values: []float64{0, 5, 10}}, `clients <b>`, func(f float64) string { return fmt.Sprint(f) }))
	if !strings.Contains(svg, `role="img" aria-label="clients &lt;b&gt;"`) || !strings.Contains(svg, `>10</text>`) {
		t.Errorf("chart: %s", svg)
	}
	// The highest value touches the top grid line (y = 10).
	if !strings.Contains(svg, "L632 10") {
		t.Errorf("top value not at the top: %s", svg)
	}
}

func TestEveryMessageInEveryLanguage(t *testing.T) {
	for key := range messages["en"] {
		for _, l := range i18n.Languages {
			if _, ok := messages[l.Code][key]; !ok {
				t.Errorf("%s has no %q", l.Code, key)
			}
		}
	}
	for _, l := range i18n.Languages {
		for key := range messages[l.Code] {
			if _, ok := messages["en"][key]; !ok {
				t.Errorf("%s has %q, which English lacks", l.Code, key)
			}
		}
	}
	for _, d := range hotspots.Districts() {
		if _, ok := districtNames[d.EN]; !ok {
			t.Errorf("no Chinese names for %s", d.EN)
		}
	}
}

// FuzzVenueForm feeds the venue form's typed fields through the parsing
// the console does before the registry validates: junk is an error that
// names a field, never a panic.
func FuzzVenueForm(f *testing.F) {
	f.Add("22.3", "114.1", "3")
	f.Add("", "", "")
	f.Add("NaN", "1e400", "-1")
	f.Add("22,3", "0x10", "99999999999999999999")
	f.Fuzz(func(t *testing.T, lat, lon, n string) {
		form := &venueForm{Org: "o", LocationID: "L", NameEN: "n", Lat: lat, Lon: lon, Hotspots: n}
		v, err := form.venue()
		var fe *input.FieldError
		if err != nil && (!errors.As(err, &fe) || fe.Field == "") {
			t.Fatalf("%q %q %q: %v", lat, lon, n, err)
		}
		if err == nil && v.SSID == "" {
			t.Fatal("no default SSID")
		}
		form.setError(err)
		_ = form.Err("latitude")
	})
}

// TestNoExternalResources: every template and asset is embedded and
// refers to nothing off the server (the console must work with no
// internet and no CDN).
func TestNoExternalResources(t *testing.T) {
	ext := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for _, fsys := range []fs.FS{templateFS, staticFS} {
		err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			for _, m := range ext.FindAllString(string(b), -1) {
				if m != "http://www.w3.org" {
					t.Errorf("%s refers to %s", path, m)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
