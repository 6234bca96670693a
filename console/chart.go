package console

import (
	"bytes"
	"html/template"
	"math"
	"strconv"
	"time"
)

// series is a run of values at a fixed step, oldest first.
type series struct {
	Start  time.Time
	Step   time.Duration
	Values []float64
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, for axis tops.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// Chart geometry in user units.
const (
	chartW, chartH         = 640.0, 180.0
	padL, padR, padT, padB = 56.0, 8.0, 10.0, 24.0
)

// renderChart draws s as an area chart with a y axis labelled by yLabel
// (which formats a value) and hour ticks in Hong Kong time. label names the
// chart for screen readers, who get the figure as a sentence instead of
// the drawing.
func renderChart(s series, label string, yLabel func(float64) string) template.HTML {
	var b bytes.Buffer
	f := func(v float64) { b.Write(strconv.AppendFloat(b.AvailableBuffer(), math.Round(v*10)/10, 'f', -1, 64)) }
	top := 0.0
	for _, v := range s.Values {
		top = max(top, v)
	}
	top = niceCeil(top)
	iw, ih := chartW-padL-padR, chartH-padT-padB
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 640 180" role="img" aria-label="`)
	template.HTMLEscape(&b, []byte(label))
	b.WriteString(`"><title>`)
	template.HTMLEscape(&b, []byte(label))
	b.WriteString(`</title>`)
	for i := 0; i <= 2; i++ { // grid lines at 0, half and top
		v := top * float64(i) / 2
		y := padT + ih - ih*float64(i)/2
		b.WriteString(`<line class="grid" x1="56" x2="632" y1="`)
		f(y)
		b.WriteString(`" y2="`)
		f(y)
		b.WriteString(`"/><text class="ax" x="52" text-anchor="end" y="`)
		f(y + 4)
		b.WriteString(`">`)
		template.HTMLEscape(&b, []byte(yLabel(v)))
		b.WriteString(`</text>`)
	}
	n := len(s.Values)
	span := time.Duration(max(n-1, 1)) * s.Step
	xAt := func(t time.Time) float64 { return padL + iw*float64(t.Sub(s.Start))/float64(span) }
	if s.Step > 0 && n > 1 {
		first := s.Start.In(hongKong).Truncate(time.Hour).Add(time.Hour)
		for t := first; !t.After(s.Start.Add(span)); t = t.Add(time.Hour) {
			if t.In(hongKong).Hour()%6 != 0 {
				continue
			}
			b.WriteString(`<text class="ax" text-anchor="middle" y="176" x="`)
			f(xAt(t))
			b.WriteString(`">`)
			b.WriteString(t.In(hongKong).Format("15:04"))
			b.WriteString(`</text>`)
		}
	}
	if n > 0 {
		b.WriteString(`<path class="area" d="M`)
		for i, v := range s.Values {
			if i > 0 {
				b.WriteByte('L')
			}
			x := padL
			if n > 1 {
				x += iw * float64(i) / float64(n-1)
			}
			f(x)
			b.WriteByte(' ')
			f(padT + ih - ih*v/top)
		}
		b.WriteString(`L`)
		f(padL + iw)
		b.WriteString(` 166L56 166Z"/>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// hongKong is UTC+8 all year.
var hongKong = time.FixedZone("HKT", 8*3600)
