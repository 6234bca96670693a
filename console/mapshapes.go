package console

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/boundary"
)

// districtPaths are the SVG path data of each district's land, by English
// name, drawn once from the embedded boundaries: absolute first points,
// then relative steps of a tenth of a unit (about 6 m).
var districtPaths = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for _, a := range boundary.HongKong().Areas {
		d, ok := hotspots.LookupDistrict(a.EN)
		if !ok {
			continue // a test holds the boundaries to the 18 districts
		}
		var b bytes.Buffer
		for _, p := range a.Polygons {
			for _, r := range p {
				writeRing(&b, r)
			}
		}
		out[d.EN] = b.String()
	}
	return out
})

// writeRing writes one closed ring in tenths of a unit, skipping points
// that round onto the one before.
func writeRing(b *bytes.Buffer, r boundary.Ring) {
	tenth := func(v float64) int64 { return int64(math.Round(v * 10)) }
	num := func(n int64) {
		if n < 0 {
			b.WriteByte('-')
			n = -n
		}
		b.Write(strconv.AppendInt(b.AvailableBuffer(), n/10, 10))
		if n%10 != 0 {
			b.WriteByte('.')
			b.WriteByte(byte('0' + n%10))
		}
	}
	var px, py int64
	for i, pt := range r[:len(r)-1] { // the last point repeats the first
		x, y := hkMap.xy(pt.Lat, pt.Lon)
		tx, ty := tenth(x), tenth(y)
		switch {
		case i == 0:
			b.WriteByte('M')
			num(tx)
			b.WriteByte(' ')
			num(ty)
		case tx == px && ty == py:
			continue
		default:
			b.WriteByte('l')
			num(tx - px)
			b.WriteByte(' ')
			num(ty - py)
		}
		px, py = tx, ty
	}
	b.WriteByte('z')
}

// measure is a district figure the map can shade districts by.
type measure struct {
	Key string // the ?measure= value
	Msg string // message key of its name
	Of  func(r *hotspots.CoverageRow) hotspots.Count
}

var measures = []measure{
	{"venues", "col_venues", func(r *hotspots.CoverageRow) hotspots.Count { return hotspots.Count{N: int64(r.Venues), Known: true} }},
	{"hotspots", "col_hotspots", func(r *hotspots.CoverageRow) hotspots.Count { return hotspots.Count{N: int64(r.Hotspots), Known: true} }},
	{"aps_online", "m_aps_online", func(r *hotspots.CoverageRow) hotspots.Count { return r.APsOnline }},
	{"sessions", "col_sessions", func(r *hotspots.CoverageRow) hotspots.Count { return r.OpenSessions }},
	{"devices", "col_devices", func(r *hotspots.CoverageRow) hotspots.Count { return r.DevicesToday }},
}

// lookupMeasure finds a measure by its key; "" is venues.
func lookupMeasure(key string) (measure, bool) {
	if key == "" {
		return measures[0], true
	}
	for _, m := range measures {
		if m.Key == key {
			return m, true
		}
	}
	return measure{}, false
}

// shades is how many steps the district fill has.
const shades = 5

// shadeScale cuts the districts' figures into shades equal steps of a
// round size (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten)
// from a multiple of it at or below the smallest, so that the legend reads
// 161-240, 241-320… and the steps spread over the figures.
type shadeScale struct{ lo, step int64 }

func newShadeScale(rows []hotspots.CoverageRow, m measure) shadeScale {
	lo, hi := int64(math.MaxInt64), int64(0)
	for i := range rows {
		n := m.Of(&rows[i]).N
		lo, hi = min(lo, n), max(hi, n)
	}
	if hi <= 0 {
		return shadeScale{0, 1}
	}
	// The smallest round step whose steps from a round start reach the
	// largest figure, so that the largest is in the darkest step.
	for p := int64(1); ; p *= 10 {
		for _, k := range []int64{10, 12, 15, 20, 25, 30, 40, 50, 60, 80} {
			step := max(1, k*p/10)
			if s := (shadeScale{lo / step * step, step}); s.lo+shades*step >= hi {
				return s
			}
		}
	}
}

// shade is the fill step of figure n: 0 for nothing, then 1..shades.
func (s shadeScale) shade(n int64) int {
	if n <= 0 {
		return 0
	}
	return int(min(max((n-s.lo+s.step-1)/s.step, 1), shades))
}

// ranges are the legend's words for steps 1..shades.
func (s shadeScale) ranges() []string {
	out := make([]string, shades)
	for i := range out {
		a, b := s.lo+int64(i)*s.step, s.lo+int64(i+1)*s.step
		switch {
		case i == 0:
			out[i] = fmt.Sprintf("≤ %d", b)
		case i == shades-1:
			out[i] = fmt.Sprintf("> %d", a)
		default:
			out[i] = fmt.Sprintf("%d–%d", a+1, b)
		}
	}
	return out
}
