package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Tiles is a slippy-map tile server (OpenStreetMap's, or the Lands
// Department's) drawn under the coverage map and the venue picker. The
// map needs none: without it the districts' outlines are the geography.
type Tiles struct {
	// URL is the tile template, with {z}, {x} and {y}, e.g.
	// https://tile.openstreetmap.org/{z}/{x}/{y}.png. Staff browsers
	// fetch from it directly (without a Referer).
	URL string
	// Attribution is shown on the map, as the tiles' licence requires
	// (e.g. "© OpenStreetMap contributors").
	Attribution string
}

// tileSource is a checked Tiles.
type tileSource struct {
	tmpl, origin, attribution string
}

// Check reports what is wrong with t, if anything. The zero Tiles (no
// tile server) is valid.
func (t Tiles) Check() error {
	_, err := t.parse()
	return err
}

// parse checks t; nil with no error when no tile server is set.
func (t Tiles) parse() (*tileSource, error) {
	if t.URL == "" {
		if t.Attribution != "" {
			return nil, errors.New("map tiles: attribution without a tile URL")
		}
		return nil, nil
	}
	rest := t.URL
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if strings.Count(rest, p) != 1 {
			return nil, fmt.Errorf("map tiles: %q must hold %s once", t.URL, p)
		}
		rest = strings.Replace(rest, p, "", 1)
	}
	if strings.ContainsAny(rest, "{}\"'<> ") {
		return nil, fmt.Errorf("map tiles: %q: only {z}, {x} and {y} may be in braces, and no quotes, spaces or angle brackets", t.URL)
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(t.URL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return nil, fmt.Errorf("map tiles: %q is not an http(s) URL with a host and no user", t.URL)
	}
	if !strings.HasPrefix(strings.ToLower(t.URL), strings.ToLower(u.Scheme+"://"+u.Host)) {
		return nil, fmt.Errorf("map tiles: %q: the host must be fixed (the console lets browsers load images from that one origin)", t.URL)
	}
	if strings.TrimSpace(t.Attribution) == "" {
		return nil, errors.New(`map tiles: an attribution is required (tile licences ask for one, e.g. "© OpenStreetMap contributors")`)
	}
	return &tileSource{tmpl: t.URL, origin: u.Scheme + "://" + u.Host, attribution: t.Attribution}, nil
}

// maxTileZoom is the closest zoom tile servers commonly have.
const maxTileZoom = 19

// tileZoom picks the zoom at which a tile is about 256 pixels wide when
// vb is shown about 1,000 pixels wide.
func tileZoom(vb viewBox) int {
	unitsPerTile := 256 * vb.W / 1000
	z := math.Round(math.Log2(360 * hkMap.kx / unitsPerTile))
	return int(min(max(z, 0), maxTileZoom))
}

// Web Mercator tile numbers (the OpenStreetMap scheme) and back.
func tileX(lon float64, n float64) float64 { return (lon + 180) / 360 * n }
func tileY(lat float64, n float64) float64 {
	r := lat * math.Pi / 180
	return (1 - math.Asinh(math.Tan(r))/math.Pi) / 2 * n
}
func tileLon(x float64, n float64) float64 { return x/n*360 - 180 }
func tileLat(y float64, n float64) float64 {
	return math.Atan(math.Sinh(math.Pi*(1-2*y/n))) * 180 / math.Pi
}

// write draws the tiles that cover vb, each placed by its own corners in
// the map's projection, so the small difference between the two
// projections stays inside a tile.
func (s *tileSource) write(b *bytes.Buffer, vb viewBox, f func(float64)) {
	z := tileZoom(vb)
	n := math.Exp2(float64(z))
	lon0, lon1 := hkMap.minLon+vb.X/hkMap.kx, hkMap.minLon+(vb.X+vb.W)/hkMap.kx
	lat0, lat1 := hkMap.maxLat-vb.Y/hkMap.ky, hkMap.maxLat-(vb.Y+vb.H)/hkMap.ky
	x0, x1 := int(tileX(lon0, n)), int(tileX(lon1, n))
	y0, y1 := int(tileY(lat0, n)), int(tileY(lat1, n))
	b.WriteString(`<g class="tiles">`)
	for ty := max(y0, 0); ty <= min(y1, int(n)-1); ty++ {
		for tx := max(x0, 0); tx <= min(x1, int(n)-1); tx++ {
			left, top := hkMap.xy(tileLat(float64(ty), n), tileLon(float64(tx), n))
			right, bottom := hkMap.xy(tileLat(float64(ty+1), n), tileLon(float64(tx+1), n))
			b.WriteString(`<image href="`)
			template.HTMLEscape(b, []byte(s.url(z, tx, ty)))
			b.WriteString(`" x="`)
			f(left)
			b.WriteString(`" y="`)
			f(top)
			b.WriteString(`" width="`)
			f(right - left)
			b.WriteString(`" height="`)
			f(bottom - top)
			b.WriteString(`" preserveAspectRatio="none"/>`)
		}
	}
	b.WriteString(`</g>`)
}

// url is the address of tile (z, x, y).
func (s *tileSource) url(z, x, y int) string {
	return strings.NewReplacer("{z}", strconv.Itoa(z), "{x}", strconv.Itoa(x), "{y}", strconv.Itoa(y)).Replace(s.tmpl)
}

// writeAttribution credits the tiles in the bottom-right corner of vb.
func (s *tileSource) writeAttribution(b *bytes.Buffer, vb viewBox, f func(float64)) {
	b.WriteString(`<text class="attribution" x="`)
	f(vb.X + vb.W*0.99)
	b.WriteString(`" y="`)
	f(vb.Y + vb.H*0.985)
	b.WriteString(`" font-size="`)
	f(11 * vb.W / hkMap.w)
	b.WriteString(`">`)
	template.HTMLEscape(b, []byte(s.attribution))
	b.WriteString(`</text>`)
}
