package console

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/wifihk/wifihk/hotspots"
)

// projection maps coordinates to SVG user units. Hong Kong spans about
// 65 km, so an equirectangular projection scaled by the cosine of the
// middle latitude is within 0.1% of true distances and needs no library.
type projection struct {
	minLon, maxLat float64
	kx, ky         float64 // user units per degree of longitude and latitude
	w, h           float64
}

// newProjection fits the box [minLat,maxLat]×[minLon,maxLon] into width
// user units.
func newProjection(minLat, maxLat, minLon, maxLon, width float64) projection {
	mid := (minLat + maxLat) / 2 * math.Pi / 180
	ky := width / ((maxLon - minLon) * math.Cos(mid))
	kx := ky * math.Cos(mid)
	return projection{minLon: minLon, maxLat: maxLat, kx: kx, ky: ky, w: width, h: math.Round((maxLat - minLat) * ky)}
}

// hkMap frames the territory with a small margin: 1000 × 726 units.
var hkMap = newProjection(22.14, 22.57, 113.82, 114.46, 1000)

func (p projection) xy(lat, lon float64) (x, y float64) {
	return (lon - p.minLon) * p.kx, (p.maxLat - lat) * p.ky
}

// apStatus is what a venue's dot shows.
type apStatus uint8

const (
	stNone    apStatus = iota // no AP reports: no agent
	stOnline                  // every reporting AP is online
	stOffline                 // an AP is offline
)

func (s apStatus) class() string {
	switch s {
	case stOnline:
		return "on"
	case stOffline:
		return "off"
	}
	return "na"
}

// mapPoint is one venue on the map.
type mapPoint struct {
	Key                    hotspots.VenueKey
	NameEN, NameTC, NameSC string
	Lat, Lon               float64
	District               string
	Hotspots               int
	Status                 apStatus
}

// name is the venue's name in lang, falling back to English.
func (p *mapPoint) name(lang string) string {
	switch {
	case lang == "zh-Hans" && p.NameSC != "":
		return p.NameSC
	case lang != "en" && p.NameTC != "":
		return p.NameTC
	}
	return p.NameEN
}

// mapLabel is one district: its name, linking to its close-up, where the
// name goes, and its fill step (0..shades) and figure for the choropleth.
type mapLabel struct {
	EN, Text string
	Lat, Lon float64
	Shade    int
	Figure   string // "Sai Kung: 312 venues", the district's tooltip
}

// labelNudge moves the crowded labels of Kowloon and the north shore of
// Hong Kong Island apart, in user units at the whole-territory scale.
var labelNudge = map[string][2]float64{
	"Central & Western": {-22, -8},
	"Wan Chai":          {0, 10},
	"Eastern":           {6, -6},
	"Kwun Tong":         {24, 13},
	"Kowloon City":      {6, 4},
	"Wong Tai Sin":      {10, -8},
	"Sham Shui Po":      {-14, 0},
	"Yau Tsim Mong":     {-8, 6},
}

// viewBox is the part of the map shown and how far it is zoomed.
type viewBox struct {
	X, Y, W, H float64
	Zoom       int // 1, 2, 4, 8 or 16; picks dot and label sizes
}

func (p projection) whole() viewBox { return viewBox{0, 0, p.w, p.h, 1} }

// around frames the points of one district (or its centroid when it has
// none) with a margin, keeping the map's aspect ratio.
func (p projection) around(pts []mapPoint, district string, cLat, cLon float64) viewBox {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range pts {
		if pts[i].District != district {
			continue
		}
		x, y := p.xy(pts[i].Lat, pts[i].Lon)
		minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
	}
	cx, cy := p.xy(cLat, cLon)
	if math.IsInf(minX, 1) {
		minX, maxX, minY, maxY = cx, cx, cy, cy
	}
	w, h := (maxX-minX)*1.15, (maxY-minY)*1.15
	w = max(w, h*p.w/p.h, 60) // at least about 4 km across
	h = w * p.h / p.w
	x, y := (minX+maxX)/2-w/2, (minY+maxY)/2-h/2
	zoom := 1
	for zoom < 16 && p.w/w >= float64(zoom*2) {
		zoom *= 2
	}
	return viewBox{X: x, Y: y, W: w, H: h, Zoom: zoom}
}

