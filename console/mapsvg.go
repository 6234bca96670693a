package console

import (
	"bytes"
	"html/template"
	"math"
	"net/url"
	"strconv"

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
	Key      hotspots.VenueKey
	Lat, Lon float64
	District string
	Status   apStatus
}

// mapLabel is one district's name, linking to its close-up.
type mapLabel struct {
	EN, Text string
	Lat, Lon float64
}

// labelNudge moves the crowded labels of Kowloon and the north shore of
// Hong Kong Island apart, in user units at the whole-territory scale.
var labelNudge = map[string][2]float64{
	"Central & Western": {-22, -8},
	"Wan Chai":          {0, 10},
	"Kwun Tong":         {14, 4},
	"Sham Shui Po":      {-10, -4},
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

// renderMap writes the coverage map as inline SVG. Dots are grouped by
// status so one CSS rule colours each group and offline venues are drawn
// last, on top; every dot carries data-venue. It is written by hand rather
// than by html/template because the real open data has 5,430 venues and
// this keeps the page small and fast (see docs/PERFORMANCE.md).
func renderMap(pts []mapPoint, labels []mapLabel, vb viewBox, base, title, desc string) template.HTML {
	var b bytes.Buffer
	b.Grow(len(pts)*72 + 4096)
	f := func(v float64) { b.Write(strconv.AppendFloat(b.AvailableBuffer(), math.Round(v*10)/10, 'f', -1, 64)) }
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="map z`)
	b.WriteString(strconv.Itoa(vb.Zoom))
	b.WriteString(`" viewBox="`)
	f(vb.X)
	b.WriteByte(' ')
	f(vb.Y)
	b.WriteByte(' ')
	f(vb.W)
	b.WriteByte(' ')
	f(vb.H)
	b.WriteString(`" preserveAspectRatio="xMidYMid meet" aria-labelledby="map-title map-desc"><title id="map-title">`)
	template.HTMLEscape(&b, []byte(title))
	b.WriteString(`</title><desc id="map-desc">`)
	template.HTMLEscape(&b, []byte(desc))
	b.WriteString(`</desc><rect class="sea" x="-500" y="-500" width="2000" height="1800"/>`)
	// Labels go on top of the dots across the territory, where they must
	// be read over dense clusters, and beneath them in a close-up, where
	// they would hide the few venues near a district's centre.
	writeLabels := func() {
		b.WriteString(`<g class="lbl">`)
		for _, l := range labels {
			x, y := hkMap.xy(l.Lat, l.Lon)
			if vb.Zoom == 1 {
				n := labelNudge[l.EN]
				x, y = x+n[0], y+n[1]
			}
			b.WriteString(`<a href="`)
			template.HTMLEscape(&b, []byte(base+"/coverage?district="+url.QueryEscape(l.EN)))
			b.WriteString(`"><text x="`)
			f(x)
			b.WriteString(`" y="`)
			f(y)
			b.WriteString(`">`)
			template.HTMLEscape(&b, []byte(l.Text))
			b.WriteString(`</text></a>`)
		}
		b.WriteString(`</g>`)
	}
	if vb.Zoom > 1 {
		writeLabels()
	}
	for _, st := range []apStatus{stNone, stOnline, stOffline} {
		b.WriteString(`<g class="`)
		b.WriteString(st.class())
		b.WriteString(`">`)
		for i := range pts {
			pt := &pts[i]
			if pt.Status != st {
				continue
			}
			x, y := hkMap.xy(pt.Lat, pt.Lon)
			b.WriteString(`<circle cx="`)
			f(x)
			b.WriteString(`" cy="`)
			f(y)
			b.WriteString(`" r="2" data-venue="`)
			template.HTMLEscape(&b, []byte(pt.Key.String()))
			b.WriteString(`"/>`)
		}
		b.WriteString(`</g>`)
	}
	if vb.Zoom == 1 {
		writeLabels()
	}
	writeScale(&b, vb, f)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
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
