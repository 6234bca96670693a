package console

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var osm = Tiles{URL: "https://tiles.example.org/osm/{z}/{x}/{y}.png?key=a&b=1", Attribution: "© OpenStreetMap contributors"}

func TestTilesCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    Tiles
		want string // "" = valid
	}{
		{"none", Tiles{}, ""},
		{"osm", osm, ""},
		{"plain http (an operator's own server)", Tiles{URL: "http://10.0.0.5:8080/{z}/{x}/{y}.png", Attribution: "Lands Department"}, ""},
		{"attribution alone", Tiles{Attribution: "x"}, "attribution without a tile URL"},
		{"no attribution", Tiles{URL: osm.URL}, "an attribution is required"},
		{"relative", Tiles{URL: "/tiles/{z}/{x}/{y}.png", Attribution: "x"}, "is not an http(s) URL"},
		{"javascript", Tiles{URL: "javascript:{z}{x}{y}", Attribution: "x"}, "is not an http(s) URL"},
		{"placeholder in host", Tiles{URL: "https://{z}.t.example/{x}/{y}", Attribution: "x"}, "the host must be fixed"},
		{"user in URL", Tiles{URL: "https://u:p@t.example/{z}/{x}/{y}", Attribution: "x"}, "no user"},
		{"no z", Tiles{URL: "https://t.example/{x}/{y}.png", Attribution: "x"}, "must hold {z} once"},
		{"two x", Tiles{URL: "https://t.example/{z}/{x}/{x}/{y}", Attribution: "x"}, "must hold {x} once"},
		{"subdomain placeholder", Tiles{URL: "https://{s}.t.example/{z}/{x}/{y}", Attribution: "x"}, "only {z}, {x} and {y} may be in braces"},
		{"quote", Tiles{URL: `https://t.example/{z}/{x}/{y}"onload=`, Attribution: "x"}, "no quotes"},
	} {
		err := tc.t.Check()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// The whole territory is drawn from zoom-11 tiles; the tile that holds
// Tsim Sha Tsui (22.2988, 114.1722: tile 1673/893 in the OpenStreetMap
// scheme) is placed where the map puts Tsim Sha Tsui.
func TestTilesCoverTheMap(t *testing.T) {
	src, err := osm.parse()
	if err != nil {
		t.Fatal(err)
	}
	svg := string(renderMap(mapSpec{View: hkMap.whole(), Tiles: src}))
	images := regexp.MustCompile(`<image href="https://tiles\.example\.org/osm/(\d+)/(\d+)/(\d+)\.png\?key=a&amp;b=1" x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"`).FindAllStringSubmatch(svg, -1)
	// 113.82-114.46 E is x 1671-1675 at zoom 11, 22.57-22.14 N is y 892-894.
	if len(images) != 15 {
		t.Fatalf("%d tiles, want 5 × 3", len(images))
	}
	found := false
	px, py := hkMap.xy(22.2988, 114.1722)
	for _, m := range images {
		n := make([]float64, 7)
		for i := range n {
			n[i], _ = strconv.ParseFloat(m[i+1], 64)
		}
		if n[0] != 11 {
			t.Fatalf("zoom %v, want 11", n[0])
		}
		if n[1] == 1673 && n[2] == 893 {
			found = true
			if px < n[3] || px > n[3]+n[5] || py < n[4] || py > n[4]+n[6] {
				t.Errorf("tile 1673/893 at (%v,%v) %v×%v does not hold Tsim Sha Tsui at (%.1f,%.1f)", n[3], n[4], n[5], n[6], px, py)
			}
		}
	}
	if !found {
		t.Error("no tile 11/1673/893")
	}
	if !strings.Contains(svg, `class="map z1 tiled"`) || !strings.Contains(svg, `<text class="attribution"`) || !strings.Contains(svg, "© OpenStreetMap contributors</text>") {
		t.Error("the tiled map lacks its class or its attribution")
	}
	// A close-up takes closer tiles, and few of them.
	vb := viewBox{X: 500, Y: 400, W: 62.5, H: 45, Zoom: 16}
	close := string(renderMap(mapSpec{View: vb, Tiles: src}))
	if n := strings.Count(close, "<image "); n == 0 || n > 20 || !strings.Contains(close, "/osm/15/") {
		t.Errorf("close-up: %d tiles, zoom 15 in it %v", n, strings.Contains(close, "/osm/15/"))
	}
	if strings.Contains(string(renderMap(mapSpec{View: hkMap.whole()})), "<image") {
		t.Error("tiles drawn with no tile server")
	}
}

func FuzzTiles(f *testing.F) {
	for _, s := range []string{osm.URL, "http://h/{z}/{x}/{y}", "https://{s}.h/{z}/{x}/{y}", "", "https://h/{z}{x}{y}{", "ftp://h/{z}/{x}/{y}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		src, err := Tiles{URL: u, Attribution: "a"}.parse()
		if err != nil || src == nil {
			return
		}
		if got := src.url(3, 4, 5); strings.ContainsAny(got, "{}\"<>") {
			t.Fatalf("%q gave tile URL %q", u, got)
		}
		if !strings.HasPrefix(u, src.origin+"/") && u != src.origin && !strings.HasPrefix(u, src.origin+"?") {
			t.Fatalf("%q: origin %q", u, src.origin)
		}
	})
}