// mapSpec is what renderMap draws and the words it draws with.
type mapSpec struct {
	Points      []mapPoint
	Labels      []mapLabel // one per district
	View        viewBox
	Base        string // the console's path prefix
	Keep        string // query kept by the district links, "&measure=hotspots"
	Lang        string
	Title, Desc string
	Status      [3]string   // the words for stNone, stOnline, stOffline
	Hotspots    string      // a format for a venue's hotspot count, "%d hotspots"
	Hotspot1    string      // and for one, "1 hotspot"
	Tiles       *tileSource // drawn under the land when set
}

// dotSizes are a venue's radius at the whole-territory scale by its
// number of hotspots (at most hs[i]), largest last; areas grow with the
// count, roughly as its square root.
var dotSizes = [...]struct {
	hs int
	r  float64
}{{1, 1.8}, {4, 2.5}, {14, 3.3}, {49, 4.3}, {math.MaxInt, 5.5}}

// dotSize is the index in dotSizes for n hotspots.
func dotSize(n int) int {
	for i, s := range dotSizes {
		if n <= s.hs {
			return i
		}
	}
	return len(dotSizes) - 1
}

// zoomShrink keeps dots about as large on screen in a close-up as across
// the territory, a little larger so that they can be told apart.
func zoomShrink(zoom int) float64 { return math.Pow(float64(zoom), -0.75) }

// renderMap writes the coverage map as inline SVG: the districts' land
// (from the embedded boundaries) shaded by their figure, each with its
// figure as a tooltip; then the venues, grouped by status so one CSS rule
// colours each group and offline venues are drawn last, on top, and
// within a group the larger first; each has its name, hotspots and
// status as a tooltip and carries data-venue; in a close-up each is a
// link to its venue, so it can be reached from the keyboard. It is
// written by hand rather than by html/template because the real open data
// has 5,430 venues and this keeps the page small and fast (see
// docs/PERFORMANCE.md).
func renderMap(m mapSpec) template.HTML {
	vb := m.View
	var b bytes.Buffer
	b.Grow(len(m.Points)*120 + 160<<10)
	f := func(v float64) { b.Write(strconv.AppendFloat(b.AvailableBuffer(), math.Round(v*10)/10, 'f', -1, 64)) }
	esc := func(s string) { template.HTMLEscape(&b, []byte(s)) }
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="map`)
	writeMapClass(&b, vb, m.Tiles)
	b.WriteString(`" viewBox="`)
	f(vb.X)
	b.WriteByte(' ')
	f(vb.Y)
	b.WriteByte(' ')
	f(vb.W)
	b.WriteByte(' ')
	f(vb.H)
	b.WriteString(`" preserveAspectRatio="xMidYMid meet" role="group" aria-labelledby="map-title map-desc"><title id="map-title">`)
	esc(m.Title)
	b.WriteString(`</title><desc id="map-desc">`)
	esc(m.Desc)
	b.WriteString(`</desc>`)
	writeLand(&b, m.Labels, m.Tiles, vb, f)
	shrink := zoomShrink(vb.Zoom)
	var groups [3][len(dotSizes)][]int32 // venue indices by status and size
	for i := range m.Points {
		pt := &m.Points[i]
		g := &groups[pt.Status][dotSize(pt.Hotspots)]
		*g = append(*g, int32(i))
	}
	before, after, _ := strings.Cut(m.Hotspots, "%d")
	for _, st := range []apStatus{stNone, stOnline, stOffline} {
		b.WriteString(`<g class="`)
		b.WriteString(st.class())
		b.WriteString(`">`)
		for size := len(dotSizes) - 1; size >= 0; size-- {
			r := strconv.FormatFloat(math.Round(dotSizes[size].r*shrink*100)/100, 'f', -1, 64)
			for _, i := range groups[st][size] {
				pt := &m.Points[i]
				if vb.Zoom > 1 {
					b.WriteString(`<a href="`)
					esc(venuePath(m.Base, pt.Key))
					b.WriteString(`">`)
				}
				x, y := hkMap.xy(pt.Lat, pt.Lon)
				b.WriteString(`<circle cx="`)
				f(x)
				b.WriteString(`" cy="`)
				f(y)
				b.WriteString(`" r="`)
				b.WriteString(r)
				b.WriteString(`" data-venue="`)
				esc(pt.Key.String())
				b.WriteString(`"><title>`)
				esc(pt.name(m.Lang))
				b.WriteString(` · `)
				if pt.Hotspots == 1 && m.Hotspot1 != "" {
					esc(m.Hotspot1)
				} else {
					esc(before)
					b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(pt.Hotspots), 10))
					esc(after)
				}
				b.WriteString(` · `)
				esc(m.Status[st])
				b.WriteString(`</title></circle>`)
				if vb.Zoom > 1 {
					b.WriteString(`</a>`)
				}
			}
		}
		b.WriteString(`</g>`)
	}
	writeLabels(&b, m, f)
	writeScale(&b, vb, f)
	if m.Tiles != nil {
		m.Tiles.writeAttribution(&b, vb, f)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// writeMapClass writes the map's zoom class, and "tiled" when tiles are
// drawn under the land (which the style then makes see-through).
func writeMapClass(b *bytes.Buffer, vb viewBox, tiles *tileSource) {
	b.WriteString(` z`)
	b.WriteString(strconv.Itoa(vb.Zoom))
	if tiles != nil {
		b.WriteString(` tiled`)
	}
}

// writeLand writes the sea, the tiles of vb when there are any, and each
// district's land with its fill step and its figure as a tooltip.
func writeLand(b *bytes.Buffer, labels []mapLabel, tiles *tileSource, vb viewBox, f func(float64)) {
	b.WriteString(`<rect class="sea" x="-500" y="-500" width="2000" height="1800"/>`)
	if tiles != nil {
		tiles.write(b, vb, f)
	}
	b.WriteString(`<g class="land">`)
	paths := districtPaths()
	for _, l := range labels {
		b.WriteString(`<path class="f`)
		b.WriteString(strconv.Itoa(l.Shade))
		b.WriteString(`" data-district="`)
		template.HTMLEscape(b, []byte(l.EN))
		b.WriteString(`" d="`)
		b.WriteString(paths[l.EN])
		b.WriteString(`"><title>`)
		template.HTMLEscape(b, []byte(l.Figure))
		b.WriteString(`</title></path>`)
	}
	b.WriteString(`</g>`)
}

// renderPicker draws the districts as a map to click on to set a venue's
// position, with a pin at (lat, lon) when ok and framed around it; the
// projection is in data attributes for console.js to invert. Without
// JavaScript it is only a picture and the fields are typed.
func renderPicker(labels []mapLabel, lat, lon float64, ok bool, label string, tiles *tileSource) template.HTML {
	var b bytes.Buffer
	f := func(v float64) {
		b.Write(strconv.AppendFloat(b.AvailableBuffer(), math.Round(v*1000)/1000, 'f', -1, 64))
	}
	vb := hkMap.whole()
	x, y := hkMap.xy(lat, lon)
	if ok {
		w := hkMap.w / 4
		vb = viewBox{X: x - w/2, Y: y - w*hkMap.h/hkMap.w/2, W: w, H: w * hkMap.h / hkMap.w, Zoom: 4}
	}
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="map picker`)
	writeMapClass(&b, vb, tiles)
	b.WriteString(`" viewBox="`)
	for i, v := range []float64{vb.X, vb.Y, vb.W, vb.H} {
		if i > 0 {
			b.WriteByte(' ')
		}
		f(v)
	}
	b.WriteString(`" role="img" aria-label="`)
	template.HTMLEscape(&b, []byte(label))
	fmt.Fprintf(&b, `" data-min-lon="%g" data-max-lat="%g" data-kx="%g" data-ky="%g">`, hkMap.minLon, hkMap.maxLat, hkMap.kx, hkMap.ky)
	writeLand(&b, labels, tiles, vb, f)
	b.WriteString(`<circle class="pin" r="`)
	f(5 * vb.W / hkMap.w)
	if ok {
		b.WriteString(`" cx="`)
		f(x)
		b.WriteString(`" cy="`)
		f(y)
	} else {
		b.WriteString(`" visibility="hidden`)
	}
	b.WriteString(`"/>`)
	if tiles != nil {
		tiles.writeAttribution(&b, vb, f)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// labelSize is the labels' font size in user units at the whole-territory
// scale.
const labelSize = 17

// writeLabels writes the district names, linking to their close-ups, on
// top of the dots, each on a white plate that keeps it legible over them
// and as large on screen at every zoom, just above its point (where a
// test venue may stand).
func writeLabels(b *bytes.Buffer, m mapSpec, f func(float64)) {
	vb := m.View
	scale := vb.W / hkMap.w
	b.WriteString(`<g class="lbl">`)
	for _, l := range m.Labels {
		x, y := labelAt(l, vb)
		w := textEms(l.Text)*labelSize + 8
		b.WriteString(`<a href="`)
		template.HTMLEscape(b, []byte(m.Base+"/coverage?district="+url.QueryEscape(l.EN)+m.Keep))
		b.WriteString(`"><g transform="translate(`)
		f(x)
		b.WriteByte(' ')
		f(y)
		b.WriteString(`) scale(`)
		b.Write(strconv.AppendFloat(b.AvailableBuffer(), math.Round(scale*1000)/1000, 'f', -1, 64))
		b.WriteString(`)"><rect x="`)
		f(-w / 2)
		b.WriteString(`" y="-25" width="`)
		f(w)
		b.WriteString(`" height="20" rx="4"/><text y="-10">`)
		template.HTMLEscape(b, []byte(l.Text))
		b.WriteString(`</text></g></a>`)
	}
	b.WriteString(`</g>`)
}

// labelAt is where a district's name goes.
func labelAt(l mapLabel, vb viewBox) (x, y float64) {
	x, y = hkMap.xy(l.Lat, l.Lon)
	if vb.Zoom == 1 {
		n := labelNudge[l.EN]
		x, y = x+n[0], y+n[1]
	}
	return x, y
}

// textEms estimates the width of s in bold sans-serif, in ems.
func textEms(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x2E80: // CJK
			w += 1
		case r >= 'A' && r <= 'Z':
			w += 0.72
		case r == ' ':
			w += 0.35
		default:
			w += 0.62
		}
	}
	return w
}

// unitsPerKm is how many user units a kilometre is on the map.
func (p projection) unitsPerKm() float64 {
	return p.ky / (hotspots.Haversine(22.35, 114, 23.35, 114) / 1000)
}

// writeScale draws a scale bar of a round length, about a tenth of the
// view's width, in its bottom-left corner.
func writeScale(b *bytes.Buffer, vb viewBox, f func(float64)) {
	upk := hkMap.unitsPerKm()
	km := 1.0
	for _, k := range []float64{0.2, 0.5, 1, 2, 5, 10} {
		if k*upk <= vb.W/8 {
			km = k
		}
	}
	x, y := vb.X+vb.W*0.03, vb.Y+vb.H*0.95
	b.WriteString(`<g class="scale"><path d="M`)
	f(x)
	b.WriteByte(' ')
	f(y - vb.H*0.01)
	b.WriteString(`V`)
	f(y)
	b.WriteString(`H`)
	f(x + km*upk)
	b.WriteString(`V`)
	f(y - vb.H*0.01)
	b.WriteString(`" vector-effect="non-scaling-stroke"/><text x="`)
	f(x)
	b.WriteString(`" y="`)
	f(y - vb.H*0.015)
	b.WriteString(`">`)
	b.WriteString(strconv.FormatFloat(km, 'f', -1, 64))
	b.WriteString(` km</text></g>`)
}
